"""Compile across time: one generated function for a whole BPTT window of a cell.

``ng.compile_window(cell, T)`` reads the cell's graph, adds the recurrence (each
next-state output feeds its state input at the next step) and splits the nodes by
what they depend on:

* nodes on a cycle of that recurrence (the strongly connected components) must run
  step by step: each component becomes one ``for t in range(T)`` loop;
* every other node runs **once for the whole window**, on its inputs' ``T`` steps
  folded into the batch dimension (``T*B`` rows): lookups, dropout masks and the
  input-side ``Linear`` s before the first loop, a stacked layer's input projection
  over the whole output of the layer below (between two loops), the decoder, the
  ``LogSoftMax`` and the criterion after the last loop (a criterion gives one loss a
  step, as the cell does).

Folding time into the batch is exact for modules that treat the rows of a batch
independently (:func:`rowwise`); a node whose module is not known to do so runs once
a step, outside the loops when it can.

Each loop is by default one autograd node whose backward is generated from the same
graph (:mod:`pygraphnn.window_backward`): the reverse loop with each module's backward
written out, a ``Linear``'s weight gradient once over the window as one matrix product.
With ``generated_backward=False`` autograd records every step of the loop instead (the
form ``torch.compile`` takes); a ``Linear`` in it still computes its weight gradient once
(:class:`_StepLinear`).

The window is an ``nn.Module`` sharing the cell's parameters: ``win(inputs, state)``
(PyTorch idiom) or ``win.forward([inputs, state])`` / ``win.backward(...)`` (Lua idiom)::

    cell = models.cells.lstm(10, 20)                 # {x, prev_c, prev_h} -> {next_c, next_h}
    win = ng.compile_window(cell, 35)                # state: the last two inputs
    hs, (c, h) = win(x, [c0, h0])                    # x: 35 x B x 10; hs: 35 x B x 20
    print(win.code)

Equal to ``T`` chained calls of the cell in value and in every gradient (within float
rounding; dropout draws its masks in another order, so with the same seed the masks
differ, with the same distribution).
"""

from __future__ import annotations

import itertools
import linecache
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import torch
import torch.nn.functional as F

from .codegen import Namer, _call_expr, base_name
from .errors import GraphError
from .graph import GNode, Graph
from .module import Module
from .tables import describe
from .window_backward import RUNTIME

if TYPE_CHECKING:  # for annotations only: the run-time imports are local, where needed
    from .adapters import ModuleFromCriterion
    from .gmodule import gModule

__all__ = ["Window", "compile_window", "rowwise"]

_counter = itertools.count(1)


# ----------------------------------------------------------------- which modules fold
def _dim_ok(dimension: int, n_input_dims: int | None) -> bool:
    """A Split/Join/Narrow dimension that never names the batch (dimension 1)."""
    return dimension >= 2 or dimension < 0 or (n_input_dims is not None and dimension >= 1)


def rowwise(module: torch.nn.Module | None) -> bool:
    """True when ``module`` treats the rows (dimension 1) of a batch independently, so
    that running it once on ``T`` batches stacked row-wise equals running it ``T`` times.

    A module can say so itself with a ``window_rowwise`` attribute (a bool, or a method
    taking no argument); pygraphnn's own modules are listed here.
    """
    if module is None:  # a split: structure only
        return True
    own = getattr(module, "window_rowwise", None)
    if own is not None:
        return bool(own() if callable(own) else own)
    from . import nn

    name = type(module).__name__
    if type(module).__module__.split(".")[0] != "pygraphnn":
        return False
    if isinstance(module, (nn.SplitTable, nn.JoinTable)):
        return _dim_ok(module.dimension, module.nInputDims)
    if isinstance(module, nn.Narrow):
        return _dim_ok(module.dimension, None)
    if isinstance(module, nn.LookupTable):
        return not module.shouldScaleGradByFreq  # counts over the batch
    if isinstance(module, nn.Reshape):
        return module.batchMode is not False
    return name in _ROWWISE


_ROWWISE = {
    "Identity",
    "Tanh",
    "Sigmoid",
    "Exp",
    "Log",
    "Square",
    "ReLU",
    "Abs",
    "HardTanh",
    "Sqrt",
    "Power",
    "MulConstant",
    "AddConstant",
    "SoftMax",
    "LogSoftMax",
    "CAddTable",
    "CSubTable",
    "CMulTable",
    "CDivTable",
    "SelectTable",
    "NarrowTable",
    "FlattenTable",
    "JustTable",
    "JustElement",
    "Linear",
    "Dropout",
    "Add",
    "Mul",
    "CMul",
    "OneHot",
}


# ----------------------------------------------------------------- runtime helpers
def _fold(steps: list[Any] | tuple[Any, ...]) -> Any:
    """``T`` per-step values (tensors with a batch dimension, or tables of them) as one
    value with the steps stacked along the batch: ``T*B`` rows."""
    first = steps[0]
    if isinstance(first, torch.Tensor):
        return torch.cat(steps) if first.dim() else torch.stack(steps)
    if isinstance(first, (list, tuple)):
        return [_fold([s[k] for s in steps]) for k in range(len(first))]
    raise GraphError(f"compile_window: a per-step value must be a tensor or a table, got {describe(first)}")


def _unfold(value: Any, T: int) -> Any:
    """The inverse of :func:`_fold`: a tuple of the ``T`` per-step values."""
    if isinstance(value, torch.Tensor):
        return value.unflatten(0, (T, -1)).unbind(0)
    if isinstance(value, (list, tuple)):
        parts = [_unfold(v, T) for v in value]
        return tuple([p[t] for p in parts] for t in range(T))
    raise GraphError(f"compile_window: cannot split {describe(value)} into {T} steps")


def _stacked(value: Any, T: int) -> Any:
    """A folded value as a ``T x B x ...`` tensor (or a table of them): the window's outputs."""
    if isinstance(value, torch.Tensor):
        return value.unflatten(0, (T, -1))
    return [_stacked(v, T) for v in value]


def _stack_steps(steps: Sequence[Any]) -> Any:
    first = steps[0]
    if isinstance(first, torch.Tensor):
        return torch.stack(list(steps))
    return [_stack_steps([s[k] for s in steps]) for k in range(len(first))]


def _window_input(value: Any, T: int | None, what: str) -> tuple[Any, int]:
    """A step input given as a ``T x B x ...`` tensor or a list of ``T`` values, folded."""
    if isinstance(value, torch.Tensor):
        if value.dim() < 2:
            raise GraphError(
                f"compile_window: {what} must have a time and a batch dimension (T x B x ...), got {describe(value)}"
            )
        n = value.shape[0]
        folded = value.flatten(0, 1)
    elif isinstance(value, (list, tuple)) and value:
        n = len(value)
        folded = _fold(value)
    else:
        raise GraphError(
            f"compile_window: {what} must be a T x B x ... tensor or a list of T steps, got {describe(value)}"
        )
    if T is not None and n != T:
        raise GraphError(f"compile_window: {what} has {n} steps, the window has T={T}")
    return folded, n


