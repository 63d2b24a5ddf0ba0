"""Operations whose meaning depends on a type the translator could not prove.

``obj:name(...)`` is :func:`invoke`, ``t[k]`` :func:`index`, ``t[k] = v``
:func:`setindex`, ``#t`` :func:`length`; ``a .. b`` :func:`concat` and ``a == b``
:func:`eq` (identity for tables, tensors and objects, as in Lua). Each decides
at run time, by the value it gets, what Lua would do: a method of a ported
class, the string library, a Torch tensor method (``TENSOR_METHODS`` from
:mod:`.tensor_methods`, with Lua's 1-based arguments and in-place results) or
a Python object's method.

>>> from pygraphnn.lua.runtime.table import LuaTable
>>> invoke("hello", "upper"), invoke("a,b", "gsub", ",", ";")
('HELLO', ('a;b', 1))
>>> index(["a", "b"], 2), length(LuaTable.of(1, 2, 3))
('b', 3)
"""

from __future__ import annotations

import math
import sys
from typing import Any

from .strings import string, tostring
from .table import LuaTable
from .table import length as _table_length

# Lua method names whose Python spelling differs on pygraphnn/PyTorch modules
MODULE_RENAMES = {"parameters": "luaParameters", "training": "train"}

_tensor_methods: dict | None = None


def _tensor_table() -> dict:
    """rt-torch's TENSOR_METHODS, imported on first use (absent: an empty table)."""
    global _tensor_methods
    if _tensor_methods is None:
        try:
            from .tensor_methods import TENSOR_METHODS
        except ImportError:
            TENSOR_METHODS = _PYTORCH_FALLBACK
        _tensor_methods = TENSOR_METHODS
    return _tensor_methods


def _size(t: Any, dim: Any = None) -> Any:
    return t.size() if dim is None else t.size(int(dim) - 1)


def _add(t: Any, *args: Any) -> Any:
    if len(args) == 1:
        return t.add_(args[0])
    if len(args) == 2 and isinstance(args[0], (int, float)):
        return t.add_(args[1], alpha=args[0])
    raise TypeError("tensor:add with these arguments needs pygraphnn.lua.runtime.tensor_methods")


# Used only while rt-torch's tensor_methods module is absent: the methods whose PyTorch in-place
# spelling has Torch's arguments (random draws then come from PyTorch's generator, not Torch's).
_PYTORCH_FALLBACK: dict = {
    "uniform": lambda t, a=0, b=1: t.uniform_(a, b),
    "normal": lambda t, m=0, s=1: t.normal_(m, s),
    "zero": lambda t: t.zero_(),
    "fill": lambda t, v: t.fill_(v),
    "copy": lambda t, s: t.copy_(s),
    "mul": lambda t, v: t.mul_(v),
    "div": lambda t, v: t.div_(v),
    "cmul": lambda t, v: t.mul_(v),
    "add": _add,
    "size": _size,
    "dim": lambda t: t.dim(),
    "nElement": lambda t: t.numel(),
    "clone": lambda t: t.clone(),
}


def _is_tensor(obj: Any) -> bool:
    mod = type(obj).__module__ or ""
    return mod.startswith("torch") and hasattr(obj, "dim")


def invoke(obj: Any, name: str, *args: Any) -> Any:
    """``obj:name(...)``: find ``name`` the way Lua would for this value and call it."""
    if isinstance(obj, LuaTable):
        method = obj[name]
        if method is None:
            raise AttributeError(f"attempt to call method '{name}' (a nil value)")
        return method(obj, *args)
    if isinstance(obj, str) or (isinstance(obj, (int, float)) and not isinstance(obj, bool)):
        method = getattr(string, name, None)
        if method is None:
            raise AttributeError(f"attempt to call method '{name}' (a nil value)")
        return method(obj, *args)
    if _is_tensor(obj):
        fn = _tensor_table().get(name)
        if fn is not None:
            return fn(obj, *args)
        raise AttributeError(f"tensor method '{name}' is not available in pygraphnn.lua.runtime")
    if name == "cuda" and _is_module(obj):  # module:cuda(): no CUDA needed on a CPU-only machine
        from .cuda import cuda_module

        return cuda_module(obj)
    method = getattr(obj, MODULE_RENAMES.get(name, name), None)
    if method is None:
        method = getattr(obj, name, None)
    if method is None and _is_module(obj):
        from .module_methods import MODULE_METHODS  # Lua nn.Module methods pygraphnn has no twin of

        fallback = MODULE_METHODS.get(name)
        if fallback is not None:
            return fallback(obj, *args)
    if method is None or not callable(method):
        raise AttributeError(f"attempt to call method '{name}' of a {type(obj).__name__} (a nil value)")
    if _is_module(obj):
        # m:forward({x, h}), m:backward(input, drnn_state[t]): a Lua table of tensors is the
        # module's table input, a list here
        args = tuple(_module_arg(a) for a in args)
    result = method(*args)
    return result


def _is_module(obj: Any) -> bool:
    torch = sys.modules.get("torch")  # no module exists before torch is loaded
    return torch is not None and isinstance(obj, torch.nn.Module)


