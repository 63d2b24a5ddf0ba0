"""Load Lua Torch7 ``.t7`` files as pygraphnn modules: ``nn.*`` and ``nngraph`` objects
become working modules *with their weights*; everything else stays plain data.

>>> ckpt = load_t7('lm_lstm_epoch30.00_1.3950.t7')            # doctest: +SKIP
>>> rnn = ckpt.protos.rnn                                      # a pygraphnn gModule
>>> print(rnn.code)                                            # doctest: +SKIP

What becomes what (on top of :func:`~pygraphnn.lua.format.t7.load_t7_raw`'s mapping):

* ``nn.<Class>`` objects of the zoo (:mod:`pygraphnn.nn`), containers (``modules``),
  criterions, nngraph's adapters and char-rnn's ``OneHot`` -> pygraphnn modules, built
  from the Lua fields (``weight``, ``bias``, ``size``, ``dimension``, ``nInputDims``, ``p``,
  ``v2``...). ``train == false`` (after Lua's ``evaluate()``) -> ``module.training`` False.
* ``nn.gModule`` -> :class:`pygraphnn.gModule`, rebuilt from ``forwardnodes``: the dummy
  input node (and its ``split``) and the dummy output node disappear; a module node with
  one input reads it bare, one with several reads a list in ``mapindex`` order (nngraph
  unwraps one-entry input tables); ``nSplitOutputs``/``selectindex`` nodes become
  ``node.split(n)`` nodes; annotations (``name``, ``description``, ``graphAttributes``...)
  are kept and ``_debugLabel`` (``[file]:line_function``) becomes the node's site, so
  errors, ``g.code`` and diagrams name the Lua file and line. Nodes are created in
  ``forwardnodes`` order, so modules register (and ``getParameters()`` flattens) in
  Lua's ``self.modules`` order.
* A bare ``nngraph.Node`` -> a :class:`pygraphnn.Node` (its module, inputs, annotations, site).
* Tables stay :class:`~pygraphnn.lua.format.t7.LuaTable` (also when they are lists: Lua's keys
  ``1..n`` are kept, ``t.to_list()`` gives a Python list), with their values converted.
  Tensors, storages, numbers and strings are returned as ``load_t7_raw`` gives them.

Parameters: each parameter is a fresh contiguous copy (``torch.nn.Parameter``) of the
file's tensor, and ``.grad`` a copy of Lua's ``gradWeight``/``gradBias``. Two modules
whose weights are the *same view* of one storage (tied weights) share one Parameter;
other storage sharing (char-rnn's ``combine_all_parameters`` puts every weight in one
flat storage) is not kept: use ``getParameters()`` for a flat view again.

Every weight's shape is checked against the module's other fields before it is used.
An unknown class, a Lua function stored in a module (an overridden method), or a field
of the wrong type raises :class:`~pygraphnn.lua.format.t7.T7Error` naming the class and where it
sits (``protos.rnn.forwardnodes[12].data.module``). :class:`~pygraphnn.lua.format.t7.T7Error` is the
only exception a corrupt or hostile file can cause: whatever else a class loader trips
over (a NaN size, a field of a surprising type) is reported as one, with the object's
place. Tables are converted without recursion and may nest :data:`MAX_TABLE_DEPTH` deep;
torch objects inside torch objects may nest :data:`MAX_OBJECT_DEPTH` deep. Nothing from
the file is executed, and loading does not touch torch's random number generator.

Types: tensors and parameters keep the file's type (a ``DoubleTensor`` stays float64, a
``CudaTensor`` becomes a CPU float32) unless ``load_t7(..., dtype=, device=)`` asks for
another floating-point dtype or a device.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable
from typing import Any

import torch

from ... import nn
from ...adapters import JustElement, JustTable, ModuleFromCriterion
from ...gmodule import gModule
from ...module import Criterion
from ...nn.onehot import OneHot
from ...node import Node
from ...site import Site
from ..format import t7
from ..format.t7 import LuaFunction, LuaKey, LuaTable, Storage, T7Error, TdsVec, TorchObject, load_t7_raw
from . import aliases

__all__ = ["LOADERS", "from_lua", "load_t7", "parse_debug_label", "register_loader", "supported_classes"]

Loader = Callable[["_Loader", TorchObject, list], "torch.nn.Module | Node"]  # Node: nngraph.Node

#: Torch class name -> function ``(loader, obj, path) -> module``.
LOADERS: dict[str, Loader] = {}

#: How deep torch objects may nest inside torch objects (modules in containers, a bare
#: nngraph.Node's inputs): class loaders recurse, so this keeps them far from Python's
#: recursion limit. Real models nest a handful of levels.
MAX_OBJECT_DEPTH = 100
#: How deep tables may nest here (``load_t7_raw`` reads deeper files): each value's place
#: is kept for error messages, which costs time in proportion to its depth.
MAX_TABLE_DEPTH = 5_000
# Annotation values (plain tables) are copied recursively: a cap that no label reaches.
_MAX_ANNOTATION_DEPTH = 50

# Fields that make a stored Lua function change what a module computes.
_METHOD_NAMES = {
    "updateOutput",
    "updateGradInput",
    "accGradParameters",
    "forward",
    "backward",
    "__call__",
    "parameters",
    "type",
    "accUpdateGradParameters",
    "clearState",
}


def register_loader(*class_names: str) -> Callable[[Loader], Loader]:
    """Decorator: ``@register_loader('nn.Foo')`` teaches :func:`load_t7` a Torch class."""

    def deco(fn: Loader) -> Loader:
        for c in class_names:
            LOADERS[c] = fn
        return fn

    return deco


def supported_classes(aliases: bool = False) -> list[str]:
    """The Torch class names :func:`load_t7` turns into modules; with ``aliases=True`` also
    the GPU-stack and package names that load as one of them (``cudnn.ReLU``...).

    >>> 'nn.Linear' in supported_classes(), 'cudnn.ReLU' in supported_classes(aliases=True)
    (True, True)
    """
    names = set(LOADERS)
    if aliases:
        from .aliases import ALIASES

        names.update(a for a, alias in ALIASES.items() if alias.target in LOADERS)
    return sorted(names)


def load_t7(
    path_or_fileobj: Any,
    *,
    strict: bool = True,
    mode: str | None = None,
    long_size: int = 8,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
    max_tensor_bytes: int | None = None,
) -> Any:
    """Read a ``.t7`` file and turn its ``nn``/``nngraph`` objects into pygraphnn modules.

    ``strict=False`` keeps objects of unknown classes as raw :class:`TorchObject` instead
    of raising; where a module must be (a container's child, a gModule node), as an
    :class:`~pygraphnn.lua.classes.unknown.UnknownLuaModule` that fails when run and saves back
    unchanged. ``mode``/``long_size``/``max_tensor_bytes`` as for
    :func:`~pygraphnn.lua.format.t7.load_t7_raw`.

    Tensors keep the type they have in the file (``torch.DoubleTensor`` -> float64,
    ``torch.CudaTensor`` -> float32 on the CPU). ``dtype`` (a floating-point dtype) converts
    every floating-point tensor and module (integer tensors such as indices stay as they
    are), ``device`` moves everything, as ``module.to(device, dtype)`` does; tensors and
    modules shared in the file stay shared.

    Raises :class:`~pygraphnn.lua.format.t7.T7Error` (and nothing else) for a corrupt, truncated or
    hostile file.

    >>> g = load_t7('gmodule.t7')                                # doctest: +SKIP
    >>> g(torch.randn(3, 1), torch.randn(3, 2))                  # doctest: +SKIP
    >>> g32 = load_t7('gmodule.t7', dtype=torch.float32)         # doctest: +SKIP
    """
    if dtype is not None and not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise ValueError(f"dtype= should be a floating-point torch.dtype, got {dtype!r}")
    raw = load_t7_raw(path_or_fileobj, mode=mode, long_size=long_size, max_tensor_bytes=max_tensor_bytes)
    obj = from_lua(raw, strict=strict)
    if dtype is not None or device is not None:
        obj = _cast(obj, dtype, device)
    return obj


def from_lua(obj: Any, *, strict: bool = True) -> Any:
    """Convert a :func:`~pygraphnn.lua.format.t7.load_t7_raw` result (see :func:`load_t7`)."""
    with _untouched_rng():
        return _Loader(strict).value(obj, [])


def _cast(root: Any, dtype: torch.dtype | None, device: Any) -> Any:
    """``load_t7``'s ``dtype=``/``device=``: convert every tensor and module reachable from
    ``root`` (tables are updated in place; each object is converted once, so sharing
    survives). Floating-point tensors take ``dtype``; all take ``device``."""
    done: dict[int, Any] = {}

    def tensor(t: torch.Tensor) -> torch.Tensor:
        to_dtype = dtype if dtype is not None and t.is_floating_point() else t.dtype
        return t.to(device=device if device is not None else t.device, dtype=to_dtype)

    def convert(v: Any) -> Any:
        """The converted ``v``; containers are queued and filled in place."""
        hit = done.get(id(v))
        if hit is not None:
            return hit
        out: Any
        if isinstance(v, torch.nn.Module):
            out = v.to(device=device, dtype=dtype)
        elif isinstance(v, torch.Tensor):
            out = tensor(v)
        elif isinstance(v, Storage):
            out = Storage(tensor(v.tensor))
        elif isinstance(v, (LuaTable, TdsVec, TorchObject)):
            out = v
            todo.append(v)
        else:
            return v
        done[id(v)] = out
        keep.append(v)
        return out

    keep: list = []
    todo: list = []
    root = convert(root)
    while todo:
        c = todo.pop()
        if isinstance(c, TdsVec):
            c[:] = [convert(x) for x in c]
            continue
        d = c.state if isinstance(c, TorchObject) else c
        if isinstance(c, TorchObject) and not isinstance(d, dict):
            object.__setattr__(c, "state", convert(d))
            continue
        items = [(k, convert(k.obj) if isinstance(k, LuaKey) else k, convert(x)) for k, x in dict.items(d)]
        for k, nk, x in items:
            if isinstance(k, LuaKey) and nk is not k.obj:
                dict.__delitem__(d, k)
                k = LuaKey(nk)
            dict.__setitem__(d, k, x)
    return root


# ----------------------------------------------------------------------------------------
# debug labels
# ----------------------------------------------------------------------------------------

_LABEL = re.compile(r"\[(?P<file>.*)\]:(?P<line>-?\d{1,18})_(?P<fn>.*)", re.DOTALL)


def parse_debug_label(label: Any) -> Site:
    """nngraph's ``[file]:line_function`` label -> :class:`~pygraphnn.site.Site`."""
    if isinstance(label, str):
        m = _LABEL.fullmatch(label)
        if m:
            return Site(m["file"], int(m["line"]), m["fn"] or "?")
        return Site(label, 0, "?")
    return Site("<lua>", 0, "?")


def _node_sites(data: LuaTable) -> tuple[Site, Site | None]:
    """(site, split_site) of a node from its ``_debugLabel`` (split/select labels carry both)."""
    ann = data.get("annotations")
    label = ann.get("_debugLabel") if isinstance(ann, dict) else None
    if not isinstance(label, str):
        return parse_debug_label(None), None
    if "selectindex" in data:
        suffix = f"-{_lua_int(data['selectindex'], 'selectindex')}"
        if label.endswith(suffix):
            label = label[: -len(suffix)]
    if " split at " in label:
        head, _, tail = label.rpartition(" split at ")
        if tail.endswith("-mnode"):
            tail = tail[: -len("-mnode")]
        m = re.fullmatch(r"\[(?P<file>.*)\]:(?P<line>-?\d{1,18})", tail, re.DOTALL)
        split = Site(m["file"], int(m["line"]), "?") if m else None
        return parse_debug_label(head), split
    return parse_debug_label(label), None


def _plain(v: Any, depth: int = 0) -> Any:
    """Annotation values as plain Python (tables -> dict, or list when 1..n)."""
    if isinstance(v, LuaTable):
        if depth >= _MAX_ANNOTATION_DEPTH:
            raise T7Error(
                f"an annotation value nests tables more than {_MAX_ANNOTATION_DEPTH} deep (or contains itself)"
            )
        if v and v.is_list():
            return [_plain(x, depth + 1) for x in v.to_list()]
        return {(k.obj if isinstance(k, LuaKey) else k): _plain(x, depth + 1) for k, x in v.items()}
    return v


def _annotations(data: LuaTable) -> dict:
    ann = data.get("annotations")
    if not isinstance(ann, dict):
        return {}
    out = {}
    for k, v in ann.items():
        if k == "_debugLabel":
            continue
        v = _plain(v)
        if k == "graphAttributes" and not isinstance(v, dict):
            v = {}
        out[k.obj if isinstance(k, LuaKey) else k] = v
    return out


# ----------------------------------------------------------------------------------------
# the converter
# ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def _untouched_rng():
    """Module constructors draw their Lua-style initialisation from torch's generator;
    loading must leave it (and the pending Box-Muller half) exactly as it was."""
    from ... import lua_random

    state = lua_random.get_state()
    try:
        yield
    finally:
        lua_random.set_state(state)


def _where(path: list) -> str:
    return t7._format_path(path)


def _fail(reason: str, path: list) -> T7Error:
    return T7Error(reason, path=_where(path))


def _is_lua_int(v: Any) -> bool:
    """True for a Lua number holding an integer (finite, no fraction); False for anything else."""
    return (
        isinstance(v, (int, float))
        and not isinstance(v, bool)
        and (isinstance(v, int) or (math.isfinite(v) and v.is_integer()))
    )


def _lua_int(v: Any, what: str = "a field", path: list | None = None) -> int:
    """``v`` as an int; :class:`T7Error` if it is not an integral Lua number."""
    if not _is_lua_int(v):
        got = repr(v) if isinstance(v, (int, float)) else t7._describe(v)
        raise T7Error(f"{what} should be an integer, got {got}", path=None if path is None else _where(path))
    return int(v)


def _show(v: Any) -> str:
    """A short description of a field value for a message (never a huge or deep repr)."""
    if isinstance(v, (int, float, bool)) or v is None:
        return repr(v)
    if isinstance(v, str):
        return repr(v[:40] + ("..." if len(v) > 40 else ""))
    return t7._describe(v)


class _Loader:
    def __init__(self, strict: bool):
        self.strict = strict
        self.memo: dict[int, Any] = {}
        self.keep: list = []  # raw objects stay alive, so ids stay unique
        self.busy: set[int] = set()
        self.params: dict[tuple, torch.nn.Parameter] = {}
        self.copies: dict[int, torch.Tensor] = {}
        self.depth = 0  # torch objects being converted, one inside the other

    # ---------------------------------------------------------------- generic values
    def value(self, obj: Any, path: list) -> Any:
        if isinstance(obj, TorchObject):
            return self.torch_object(obj, path)
        if isinstance(obj, (LuaTable, TdsVec)):
            return self.table(obj, path)
        return obj

    def table(self, t: LuaTable | TdsVec, path: list) -> LuaTable | TdsVec:
        """A table (or tds container) with its values converted. Nested tables are walked
        with an explicit stack, so a file's table nesting never meets the recursion limit;
        only torch objects recurse, through their loaders."""
        hit = self.memo.get(id(t))
        if hit is not None:
            return hit
        pending: list = []
        out = self._shell(t, path, pending)
        while pending:
            src, dst, p = pending.pop()
            if isinstance(src, TdsVec):
                for i, v in enumerate(src, 1):
                    dst.append(self._child(v, p, i, pending))
                continue
            for k, v in src.items():
                nk = k
                if isinstance(k, LuaKey) and isinstance(k.obj, (TorchObject, LuaTable, TdsVec)):
                    nk = LuaKey(self._child(k.obj, p, k, pending))
                dict.__setitem__(dst, nk, self._child(v, p, k, pending))
        return out

    def _shell(self, t: LuaTable | TdsVec, path: list, pending: list) -> LuaTable | TdsVec:
        """An empty converted container for ``t``, queued to be filled."""
        if len(path) > MAX_TABLE_DEPTH:
            raise _fail(
                f"tables nested more than {MAX_TABLE_DEPTH} deep (load_t7_raw reads such a file without converting it)",
                path,
            )
        out = type(t)()  # LuaTable, TdsHash or TdsVec, as in the file
        self.memo[id(t)] = out
        self.keep.append(t)
        pending.append((t, out, path))
        return out

    def _child(self, v: Any, path: list, key: Any, pending: list) -> Any:
        """The converted value ``v`` found at ``path + [key]`` (a table is queued)."""
        if isinstance(v, (LuaTable, TdsVec)):
            hit = self.memo.get(id(v))
            return hit if hit is not None else self._shell(v, path + [key], pending)
        if isinstance(v, TorchObject):
            return self.torch_object(v, path + [key])
        return v

    def copy(self, t: torch.Tensor) -> torch.Tensor:
        """A contiguous copy of a tensor from the file, made once per tensor object (a
        tensor referenced from many places is materialized once, as the reader's
        ``max_tensor_bytes`` budget assumes)."""
        c = self.copies.get(id(t))
        if c is None:
            c = t.detach().clone(memory_format=torch.contiguous_format)
            self.copies[id(t)] = c
            self.keep.append(t)
        return c

    def torch_object(self, obj: TorchObject, path: list) -> Any:
        key = id(obj)
        if key in self.memo:
            return self.memo[key]
        cls = obj.class_name
        loader = LOADERS.get(cls)
        alias = aliases.resolve(cls, LOADERS) if loader is None else None
        if alias is not None:  # cudnn.*, nn.SpatialConvolutionMM...: the nn class's loader reads it
            obj, loader = aliases.as_target(obj, alias), LOADERS[alias.target]
        if loader is None:
            if not self.strict:
                return obj
            hint = " (a graph.Graph/Edge is only read as part of an nn.gModule)" if cls.startswith("graph.") else ""
            raise _fail(
                f"unsupported Torch class {cls[:80]!r}: pygraphnn has no module for it{hint}; "
                f"load_t7(..., strict=False) keeps such objects raw (an UnknownLuaModule inside a "
                f"model), load_t7_raw reads the "
                f"file without converting anything",
                path,
            )
        if not isinstance(obj.state, dict):
            raise _fail(f"{cls} object has no field table (state is {t7._describe(obj.state)})", path)
        for k, v in obj.state.items():
            if isinstance(v, LuaFunction) and k in _METHOD_NAMES:
                raise _fail(
                    f"{cls} object overrides its method {k!r} with a Lua function, which pygraphnn cannot run",
                    path + [k],
                )
        if key in self.busy:
            raise _fail(f"{cls} object contains itself", path)
        if self.depth >= MAX_OBJECT_DEPTH:
            raise _fail(
                f"torch objects nested more than {MAX_OBJECT_DEPTH} deep (modules inside "
                f"modules, or a chain of bare nngraph.Node); a real model nests a few levels",
                path,
            )
        self.busy.add(key)
        self.keep.append(obj)
        self.depth += 1
        try:
            m = loader(self, obj, path)
        except T7Error as e:
            if e.path is None:  # raised by a helper that did not know where: this object
                raise T7Error(e.reason, offset=e.offset, path=_where(path)) from None
            raise
        except Exception as e:  # the contract: a bad file raises T7Error only
            # A class loader tripped over a value it did not expect (a NaN or huge size, a
            # field of a surprising type, too little memory for what the fields ask):
            # report it as the file's fault, at this object, keeping the cause for debugging.
            raise _fail(f"cannot load this {cls}: {type(e).__name__}: {e}", path) from e
        finally:
            self.busy.discard(key)
            self.depth -= 1
        if isinstance(m, torch.nn.Module):
            m.training = bool(obj.get("train", True) is not False)
        self.memo[key] = m
        return m

    # ------------------------------------------------------------------ field access
    def field(
        self,
        obj: TorchObject,
        name: str,
        path: list,
        kind: Any,
        default: Any = ...,
    ) -> Any:
        """Field ``name`` of ``obj``, checked to be of ``kind`` ('int', 'num', 'bool',
        'tensor', 'table', 'storage', 'module'); ``default`` when absent (required if not given)."""
        v = obj.state.get(name)
        where = path + [name]
        if v is None:
            if default is ...:
                raise _fail(f"{obj.class_name} object lacks its field {name!r}", where)
            return default
        if kind == "int":
            if not _is_lua_int(v):
                raise _fail(f"{obj.class_name}.{name} should be an integer, got {_show(v)}", where)
            return int(v)
        if kind == "num":
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise _fail(f"{obj.class_name}.{name} should be a number, got {t7._describe(v)}", where)
            return float(v)
        if kind == "bool":
            if not isinstance(v, bool):
                raise _fail(f"{obj.class_name}.{name} should be a boolean, got {t7._describe(v)}", where)
            return v
        if kind == "tensor":
            if not isinstance(v, torch.Tensor):
                raise _fail(f"{obj.class_name}.{name} should be a tensor, got {t7._describe(v)}", where)
            return v
        if kind == "table":
            if not isinstance(v, LuaTable):
                raise _fail(f"{obj.class_name}.{name} should be a table, got {t7._describe(v)}", where)
            return v
        if kind == "sizes":  # a LongStorage, a LongTensor or a table of numbers
            n = v.numel() if isinstance(v, torch.Tensor) else len(v) if isinstance(v, (Storage, LuaTable)) else 0
            if n > t7.MAX_DIMS:
                raise _fail(f"{obj.class_name}.{name} should be a list of sizes, got {n} of them", where)
            if isinstance(v, Storage):
                vals = v.tolist()
            elif isinstance(v, torch.Tensor):
                vals = v.reshape(-1).tolist()
            elif isinstance(v, LuaTable) and v.is_list():
                vals = v.to_list()
            else:
                raise _fail(f"{obj.class_name}.{name} should be a list of sizes, got {t7._describe(v)}", where)
            if not all(_is_lua_int(x) for x in vals):
                raise _fail(f"{obj.class_name}.{name} holds non-integer sizes {[_show(x) for x in vals[:8]]}", where)
            return [int(x) for x in vals]
        if kind == "module":
            m = self.value(v, where)
            if not isinstance(m, torch.nn.Module):
                raise _fail(f"{obj.class_name}.{name} should be a module, got {t7._describe(v)}", where)
            return m
        raise AssertionError(kind)

    def param(
        self, obj: TorchObject, name: str, path: list, shape: tuple | None = None, grad_name: str | None = None
    ) -> torch.nn.Parameter:
        """Field ``name`` as a Parameter (shape checked), its ``.grad`` from ``grad_name``."""
        t = self.field(obj, name, path, "tensor")
        if not t.is_floating_point():
            raise _fail(f"{obj.class_name}.{name} should be a floating-point tensor, got {t.dtype}", path + [name])
        if shape is not None and tuple(t.shape) != tuple(shape):
            raise _fail(
                f"{obj.class_name}.{name} has shape {tuple(t.shape)}, expected {tuple(shape)} "
                f"from the module's other fields",
                path + [name],
            )
        key = None
        if t.numel() > 0:
            key = (t.untyped_storage().data_ptr(), t.storage_offset(), tuple(t.shape), tuple(t.stride()), t.dtype)
            if key in self.params:
                return self.params[key]
        p = torch.nn.Parameter(self.copy(t))
        if grad_name is not None:
            g = obj.state.get(grad_name)
            if isinstance(g, torch.Tensor) and g.numel() > 0:
                if tuple(g.shape) != tuple(t.shape) or g.dtype != t.dtype:
                    raise _fail(
                        f"{obj.class_name}.{grad_name} has shape {tuple(g.shape)} {g.dtype}, "
                        f"expected {tuple(t.shape)} {t.dtype} like {name}",
                        path + [grad_name],
                    )
                p.grad = g.detach().clone(memory_format=torch.contiguous_format)
        if key is not None:
            self.params[key] = p
        return p

    def kept_unknown(self, v: Any, path: list) -> Any:
        """Where a module must be: an object of an unknown class that ``strict=False`` kept
        raw becomes an :class:`~.unknown.UnknownLuaModule` (one per object)."""
        if self.strict or not isinstance(v, TorchObject) or v.class_name in LOADERS:
            return v
        from .unknown import UnknownLuaModule

        if id(v) not in self.memo:
            self.memo[id(v)] = UnknownLuaModule(v, _where(path))
        return self.memo[id(v)]

    def modules_list(self, obj: TorchObject, path: list) -> list[torch.nn.Module]:
        mods = self.field(obj, "modules", path, "table", LuaTable())
        if not mods.is_list():
            raise _fail(f"{obj.class_name}.modules is not a list 1..n", path + ["modules"])
        out = []
        for i, m in enumerate(mods.to_list(), 1):
            mod = self.kept_unknown(self.value(m, path + ["modules", i]), path + ["modules", i])
            if not isinstance(mod, torch.nn.Module):
                raise _fail(
                    f"{obj.class_name}.modules[{i}] should be a module, got {t7._describe(m)}", path + ["modules", i]
                )
            out.append(mod)
        return out


# ----------------------------------------------------------------------------------------
# modules without parameters
# ----------------------------------------------------------------------------------------


def _simple(cls_name: str, make: Callable[[], torch.nn.Module]) -> None:
    LOADERS[cls_name] = lambda L, obj, path: make()


for _name in (
    "Identity",
    "Tanh",
    "Sigmoid",
    "Exp",
    "Log",
    "Square",
    "Abs",
    "SoftMax",
    "LogSoftMax",
    "CAddTable",
    "CSubTable",
    "CMulTable",
    "CDivTable",
    "FlattenTable",
):
    _simple("nn." + _name, getattr(nn, _name))
_simple("nngraph.JustTable", JustTable)
_simple("nngraph.JustElement", JustElement)


@register_loader("nn.ReLU")
def _relu(L, obj, path):
    th = L.field(obj, "threshold", path, "num", 0.0)
    val = L.field(obj, "val", path, "num", 0.0)
    if th != 0 or val != 0:  # Lua's ReLU is a Threshold(0, 0): one with other fields computes a Threshold
        return nn.Threshold(th, val, L.field(obj, "inplace", path, "bool", False))
    return nn.ReLU(L.field(obj, "inplace", path, "bool", False))


@register_loader("nn.HardTanh")
def _hardtanh(L, obj, path):
    return nn.HardTanh(
        L.field(obj, "min_val", path, "num", -1.0),
        L.field(obj, "max_val", path, "num", 1.0),
        L.field(obj, "inplace", path, "bool", False),
    )


@register_loader("nn.Sqrt")
def _sqrt(L, obj, path):
    return nn.Sqrt(L.field(obj, "eps", path, "num", 0.0), L.field(obj, "inplace", path, "bool", False))


@register_loader("nn.Power")
def _power(L, obj, path):
    return nn.Power(L.field(obj, "pow", path, "num"))


@register_loader("nn.MulConstant", "nn.AddConstant")
def _constant(L, obj, path):
    cls = nn.MulConstant if obj.class_name == "nn.MulConstant" else nn.AddConstant
    return cls(L.field(obj, "constant_scalar", path, "num"), L.field(obj, "inplace", path, "bool", False))


@register_loader("nn.Dropout")
def _dropout(L, obj, path):
    m = nn.Dropout(
        L.field(obj, "p", path, "num", 0.5),
        not L.field(obj, "v2", path, "bool", True),
        L.field(obj, "inplace", path, "bool", False),
        L.field(obj, "stochastic_inference", path, "bool", False),
    )
    noise = obj.state.get("noise")
    if isinstance(noise, torch.Tensor):
        m.noise = L.copy(noise)
    return m


@register_loader("nn.Reshape")
def _reshape(L, obj, path):
    size = L.field(obj, "size", path, "sizes")
    m = nn.Reshape(*size, batchMode=L.field(obj, "batchMode", path, "bool", None))
    nel = L.field(obj, "nelement", path, "int", m.nelement)
    if nel != m.nelement:
        raise _fail(f"nn.Reshape.nelement is {nel} but its size {size} holds {m.nelement}", path + ["nelement"])
    return m


@register_loader("nn.View")
def _view(L, obj, path):
    m = nn.View(*L.field(obj, "size", path, "sizes"))
    return m.setNumInputDims(L.field(obj, "numInputDims", path, "int", None))


@register_loader("nn.Narrow")
def _narrow(L, obj, path):
    return nn.Narrow(
        L.field(obj, "dimension", path, "int"),
        L.field(obj, "index", path, "int"),
        L.field(obj, "length", path, "int", 1),
    )


@register_loader("nn.Select")
def _select(L, obj, path):
    return nn.Select(L.field(obj, "dimension", path, "int"), L.field(obj, "index", path, "int"))


@register_loader("nn.Transpose")
def _transpose(L, obj, path):
    perms = L.field(obj, "permutations", path, "table")
    if not perms.is_list():
        raise _fail("nn.Transpose.permutations is not a list", path + ["permutations"])
    pairs = []
    for i, p in enumerate(perms.to_list(), 1):
        if not isinstance(p, LuaTable) or not p.is_list() or len(p) != 2:
            raise _fail("each nn.Transpose permutation should be a pair {d1, d2}", path + ["permutations", i])
        pairs.append(tuple(int(d) for d in p.to_list()))
    m = nn.Transpose(*pairs)
    return m.setNumInputDims(L.field(obj, "numInputDims", path, "int", None))


@register_loader("nn.Replicate")
def _replicate(L, obj, path):
    return nn.Replicate(
        L.field(obj, "nfeatures", path, "int"),
        L.field(obj, "dim", path, "int", 1),
        L.field(obj, "ndim", path, "int", None),
    )


@register_loader("nn.Squeeze")
def _squeeze(L, obj, path):
    return nn.Squeeze(L.field(obj, "dim", path, "int", None), L.field(obj, "numInputDims", path, "int", None))


@register_loader("nn.Unsqueeze")
def _unsqueeze(L, obj, path):
    return nn.Unsqueeze(L.field(obj, "pos", path, "int"), L.field(obj, "numInputDims", path, "int", None))


@register_loader("nn.Sum", "nn.Mean")
def _sum(L, obj, path):
    dim = L.field(obj, "dimension", path, "int", 1)
    nid = L.field(obj, "nInputDims", path, "int", None)
    if obj.class_name == "nn.Mean":
        m = nn.Mean(dim, nid)
    else:
        m = nn.Sum(dim, nid)
    m.sizeAverage = L.field(obj, "sizeAverage", path, "bool", obj.class_name == "nn.Mean")
    m.squeeze = L.field(obj, "squeeze", path, "bool", True)
    return m


@register_loader("nn.Max", "nn.Min")
def _max(L, obj, path):
    cls = nn.Max if obj.class_name == "nn.Max" else nn.Min
    return cls(L.field(obj, "dimension", path, "int", 1), L.field(obj, "nInputDims", path, "int", None))


@register_loader("nn.MM")
def _mm(L, obj, path):
    return nn.MM(L.field(obj, "transA", path, "bool", False), L.field(obj, "transB", path, "bool", False))


@register_loader("nn.SplitTable", "nn.JoinTable")
def _split_join(L, obj, path):
    cls = nn.SplitTable if obj.class_name == "nn.SplitTable" else nn.JoinTable
    return cls(L.field(obj, "dimension", path, "int"), L.field(obj, "nInputDims", path, "int", None))


@register_loader("nn.SelectTable")
def _select_table(L, obj, path):
    return nn.SelectTable(L.field(obj, "index", path, "int"))


@register_loader("nn.NarrowTable")
def _narrow_table(L, obj, path):
    return nn.NarrowTable(L.field(obj, "offset", path, "int"), L.field(obj, "length", path, "int", 1))


# ----------------------------------------------------------------------------------------
# modules with parameters (built small, then given the file's weights: no RNG cost)
# ----------------------------------------------------------------------------------------


@register_loader("nn.Linear")
def _linear(L, obj, path):
    w = L.field(obj, "weight", path, "tensor")
    if w.dim() != 2:
        raise _fail(
            f"nn.Linear.weight should be 2-D (outputSize x inputSize), got shape {tuple(w.shape)}", path + ["weight"]
        )
    has_bias = obj.state.get("bias") is not None
    m = nn.Linear(1, 1, has_bias)
    m.weight = L.param(obj, "weight", path, tuple(w.shape), "gradWeight")
    if has_bias:
        m.bias = L.param(obj, "bias", path, (w.shape[0],), "gradBias")
    return m


@register_loader("nn.LookupTable")
def _lookup(L, obj, path):
    w = L.field(obj, "weight", path, "tensor")
    if w.dim() != 2:
        raise _fail(
            f"nn.LookupTable.weight should be 2-D (nIndex x nOutput), got shape {tuple(w.shape)}", path + ["weight"]
        )
    m = nn.LookupTable(
        1,
        1,
        L.field(obj, "paddingValue", path, "int", 0),
        L.field(obj, "maxNorm", path, "num", None),
        L.field(obj, "normType", path, "num", None),
    )
    m.weight = L.param(obj, "weight", path, tuple(w.shape), "gradWeight")
    m.shouldScaleGradByFreq = L.field(obj, "shouldScaleGradByFreq", path, "bool", False)
    return m


@register_loader("nn.CMul")
def _cmul(L, obj, path):
    w = L.field(obj, "weight", path, "tensor")
    size = L.field(obj, "size", path, "sizes", list(w.shape))
    m = nn.CMul(1)
    m.size = torch.Size(size)
    m.weight = L.param(obj, "weight", path, tuple(size), "gradWeight")
    return m


@register_loader("nn.Mul")
def _mul(L, obj, path):
    m = nn.Mul()
    m.weight = L.param(obj, "weight", path, (1,), "gradWeight")
    return m


@register_loader("nn.Add")
def _add(L, obj, path):
    b = L.field(obj, "bias", path, "tensor")
    scalar = L.field(obj, "scalar", path, "bool", False)
    if b.dim() != 1 or (scalar and b.shape[0] != 1):
        raise _fail(
            f"nn.Add.bias should be a vector{' of one element' if scalar else ''}, got shape {tuple(b.shape)}",
            path + ["bias"],
        )
    m = nn.Add(1, scalar)
    m.bias = L.param(obj, "bias", path, tuple(b.shape), "gradBias")
    return m


# ----------------------------------------------------------------------------------------
# containers, criterions, adapters
# ----------------------------------------------------------------------------------------


@register_loader("nn.Sequential", "nn.ConcatTable", "nn.ParallelTable")
def _container(L, obj, path):
    cls = getattr(nn, obj.class_name[3:])
    c = cls()
    for m in L.modules_list(obj, path):
        c.add(m)
    return c


@register_loader("nn.Concat")
def _concat(L, obj, path):
    c = nn.Concat(L.field(obj, "dimension", path, "int"))
    for m in L.modules_list(obj, path):
        c.add(m)
    return c


def _weights(L, obj, path):
    w = obj.state.get("weights")
    if w is None or (isinstance(w, torch.Tensor) and w.numel() == 0):
        return None
    w = L.field(obj, "weights", path, "tensor")
    if w.dim() != 1:
        raise _fail(f"{obj.class_name}.weights should be a vector, got shape {tuple(w.shape)}", path + ["weights"])
    return w


@register_loader("nn.ClassNLLCriterion")
def _classnll(L, obj, path):
    return nn.ClassNLLCriterion(
        _weights(L, obj, path),
        L.field(obj, "sizeAverage", path, "bool", True),
        L.field(obj, "ignoreIndex", path, "int", -100),
    )


@register_loader("nn.CrossEntropyCriterion")
def _crossentropy(L, obj, path):
    nll = obj.state.get("nll")
    weights = _weights(L, nll, path + ["nll"]) if isinstance(nll, TorchObject) else None
    size_average = obj.state.get("sizeAverage")
    if size_average is None and isinstance(nll, TorchObject):
        size_average = nll.state.get("sizeAverage")
    return nn.CrossEntropyCriterion(weights, True if size_average is None else bool(size_average))


@register_loader("nn.MSECriterion", "nn.AbsCriterion")
def _mse(L, obj, path):
    return getattr(nn, obj.class_name[3:])(L.field(obj, "sizeAverage", path, "bool", True))


@register_loader("nn.BCECriterion")
def _bce(L, obj, path):
    return nn.BCECriterion(_weights(L, obj, path), L.field(obj, "sizeAverage", path, "bool", True))


@register_loader("nn.ModuleFromCriterion")
def _from_criterion(L, obj, path):
    return ModuleFromCriterion(L.field(obj, "criterion", path, "module"))


@register_loader("OneHot")
def _onehot(L, obj, path):
    type_name = obj.state.get("_type")
    dtype = _TYPE_DTYPES.get(type_name, torch.float64) if isinstance(type_name, str) else torch.float64
    return OneHot(L.field(obj, "outputSize", path, "int"), dtype=dtype)


_TYPE_DTYPES = {
    "torch.DoubleTensor": torch.float64,
    "torch.FloatTensor": torch.float32,
    "torch.CudaDoubleTensor": torch.float64,
    "torch.CudaTensor": torch.float32,
}


# ----------------------------------------------------------------------------------------
# nngraph
# ----------------------------------------------------------------------------------------


def _mapindex(data: LuaTable, path: list) -> list:
    """The input data tables of a node, in order (``mapindex[1..n]``; reverse keys ignored)."""
    mi = data.get("mapindex")
    if mi is None:
        return []
    if not isinstance(mi, LuaTable):
        raise _fail(f"mapindex should be a table, got {t7._describe(mi)}", path + ["mapindex"])
    out = []
    i = 1
    while i in mi:
        d = mi[i]
        if not isinstance(d, LuaTable):
            raise _fail(f"mapindex[{i}] should be a node's data table, got {t7._describe(d)}", path + ["mapindex", i])
        out.append(d)
        i += 1
    return out


def _node_list(obj: TorchObject, name: str, path: list) -> list[TorchObject]:
    t = obj.state.get(name)
    if not isinstance(t, LuaTable):
        raise _fail(f"nn.gModule.{name} should be a table of nngraph.Node, got {t7._describe(t)}", path + [name])
    out = []
    i = 1
    while i in t:
        n = t[i]
        if not isinstance(n, TorchObject) or n.class_name != "nngraph.Node" or not isinstance(n.get("data"), LuaTable):
            raise _fail(
                f"{name}[{i}] should be an nngraph.Node with a data table, got {t7._describe(n)}", path + [name, i]
            )
        out.append(n)
        i += 1
    return out


def _node_module(L: _Loader, data: LuaTable, path: list) -> torch.nn.Module | None:
    raw = data.get("module")
    if raw is None:
        if data.get("criterion") is not None:
            raise _fail("a criterion node of an old nngraph version is not supported", path + ["criterion"])
        return None
    m = L.kept_unknown(L.value(raw, path + ["module"]), path + ["module"])
    if not isinstance(m, torch.nn.Module):
        raise _fail(f"a node's module should be an nn module, got {t7._describe(raw)}", path + ["module"])
    if isinstance(m, Criterion):
        m = ModuleFromCriterion(m)
    return m


def _new_node(
    module, inputs, *, data, site, split_site=None, table_input=False, n_split=None, select_index=None
) -> Node:
    node = Node(
        module,
        tuple(inputs),
        table_input=table_input,
        n_split=n_split,
        select_index=select_index,
        site=site,
        split_site=split_site,
    )
    node.annotations.update(_annotations(data))
    return node


@register_loader("nn.gModule")
def _gmodule(L: _Loader, obj: TorchObject, path: list) -> gModule:
    fwd = _node_list(obj, "forwardnodes", path)
    innode, outnode = obj.state.get("innode"), obj.state.get("outnode")
    for name, n in (("innode", innode), ("outnode", outnode)):
        if not isinstance(n, TorchObject) or not isinstance(n.get("data"), LuaTable):
            raise _fail(f"nn.gModule.{name} should be an nngraph.Node, got {t7._describe(n)}", path + [name])
    in_data, out_data = innode.data, outnode.data
    if "data" in in_data:
        raise _fail(
            "this nn.gModule was written by an old nngraph (input node with a 'data' dispatch "
            "field); re-save it with a recent nngraph",
            path + ["innode", "data"],
        )
    where = {id(n.data): path + ["forwardnodes", i, "data"] for i, n in enumerate(fwd, 1)}
    order = [n.data for n in fwd]
    if not any(d is in_data for d in order) or not any(d is out_data for d in order):
        raise _fail("nn.gModule.forwardnodes lacks the graph's input or output node", path + ["forwardnodes"])
    consumers: dict[int, list] = {}
    inputs_of: dict[int, list] = {}
    for d in order:
        ins = _mapindex(d, where[id(d)])
        inputs_of[id(d)] = ins
        for x in ins:
            consumers.setdefault(id(x), []).append(d)

    # Where the gModule's input values appear: the dummy input node itself (one input) or
    # the select nodes of its split (several). source id -> 1-based input position.
    n_in = obj.state.get("nInputs")
    if isinstance(n_in, (int, float)) and not isinstance(n_in, bool):
        n_in = _lua_int(n_in, "nn.gModule.nInputs", path + ["nInputs"])
    else:
        n_in = None
    sources: dict[int, int] = {}
    plumbing = {id(in_data), id(out_data)}
    in_children = consumers.get(id(in_data), [])
    split = [d for d in in_children if "nSplitOutputs" in d and d.get("module") is None]
    n_split_in = (
        _lua_int(split[0]["nSplitOutputs"], "nSplitOutputs", where[id(split[0])])
        if split and len(in_children) == 1
        else None
    )
    if n_in is None:
        n_in = n_split_in if n_split_in is not None else 1
    # every input but a lone one is a select node in forwardnodes: more cannot be genuine
    # (and would size lists below from a number in the file)
    if not 1 <= n_in <= max(1, len(fwd)):
        raise _fail(
            f"nn.gModule.nInputs is {n_in}, expected 1..{len(fwd)} for a graph of {len(fwd)} nodes", path + ["nInputs"]
        )
    if n_in == 1:
        sources[id(in_data)] = 1
    else:
        if len(in_children) != 1 or not split or n_split_in != n_in:
            raise _fail(f"nn.gModule has {n_in} inputs but its input node is not split into {n_in}", path + ["innode"])
        mnode = split[0]
        plumbing.add(id(mnode))
        for s in consumers.get(id(mnode), []):
            k = s.get("selectindex")
            if not _is_lua_int(k) or not 1 <= k <= n_in:
                raise _fail(f"a select node of the input split has a bad selectindex {_show(k)}", where[id(s)])
            sources[id(s)] = int(k)
            plumbing.add(id(s))
    src_data = {id(d): d for d in order}

    input_nodes: list[Node | None] = [None] * n_in
    nodes: dict[int, Node] = {}
    split_outputs = 0

    def resolve(x: LuaTable, reader_path: list) -> Node:
        if id(x) in nodes:
            return nodes[id(x)]
        k = sources.get(id(x))
        if k is None:
            raise _fail("a node reads a node that is not before it in forwardnodes", reader_path + ["mapindex"])
        node = input_nodes[k - 1]
        if node is None:  # the input value feeds several nodes: an explicit input node
            site, _ = _node_sites(src_data.get(id(x), x))
            node = input_nodes[k - 1] = Node(nn.Identity(), (), site=site)
        return node

    for d in order:
        if id(d) in plumbing:
            continue
        dpath = where[id(d)]
        ins = inputs_of[id(d)]
        site, split_site = _node_sites(d)
        module = _node_module(L, d, dpath)
        if (
            module is not None
            and len(ins) == 1
            and id(ins[0]) in sources
            and len(consumers[id(ins[0])]) == 1
            and input_nodes[sources[id(ins[0])] - 1] is None
        ):
            node = _new_node(module, (), data=d, site=site)
            input_nodes[sources[id(ins[0])] - 1] = node
        else:
            args = [resolve(x, dpath) for x in ins]
            if "selectindex" in d:
                if module is not None or len(args) != 1 or args[0].n_split is None:
                    raise _fail("a select node should read exactly one split node and have no module", dpath)
                k = _lua_int(d["selectindex"], "selectindex", dpath)
                if not 1 <= k <= args[0].n_split:
                    raise _fail(f"selectindex {k} out of range for a split into {args[0].n_split}", dpath)
                node = _new_node(
                    None, args, data=d, site=args[0].site, split_site=args[0].split_site or split_site, select_index=k
                )
            elif "nSplitOutputs" in d and module is None:
                if len(args) != 1:
                    raise _fail(f"a split node should read one node, it reads {len(args)}", dpath)
                n_split = _lua_int(d["nSplitOutputs"], "nSplitOutputs", dpath)
                # Each used output is a select node in forwardnodes; the generated code names
                # every output, so a few unused ones are fine but not millions.
                split_outputs += n_split
                if n_split < 1 or split_outputs > 2 * len(fwd) + 256:
                    raise _fail(f"nSplitOutputs {n_split} is out of proportion to a graph of {len(fwd)} nodes", dpath)
                node = _new_node(None, args, data=d, site=site, split_site=split_site or site, n_split=n_split)
            elif not args:
                lua_label = getattr(module, "lua_label", None)
                what = lua_label() if lua_label is not None else type(module).__name__
                raise _fail(
                    f"a node with no inputs ({what}) that is not a gModule input (a parameter node) is not supported",
                    dpath,
                )
            else:
                if module is None:  # nngraph: a node without a module passes its input through
                    module = nn.Identity() if len(args) == 1 else JustTable()
                if "nSplitOutputs" in d:
                    raise _fail("a node with both a module and nSplitOutputs is not supported", dpath)
                node = _new_node(module, args, data=d, site=site, table_input=len(args) > 1)
        nodes[id(d)] = node

    outs = [resolve(x, path + ["outnode", "data"]) for x in _mapindex(out_data, path + ["outnode", "data"])]
    if not outs:
        raise _fail("nn.gModule has no outputs", path + ["outnode"])
    for k in range(n_in):
        if input_nodes[k] is None:  # an input nothing reads (nngraph refuses these; be lenient)
            input_nodes[k] = Node(nn.Identity(), (), site=parse_debug_label(None))
    try:
        return gModule(input_nodes, outs)
    except Exception as e:  # a graph pygraphnn cannot represent: say where it came from
        raise _fail(f"cannot rebuild this nn.gModule: {type(e).__name__}: {e}", path) from e


@register_loader("nngraph.Node")
def _bare_node(L: _Loader, obj: TorchObject, path: list) -> Node:
    """A standalone node (not read through a gModule): module, inputs (its children, in
    mapindex order), split/select fields, annotations and site."""
    data = L.field(obj, "data", path, "table")
    dpath = path + ["data"]
    module = _node_module(L, data, dpath)
    children = obj.state.get("children")
    kids = []
    if isinstance(children, LuaTable):
        i = 1
        while i in children:
            kids.append((i, children[i]))
            i += 1
    pos = {id(d): k for k, d in enumerate(_mapindex(data, dpath))}
    last = 1 << 30  # children without a place in mapindex go last, in their order
    kids.sort(key=lambda ic: pos.get(id(ic[1].get("data")), last) if isinstance(ic[1], TorchObject) else last)
    inputs = []
    for i, c in kids:
        n = L.value(c, path + ["children", i])
        if not isinstance(n, Node):
            raise _fail(f"children[{i}] should be an nngraph.Node, got {t7._describe(c)}", path + ["children", i])
        inputs.append(n)
    site, split_site = _node_sites(data)
    sel = data.get("selectindex")
    nsp = data.get("nSplitOutputs")
    return _new_node(
        module,
        inputs,
        data=data,
        site=site,
        split_site=split_site,
        table_input=module is not None and len(inputs) > 1,
        n_split=None if nsp is None else _lua_int(nsp, "nSplitOutputs", dpath),
        select_index=None if sel is None else _lua_int(sel, "selectindex", dpath),
    )