def _check_split(value: Any, n: int) -> Any:
    if not isinstance(value, (list, tuple)) or len(value) != n:
        got = f"a table of {len(value)} entries" if isinstance(value, (list, tuple)) else describe(value)
        raise GraphError(f"split({n}) expects a table of {n} entries, got {got}")
    return value


# ----------------------------------------------------- weight gradients over the window
class _WindowGrads:
    """What the steps of one window leave for a Linear's weight gradient: inputs in the
    forward, gradients of the outputs in the backward, one slot a step."""

    __slots__ = ("grads", "inputs")

    def __init__(self) -> None:
        self.inputs: list[torch.Tensor] = []
        self.grads: list[torch.Tensor | None] = []


class _SharedParams(torch.autograd.Function):
    """The Linear's weight and bias as the steps of a window see them. Autograd runs its
    backward after every step's (they all read it): the weight gradient is then one
    product ``G^T X`` over the window's ``T*B`` rows instead of ``T`` products of ``B``."""

    @staticmethod
    def forward(ctx, grads: _WindowGrads, weight: torch.Tensor, bias: torch.Tensor | None):
        ctx.grads = grads
        ctx.has_bias = bias is not None
        return weight.view_as(weight), (bias.view_as(bias) if bias is not None else None)

    @staticmethod
    def backward(ctx, grad_weight: torch.Tensor, grad_bias: torch.Tensor | None):
        # grad_weight/grad_bias: what steps that ran as a plain Linear (an input that is not
        # a batch of rows) sent through autograd; zeros when every step went through the store
        store: _WindowGrads = ctx.grads
        pairs = [(g, x) for g, x in zip(store.grads, store.inputs) if g is not None]
        store.grads = [None] * len(store.grads)
        if pairs:
            g = torch.cat([p[0] for p in pairs])
            x = torch.cat([p[1] for p in pairs])
            grad_weight = g.t().mm(x) if grad_weight is None else grad_weight.addmm(g.t(), x)
            if ctx.has_bias:
                grad_bias = g.sum(0) if grad_bias is None else grad_bias + g.sum(0)
        return None, grad_weight, (grad_bias if ctx.has_bias else None)


class _StepLinear(torch.autograd.Function):
    """``y = x W^T + b`` for one step; its backward gives the input gradient only and
    leaves the output gradient to :class:`_SharedParams`."""

    @staticmethod
    def forward(
        ctx,
        x: torch.Tensor,
        weight: torch.Tensor,
        bias: torch.Tensor | None,
        store: _WindowGrads,
        addend: torch.Tensor | None = None,
    ):
        ctx.store, ctx.t = store, len(store.inputs)
        store.inputs.append(x)
        store.grads.append(None)
        ctx.save_for_backward(weight)
        if addend is not None:  # addend + x W^T in one BLAS call
            return torch.addmm(addend, x, weight.t())
        return F.linear(x, weight, bias)

    @staticmethod
    def backward(ctx, grad_out):
        (weight,) = ctx.saved_tensors
        ctx.store.grads[ctx.t] = grad_out
        grad_x = grad_out.mm(weight) if ctx.needs_input_grad[0] else None
        return grad_x, None, None, None, (grad_out if ctx.needs_input_grad[4] else None)


def _window_params(weight: torch.Tensor, bias: torch.Tensor | None):
    """``(store, weight, bias)`` for the steps of a loop; ``store`` is None when no
    weight gradient is wanted (then the steps use the plain Linear)."""
    if not torch.is_grad_enabled() or not (weight.requires_grad or (bias is not None and bias.requires_grad)):
        return None, weight, bias
    store = _WindowGrads()
    w, b = _SharedParams.apply(store, weight, bias)
    return store, w, b


def _step_linear(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    store: _WindowGrads | None,
    addend: torch.Tensor | None = None,
):
    """One step's ``x W^T + b`` (plus ``addend``, a value computed before the loop)."""
    if store is None or x.dim() != 2 or (addend is not None and addend.shape != (x.shape[0], weight.shape[0])):
        out = F.linear(x, weight, bias)
        return out if addend is None else addend + out
    return _StepLinear.apply(x, weight, bias, store, addend)


