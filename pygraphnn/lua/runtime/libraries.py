"""The ``torch`` and ``optim`` tables a ported program sees, and the raw table access functions.

``lua.torch.X`` finds ``X`` first among the functions that are about the Lua
language (``torch.class``, ``torch.CmdLine``, ``torch.type`` of an object of a
ported class) and then in ``TORCH_FUNCTIONS`` of :mod:`.torch_functions` (Torch's
numerics with Lua's conventions: double default type, Torch's random stream).
``lua.optim.X`` is ``OPTIM[X]`` of :mod:`.optim`. Both are imported on first use.

>>> c, _ = torch["class"]("Point")
>>> p = torch.new("Point")
>>> torch.type(p), torch.type({}), torch.typename(p)
('Point', 'table', 'Point')
"""

from __future__ import annotations

import importlib
from typing import Any

from . import objects
from .cmdline import CmdLine
from .table import LuaTable


def _numerics(module: str, table: str) -> dict:
    try:
        return getattr(importlib.import_module(f"{__package__}.{module}"), table)
    except ImportError:
        return {}


def _type(obj: Any) -> str:
    name = objects.typename(obj)
    if name is not None:
        return name
    if isinstance(obj, (LuaTable, list, dict)):
        return "table"
    fn = _numerics("torch_functions", "TORCH_FUNCTIONS").get("type")
    if fn is not None:
        return fn(obj)
    from .system import type as lua_type

    return lua_type(obj)


def _is_type_of(obj: Any, name: Any) -> bool:
    return objects.isinstance_of(obj, name if isinstance(name, str) else name.rawget("__typename"))


def _pointer(obj: Any) -> int:
    """A storage is its memory (two views of one storage are the same); anything else is itself."""
    tensor = getattr(obj, "tensor", None)
    if callable(tensor) and not hasattr(obj, "dim"):
        return tensor().data_ptr()
    if hasattr(obj, "untyped_storage") and not hasattr(obj, "dim"):
        return obj.data_ptr()
    return id(obj)


def _setnumthreads(n: Any) -> None:
    import torch as _torch

    _torch.set_num_threads(int(n))


class _Namespace:
    """A Lua library table: language-level entries here, numerics from a sibling module's dict."""

    def __init__(self, name: str, module: str, table: str, own: dict, fallback: dict | None = None):
        self._name, self._module, self._table, self._own = name, module, table, own
        self._fallback = fallback or {}  # used only when the numerics module has no entry

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        if key in self._own:
            return self._own[key]
        found = _numerics(self._module, self._table).get(key)
        if found is None:
            found = self._fallback.get(key)
        if found is None:
            raise AttributeError(f"{self._name}.{key} is not available in pygraphnn.lua.runtime")
        return found

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)


torch = _Namespace(
    "torch",
    "torch_functions",
    "TORCH_FUNCTIONS",
    {
        "class": lambda name, parent=None: objects.class_(name, parent),
        "new": objects.new,
        "CmdLine": CmdLine,
        "type": _type,
        "typename": lambda obj: (
            objects.typename(obj)
            if objects.typename(obj) is not None
            else (None if isinstance(obj, (LuaTable, list, dict)) else _type(obj))
        ),
        "isTypeOf": _is_type_of,
    },
    {
        # torch.pointer: an object's identity as a number (programs key tables by it)
        "pointer": lambda obj: _pointer(obj),
    },
)
# before rt-torch's module is there, the thread count still works (programs call it first)
torch._own.setdefault("setnumthreads", _setnumthreads)

optim = _Namespace("optim", "optim", "OPTIM", {})

# GPU packages: rt-torch's cuda module maps them to the torch device (no-ops on CPU)
cutorch = _Namespace("cutorch", "cuda", "CUTORCH", {})
cunn = _Namespace("cunn", "cuda", "CUNN", {})
fbcunn = _Namespace("fbcunn", "cuda", "FBCUNN", {})  # its CUDA modules are not here; require works
cudnn = _Namespace("cudnn", "cuda", "CUDNN", {})
cltorch = _Namespace("cltorch", "cuda", "CLTORCH", {})
clnn = _Namespace("clnn", "cuda", "CLNN", {})


def _progress(current: Any, total: Any) -> None:
    pass  # xlua.progress draws a bar on a terminal; the numbers a program prints are elsewhere


xlua = _Namespace("xlua", "cuda", "XLUA", {"progress": _progress})
sys = _Namespace("sys", "cuda", "SYS", {"clock": lambda: __import__("time").time()})


def rawget(t: LuaTable, key: Any) -> Any:
    """``rawget(t, k)``: t[k] without the metatable."""
    return t.rawget(key) if isinstance(t, LuaTable) else t.get(key)


def rawset(t: LuaTable, key: Any, value: Any) -> Any:
    """``rawset(t, k, v)``: t[k] = v without the metatable; returns t."""
    if isinstance(t, LuaTable):
        t.rawset(key, value)
    else:
        t[key] = value
    return t


def rawequal(a: Any, b: Any) -> bool:
    """``rawequal(a, b)``: the same object (or equal numbers/strings)."""
    if isinstance(a, (int, float, str)) and isinstance(b, (int, float, str)):
        return a == b
    return a is b
