"""Write pygraphnn modules as Lua Torch7 objects that Lua's ``torch.load`` can use.

>>> save_t7({'protos': {'rnn': g}, 'opt': {'rnn_size': 128}}, 'model.t7')   # doctest: +SKIP

:func:`to_torch_object` turns a module into a :class:`~pygraphnn.lua.format.t7.TorchObject` with
Lua nn's class name and field names (``weight``, ``bias``, ``gradWeight``, ``gradBias``,
``output``, ``gradInput``, ``train``, ``_type``, and each class's own fields such as
``size``/``nelement``/``batchMode``, ``dimension``/``nInputDims``, ``p``/``v2``...).
A :class:`~pygraphnn.gModule` becomes an ``nn.gModule`` laid out as nngraph builds one: a
dummy input node (split into one select node per input when there are several), a
dummy output node, ``bg`` (from the output node, children = inputs) and ``fg`` (its
reverse, new nodes sharing the ``data`` tables) as ``graph.Graph`` objects with
``graph.Edge`` lists, ``forwardnodes``/``backwardnodes``, ``innode``/``outnode``,
``modules``, ``nInputs``; node data carry ``module``, ``mapindex`` (inputs in order plus
the reverse map), ``reverseMap``, ``selectindex``/``nSplitOutputs``, ``forwardNodeId``
and ``annotations`` with ``_debugLabel = '[file]:line_function'`` from the node's site.
``forwardnodes`` follows pygraphnn's node order, so Lua's ``getParameters()`` gives the
same flat layout as pygraphnn's.

Parameters are written once each (a module or Parameter used twice is one object in the
file); ``.grad`` becomes ``gradWeight``/``gradBias`` (zeros when absent).
Not representable in nngraph, so refused with :class:`SaveError`: a node that reads a
one-entry list (``module([a])``; nngraph unwraps one-entry input tables) or the same node
twice in its input list.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import torch

from ... import nn
from ...adapters import JustElement, JustTable, ModuleFromCriterion
from ...gmodule import gModule
from ...nn.onehot import OneHot
from ...site import Site
from ..format import t7
from ..format.t7 import LuaKey, LuaTable, Storage, TorchObject
from .unknown import UnknownLuaModule

__all__ = ["SAVERS", "SaveError", "debug_label", "save_t7", "to_lua", "to_torch_object"]


class SaveError(TypeError):
    """A module (or graph) that cannot be written as a Lua object."""


# the module argument is typed Any: each saver takes the class it is registered for
Saver = Callable[["_Saver", Any], TorchObject]
#: pygraphnn class -> function ``(saver, module) -> TorchObject``.
SAVERS: dict[type, Saver] = {}

_TYPE_NAMES = {
    torch.float64: "torch.DoubleTensor",
    torch.float32: "torch.FloatTensor",
    torch.float16: "torch.HalfTensor",
}


def save_t7(obj: Any, path_or_fileobj: Any, *, mode: str = "binary") -> None:
    """Write ``obj`` (modules anywhere inside dicts/lists are converted with
    :func:`to_torch_object`) like Torch7's ``torch.save``."""
    if (
        isinstance(obj, (str, os.PathLike))
        and not isinstance(path_or_fileobj, (str, os.PathLike))
        and not hasattr(path_or_fileobj, "write")
    ):
        # Lua's torch.save(filename, obj) takes the file first; ours takes it second
        raise TypeError(
            f"save_t7(obj, path): the object comes first and the path second (Lua's "
            f"torch.save(filename, obj) is the other way round); got a path {str(obj)!r} "
            f"as obj and a {type(path_or_fileobj).__name__} as path"
        )
    t7.save_t7(to_lua(obj), path_or_fileobj, mode=mode)


def to_lua(obj: Any) -> Any:
    """``obj`` with every pygraphnn module replaced by its Lua TorchObject (dicts become
    LuaTables, lists stay lists; shared modules stay shared)."""
    return _Saver(_root_dtype(obj)).value(obj)