# ------------------------------------------------------------ criterions, once a window
def _per_step_loss(crit: torch.nn.Module, pred: torch.Tensor, target: Any, T: int) -> torch.Tensor | None:
    """The loss of each of ``T`` steps (a ``T``-vector) from the folded prediction and
    target, for the criterions whose loss is a (weighted) mean or sum over rows."""
    from .nn import ClassNLLCriterion, CrossEntropyCriterion, MSECriterion
    from .nn.criterion import _class_targets

    if isinstance(crit, (ClassNLLCriterion, CrossEntropyCriterion)) and pred.dim() == 2:
        x = torch.log_softmax(pred, 1) if isinstance(crit, CrossEntropyCriterion) else pred
        t = _class_targets(x, target)
        ignore = getattr(crit, "ignoreIndex", -100)
        keep = t != ignore
        idx = torch.where(keep, t - 1, torch.zeros_like(t))
        picked = x.gather(1, idx.unsqueeze(1)).squeeze(1)
        w = keep.to(x.dtype)
        weights = crit.weights
        if isinstance(weights, torch.Tensor):  # a buffer, or None
            w = w * weights.to(dtype=x.dtype, device=x.device)[idx]
        loss = -(picked * w).unflatten(0, (T, -1)).sum(1)
        if crit.sizeAverage:
            total = w.unflatten(0, (T, -1)).sum(1)
            loss = loss / torch.where(total != 0, total, torch.ones_like(total))
        return loss
    if isinstance(crit, MSECriterion) and isinstance(target, torch.Tensor) and pred.shape == target.shape:
        sq = (pred - target).pow(2).unflatten(0, (T, -1)).flatten(1).sum(1)
        return sq / (pred.numel() // T) if crit.sizeAverage else sq
    return None


class _Criterion:
    """Emits a criterion node (``ModuleFromCriterion``) once for the whole window."""

    @staticmethod
    def applies(module: torch.nn.Module | None) -> bool:
        from .adapters import ModuleFromCriterion
        from .nn import ClassNLLCriterion, CrossEntropyCriterion, MSECriterion

        return isinstance(module, ModuleFromCriterion) and isinstance(
            module.criterion, (ClassNLLCriterion, CrossEntropyCriterion, MSECriterion)
        )


def _criterion_per_step(module: ModuleFromCriterion, table: list, T: int) -> torch.Tensor:
    """``ModuleFromCriterion`` over a folded ``[prediction, target]``: the ``T`` losses
    (folded: one row per step, as the cell's 1-element loss)."""
    pred, target = table
    target = target.detach() if isinstance(target, torch.Tensor) else target
    loss = _per_step_loss(module.criterion, pred, target, T)
    if loss is None:  # a shape the closed form does not cover: step by step
        steps = zip(_unfold(pred, T), _unfold(target, T))
        return torch.cat([module([p, t]) for p, t in steps])
    return loss


class _LogSoftMaxNLL(torch.autograd.Function):
    """LogSoftMax then ClassNLLCriterion, one loss a step, as one function.

    The forward makes the probabilities once (``softmax``: one pass over the ``T*B x
    classes`` matrix) and takes the picked log-probabilities as ``log p`` of the picked
    entries only; the backward turns those same probabilities into the logits' gradient
    ``k (softmax - onehot)`` in place. Autograd would make the log-probabilities, fill a
    zero gradient for the gather and run LogSoftMax's backward, which makes the
    probabilities a second time (``exp``): three more passes over the matrix.
    """

    @staticmethod
    def forward(ctx, logits: torch.Tensor, idx: torch.Tensor, coef: torch.Tensor, T: int):
        probs = torch.softmax(logits, 1)
        picked = probs.gather(1, idx.unsqueeze(1)).squeeze(1)
        small = picked < torch.finfo(picked.dtype).tiny
        picked = picked.log()
        if bool(small.any()):  # log of an underflowed probability: those rows the long way
            rows = small.nonzero().squeeze(1)
            picked[rows] = torch.log_softmax(logits[rows], 1).gather(1, idx[rows].unsqueeze(1)).squeeze(1)
        ctx.save_for_backward(idx, coef, logits)
        ctx.probs, ctx.T = probs, T  # an intermediate: the backward overwrites it once
        return -(picked * coef).unflatten(0, (T, -1)).sum(1)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_loss):
        idx, coef, logits = ctx.saved_tensors
        probs = ctx.probs
        if probs is None:  # a second backward (retain_graph): the first made them the gradient
            probs = torch.softmax(logits, 1)
        ctx.probs = None
        k = (grad_loss.repeat_interleave(probs.shape[0] // ctx.T) * coef).unsqueeze(1)
        grad = probs.mul_(k)
        grad.scatter_add_(1, idx.unsqueeze(1), -k)
        return grad, None, None, None


def _log_softmax_nll(module: ModuleFromCriterion, logits: torch.Tensor, target: Any, T: int) -> torch.Tensor:
    """``ModuleFromCriterion(ClassNLLCriterion)`` of ``LogSoftMax(logits)``, folded: the ``T``
    per-step losses."""
    from .nn.criterion import ClassNLLCriterion, _class_targets

    crit = cast(ClassNLLCriterion, module.criterion)  # the plan fuses only LogSoftMax + ClassNLLCriterion
    if logits.dim() != 2:
        return _criterion_per_step(module, [torch.log_softmax(logits, -1), target], T)
    t = _class_targets(logits, target.detach() if isinstance(target, torch.Tensor) else target)
    keep = t != crit.ignoreIndex
    idx = torch.where(keep, t - 1, torch.zeros_like(t))
    w = keep.to(logits.dtype)
    weights = crit.weights
    if isinstance(weights, torch.Tensor):  # a buffer, or None
        w = w * weights.to(dtype=logits.dtype, device=logits.device)[idx]
    if crit.sizeAverage:
        total = w.unflatten(0, (T, -1)).sum(1, keepdim=True)
        w = (w.unflatten(0, (T, -1)) / torch.where(total != 0, total, torch.ones_like(total))).flatten()
    return _LogSoftMaxNLL.apply(logits, idx, w, T)


# ----------------------------------------------------------------- the analysis
@dataclass
class _Slot:
    """One recurrent tensor: the node that reads it at a step and the node that gives it
    for the next step."""

    reads: int  # node index (a select of a split state input, or the input)
    gives: int  # node index
    init: str = ""  # variable holding its value before the first step


@dataclass
class _Pair:
    """A state input and its next-state output, with their table structure."""

    input_pos: int
    output_pos: int
    structure: Any = None  # nested lists of slot numbers (None: one slot, the whole value)
    slot: int | None = None


@dataclass
class Plan:
    """The schedule: ``stages`` in order, each ``("fold", [i])``, ``("steps", [i])`` or
    ``("loop", [i, ...])`` over node indices."""

    stages: list[tuple[str, list[int]]]
    slots: list[_Slot]
    pairs: list[_Pair]
    plumbing: set[int] = field(default_factory=set)


def _alias_of(n: GNode) -> int | None:
    """The argument position a node just passes on (an inlined identity), if any."""
    if n.module is None or n.n_split is not None or n.select_index is not None:
        return None
    from .codegen import _has_hooks

    if _has_hooks(n.module):
        return None
    emit = getattr(n.module, "_inline", None)
    if emit is None:
        return None
    names = [f"__arg{k}__" for k in range(max(1, len(n.args)))]
    try:
        expr = emit("m", names, n.table_input)
    except Exception:  # a module that cannot inline this call is simply called
        return None
    return names.index(expr) if expr in names else None


def _out_structure(graph: Graph, i: int, plumbing: set[int]) -> Any:
    """Nested lists of leaf node indices for a next-state output built with ``ng.nest``."""
    from .adapters import JustTable
    from .nn import Identity

    n = graph.nodes[i]
    if isinstance(n.module, JustTable) and n.table_input:
        plumbing.add(i)
        return [_out_structure(graph, a, plumbing) for a in n.args]
    if isinstance(n.module, Identity) and not n.table_input and n.args:
        inner = graph.nodes[n.args[0]]
        if isinstance(inner.module, JustTable) and inner.table_input:
            plumbing.add(i)
            return _out_structure(graph, n.args[0], plumbing)
    return i


def _match_input(graph: Graph, i: int, structure: Any, plumbing: set[int]) -> Any:
    """Pair a table-valued state input (split as ``structure``) leaf by leaf; returns
    nested lists of ``(reads, gives)`` or raises ValueError when the shapes differ."""
    if not isinstance(structure, list):
        return (i, structure)
    cons = graph.consumers[i]
    if len(cons) != 1 or graph.nodes[cons[0]].n_split != len(structure) or i in graph.outputs:
        raise ValueError
    split = cons[0]
    selects = {graph.nodes[c].select_index: c for c in graph.consumers[split]}
    plumbing.update({i, split})
    return [_match_input(graph, selects[k + 1], s, plumbing) for k, s in enumerate(structure)]


def plan(graph: Graph, pairs: list[tuple[int, int]], fuse_loss: bool = True) -> Plan:
    """Schedule ``graph`` over a window (see the module docstring)."""
    from .nn import Identity

    slots: list[_Slot] = []
    plans: list[_Pair] = []
    plumbing: set[int] = set()
    for ip, op in pairs:
        pair = _Pair(ip, op)
        i_node, o_node = graph.inputs[ip], graph.outputs[op]
        extra: set[int] = set()
        structure = _out_structure(graph, o_node, extra)
        matched = None
        if isinstance(structure, list) and isinstance(graph.nodes[i_node].module, Identity):
            try:
                matched = _match_input(graph, i_node, structure, extra)
            except (ValueError, KeyError):
                matched = None
        others = set(graph.outputs[:op] + graph.outputs[op + 1 :]) | set(graph.inputs)
        leaf_reads: set[int] = set()

        def collect(m, leaf_reads=leaf_reads):  # bound now: ruff's B023 cannot see it runs in this iteration
            if isinstance(m, tuple):
                leaf_reads.add(m[0])
            elif m is not None:
                for x in m:
                    collect(x)

        collect(matched)
        if (
            matched is not None
            and not any(c not in extra and c not in leaf_reads for p in extra for c in graph.consumers[p])
            and not (extra - {i_node}) & others
        ):
            plumbing |= extra

            def leaves(m):
                if isinstance(m, tuple):
                    slots.append(_Slot(*m))
                    return len(slots) - 1
                return [leaves(x) for x in m]

            pair.structure = leaves(matched)
        else:
            slots.append(_Slot(i_node, o_node))
            pair.slot = len(slots) - 1
        plans.append(pair)

    # The recurrence graph: the cell's edges plus one edge per slot, from what gives the
    # next value to what reads it. Its cycles are what must run step by step.
    n_nodes = len(graph.nodes)
    succ: list[list[int]] = [[] for _ in range(n_nodes)]
    for n in graph.nodes:
        if n.index in plumbing:
            continue
        for a in n.args:
            if a not in plumbing:
                succ[a].append(n.index)
    for s in slots:
        succ[s.gives].append(s.reads)
    comps = _components([i for i in range(n_nodes) if i not in plumbing], succ)

    in_loop = {v for c in comps if len(c) > 1 or c[0] in succ[c[0]] for v in c}
    fused = (
        {
            p
            for p in (_fused_log_softmax(graph, n) for n in graph.nodes if n.index not in in_loop)
            if p is not None and p not in in_loop
        }
        if fuse_loss
        else set()
    )
    stages: list[tuple[str, list[int]]] = []
    for comp in _in_declaration_order(comps, succ):
        if comp[0] in in_loop:
            stages.append(("loop", sorted(comp)))
            continue
        i = comp[0]
        n = graph.nodes[i]
        reads = {s.reads for s in slots}
        if (n.select_index is not None and i not in reads) or i in fused:
            continue  # produced with its split / by the criterion it feeds
        if n.args and n.args[0] in fused:
            stages.append(("log_softmax_nll", [i]))
            continue
        if n.is_input and i not in {s.reads for s in slots}:
            stages.append(("input", [i]))
        elif i in {s.reads for s in slots}:
            stages.append(("shift", [i]))
        elif _Criterion.applies(n.module) and not _has_hooks(n.module):
            stages.append(("criterion", [i]))
        elif rowwise(n.module):
            stages.append(("fold", [i]))
        else:
            stages.append(("steps", [i]))
    return Plan(stages, slots, plans, plumbing)


def _fused_log_softmax(graph: Graph, n: GNode) -> int | None:
    """The LogSoftMax node that only feeds the ClassNLLCriterion node ``n`` (so the two
    can run as one), or None."""
    from .adapters import ModuleFromCriterion
    from .nn import ClassNLLCriterion, LogSoftMax

    if not (
        isinstance(n.module, ModuleFromCriterion)
        and type(n.module.criterion) is ClassNLLCriterion
        and n.table_input
        and len(n.args) == 2
        and not _has_hooks(n.module)
    ):
        return None
    p = graph.nodes[n.args[0]]
    if (
        type(p.module) is not LogSoftMax
        or p.table_input
        or _has_hooks(p.module)
        or graph.consumers[p.index] != [n.index]
        or p.index in graph.outputs
        or p.index == n.args[1]
    ):
        return None
    return p.index


def _has_hooks(m: torch.nn.Module | None) -> bool:
    from .codegen import _has_hooks as has

    return has(m)


def _components(nodes: list[int], succ: list[list[int]]) -> list[list[int]]:
    """Strongly connected components (Kosaraju, iterative), in topological order."""
    allowed = set(nodes)
    order: list[int] = []
    seen: set[int] = set()
    for root in nodes:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(succ[root]))]
        while stack:
            v, it = stack[-1]
            for w in it:
                if w in allowed and w not in seen:
                    seen.add(w)
                    stack.append((w, iter(succ[w])))
                    break
            else:
                stack.pop()
                order.append(v)
    pred: dict[int, list[int]] = {v: [] for v in nodes}
    for v in nodes:
        for w in succ[v]:
            if w in allowed:
                pred[w].append(v)
    comps: list[list[int]] = []
    assigned: set[int] = set()
    for root in reversed(order):
        if root in assigned:
            continue
        comp, todo = [], [root]
        assigned.add(root)
        while todo:
            v = todo.pop()
            comp.append(v)
            for w in pred[v]:
                if w not in assigned:
                    assigned.add(w)
                    todo.append(w)
        comps.append(comp)
    return comps


