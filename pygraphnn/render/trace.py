"""Values for diagram labels: the reference interpreter again, recording every edge.

nngraph labels show what each node last saw (``input = {Tensor[20x200]}``,
``gradOutput = {...}``). pygraphnn's generated forward keeps nothing, so the
diagram re-runs the graph here on the inputs of the last Lua-style ``forward`` (or
on inputs given explicitly): every edge hands its consumer an alias of the value
(``t.view_as(t)``), so one ``autograd.grad`` call gives each consumer's own
gradOutput, as nngraph keeps them. gModule.forward itself is never slowed down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from ..graph import Graph
from ..tables import flatten, map_structure

_LUA_TYPES = {
    torch.float64: "torch.DoubleTensor",
    torch.float32: "torch.FloatTensor",
    torch.float16: "torch.HalfTensor",
    torch.bfloat16: "torch.BFloat16Tensor",
    torch.int64: "torch.LongTensor",
    torch.int32: "torch.IntTensor",
    torch.int16: "torch.ShortTensor",
    torch.int8: "torch.CharTensor",
    torch.uint8: "torch.ByteTensor",
    torch.bool: "torch.BoolTensor",
}


@dataclass
class NodeValues:
    """What one graph node saw: ``input`` (one entry per argument) and ``output``;
    ``grad_output`` (one entry per consumer) when a gradOutput was given."""

    input: list[Any]
    output: Any
    grad_output: list[Any] | None = None


@dataclass
class Trace:
    inputs: list[Any]  # the values fed to the graph inputs
    outputs: list[Any]
    nodes: dict[int, NodeValues] = field(default_factory=dict)
    grad_inputs: list[Any] | None = None  # gradient w.r.t. each graph input
    grad_outputs: list[Any] | None = None  # the gradOutput given, one per graph output
    select_grads: dict[int, Any] = field(default_factory=dict)  # split node -> table of grads


def recorded_io(g: Any) -> tuple[Any, Any] | None:
    """``(input, gradOutput)`` of the last Lua-style forward/backward, or None.

    ``gradOutput`` is None unless the Lua record keeps it (``grad_output``).
    """
    rec = g.__dict__.get("_lua_record")
    if rec is None:
        return None
    return rec.leaves, getattr(rec, "grad_output", None)


def _alias(t: Any) -> Any:
    return t.view_as(t) if isinstance(t, torch.Tensor) and t.requires_grad else t


def _fresh(t: Any) -> Any:
    if isinstance(t, torch.Tensor):
        t = t.detach()
        if t.is_floating_point() or t.is_complex():
            t.requires_grad_(True)
    return t


def run(graph: Graph, input: Any, grad_output: Any = None) -> Trace:
    """Interpret ``graph`` on ``input`` (as a gModule takes it) and record every value."""
    n_in = len(graph.inputs)
    fed = [input] if n_in == 1 else list(input)
    if len(fed) != n_in:
        raise ValueError(f"the graph takes {n_in} inputs, got {len(fed)}")
    fed = [map_structure(_fresh, v) for v in fed]
    values: dict[int, Any] = {}
    edge_alias: dict[tuple[int, int], Any] = {}  # (consumer, arg position) -> alias
    trace = Trace(inputs=fed, outputs=[])
    with torch.enable_grad(), torch.random.fork_rng(devices=[]):
        for k, i in enumerate(graph.inputs):
            n = graph.nodes[i]
            out = n.module(fed[k]) if n.module is not None else fed[k]
            values[i] = out
            trace.nodes[i] = NodeValues([fed[k]], out)
        for n in graph.nodes:
            if n.is_input:
                continue
            args = []
            for p, a in enumerate(n.args):
                alias = map_structure(_alias, values[a])
                edge_alias[(n.index, p)] = alias
                args.append(alias)
            if n.select_index is not None:
                out = args[0][n.select_index - 1]
            elif n.n_split is not None or n.module is None:
                out = args[0]
            else:
                out = n.module(args if n.table_input else args[0])
            values[n.index] = out
            trace.nodes[n.index] = NodeValues(args, out)
        out_alias = [map_structure(_alias, values[o]) for o in graph.outputs]
    trace.outputs = out_alias
    if grad_output is None:
        return trace

    gouts = [grad_output] if len(graph.outputs) == 1 else list(grad_output)
    trace.grad_outputs = gouts
    pairs = [(o, g) for o, g in zip(flatten(out_alias), flatten(gouts)) if o.requires_grad]
    wanted: list[torch.Tensor] = []
    for v in [*edge_alias.values(), *fed]:
        wanted.extend(t for t in flatten(v) if t.requires_grad)
    grads = (
        torch.autograd.grad([o for o, _ in pairs], wanted, [g for _, g in pairs], allow_unused=True)
        if pairs and wanted
        else []
    )
    grad_of = {id(t): g for t, g in zip(wanted, grads)}
    grad_of.update({id(o): g for o, g in pairs})

    def grad_like(v: Any) -> Any:
        return map_structure(lambda t: grad_of.get(id(t)) if grad_of.get(id(t)) is not None else torch.zeros_like(t), v)

    trace.grad_inputs = [grad_like(v) for v in fed]
    per_node: dict[int, list[Any]] = {n.index: [] for n in graph.nodes}
    for n in graph.nodes:
        for p, a in enumerate(n.args):
            g = grad_like(edge_alias[(n.index, p)])
            if n.select_index is not None:  # a select reads one entry of the split's table
                trace.select_grads.setdefault(a, {})[n.select_index] = g[n.select_index - 1]
                g = g[n.select_index - 1]
            per_node[a].append(g)
    for k, o in enumerate(graph.outputs):
        per_node[o].append(grad_like(out_alias[k]))
    for i, nv in trace.nodes.items():
        nv.grad_output = per_node[i]
    return trace


def describe(v: Any) -> str:
    """nngraph's value notation: ``Tensor[20x200]``, ``{Tensor[1],Tensor[1]}``, with a
    ``NaN``/``inf``/``-inf`` flag after a tensor holding one."""
    if isinstance(v, torch.Tensor):
        kind = "Tensor" if v.dtype == torch.get_default_dtype() else _LUA_TYPES.get(v.dtype, str(v.dtype))
        return f"{kind}[{'x'.join(map(str, v.shape))}]{nan_flag(v)}"
    if isinstance(v, (list, tuple)):
        return "{" + ",".join(describe(x) for x in v) + "}"
    if v is None:
        return "nil"
    if isinstance(v, (int, float)):
        return "number"
    return type(v).__name__


def nan_flag(t: torch.Tensor) -> str:
    if t.numel() == 0 or not (t.is_floating_point() or t.is_complex()):
        return ""
    t = t.detach()
    if torch.isnan(t).any():
        return "NaN"
    if torch.isposinf(t).any():
        return "inf"
    if torch.isneginf(t).any():
        return "-inf"
    return ""


def has_bad_values(v: Any) -> bool:
    return any(nan_flag(t) for t in flatten(v))