def to_torch_object(module: torch.nn.Module) -> TorchObject:
    """The Lua ``nn`` object for ``module`` (see the module docstring)."""
    if not isinstance(module, torch.nn.Module):
        raise SaveError(f"to_torch_object expects a module, got {type(module).__name__}")
    return _Saver(_root_dtype(module)).module(module)


def _root_dtype(obj: Any) -> torch.dtype:
    """The tensor type of parameter-free modules: that of the first floating parameter."""
    stack = [obj]
    seen = set()
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        if isinstance(o, torch.nn.Module):
            for t in list(o.parameters()) + list(o.buffers()):
                if t.is_floating_point() and t.numel() > 0:
                    return t.dtype
        elif isinstance(o, dict):
            stack.extend(o.values())
        elif isinstance(o, (list, tuple)):
            stack.extend(o)
    return torch.float64


def debug_label(site: Site) -> str:
    """nngraph's ``[file]:line_function`` label for a site."""
    fn = "" if site.function in ("?", "<module>") else site.function
    return f"[{site.filename}]:{site.lineno}_{fn}"


class _Saver:
    def __init__(self, dtype: torch.dtype):
        self.dtype = dtype
        self.memo: dict[int, Any] = {}
        self.keep: list = []

    # ---------------------------------------------------------------- generic values
    def value(self, obj: Any) -> Any:
        if isinstance(obj, torch.nn.Module):
            return self.module(obj)
        if id(obj) in self.memo:
            return self.memo[id(obj)]
        if isinstance(obj, dict) and not isinstance(obj, TorchObject):
            out = LuaTable()
            self.memo[id(obj)] = out
            self.keep.append(obj)
            for k, v in obj.items():
                if isinstance(k, LuaKey) and isinstance(k.obj, torch.nn.Module):
                    k = LuaKey(self.module(k.obj))
                dict.__setitem__(out, t7._norm_setkey(k) if not isinstance(k, LuaKey) else k, self.value(v))
            return out
        if isinstance(obj, (list, tuple)):
            items: list[Any] = []
            self.memo[id(obj)] = items
            self.keep.append(obj)
            items.extend(self.value(v) for v in obj)
            return items
        if isinstance(obj, torch.nn.Parameter):
            return self.tensor(obj)
        return obj

    def module(self, m: torch.nn.Module) -> TorchObject:
        hit = self.memo.get(id(m))
        if hit is not None:
            return hit
        saver = None
        for cls in type(m).__mro__:
            saver = SAVERS.get(cls)
            if saver is not None:
                break
        if saver is None and getattr(type(m), "_lua_class", None) is not None:
            saver = _ported_class  # a module class of the ported program itself (torch.class)
        if saver is None:
            raise SaveError(
                f"cannot save a {type(m).__module__}.{type(m).__qualname__} as a Lua nn module; "
                f"supported: {', '.join(sorted(c.__name__ for c in SAVERS))}"
            )
        self.keep.append(m)
        obj = saver(self, m)
        self.memo[id(m)] = obj
        return obj

    def tensor(self, t: torch.Tensor | None, like: torch.Tensor | None = None) -> torch.Tensor:
        """One file object per Parameter/tensor; ``None`` -> zeros like ``like``."""
        if t is None:
            assert like is not None, "a missing tensor needs a template"
            return torch.zeros_like(like.detach())
        hit = self.memo.get(id(t))
        if hit is None:
            hit = t.detach().cpu()
            self.memo[id(t)] = hit
            self.keep.append(t)
        return hit

    def dtype_of(self, m: torch.nn.Module) -> torch.dtype:
        for t in list(m.parameters()) + list(m.buffers()):
            if t.is_floating_point():
                return t.dtype
        return self.dtype

    def base(
        self,
        m: torch.nn.Module,
        cls: str,
        fields: dict | None = None,
        *,
        table_output: bool = False,
        table_grad: bool = False,
    ) -> TorchObject:
        dt = self.dtype_of(m)
        st = LuaTable()
        st["output"] = LuaTable() if table_output else torch.empty(0, dtype=dt)
        st["gradInput"] = LuaTable() if table_grad else torch.empty(0, dtype=dt)
        st["_type"] = _TYPE_NAMES.get(dt, "torch.DoubleTensor")
        st["train"] = bool(m.training)
        for k, v in (fields or {}).items():
            if v is not None:  # Lua nil: the field is absent
                st[k] = v
        return TorchObject(cls, st)

    def param_fields(self, m: torch.nn.Module, names: dict[str, str]) -> dict:
        """``{'weight': 'gradWeight', ...}`` -> Lua fields for the parameters that exist."""
        out = {}
        for name, grad_name in names.items():
            p = getattr(m, name, None)
            if p is None:
                continue
            out[name] = self.tensor(p)
            out[grad_name] = self.tensor(p.grad, p) if p.grad is not None else torch.zeros_like(p.detach())
        return out