def _in_declaration_order(comps: list[list[int]], succ: list[list[int]]) -> list[list[int]]:
    """The components in a topological order that follows the declaration where it can
    (Kahn's algorithm, smallest node index first): generated code reads like the cell."""
    import heapq

    comp_of = {v: k for k, c in enumerate(comps) for v in c}
    deps: list[set[int]] = [set() for _ in comps]
    for k, c in enumerate(comps):
        for v in c:
            for w in succ[v]:
                j = comp_of.get(w)
                if j is not None and j != k:
                    deps[j].add(k)
    waiting = [len(d) for d in deps]
    users: list[list[int]] = [[] for _ in comps]
    for j, d in enumerate(deps):
        for k in d:
            users[k].append(j)
    ready = [(min(c), k) for k, c in enumerate(comps) if not waiting[k]]
    heapq.heapify(ready)
    out = []
    while ready:
        _, k = heapq.heappop(ready)
        out.append(comps[k])
        for j in users[k]:
            waiting[j] -= 1
            if not waiting[j]:
                heapq.heappush(ready, (min(comps[j]), j))
    return out


# ----------------------------------------------------------------- code generation
class _Loop:
    """A loop stage whose list of values collected for later stages grows as those
    stages are generated; rendered at the end."""

    def __init__(self, nodes: list[int]):
        self.nodes = nodes
        self.before: list[tuple[str, int | None]] = []
        self.body: list[tuple[str, int | None]] = []
        self.update = ""
        self.collect: list[int] = []
        self.finals: dict[int, str] = {}
        # for the generated backward (window_backward): what the loop reads from outside,
        # as (key, variable, step list), and the Linear + sum pairs fused into one addmm
        self.outer: list[tuple[Any, str, str]] = []
        self.fused: dict[int, int] = {}
        self.addends: dict[int, Any] = {}