def module_arg(value: Any) -> Any:
    """A module's argument as nn modules take it: a Lua array (LuaTable) of nodes or tensors as a list.

    nngraph hands a node declared on a table of one node that node's value itself, not a table
    (``nn.Identity()({h})`` is ``nn.Identity()(h)``): such a table gives its node."""
    arg = _module_arg(value)
    if isinstance(arg, list) and len(arg) == 1 and type(arg[0]).__name__ == "Node":
        return arg[0]
    return arg


def _module_arg(value: Any) -> Any:
    """A Lua array (a LuaTable without metatable or hash part, or a dict keyed 1..n) as the
    list nn modules take, nested."""
    if isinstance(value, LuaTable) and value._meta is None and not value._hash:
        return [_module_arg(v) for v in value._arr]
    if isinstance(value, list):
        return [_module_arg(v) for v in value]
    if isinstance(value, dict) and value and set(value) == set(range(1, len(value) + 1)):
        # a table the port keeps as a dict ({} filled by out[k] = ...) whose keys are 1..n
        return [_module_arg(value[i]) for i in range(1, len(value) + 1)]
    return value


def _ranges(t: Any, key: Any) -> tuple:
    """Torch's ``t[{i, {a, b}, {}}]`` as a PyTorch index: numbers select, {a, b} narrow (1-based, inclusive,
    negative from the end), {} keeps a whole dimension."""
    parts = key.to_list() if isinstance(key, LuaTable) else list(key)
    out: list[Any] = []
    for dim, part in enumerate(parts):
        size = t.size(dim)
        if isinstance(part, (int, float)) and not isinstance(part, bool):
            i = int(part)
            out.append(i - 1 if i > 0 else size + i)
            continue
        bounds = part.to_list() if isinstance(part, LuaTable) else list(part)
        if not bounds:
            out.append(slice(None))
            continue
        lo = int(bounds[0])
        hi = int(bounds[1]) if len(bounds) > 1 else lo
        lo = lo if lo > 0 else size + lo + 1
        hi = hi if hi > 0 else size + hi + 1
        out.append(slice(lo - 1, hi))
    return tuple(out)


def index(obj: Any, key: Any) -> Any:
    """``obj[key]`` with Lua's meaning for whatever ``obj`` turns out to be (nil when absent).

    A tensor indexed by a table (``x[{{1, 3}, 2}]``) gives Torch's sub-tensor (a view).
    """
    if isinstance(obj, LuaTable):
        return obj[key]
    if _is_tensor(obj) and isinstance(key, (list, tuple, LuaTable)):
        v = obj[_ranges(obj, key)]
        return v.item() if v.dim() == 0 else v
    if isinstance(obj, tuple):  # torch.Size, a LongStorage in Lua: 1-based
        return obj[int(key) - 1] if isinstance(key, (int, float)) and 1 <= key <= len(obj) else None
    if isinstance(obj, list):
        if isinstance(key, float) and key.is_integer():
            key = int(key)
        return obj[key - 1] if isinstance(key, int) and not isinstance(key, bool) and 1 <= key <= len(obj) else None
    if isinstance(obj, dict):
        return obj.get(key)
    if isinstance(obj, str):
        return getattr(string, key, None) if isinstance(key, str) else None
    if _is_tensor(obj) and isinstance(key, (int, float)) and not isinstance(key, bool):
        v = obj[int(key) - 1]
        return v.item() if v.dim() == 0 else v
    if _is_tensor(obj) and isinstance(key, str):
        fn = _tensor_table().get(key)  # x.new, x.size ... read as fields: Torch's method, bound to x
        if fn is not None:
            return lambda *args: fn(obj, *args)
    if isinstance(key, str) and _is_module(obj) and key in ("train", "__typename"):
        # nn's fields with torch names elsewhere: m.train is m.training, m.__typename its class
        if key == "train":
            return obj.training
        from .libraries import torch as lua_torch

        return lua_torch.typename(obj)
    if isinstance(key, str):
        return getattr(obj, key, None)
    raise TypeError(f"attempt to index a {type(obj).__name__} value with {tostring(key)}")


def setindex(obj: Any, key: Any, value: Any) -> None:
    """``obj[key] = value`` with Lua's meaning (lists grow at #t + 1; nil removes)."""
    if isinstance(obj, LuaTable):
        obj[key] = value
    elif _is_tensor(obj) and isinstance(key, (list, tuple, LuaTable)):
        obj[_ranges(obj, key)] = value  # a number fills, a tensor is copied in
    elif isinstance(obj, list):
        if isinstance(key, float) and key.is_integer():
            key = int(key)
        if key == len(obj) + 1 and value is not None:
            obj.append(value)
        elif value is None and key == len(obj):
            obj.pop()
        elif isinstance(key, int) and 1 <= key <= len(obj):
            obj[key - 1] = value
        else:
            raise IndexError(f"index {key} outside the array 1..{len(obj)} (held as a Python list)")
    elif isinstance(obj, dict):
        if value is None:
            obj.pop(key, None)
        else:
            obj[key] = value
    elif _is_tensor(obj) and isinstance(key, (int, float)):
        obj[int(key) - 1] = value
    elif key == "train" and _is_module(obj):
        obj.training = value is not None and value is not False  # this module only, as Lua's field
    elif isinstance(key, str):
        setattr(obj, key, value)
    else:
        raise TypeError(f"attempt to index a {type(obj).__name__} value")