def _long_storage(values) -> Storage:
    return Storage(torch.tensor([int(v) for v in values], dtype=torch.int64))


def register_saver(*classes: type) -> Callable[[Saver], Saver]:
    def deco(fn: Saver) -> Saver:
        for c in classes:
            SAVERS[c] = fn
        return fn

    return deco


# ----------------------------------------------------------------------------------------
# savers
# ----------------------------------------------------------------------------------------


def _base_saver(name: str, table_grad: bool = False) -> Saver:
    """A saver for a module that is its class name and Lua's base fields."""
    return lambda S, m: S.base(m, name, table_grad=table_grad)


for _cls in (nn.Identity, nn.Tanh, nn.Sigmoid, nn.Exp, nn.Log, nn.Square, nn.Abs, nn.SoftMax, nn.LogSoftMax):
    SAVERS[_cls] = _base_saver("nn." + _cls.__name__)
for _table_cls in (nn.CAddTable, nn.CSubTable, nn.CMulTable, nn.CDivTable):
    SAVERS[_table_cls] = _base_saver("nn." + _table_cls.__name__, table_grad=True)


@register_saver(nn.ReLU)
def _relu(S, m):
    return S.base(m, "nn.ReLU", {"threshold": 0.0, "val": 0.0, "inplace": bool(m.inplace)})


@register_saver(nn.HardTanh)
def _hardtanh(S, m):
    return S.base(m, "nn.HardTanh", {"min_val": m.min_val, "max_val": m.max_val, "inplace": bool(m.inplace)})


@register_saver(nn.Sqrt)
def _sqrt(S, m):
    return S.base(m, "nn.Sqrt", {"eps": float(m.eps), "inplace": bool(m.inplace)})


@register_saver(nn.Power)
def _power(S, m):
    return S.base(m, "nn.Power", {"pow": float(m.pow)})


@register_saver(nn.MulConstant, nn.AddConstant)
def _constant(S, m):
    return S.base(
        m, "nn." + type(m).__name__, {"constant_scalar": float(m.constant_scalar), "inplace": bool(m.inplace)}
    )


@register_saver(nn.Dropout)
def _dropout(S, m):
    noise = m.noise if isinstance(m.noise, torch.Tensor) else torch.empty(0)
    return S.base(
        m,
        "nn.Dropout",
        {
            "p": float(m.p),
            "v2": bool(m.v2),
            "inplace": bool(m.inplace),
            "stochastic_inference": bool(m.stochastic_inference),
            "noise": noise.detach().to(S.dtype_of(m)),
        },
    )


@register_saver(nn.Reshape)
def _reshape(S, m):
    return S.base(
        m,
        "nn.Reshape",
        {
            "size": _long_storage(m.size),
            "batchsize": _long_storage([1, *m.size]),
            "nelement": float(m.nelement),
            "batchMode": m.batchMode,
        },
    )


@register_saver(nn.View)
def _view(S, m):
    return S.base(
        m,
        "nn.View",
        {"size": _long_storage(m.size), "numElements": float(m.numElements), "numInputDims": m.numInputDims},
    )