class _Generator:
    """Writes the window function for a :class:`Plan` (see the module docstring)."""

    def __init__(
        self,
        graph: Graph,
        module_attrs: list[str | None],
        the_plan: Plan,
        n_step_inputs: int,
        T: int | None,
        batch_weight_grads: bool,
        generated_backward: bool = False,
    ):
        self.g, self.attrs, self.plan = graph, module_attrs, the_plan
        self.T = T
        self.batch_weight_grads = batch_weight_grads
        self.generated_backward = generated_backward
        self.namer = Namer()
        self.var: dict[int, str] = {}
        self.all_names: dict[int, str] = {}
        self.steps_names: dict[int, str] = {}
        self.avail: dict[int, set[str]] = {}
        self.producer: dict[int, _Loop] = {}  # node -> _Loop that computes it step by step
        self.lines: list[Any] = []  # (stmt, node) or _Loop
        self.n_step_inputs = n_step_inputs
        self.alias = {n.index: (n.args[k] if n.args and (k := _alias_of(n)) is not None else None) for n in graph.nodes}

    # names ------------------------------------------------------------------
    def canon(self, i: int) -> int:
        while (a := self.alias.get(i)) is not None and i not in self.plan.plumbing:
            i = a
        return i

    def v(self, i: int) -> str:
        if i not in self.var:
            n = self.g.nodes[i]
            if n.select_index is not None:
                split = self.g.nodes[n.args[0]]
                base = f"{base_name(self.g.nodes[split.args[0]])}_{n.select_index}"
            else:
                base = base_name(n) if not n.is_input else (n.name or "input")
            self.var[i] = self.namer(base)
        return self.var[i]

    def all_(self, i: int) -> str:
        if i not in self.all_names:
            self.all_names[i] = self.namer(self.v(i) + "_all")
        return self.all_names[i]

    def steps(self, i: int) -> str:
        if i not in self.steps_names:
            self.steps_names[i] = self.namer(self.v(i) + "_steps")
        return self.steps_names[i]

    def emit(self, stmt: str, node: int | None = None) -> None:
        self.lines.append((stmt, node))

    # representations --------------------------------------------------------
    def need_all(self, i: int) -> str:
        i = self.canon(i)
        have = self.avail.setdefault(i, set())
        if "all" not in have:
            self.need_steps(i)
            self.emit(f"{self.all_(i)} = _fold({self.steps(i)})")
            have.add("all")
        return self.all_(i)

    def need_steps(self, i: int) -> str:
        i = self.canon(i)
        have = self.avail.setdefault(i, set())
        if "steps" not in have:
            loop = self.producer.get(i)
            if loop is not None:
                loop.collect.append(i)
            elif "all" in have:
                self.emit(f"{self.steps(i)} = _unfold({self.all_(i)}, T)")
            else:
                raise AssertionError(f"node {i} has no value yet")
            have.add("steps")
        return self.steps(i)

    # statements -------------------------------------------------------------
    def expr(self, n: GNode, args: list[str]) -> str:
        return _call_expr(n, args, self.attrs, True)

    def split_targets(self, n: GNode, name) -> str:
        assert n.n_split is not None, "called for split nodes only"
        by_index = {self.g.nodes[c].select_index: c for c in self.g.consumers[n.index]}
        return ", ".join(name(by_index[k]) if k in by_index else "_" for k in range(1, n.n_split + 1)) + ","

    def generate(self) -> tuple[str, dict[int, int]]:
        g, plan = self.g, self.plan
        step_inputs = [i for k, i in enumerate(g.inputs) if k not in {p.input_pos for p in plan.pairs}]
        header = ["def window(self, inputs, state):", "    m = self._modules['cell']._modules"]
        T = repr(self.T) if self.T is not None else "None"
        for k, i in enumerate(step_inputs):
            name = self.all_(i)
            what = f"step input {k + 1}" + (f" ({g.nodes[i].name})" if g.nodes[i].name else "")
            if k == 0:
                self.emit(f"{name}, T = _window_input(inputs[{k}], {T}, {what!r})")
            else:
                self.emit(f"{name}, _ = _window_input(inputs[{k}], T, {what!r})")
            self.avail[i] = {"all"}
        if not step_inputs:
            if self.T is None:
                raise GraphError("compile_window: a cell without step inputs needs T")
            self.emit(f"T = {self.T}")
        for k, pair in enumerate(plan.pairs):
            self._emit_init(f"state[{k}]", pair)

        for kind, nodes in plan.stages:
            getattr(self, f"_stage_{kind}")(nodes)

        outs = self._outputs()
        lines = header + ["    try:"]
        line_nodes: dict[int, int] = {}
        body: list[tuple[str, int | None, int]] = []  # stmt, node, indent

        functions: list[tuple[str, int | None]] = []  # the generated loops' forward/backward
        n_loops = 0
        for item in self.lines:
            if isinstance(item, _Loop):
                rendered = None
                if self.generated_backward:
                    from .window_backward import render_loop

                    rendered = render_loop(self, item, n_loops + 1)
                if rendered is None:
                    body.extend(self._render_loop(item))
                else:
                    n_loops += 1
                    body.extend(rendered[0])
                    functions.extend(rendered[1])
            else:
                body.append((item[0], item[1], 2))
        body.append((f"return {outs}", None, 2))
        for stmt, node, indent in body:
            lines.append("    " * indent + stmt)
            if node is not None:
                line_nodes[len(lines)] = node
        lines += ["    except Exception as error:", "        _fail(self, error)", "        raise"]
        if functions:
            lines.append("")
            lines.append("")
        for stmt, node in functions:
            lines.append(stmt)
            if node is not None:
                line_nodes[len(lines)] = node
        return "\n".join(lines) + "\n", line_nodes

    def _emit_init(self, source: str, pair: _Pair) -> None:
        """Give every slot's reading variable its value before the first step."""
        slots = self.plan.slots

        def walk(src: str, structure: Any) -> None:
            if isinstance(structure, int):
                self.emit(f"{self.v(slots[structure].reads)} = {src}")
                return
            tmp = [self.namer("state") if isinstance(s, list) else self.v(slots[s].reads) for s in structure]
            self.emit(f"{', '.join(tmp)}, = _check_split({src}, {len(structure)})")
            for name, s in zip(tmp, structure):
                if isinstance(s, list):
                    walk(name, s)

        if pair.slot is not None:
            walk(source, pair.slot)
        else:
            walk(source, pair.structure)

    # the stages -------------------------------------------------------------
    def _stage_input(self, nodes: list[int]) -> None:
        pass  # folded in the header

    def _stage_fold(self, nodes: list[int]) -> None:
        n = self.g.nodes[nodes[0]]
        if self.alias[n.index] is not None:
            return
        if n.n_split is not None:
            src = self.need_all(n.args[0])
            self.emit(f"{self.split_targets(n, self.all_)} = _check_split({src}, {n.n_split})", n.index)
            for c in self.g.consumers[n.index]:
                self.avail[c] = {"all"}
            return
        args = [self.need_all(a) for a in n.args]
        self.emit(f"{self.all_(n.index)} = {self.expr(n, args)}", n.index)
        self.avail[n.index] = {"all"}

    def _stage_criterion(self, nodes: list[int]) -> None:
        n = self.g.nodes[nodes[0]]
        args = [self.need_all(a) for a in n.args]
        table = f"[{', '.join(args)}]" if n.table_input else args[0]
        self.emit(f"{self.all_(n.index)} = _criterion_per_step(m[{self.attrs[n.index]!r}], {table}, T)", n.index)
        self.avail[n.index] = {"all"}

    def _stage_log_softmax_nll(self, nodes: list[int]) -> None:
        n = self.g.nodes[nodes[0]]
        lsm = self.g.nodes[n.args[0]]
        logits, target = self.need_all(lsm.args[0]), self.need_all(n.args[1])
        self.emit(
            f"{self.all_(n.index)} = _log_softmax_nll(m[{self.attrs[n.index]!r}], {logits}, {target}, T)", n.index
        )
        self.avail[n.index] = {"all"}

    def _stage_steps(self, nodes: list[int]) -> None:
        n = self.g.nodes[nodes[0]]
        if self.alias[n.index] is not None:
            return
        uniq = list(dict.fromkeys(self.canon(a) for a in n.args))
        lists = [self.need_steps(a) for a in uniq]
        names = [self.v(a) for a in uniq]
        e = self.expr(n, [self.v(self.canon(a)) for a in n.args])
        if len(uniq) == 1:
            comp = f"[{e} for {names[0]} in {lists[0]}]"
        else:
            comp = f"[{e} for {', '.join(names)} in zip({', '.join(lists)})]"
        self.emit(f"{self.steps(n.index)} = {comp}", n.index)
        self.avail[n.index] = {"steps"}

    def _stage_shift(self, nodes: list[int]) -> None:
        """A state read that does not depend on itself: the previous step's value."""
        i = nodes[0]
        slot = next(s for s in self.plan.slots if s.reads == i)
        src = self.need_steps(slot.gives)
        self.emit(f"{self.steps(i)} = ({self.v(i)},) + tuple({src}[:-1])", i)
        self.avail[i] = {"steps"}

    def _stage_loop(self, nodes: list[int]) -> None:
        loop = _Loop(nodes)
        inside = set(nodes)
        reads = {s.reads: s for s in self.plan.slots if s.reads in inside}
        bound: set[int] = set()
        fused = self._fusable_sums(nodes, inside)
        loop.fused = fused
        for i in nodes:
            n = self.g.nodes[i]
            if i in reads or i in fused:
                continue
            if n.select_index is not None or self.alias[i] is not None:
                continue
            if i in fused.values():
                self._loop_fused_sum(loop, n, fused, inside, bound)
                continue
            for a in n.args:
                a = self.canon(a)
                if a not in inside and a not in bound:
                    bound.add(a)
                    self._bind_outer(loop, a)
            args = [self.v(self.canon(a)) for a in n.args]
            if n.n_split is not None:
                loop.body.append((f"{self.split_targets(n, self.v)} = _check_split({args[0]}, {n.n_split})", i))
                for c in self.g.consumers[i]:
                    self.producer[c] = loop
                continue
            stmt = self._loop_linear(loop, n, args)
            loop.body.append((f"{self.v(i)} = {stmt or self.expr(n, args)}", i))
            self.producer[i] = loop
        for i in reads:
            self.producer[i] = loop
        for i in reads:  # the carried value after the loop: the next state (other loops may rebind the name)
            loop.finals[i] = self.namer(f"{self.v(i)}_final")
        targets = [self.v(s.reads) for s in reads.values()]
        sources = [self.v(self.canon(s.gives)) for s in reads.values()]
        if targets != sources:
            loop.update = f"{', '.join(targets)} = {', '.join(sources)}"
        self.lines.append(loop)

    def _bind_outer(self, loop: _Loop, a: int) -> None:
        """Read value ``a`` (computed outside the loop) at step ``t`` inside it."""
        steps = self.need_steps(a)
        loop.body.append((f"{self.v(a)} = {steps}[t]", None))
        loop.outer.append((a, self.v(a), steps))

    def _batched_linear(self, n: GNode) -> bool:
        from .nn import Linear

        return self.batch_weight_grads and type(n.module) is Linear and not n.table_input and not _has_hooks(n.module)

    def _loop_linear(self, loop: _Loop, n: GNode, args: list[str], addend: str | None = None) -> str | None:
        """A Linear inside a loop: input gradients step by step, weight gradient once. With
        ``addend`` (a value from outside the loop that already holds the bias), the sum
        ``addend + x W^T`` is one product."""
        if not self._batched_linear(n):
            return None
        ref = f"m[{self.attrs[n.index]!r}]"
        store = self.namer(f"{self.v(n.index)}_grads")
        w, b = self.namer(f"{self.v(n.index)}_weight"), self.namer(f"{self.v(n.index)}_bias")
        bias = f"{ref}.bias" if addend is None else "None"
        loop.before.append((f"{store}, {w}, {b} = _window_params({ref}.weight, {bias})", n.index))
        if addend is not None:
            return f"_step_linear({args[0]}, {w}, None, {store}, {addend})"
        return f"_step_linear({args[0]}, {w}, {b}, {store})"

    def _fusable_sums(self, nodes: list[int], inside: set[int]) -> dict[int, int]:
        """``{linear: sum}`` for each two-term CAddTable in the loop that adds a value from
        outside the loop (an input-side product, computed for the whole window) to a
        Linear of the state used nowhere else: the Linear's bias then joins the outside
        value once a window, and each step is one ``addmm``."""
        from .nn import CAddTable

        g, gives = self.g, {s.gives for s in self.plan.slots}
        fused: dict[int, int] = {}
        for c in nodes:
            n = g.nodes[c]
            if type(n.module) is not CAddTable or not n.table_input or len(n.args) != 2 or _has_hooks(n.module):
                continue
            for k in (0, 1):
                lin, other = n.args[k], self.canon(n.args[1 - k])
                ln = g.nodes[lin]
                if (
                    lin in inside
                    and other not in inside
                    and self.alias[lin] is None
                    and self._batched_linear(ln)
                    and g.consumers[lin] == [c]
                    and lin not in g.outputs
                    and lin not in gives
                    and lin not in fused
                    and other != lin
                ):
                    fused[lin] = c
                    break
        return fused

    def _loop_fused_sum(self, loop: _Loop, n: GNode, fused: dict[int, int], inside: set[int], bound: set[int]) -> None:
        lin = next(k for k, c in fused.items() if c == n.index)
        other = self.canon(next(a for a in n.args if a != lin))
        ln = self.g.nodes[lin]
        x = self.canon(ln.args[0])
        if x not in inside and x not in bound:
            bound.add(x)
            self._bind_outer(loop, x)
        src = self.need_all(other)
        with_bias = self.namer(f"{self.v(other)}_{self.v(lin)}")
        if getattr(ln.module, "bias", None) is not None:  # ln is a Linear node: its module is set
            self.emit(f"{with_bias}_all = {src} + m[{self.attrs[lin]!r}].bias", lin)
        else:
            self.emit(f"{with_bias}_all = {src}", lin)
        self.emit(f"{with_bias}_steps = _unfold({with_bias}_all, T)")
        loop.body.append((f"{with_bias} = {with_bias}_steps[t]", None))
        loop.outer.append((("addend", n.index), with_bias, f"{with_bias}_steps"))
        loop.addends[n.index] = ("addend", n.index)
        stmt = self._loop_linear(loop, ln, [self.v(x)], addend=with_bias)
        loop.body.append((f"{self.v(n.index)} = {stmt}", n.index))
        self.producer[n.index] = loop

    def _render_loop(self, loop: _Loop) -> list[tuple[str, int | None, int]]:
        out = [(s, i, 2) for s, i in loop.before]
        for i in loop.collect:
            out.append((f"{self.steps(i)} = []", None, 2))
        out.append(("for t in range(T):", None, 2))
        out += [(s, i, 3) for s, i in loop.body]
        for i in loop.collect:
            out.append((f"{self.steps(i)}.append({self.v(i)})", None, 3))
        if loop.update:
            out.append((loop.update, None, 3))
        if out[-1][0] == "for t in range(T):":
            out.append(("pass", None, 3))  # a state that passes through unchanged
        if loop.finals:
            out.append((f"{', '.join(loop.finals.values())} = {', '.join(self.v(i) for i in loop.finals)}", None, 2))
        return out

    # outputs ------------------------------------------------------------------
    def _stacked(self, i: int) -> str:
        i = self.canon(i)
        if "all" in self.avail.get(i, set()):
            return f"_stacked({self.all_(i)}, T)"
        return f"_stack_steps({self.need_steps(i)})"

    def _final(self, slot: _Slot) -> str:
        loop = self.producer.get(slot.reads)
        if loop is not None and self.producer.get(self.canon(slot.gives)) is loop:
            return loop.finals[slot.reads]  # carried: after the loop it holds the last step's value
        i = self.canon(slot.gives)
        if "all" in self.avail.get(i, set()) and "steps" not in self.avail[i]:
            return f"_unfold({self.all_(i)}, T)[-1]"
        return f"{self.need_steps(i)}[-1]"

    def _outputs(self) -> str:
        g, plan = self.g, self.plan
        state_pos = {p.output_pos for p in plan.pairs}
        step_outs = [self._stacked(o) for k, o in enumerate(g.outputs) if k not in state_pos]

        def build(structure: Any, leaf) -> str:
            if isinstance(structure, int):
                return leaf(plan.slots[structure])
            return "[" + ", ".join(build(s, leaf) for s in structure) + "]"

        def of_pair(p: _Pair, leaf) -> str:
            return build(p.slot if p.slot is not None else p.structure, leaf)

        if not step_outs:  # the per-step values of the next state are the outputs
            step_outs = [of_pair(p, lambda s: self._stacked(s.gives)) for p in plan.pairs]
        finals = [of_pair(p, self._final) for p in plan.pairs]
        outs = step_outs[0] if len(step_outs) == 1 else f"[{', '.join(step_outs)}]"
        return f"{outs}, [{', '.join(finals)}]"