def length(obj: Any) -> Any:
    """``#obj``: a table's border, a string's length, a tensor's size (as Torch gives it)."""
    if _is_tensor(obj):
        return obj.size()
    return _table_length(obj)


def concat(*parts: Any) -> str:
    """``a .. b .. c``: strings and numbers (written as Lua writes them) joined."""
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(p)
        elif isinstance(p, (int, float)) and not isinstance(p, bool):
            out.append(tostring(p))
        else:
            raise TypeError(f"attempt to concatenate a {_kind(p)} value")
    return "".join(out)


def _kind(v: Any) -> str:
    from .system import type as lua_type

    return lua_type(v)


def eq(a: Any, b: Any) -> bool:
    """``a == b``: values for numbers, strings and booleans; identity for everything else."""
    if isinstance(a, (int, float, str)) and isinstance(b, (int, float, str)):
        if isinstance(a, bool) or isinstance(b, bool):
            return a is b
        return a == b
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b
    if isinstance(a, LuaTable) and isinstance(b, LuaTable) and a is not b:
        handler = a._meta.rawget("__eq") if a._meta is not None else None
        return bool(handler(a, b)) if handler is not None else False
    return a is b


def _arith(a: Any, b: Any, event: str) -> Any:
    for x in (a, b):
        if isinstance(x, LuaTable) and x._meta is not None and x._meta.rawget(event) is not None:
            return x._meta.rawget(event)(a, b)
    raise TypeError(f"attempt to perform arithmetic on a {_kind(a if not _number(a) else b)} value")


def _number(x: Any) -> bool:
    return (isinstance(x, (int, float)) and not isinstance(x, bool)) or _is_tensor(x)


def _coerce(x: Any) -> Any:
    if isinstance(x, str):
        from .strings import tonumber

        n = tonumber(x)
        return x if n is None else n
    return x


def _binary(a: Any, b: Any, event: str, op: Any) -> Any:
    a, b = _coerce(a), _coerce(b)
    if _number(a) and _number(b):
        return op(a, b)
    return _arith(a, b, event)


def add(a: Any, b: Any) -> Any:
    """``a + b`` (strings that read as numbers are numbers; ``__add`` of a metatable)."""
    return _binary(a, b, "__add", lambda x, y: x + y)


def sub(a: Any, b: Any) -> Any:
    """``a - b``."""
    return _binary(a, b, "__sub", lambda x, y: x - y)


def mul(a: Any, b: Any) -> Any:
    """``a * b``; of two tensors Torch's product: vector·vector a number (dot), matrix×vector
    a vector (mv), matrix×matrix a matrix (mm), never the element-wise product."""
    return _binary(a, b, "__mul", _times)


def _times(x: Any, y: Any) -> Any:
    if not (_is_tensor(x) and _is_tensor(y)):
        return x * y
    if x.dim() == 1 and y.dim() == 1:
        return _tensor_table()["dot"](x, y)
    if x.dim() == 2 and y.dim() == 1:
        return x.mv(y)
    if x.dim() == 2 and y.dim() == 2:
        return x.mm(y)
    raise TypeError(f"multiplication between {x.dim()}D and {y.dim()}D tensors (Torch multiplies vectors and matrices)")


def div(a: Any, b: Any) -> Any:
    """``a / b``: always a float division; x/0 is inf or nan as in Lua."""

    def divide(x: Any, y: Any) -> Any:
        if isinstance(y, (int, float)) and y == 0 and isinstance(x, (int, float)):
            if x == 0 or x != x:
                return math.nan
            return math.copysign(math.inf, x) * math.copysign(1.0, y)
        return x / y

    return _binary(a, b, "__div", divide)


def mod(a: Any, b: Any) -> Any:
    """``a % b``: ``a - floor(a / b) * b`` (the sign of b, as Python's ``%``); x % 0 is nan."""

    def modulo(x: Any, y: Any) -> Any:
        if isinstance(y, (int, float)) and (y == 0 or math.isinf(y) or (isinstance(x, float) and not math.isfinite(x))):
            return math.nan  # a - floor(a / b) * b is nan there (Python's % gives a for b = inf)
        return x % y

    return _binary(a, b, "__mod", modulo)


def pow(a: Any, b: Any) -> Any:
    """``a ^ b``: a float power."""
    return _binary(a, b, "__pow", lambda x, y: float(x) ** y if not _is_tensor(x) else x**y)


def neg(a: Any) -> Any:
    """``-a``."""
    a = _coerce(a)
    if _number(a):
        return -a
    if isinstance(a, LuaTable) and a._meta is not None and a._meta.rawget("__unm") is not None:
        return a._meta.rawget("__unm")(a)
    raise TypeError(f"attempt to perform arithmetic on a {_kind(a)} value")