@register_saver(nn.Narrow)
def _narrow(S, m):
    return S.base(m, "nn.Narrow", {"dimension": m.dimension, "index": m.index, "length": m.length})


@register_saver(nn.Select)
def _select(S, m):
    return S.base(m, "nn.Select", {"dimension": m.dimension, "index": m.index})


@register_saver(nn.Transpose)
def _transpose(S, m):
    return S.base(
        m, "nn.Transpose", {"permutations": [list(p) for p in m.permutations], "numInputDims": m.numInputDims}
    )


@register_saver(nn.Replicate)
def _replicate(S, m):
    return S.base(m, "nn.Replicate", {"nfeatures": m.nfeatures, "dim": m.dim, "ndim": m.ndim})


@register_saver(nn.Squeeze)
def _squeeze(S, m):
    return S.base(m, "nn.Squeeze", {"dim": m.dim, "numInputDims": m.numInputDims})


@register_saver(nn.Unsqueeze)
def _unsqueeze(S, m):
    return S.base(m, "nn.Unsqueeze", {"pos": m.pos, "numInputDims": m.numInputDims})


@register_saver(nn.Sum)  # Mean is a Sum, as in Lua
def _sum(S, m):
    return S.base(
        m,
        "nn." + type(m).__name__,
        {
            "dimension": m.dimension,
            "nInputDims": m.nInputDims,
            "sizeAverage": bool(m.sizeAverage),
            "squeeze": bool(m.squeeze),
        },
    )


@register_saver(nn.Max)  # and Min
def _max(S, m):
    return S.base(m, "nn." + type(m).__name__, {"dimension": m.dimension, "nInputDims": m.nInputDims})


@register_saver(nn.MM)
def _mm(S, m):
    return S.base(m, "nn.MM", {"transA": bool(m.transA), "transB": bool(m.transB)}, table_grad=True)


@register_saver(nn.SplitTable)
def _split(S, m):
    return S.base(m, "nn.SplitTable", {"dimension": m.dimension, "nInputDims": m.nInputDims}, table_output=True)


@register_saver(nn.JoinTable)
def _join(S, m):
    return S.base(
        m,
        "nn.JoinTable",
        {"dimension": m.dimension, "nInputDims": m.nInputDims, "size": _long_storage([])},
        table_grad=True,
    )


@register_saver(nn.SelectTable)
def _select_table(S, m):
    return S.base(m, "nn.SelectTable", {"index": m.index}, table_grad=True)


@register_saver(nn.NarrowTable)
def _narrow_table(S, m):
    return S.base(m, "nn.NarrowTable", {"offset": m.offset, "length": m.length}, table_output=True, table_grad=True)


@register_saver(nn.FlattenTable)
def _flatten_table(S, m):
    return S.base(m, "nn.FlattenTable", {"input_map": LuaTable()}, table_output=True, table_grad=True)


@register_saver(nn.Linear)
def _linear(S, m):
    return S.base(m, "nn.Linear", S.param_fields(m, {"weight": "gradWeight", "bias": "gradBias"}))


@register_saver(nn.LookupTable)
def _lookup(S, m):
    f = S.param_fields(m, {"weight": "gradWeight"})
    f.update(
        paddingValue=float(m.paddingValue or 0),
        maxNorm=m.maxNorm,
        normType=m.normType,
        shouldScaleGradByFreq=bool(m.shouldScaleGradByFreq),
    )
    return S.base(m, "nn.LookupTable", f)


@register_saver(nn.CMul)
def _cmul(S, m):
    f = S.param_fields(m, {"weight": "gradWeight"})
    f["size"] = _long_storage(m.size)
    return S.base(m, "nn.CMul", f)


@register_saver(nn.Mul)
def _mul(S, m):
    return S.base(m, "nn.Mul", S.param_fields(m, {"weight": "gradWeight"}))


@register_saver(nn.Add)
def _add(S, m):
    f = S.param_fields(m, {"bias": "gradBias"})
    if m.scalar:
        f["scalar"] = True
    return S.base(m, "nn.Add", f)