# ----------------------------------------------------------------- the module
class Window(Module):
    """A cell compiled over a window of time steps (see :func:`compile_window`).

    ``win(inputs, state)`` returns ``(outputs, next_state)``: ``inputs`` is the step
    input (a ``T x B x ...`` tensor or a list of ``T`` tensors) or, when the cell has
    several, a list of them; ``state`` is the list of initial state values, one per
    state input (a tensor, or a table when the cell takes its state as one table);
    ``outputs`` are the cell's step outputs stacked over time (``T x B x ...``), one
    bare or several in a list (a cell with no other outputs gives its next state at
    every step instead); ``next_state`` is the list of final state values. The Lua idiom
    takes the pair as one table: ``win.forward([inputs, state])``, then
    ``win.backward([inputs, state], [grad_outputs, grad_state])``.
    """

    cell: gModule
    # set by _install straight into __dict__: generated code, not module state
    _src: str
    _filename: str
    _fn: Callable[..., Any]
    _line_nodes: dict[int, int]

    def __init__(
        self,
        cell: gModule,
        T: int | None,
        pairs: list[tuple[int, int]],
        n_step_inputs: int,
        batch_weight_grads: bool = True,
        fuse_loss: bool = True,
        generated_backward: bool = True,
    ):
        super().__init__()
        self.cell = cell
        self.T = T
        self.pairs = pairs
        self.n_step_inputs = n_step_inputs
        self.batch_weight_grads = batch_weight_grads
        self.generated_backward = generated_backward
        self.plan = plan(cell.graph, pairs, fuse_loss)
        src, line_nodes = _Generator(
            cell.graph, cell.module_attrs, self.plan, n_step_inputs, T, batch_weight_grads, generated_backward
        ).generate()
        self.__dict__["_line_nodes"] = line_nodes
        self._install(src)

    def _install(self, src: str) -> None:
        filename = f"<pygraphnn window {self.cell._label()} #{next(_counter)}>"
        linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
        env = {
            "torch": torch,
            "F": F,
            "_fail": _fail,
            "_check_split": _check_split,
            "_fold": _fold,
            "_unfold": _unfold,
            "_stacked": _stacked,
            "_stack_steps": _stack_steps,
            "_window_input": _window_input,
            "_window_params": _window_params,
            "_step_linear": _step_linear,
            "_criterion_per_step": _criterion_per_step,
            "_log_softmax_nll": _log_softmax_nll,
            **RUNTIME,
        }
        exec(compile(src, filename, "exec"), env)  # our own generated source, never text from a file
        self.__dict__["_src"] = src
        self.__dict__["_filename"] = filename
        self.__dict__["_fn"] = env["window"]

    @property
    def code(self) -> str:
        """The generated source of the window function."""
        return self._src

    def forward(self, inputs: Any, state: Any = None) -> tuple[Any, list[Any]]:
        if state is None and isinstance(inputs, (list, tuple)) and len(inputs) == 2:
            inputs, state = inputs  # the Lua idiom's one table {inputs, state}
        if self.n_step_inputs == 1:
            inputs = [inputs]
        elif not isinstance(inputs, (list, tuple)) or len(inputs) != self.n_step_inputs:
            raise GraphError(f"this window takes {self.n_step_inputs} step inputs (a list), got {describe(inputs)}")
        if not isinstance(state, (list, tuple)) or len(state) != len(self.pairs):
            raise GraphError(
                f"this window takes a list of {len(self.pairs)} initial state values, got {describe(state)}"
            )
        return self._fn(self, inputs, state)

    def extra_repr(self) -> str:
        loops = sum(kind == "loop" for kind, _ in self.plan.stages)
        once = sum(kind in ("fold", "criterion") for kind, _ in self.plan.stages)
        return f"T={self.T}, {loops} loop(s), {once} node(s) once a window"

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        for key in ("_src", "_filename", "_fn", "_lua_record"):
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        src, line_nodes = _Generator(
            self.cell.graph,
            self.cell.module_attrs,
            self.plan,
            self.n_step_inputs,
            self.T,
            self.batch_weight_grads,
            self.__dict__.get("generated_backward", False),
        ).generate()
        self.__dict__["_line_nodes"] = line_nodes
        self._install(src)


def _fail(win: Window, error: BaseException) -> None:
    """Re-raise ``error`` naming the cell node whose line of the window raised it."""
    from .errors import GraphRuntimeError

    tb, lineno = error.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == win._filename:
            lineno = tb.tb_lineno
        tb = tb.tb_next
    idx = win._line_nodes.get(lineno) if lineno is not None else None
    if idx is None or lineno is None:
        return
    node = win.cell.graph.nodes[idx]
    line = linecache.getline(win._filename, lineno).strip()
    raise GraphRuntimeError(
        f"{node.describe()} failed in the window of {win.cell._label()}: "
        f"{type(error).__name__}: {error}\n  generated line {lineno}: {line}"
    ) from error


def compile_window(
    cell: torch.nn.Module,
    T: int | None = None,
    *,
    n_state: int | None = None,
    state: Sequence[tuple[int, int]] | None = None,
    batch_weight_grads: bool = True,
    fuse_loss: bool = True,
    generated_backward: bool = True,
) -> Window:
    """One generated function for ``T`` steps of ``cell`` (a gModule); see the module docstring.

    Which inputs are recurrent state: by default (as :class:`~pygraphnn.Unroll`) the
    last ``n_state`` inputs (default: all but the first) are the state and the first
    ``n_state`` outputs give its next value; ``state=[(input, output), ...]`` (0-based
    positions) says it for any layout, e.g. ``state=[(2, 1)]`` for the PTB network
    ``{x, y, prev_s} -> {err, next_s}``. A state may be a table (``prev_s.split(n)``
    in, ``ng.nest([...])`` out): each entry then recurs on its own, so the layers of a
    stacked cell get a loop each. ``T=None`` takes ``T`` from the inputs at each call.

    ``batch_weight_grads`` (weight gradients of the Linears inside loops as one product)
    and ``fuse_loss`` (LogSoftMax + ClassNLLCriterion as one function) use custom
    autograd functions; turn them off to give the window to ``torch.compile``, which
    does its own fusion.

    ``generated_backward`` (the default) makes each loop one autograd node whose backward
    is generated from the graph, step by step in reverse with each module's backward
    written out (see :mod:`pygraphnn.window_backward`; modules without a written one
    fall back to autograd for their node). Its Linears get their weight gradients as one
    product whatever ``batch_weight_grads`` says. Off, autograd records every step.

    >>> win = ng.compile_window(models.cells.gru(10, 20), 35)
    >>> hs, [h] = win(torch.randn(35, 4, 10), [torch.zeros(4, 20)])
    """
    from .gmodule import gModule

    if not isinstance(cell, gModule):
        raise GraphError(f"compile_window needs a gModule cell, got {type(cell).__name__}")
    if T is not None and (isinstance(T, bool) or not isinstance(T, int) or T < 1):
        raise GraphError(f"compile_window needs a positive number of steps T, got {T!r}")
    n_in, n_out = len(cell.graph.inputs), len(cell.graph.outputs)
    if state is None:
        n = n_in - 1 if n_state is None else n_state
        if not 1 <= n <= min(n_in, n_out):
            raise GraphError(
                f"compile_window: n_state={n} for a cell of {n_in} inputs and {n_out} outputs; "
                f"say which inputs are state with state=[(input, output), ...]"
            )
        pairs = [(n_in - n + k, k) for k in range(n)]
    else:
        pairs = [(int(a), int(b)) for a, b in state]
        ins, outs = [a for a, _ in pairs], [b for _, b in pairs]
        bad = [p for p in pairs if not (0 <= p[0] < n_in and 0 <= p[1] < n_out)]
        if bad or len(set(ins)) != len(ins) or len(set(outs)) != len(outs) or not pairs:
            raise GraphError(
                f"compile_window: state={list(state)!r} must pair distinct input positions "
                f"(0..{n_in - 1}) with distinct output positions (0..{n_out - 1})"
            )
    for ip, _ in pairs:
        node = cell.graph.nodes[cell.graph.inputs[ip]]
        if _alias_of(node) is None and node.module is not None:
            raise GraphError(
                f"compile_window: state input {node.describe()} applies a module to its value; "
                f"declare state inputs with nn.Identity()()"
            )
    n_step = n_in - len(pairs)
    for k, i in enumerate(cell.graph.inputs):
        node = cell.graph.nodes[i]
        if k not in {a for a, _ in pairs} and _alias_of(node) is None and node.module is not None:
            raise GraphError(
                f"compile_window: step input {node.describe()} applies a module to its value; "
                f"declare inputs with nn.Identity()()"
            )
    return Window(cell, T, pairs, n_step, batch_weight_grads, fuse_loss, generated_backward)