@register_saver(nn.Sequential, nn.ConcatTable, nn.ParallelTable, nn.Concat)
def _container(S, m):
    f = {"modules": [S.module(c) for c in m]}
    if isinstance(m, nn.Concat):
        f["dimension"] = m.dimension
    return S.base(
        m,
        "nn." + type(m).__name__,
        f,
        table_output=isinstance(m, (nn.ConcatTable, nn.ParallelTable)),
        table_grad=isinstance(m, nn.ParallelTable),
    )


def _criterion_fields(S, m) -> dict:
    f: dict = {"sizeAverage": bool(m.sizeAverage)}
    w = getattr(m, "weights", None)
    if isinstance(w, torch.Tensor):
        f["weights"] = S.tensor(w)
    return f


@register_saver(nn.ClassNLLCriterion)
def _classnll(S, m):
    f = _criterion_fields(S, m)
    f["ignoreIndex"] = float(m.ignoreIndex)
    o = S.base(m, "nn.ClassNLLCriterion", f)
    o.state["output"] = 0.0
    o.state["output_tensor"] = torch.zeros(1, dtype=S.dtype_of(m))  # Lua's updateOutput writes here
    o.state["total_weight_tensor"] = torch.ones(1, dtype=S.dtype_of(m))
    return o


@register_saver(nn.CrossEntropyCriterion)
def _crossentropy(S, m):
    nll = nn.ClassNLLCriterion(m.weights, m.sizeAverage)
    f = {
        "sizeAverage": bool(m.sizeAverage),
        "oldSizeAverage": bool(m.sizeAverage),
        "lsm": S.base(m, "nn.LogSoftMax"),
        "nll": _classnll(S, nll),
    }
    o = S.base(m, "nn.CrossEntropyCriterion", f)
    o.state["output"] = 0.0
    return o


@register_saver(nn.MSECriterion, nn.AbsCriterion, nn.BCECriterion)
def _simple_criterion(S, m):
    o = S.base(m, "nn." + type(m).__name__, _criterion_fields(S, m))
    o.state["output"] = 0.0
    return o


@register_saver(JustTable)
def _just_table(S, m):
    return S.base(m, "nngraph.JustTable", table_output=True, table_grad=True)


@register_saver(JustElement)
def _just_element(S, m):
    return S.base(m, "nngraph.JustElement", table_grad=True)


@register_saver(ModuleFromCriterion)
def _from_criterion(S, m):
    return S.base(m, "nn.ModuleFromCriterion", {"criterion": S.module(m.criterion)}, table_grad=True)


@register_saver(OneHot)
def _onehot_saver(S, m):
    dt = m._dtype_probe.dtype
    return S.base(m, "OneHot", {"outputSize": float(m.outputSize), "_eye": torch.eye(m.outputSize, dtype=dt)})


_TORCH_MODULE_FIELDS = set(torch.nn.Module().__dict__)


def _ported_class(S, m):
    """A module of a class the ported program defined (``torch.class('OneHot', 'nn.Module')``):
    an object of that Lua class with the fields the program set on it, so that Lua loads it
    once the program's file defining the class is required."""
    name = type(m)._lua_class.rawget("__typename")
    fields = {
        k: S.value(v) for k, v in vars(m).items() if k not in _TORCH_MODULE_FIELDS and k not in ("output", "gradInput")
    }
    return S.base(m, name, fields)


# ----------------------------------------------------------------------------------------
# gModule -> nngraph layout
# ----------------------------------------------------------------------------------------

_C_LABEL = "[[C]]:-1_"
_GMODULE_LUA = "[...torch/install/share/lua/5.1/nngraph/gmodule.lua]:96"


class _LuaGraph:
    """graph.Graph: ``nodes``/``edges`` lists with reverse maps; ``add`` numbers the nodes."""

    def __init__(self):
        self.obj = TorchObject("graph.Graph", LuaTable(nodes=LuaTable(), edges=LuaTable()))

    def _insert(self, table: LuaTable, item: Any) -> None:
        if LuaKey(item) not in table:
            n = sum(1 for k in table if type(k) is int) + 1
            table[n] = item
            table[item] = float(n)

    def add(self, frm: TorchObject, to: TorchObject) -> None:
        nodes, edges = self.obj.state["nodes"], self.obj.state["edges"]
        self._insert(nodes, frm)
        self._insert(nodes, to)
        self._insert(edges, TorchObject("graph.Edge", LuaTable({"from": frm, "to": to})))
        _add_child(frm, to)
        frm.state["id"] = nodes[frm]
        to.state["id"] = nodes[to]


def _lua_node(data: LuaTable) -> TorchObject:
    return TorchObject("nngraph.Node", LuaTable(data=data, id=0.0, children=LuaTable(), visited=False, marked=False))


def _add_child(node: TorchObject, child: TorchObject) -> None:
    ch = node.state["children"]
    if LuaKey(child) not in ch:
        n = sum(1 for k in ch if type(k) is int) + 1
        ch[n] = child
        ch[child] = float(n)


def _data(label: str, annotations: dict | None = None, **fields: Any) -> LuaTable:
    ann = LuaTable()
    for k, v in (annotations or {}).items():
        ann[k] = v
    ann["_debugLabel"] = label
    d = LuaTable(annotations=ann, mapindex=LuaTable(), reverseMap=LuaTable())
    for k, v in fields.items():
        d[k] = v
    return d


@register_saver(gModule)
def _gmodule(S: _Saver, g: gModule) -> TorchObject:
    graph = g.graph
    gnodes = graph.nodes
    n_in = len(graph.inputs)
    # data tables, created in nngraph's forwardnodes order (graph.lua_order())
    in_data = _data(_C_LABEL, input=LuaTable())
    out_data = _data(_C_LABEL, input=LuaTable())
    datas: dict[int, LuaTable] = {}  # gnode index -> its data table
    sources: dict[int, LuaTable] = {}  # gnode index of a graph input -> data it reads
    order: list[LuaTable] = [in_data]  # future forwardnodes order (as data tables)
    inputs_of: dict[int, list[LuaTable]] = {id(in_data): []}
    if n_in == 1:
        sources[graph.inputs[0]] = in_data
    else:
        split_label = f"{_C_LABEL} split at {_GMODULE_LUA}-mnode"
        mnode = _data(split_label, nSplitOutputs=float(n_in))
        inputs_of[id(mnode)] = [in_data]
        order.append(mnode)
        for k, gi in enumerate(graph.inputs, 1):
            sel = _data(f"{_C_LABEL}-{k}", selectindex=float(k), input=LuaTable())
            inputs_of[id(sel)] = [mnode]
            sources[gi] = sel
    select_done: set[int] = set()
    for gn in (gnodes[i] for i in graph.lua_order()):  # nngraph's forwardnodes (and modules) order
        ann = _lua_annotations(gn.annotations)
        if gn.select_index is not None:
            d = _data(
                f"{debug_label(gn.site)}-{gn.select_index}", ann, selectindex=float(gn.select_index), input=LuaTable()
            )
        elif gn.n_split is not None:
            where = gn.split_site or gn.site
            d = _data(
                f"{debug_label(gn.site)} split at [{where.filename}]:{where.lineno}-mnode",
                ann,
                nSplitOutputs=float(gn.n_split),
            )
        else:
            assert gn.module is not None, "only split and select nodes have no module"
            d = _data(debug_label(gn.site), ann, module=S.module(gn.module))
        datas[gn.index] = d
        if gn.is_input or (gn.module is not None and not gn.args):
            src = sources.get(gn.index)
            if src is None:
                raise SaveError(f"{gn.describe()} has no inputs and is not a gModule input")
            if src is not in_data and id(src) not in select_done:
                order.append(src)  # the select node just before the input it feeds
                select_done.add(id(src))
            inputs_of[id(d)] = [src]
        else:
            args = [datas[a] for a in gn.args]
            if gn.module is not None and gn.table_input and len(args) == 1:
                raise SaveError(
                    f"{gn.describe()} reads a one-entry list; nngraph passes a single input "
                    f"bare, so this graph cannot be written for Lua (use module(x))"
                )
            if len({id(a) for a in args}) != len(args):
                raise SaveError(
                    f"{gn.describe()} reads the same node twice; nngraph cannot express that "
                    f"(insert an nn.Identity on one of the edges)"
                )
            inputs_of[id(d)] = args
        order.append(d)
    inputs_of[id(out_data)] = [datas[o] for o in graph.outputs]
    if len({id(d) for d in inputs_of[id(out_data)]}) != len(graph.outputs):
        raise SaveError("a node is listed twice among the gModule outputs; nngraph cannot express that")
    order.append(out_data)

    # mapindex: the inputs in order plus the reverse map data -> position
    for d in order:
        mi = d["mapindex"]
        for i, x in enumerate(inputs_of[id(d)], 1):
            mi[i] = x
            mi[x] = float(i)

    # bg: the declared nodes (children = inputs), built breadth first from the output node
    bg_node = {id(d): _lua_node(d) for d in order}
    for d in order:
        for x in inputs_of[id(d)]:
            _add_child(bg_node[id(d)], bg_node[id(x)])
            d["reverseMap"][bg_node[id(x)]] = True
    bg = _LuaGraph()
    queue, seen = [bg_node[id(out_data)]], {id(out_data)}
    while queue:
        node = queue.pop(0)
        for i in range(1, len(inputs_of[id(node.state['data'])]) + 1):
            child = node.state["children"][i]
            bg.add(node, child)
            if id(child.state["data"]) not in seen:
                seen.add(id(child.state["data"]))
                queue.append(child)
    if len(seen) != len(order):
        unused = [k for k, gi in enumerate(graph.inputs, 1) if not graph.consumers[gi] and gi not in graph.outputs]
        raise SaveError(
            f"gModule input(s) {unused} are never used; nngraph refuses graphs with unused inputs"
            if unused
            else "the gModule has nodes that do not reach its outputs"
        )
    # fg: graph:reverse(): new nodes sharing the data tables, edges reversed, in bg's edge order
    fg = _LuaGraph()
    fg_node: dict[int, TorchObject] = {}
    edges = bg.obj.state["edges"]
    for i in range(1, sum(1 for k in edges if type(k) is int) + 1):
        e = edges[i].state
        frm = fg_node.setdefault(id(e["from"].state["data"]), _lua_node(e["from"].state["data"]))
        to = fg_node.setdefault(id(e["to"].state["data"]), _lua_node(e["to"].state["data"]))
        fg.add(to, frm)
    forward = [fg_node[id(d)] for d in order]
    for n in forward:
        n.state["data"]["forwardNodeId"] = n.state["id"]
    backward = [bg_node[id(d)] for d in reversed(order)]
    modules = [d["module"] for d in order if "module" in d]

    st = LuaTable()
    st["_type"] = _TYPE_NAMES.get(S.dtype_of(g), "torch.DoubleTensor")
    st["train"] = bool(g.training)
    st["nInputs"] = float(n_in)
    st["verbose"] = False
    st["innode"] = fg_node[id(in_data)]
    st["outnode"] = bg_node[id(out_data)]
    st["fg"] = fg.obj
    st["bg"] = bg.obj
    st["forwardnodes"] = forward
    st["backwardnodes"] = backward
    st["modules"] = modules
    if len(graph.outputs) > 1:
        st["output"] = out_data["input"]
    return TorchObject("nn.gModule", st)


def _lua_annotations(ann: dict) -> dict:
    out = {}
    for k, v in ann.items():
        if isinstance(v, dict):
            v = LuaTable({str(a): b for a, b in v.items()})
        out[k] = v
    return out


@register_saver(UnknownLuaModule)
def _unknown(S, m):
    return m.raw  # kept by load_t7(..., strict=False): written back exactly as it was read
