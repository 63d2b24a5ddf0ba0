"""A generated backward for each recurrent loop of a compiled window.

Autograd records every operation of every step of a loop (a matrix product, a split,
four gate non-linearities, products and sums a step and a layer for an LSTM) and runs
each one's backward node in its engine. For a loop of the window, :func:`render_loop`
writes two functions instead, from the same graph:

* ``loopN_forward`` runs the ``T`` steps without recording (autograd is off inside a
  custom function) and keeps each step's values on a tape (references: nothing is
  copied);
* ``loopN_backward`` is the reverse loop with each node's backward written out:
  ``Linear`` gives ``g @ W`` a step and its weight gradient once, as one product over
  the window's ``T*B`` rows; ``Sigmoid`` and ``Tanh`` use the output
  (``sigmoid_backward``/``tanh_backward``, as autograd does); ``CMulTable``,
  ``CAddTable``, ``CSubTable``, ``MulConstant``, ``AddConstant``, ``Reshape``, and the
  table plumbing (``JustTable``, ``SplitTable``, ``SelectTable``, ``split``).

A node whose module has no written backward (any other module, or one with hooks) runs
its forward with autograd on, on detached copies of its inputs, and keeps that little
graph: its backward is ``torch.autograd.grad`` through it (no recomputation, so a random
module such as ``Dropout`` keeps its mask). Any cell therefore works; the written rules
are what makes it fast. A loop whose values are tables the rules cannot follow keeps
the autograd loop of :mod:`pygraphnn.window`.

:class:`_LoopFunction` joins the two functions to autograd: its inputs are the values
the loop reads from outside (one a step), the initial state and the parameters of the
loop's modules; its outputs are the per-step values read after the loop and the final
state. ``win.code`` shows both functions after the window function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from .errors import GraphError
from .tables import describe

if TYPE_CHECKING:
    from .graph import GNode
    from .window import _Generator, _Loop

__all__ = ["render_loop", "run_loop"]


# ----------------------------------------------------------------- runtime
class _LoopFunction(torch.autograd.Function):
    """One loop of a window as one autograd node (see the module docstring)."""

    @staticmethod
    def forward(ctx, spec, *leaves):
        forward, _backward, m, T, n_outer, n_init = spec
        outer = [list(leaves[k * T : (k + 1) * T]) for k in range(n_outer)]
        init = list(leaves[n_outer * T : n_outer * T + n_init])
        tape: list[Any] = []
        cols, finals = forward(m, T, outer, init, tape)
        ctx.spec, ctx.tape, ctx.n_cols = spec, tape, len(cols)
        seen = {id(x) for x in leaves}
        out = []
        for v in [v for col in cols for v in col] + list(finals):
            if not isinstance(v, torch.Tensor):
                raise GraphError(
                    f"compile_window: a loop value read after the loop is {describe(v)}; the generated "
                    f"backward carries tensors only (compile_window(..., generated_backward=False) for tables)"
                )
            if id(v) in seen:  # a value returned twice, or an input returned: its own view
                v = v.view_as(v)
            seen.add(id(v))
            out.append(v)
        # The tape must not hold this node's own outputs: apply() gives them this node as
        # grad_fn, and a reference from ctx to them would be a cycle through C++ that no
        # garbage collection frees (every window's tape would leak). Detached aliases
        # share the storage.
        returned = {id(v) for v in out}
        if returned:
            ctx.tape = [
                tuple(x.detach() if id(x) in returned else x for x in entry)
                if any(id(x) in returned for x in entry)
                else entry
                for entry in tape
            ]
        return tuple(out)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, *grads):
        _forward, backward, m, T, n_outer, n_init = ctx.spec
        nc = ctx.n_cols
        g_cols = [list(grads[k * T : (k + 1) * T]) for k in range(nc)]
        g_finals = list(grads[nc * T :])
        need = ctx.needs_input_grad[1:]
        g_outer, g_init, g_params = backward(m, T, ctx.tape, g_cols, g_finals, need[n_outer * T + n_init :])
        flat = [g for steps in g_outer for g in steps] + list(g_init) + list(g_params)
        return (None, *[g if ok else None for g, ok in zip(flat, need)])


def run_loop(forward, backward, m, T: int, outer: list, init: list, params: list):
    """Run one generated loop: ``(per-step values read after it, final state)``."""
    leaves = [x for steps in outer for x in steps] + list(init) + list(params)
    for x in leaves:
        if not isinstance(x, torch.Tensor):
            raise GraphError(
                f"compile_window: a value entering a loop is {describe(x)}; the generated backward "
                f"carries tensors only (compile_window(..., generated_backward=False) for tables)"
            )
    if not (torch.is_grad_enabled() and any(x.requires_grad for x in leaves)):
        return forward(m, T, outer, init, None)
    out = _LoopFunction.apply((forward, backward, m, T, len(outer), len(init)), *leaves)
    nc = (len(out) - len(init)) // T
    return [list(out[k * T : (k + 1) * T]) for k in range(nc)], list(out[nc * T :])


def _gadd(a, b):
    """Accumulate a gradient where either side may be missing (None)."""
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _grad_leaves(*values):
    """Detached copies of a fallback node's inputs that autograd can differentiate."""
    return [v.detach().requires_grad_() if isinstance(v, torch.Tensor) and v.is_floating_point() else v for v in values]


def _tensor_out(value, what: str):
    if not isinstance(value, torch.Tensor):
        raise GraphError(
            f"compile_window: {what} gave {describe(value)} inside a loop; the generated backward's "
            f"fallback carries tensors only (compile_window(..., generated_backward=False) for tables)"
        )
    return value


def _fallback_grads(ins: list, out: torch.Tensor, grad, params: list):
    """``(input grads, parameter grads)`` of one fallback node at one step, through the
    graph its forward kept."""
    wrt_in = [k for k, x in enumerate(ins) if isinstance(x, torch.Tensor) and x.requires_grad]
    wrt_p = [k for k, p in enumerate(params) if p.requires_grad]
    g_in: list = [None] * len(ins)
    g_p: list = [None] * len(params)
    if out.requires_grad and (wrt_in or wrt_p):
        found = torch.autograd.grad(  # retained: the window's own backward may run again (gradcheck)
            out, [ins[k] for k in wrt_in] + [params[k] for k in wrt_p], grad, allow_unused=True, retain_graph=True
        )
        for k, g in zip(wrt_in, found):
            g_in[k] = g if g is not None else torch.zeros_like(ins[k])
        for k, g in zip(wrt_p, found[len(wrt_in) :]):
            g_p[k] = g
    else:  # the output does not depend on anything differentiable
        g_in = [torch.zeros_like(x) if isinstance(x, torch.Tensor) and x.is_floating_point() else None for x in ins]
    return g_in, g_p


def _unbind_backward(entries: dict, shape: torch.Size, dim: int) -> torch.Tensor:
    """The gradient of ``torch.unbind(x, dim)`` (``x`` of ``shape``) from the gradients of
    some of its entries (at least one)."""
    like = next(iter(entries.values()))
    parts = [entries[k] if entries.get(k) is not None else torch.zeros_like(like) for k in range(shape[dim])]
    return torch.stack(parts, dim)


def _rows(values: list) -> torch.Tensor:
    """A step list of tensors as one matrix of rows (the window's ``T*B`` rows)."""
    return torch.stack(values).flatten(0, -2)


def _addmm(addend: torch.Tensor, x: torch.Tensor, weight_t: torch.Tensor) -> torch.Tensor:
    if x.dim() == 2 and addend.dim() == 2:
        return torch.addmm(addend, x, weight_t)
    return addend + x.matmul(weight_t)


RUNTIME = {
    "_run_loop": run_loop,
    "_gadd": _gadd,
    "_grad_leaves": _grad_leaves,
    "_tensor_out": _tensor_out,
    "_fallback_grads": _fallback_grads,
    "_unbind_backward": _unbind_backward,
    "_rows": _rows,
    "_addmm": _addmm,
}


# ----------------------------------------------------------------- which nodes have rules
def _kind(n: GNode) -> str:
    """The written backward rule for a node's module ('' when it falls back to autograd)."""
    from . import nn
    from .adapters import JustTable
    from .window import _has_hooks

    mod = n.module
    if mod is None or _has_hooks(mod):
        return ""
    t = type(mod)
    if n.table_input:
        if t in (nn.CAddTable, nn.CMulTable) and len(n.args) >= 2:
            return t.__name__
        if t is nn.CSubTable and len(n.args) == 2:
            return "CSubTable"
        if t is JustTable:
            return "JustTable"
        return ""
    if t in (nn.Sigmoid, nn.Tanh, nn.Linear, nn.MulConstant, nn.AddConstant, nn.Reshape, nn.SplitTable):
        return t.__name__
    if isinstance(mod, nn.SelectTable) and t is nn.SelectTable and mod.index > 0:
        return "SelectTable"
    return ""


class _LoopWriter:
    """Writes ``loopN_forward`` / ``loopN_backward`` for one :class:`_Loop`."""

    def __init__(self, gen: _Generator, loop: _Loop, number: int):
        self.gen, self.loop, self.g = gen, loop, gen.g
        self.number = number
        self.inside = set(loop.nodes)
        self.reads = {s.reads: s for s in gen.plan.slots if s.reads in self.inside}
        self.fused = loop.fused  # {linear: sum}
        self.tables = {i for i in loop.nodes if _kind(self.g.nodes[i]) in ("JustTable", "SplitTable")}
        self.outer_var = {k: var for k, var, _ in loop.outer}  # what the loop reads from outside
        self.names: dict[str, str] = {}

    # eligibility ----------------------------------------------------------------
    def _is_table_consumer(self, c: int, i: int) -> bool:
        n = self.g.nodes[c]
        return n.n_split is not None or (_kind(n) == "SelectTable" and n.args[0] == i)

    def eligible(self) -> bool:
        """True when every table value in the loop is picked apart by splits/SelectTables
        inside the loop (the rules then know each entry's gradient statically) and no
        module without a written rule says it works in place."""
        g, canon = self.g, self.gen.canon
        for i in self.loop.nodes:
            n = g.nodes[i]
            if n.n_split is not None and canon(n.args[0]) not in self.tables:
                return False  # a split of a state, an outside table or a fallback's table
            if n.module is not None and not _kind(n) and getattr(n.module, "inplace", False) is True:
                return False  # its fallback would run on copies: other readers of its input would differ
            if _kind(n) == "SelectTable" and canon(n.args[0]) not in self.tables:
                return False
        for t in self.tables:
            if t in self.loop.collect or t in self.reads or t in self.gen.plan.plumbing:
                return False
            cons = [c for c in g.consumers[t]]
            if any(c not in self.inside or not self._is_table_consumer(c, t) for c in cons):
                return False
            if any(self.gen.canon(s.gives) == t for s in self.gen.plan.slots):
                return False
        return True

    # names ------------------------------------------------------------------------
    def v(self, i: int) -> str:
        return self.gen.v(self.gen.canon(i))

    def n(self, base: str) -> str:
        """A unique name for a helper variable (reserved in the window's namespace)."""
        if base not in self.names:
            self.names[base] = self.gen.namer(base)
        return self.names[base]

    def gname(self, key: Any) -> str:
        if key in self.outer_var:
            return self.n(f"g_{self.outer_var[key]}")
        if isinstance(key, tuple):
            return self.n(f"ge{key[1]}_{self.v(key[0])}")
        return self.n(f"g_{self.v(key)}")

    # rendering --------------------------------------------------------------------
    def render(self) -> tuple[list[tuple[str, int | None, int]], list[tuple[str, int | None]]]:
        """``(lines in the window function, lines of the two loop functions)``."""
        gen, loop, g = self.gen, self.loop, self.g
        fwd_name, bwd_name = f"loop{self.number}_forward", f"loop{self.number}_backward"
        reads = list(self.reads)
        outer = loop.outer  # [(key, variable, step list)]
        linears = [i for i in loop.nodes if i in self.fused or _kind(g.nodes[i]) == "Linear"]
        fallbacks = [
            i
            for i in loop.nodes
            if i not in self.reads
            and g.nodes[i].module is not None
            and gen.alias[i] is None
            and g.nodes[i].n_split is None
            and g.nodes[i].select_index is None
            and i not in self.fused
            and i not in self.fused.values()
            and not _kind(g.nodes[i])
        ]
        # parameters: the Linears' (fixed positions), then each fallback module's
        params: list[str] = []
        pos: dict[tuple[int, str], int] = {}
        for i in linears:
            ref = f"m[{gen.attrs[i]!r}]"
            pos[(i, "weight")] = len(params)
            params.append(f"{ref}.weight")
            if i not in self.fused and getattr(g.nodes[i].module, "bias", None) is not None:
                pos[(i, "bias")] = len(params)
                params.append(f"{ref}.bias")
        n_fixed = len(params)
        for i in fallbacks:
            params.append(f"*m[{gen.attrs[i]!r}].parameters()")

        # the call, in the window function
        cols = [gen.steps(i) for i in loop.collect]
        finals = [loop.finals[r] for r in reads]
        call = (
            f"_run_loop({fwd_name}, {bwd_name}, m, T, [{', '.join(s for _, _, s in outer)}], "
            f"[{', '.join(self.v(r) for r in reads)}], [{', '.join(params)}])"
        )
        lhs_cols = f"[{', '.join(cols)}{',' if len(cols) == 1 else ''}]"
        lhs_fin = f"[{', '.join(finals)}{',' if len(finals) == 1 else ''}]"
        window_lines: list[tuple[str, int | None, int]] = [(f"{lhs_cols}, {lhs_fin} = {call}", None, 2)]

        fwd = self._forward(fwd_name, reads, outer, cols, fallbacks)
        bwd = self._backward(bwd_name, reads, outer, linears, fallbacks, pos, n_fixed)
        return window_lines, fwd + [("", None)] + bwd + [("", None)]

    def _forward(self, name, reads, outer, cols, fallbacks) -> list[tuple[str, int | None]]:
        gen, loop, g = self.gen, self.loop, self.g
        lines: list[tuple[str, int | None]] = [(f"def {name}(m, T, outer, init, tape):", None)]
        body: list[tuple[str, int | None]] = []
        if outer:
            names = [f"{var}_steps_in" for _, var, _ in outer]
            lines.append((f"    {', '.join(names)}, = outer", None))
        if reads:
            lines.append((f"    {', '.join(self.v(r) for r in reads)}, = init", None))
        for i in self.fused:
            ref = f"m[{gen.attrs[i]!r}]"
            lines.append((f"    {self.v(i)}_wt = {ref}.weight.t()", i))
        for i in loop.collect:
            lines.append((f"    {self.v(i)}_col = []", None))
        # the tape keeps only what the written rules read (autograd keeps as much): a
        # value kept alive for nothing costs memory traffic at every step
        saved: list[str] = []
        for _, var, _ in outer:
            body.append((f"{var} = {var}_steps_in[t]", None))
        for i in loop.nodes:
            n = g.nodes[i]
            if i in self.reads or i in self.fused or gen.alias[i] is not None or n.select_index is not None:
                continue
            args = [self.v(a) for a in n.args]
            if n.n_split is not None:
                body.append((f"{gen.split_targets(n, lambda k: self.v(k))} = _check_split({args[0]}, {n.n_split})", i))
                continue
            if i in self.fused.values():
                lin = next(k for k, c in self.fused.items() if c == i)
                x = self.v(g.nodes[lin].args[0])
                addend = self.outer_var[loop.addends[i]]
                body.append((f"{self.v(i)} = _addmm({addend}, {x}, {self.v(lin)}_wt)", i))
                saved.append(x)
            elif i in fallbacks:
                fb = f"{self.v(i)}_in"
                what = g.nodes[i].describe()
                expr = gen.expr(n, [f"{fb}[{k}]" for k in range(len(args))])
                body.append(("if tape is None:", None))
                body.append((f"    {self.v(i)} = {gen.expr(n, args)}", i))
                body.append(("else:", None))
                body.append((f"    {fb} = _grad_leaves({', '.join(args)})", None))
                body.append(("    with torch.enable_grad():", None))
                body.append((f"        {self.v(i)}_out = _tensor_out({expr}, {what!r})", i))
                body.append((f"    {self.v(i)} = {self.v(i)}_out.detach()", None))
                saved += [fb, f"{self.v(i)}_out"]
            else:
                body.append((f"{self.v(i)} = {gen.expr(n, args)}", i))
                kind = _kind(n)
                if kind in ("Sigmoid", "Tanh"):
                    saved.append(self.v(i))
                elif kind == "CMulTable":
                    saved += args
                elif kind == "Linear":
                    saved.append(args[0])
                elif kind in ("Reshape", "SplitTable"):
                    shape = self.n(f"{self.v(i)}_in_shape")
                    body.append((f"{shape} = {args[0]}.shape", None))
                    saved.append(shape)
                    if kind == "SplitTable":
                        dim = self.n(f"{self.v(i)}_dim")
                        from .nn.table import _inline_dim  # the forward's own rule, as text

                        ref = f"m[{gen.attrs[i]!r}]"
                        body.append((f"{dim} = {_inline_dim(n.module, ref, args[0])}", None))
                        saved.append(dim)
        for i in loop.collect:
            body.append((f"{self.v(i)}_col.append({self.v(i)})", None))
        saved = list(dict.fromkeys(saved))
        body.append(("if tape is not None:", None))
        body.append((f"    tape.append(({''.join(s + ', ' for s in saved)}))", None))
        self.saved = saved
        targets = [self.v(r) for r in reads]
        sources = [self.v(self.gen.canon(self.reads[r].gives)) for r in reads]
        if targets != sources:
            body.append((f"{', '.join(targets)} = {', '.join(sources)}", None))
        lines.append(("    for t in range(T):", None))
        lines += [("        " + s, i) for s, i in body]
        col_list = ", ".join(f"{self.v(i)}_col" for i in loop.collect)
        lines.append((f"    return [{col_list}], [{', '.join(targets)}]", None))
        return lines

    def _backward(self, name, reads, outer, linears, fallbacks, pos, n_fixed) -> list[tuple[str, int | None]]:
        gen, loop, g = self.gen, self.loop, self.g
        lines: list[tuple[str, int | None]] = [(f"def {name}(m, T, tape, g_cols, g_finals, need):", None)]
        cols = list(loop.collect)
        if cols:
            lines.append((f"    {', '.join(self.gname(i) + '_cols' for i in cols)}, = g_cols", None))
        carries = [f"carry_{self.v(r)}" for r in reads]
        if reads:
            lines.append((f"    {', '.join(carries)}, = g_finals", None))
        for a, _, _ in outer:
            lines.append((f"    {self.gname(a)}_steps = [None] * T", None))
        for i in linears:
            lines.append((f"    {self.v(i)}_g_rows, {self.v(i)}_x_rows = [None] * T, [None] * T", None))
        for i in fallbacks:
            lines.append((f"    {self.v(i)}_params = list(m[{gen.attrs[i]!r}].parameters())", None))
            lines.append((f"    {self.gname(i)}_params = [None] * len({self.v(i)}_params)", None))

        body: list[str] = [f"{', '.join(self.saved)}, = tape[t]"] if self.saved else []
        has: set[Any] = set()
        maybe_none: set[Any] = set()  # gradients a fallback may leave out (None)

        def acc(key: Any, expr: str, may_be_none: bool = False) -> None:
            name = self.gname(key)
            if key not in has:
                body.append(f"{name} = {expr}")
                has.add(key)
            elif may_be_none or key in maybe_none:
                body.append(f"{name} = _gadd({name}, {expr})")
            else:
                body.append(f"{name} = {name} + {expr}")
            if may_be_none:
                maybe_none.add(key)

        def key(i: int) -> int:
            return gen.canon(i)

        for r, c in zip(reads, carries):
            acc(key(self.reads[r].gives), c)
        for i in cols:
            acc(key(i), f"{self.gname(i)}_cols[t]")
        for i in reversed(loop.nodes):
            n = g.nodes[i]
            if i in self.reads or i in self.fused or gen.alias[i] is not None or n.select_index is not None:
                continue
            if n.n_split is not None:  # a split of a table value made in the loop
                table = key(n.args[0])
                for consumer in g.consumers[i]:
                    index = g.nodes[consumer].select_index
                    if key(consumer) in has and index is not None:  # every consumer of a split selects
                        acc((table, index - 1), self.gname(key(consumer)))
                continue
            kind = _kind(n)
            gy, y = self.gname(i), self.v(i)
            args = [self.v(a) for a in n.args]
            ref = f"m[{gen.attrs[i]!r}]"
            if kind in ("JustTable", "SplitTable"):
                entries = sorted(k for k in has if isinstance(k, tuple) and k[0] == i)
                if not entries:
                    continue
                if kind == "JustTable":
                    for _, k in entries:
                        acc(key(n.args[k]), self.gname((i, k)))
                else:
                    d = ", ".join(f"{k}: {self.gname((i, k))}" for _, k in entries)
                    shape, dim = self.n(f"{y}_in_shape"), self.n(f"{y}_dim")
                    acc(key(n.args[0]), f"_unbind_backward({{{d}}}, {shape}, {dim})")
                continue
            if i not in has:
                continue
            if i in self.fused.values():
                lin = next(k for k, c in self.fused.items() if c == i)
                x_node = g.nodes[lin].args[0]
                acc(loop.addends[i], gy)
                acc(key(x_node), f"{gy}.mm(m[{gen.attrs[lin]!r}].weight)")
                body.append(f"{self.v(lin)}_g_rows[t], {self.v(lin)}_x_rows[t] = {gy}, {self.v(x_node)}")
            elif kind == "Linear":
                acc(key(n.args[0]), f"{gy}.matmul({ref}.weight)")
                body.append(f"{y}_g_rows[t], {y}_x_rows[t] = {gy}, {args[0]}")
            elif kind == "Sigmoid":
                acc(key(n.args[0]), f"torch.ops.aten.sigmoid_backward({gy}, {y})")
            elif kind == "Tanh":
                acc(key(n.args[0]), f"torch.ops.aten.tanh_backward({gy}, {y})")
            elif kind == "CAddTable":
                for a in n.args:
                    acc(key(a), gy)
            elif kind == "CSubTable":
                acc(key(n.args[0]), gy)
                acc(key(n.args[1]), f"{gy}.neg()")
            elif kind == "CMulTable":
                for k, a in enumerate(n.args):
                    acc(key(a), " * ".join([gy] + [args[j] for j in range(len(args)) if j != k]))
            elif kind == "MulConstant":
                acc(key(n.args[0]), f"{gy} * {ref}.constant_scalar")
            elif kind == "AddConstant":
                acc(key(n.args[0]), gy)
            elif kind == "Reshape":
                acc(key(n.args[0]), f"{gy}.reshape({self.n(y + '_in_shape')})")
            elif kind == "SelectTable":
                from .nn.table import SelectTable

                assert isinstance(n.module, SelectTable)  # _kind said so
                acc((key(n.args[0]), n.module.index - 1), gy)
            else:  # fallback: through the graph its forward kept
                fb = f"{y}_in"
                body.append(f"{gy}_in, {gy}_p = _fallback_grads({fb}, {y}_out, {gy}, {y}_params)")
                body.append(f"{gy}_params = [_gadd(a, b) for a, b in zip({gy}_params, {gy}_p)]")
                for k, a in enumerate(n.args):
                    acc(key(a), f"{gy}_in[{k}]", may_be_none=True)
        for a, _, _ in outer:
            if a in has:
                body.append(f"{self.gname(a)}_steps[t] = {self.gname(a)}")
        for r, c in zip(reads, carries):
            body.append(f"{c} = {self.gname(key(r))}" if key(r) in has else f"{c} = torch.zeros_like({c})")
        lines.append(("    for t in range(T - 1, -1, -1):", None))
        lines += [("        " + s, None) for s in body]
        # the weight gradients, once over the window
        grads = ["None"] * n_fixed
        for i in linears:
            rows = f"{self.v(i)}_g_rows"
            w = pos[(i, "weight")]
            lines.append((f"    {rows}_all = _rows({rows})", None))
            lines.append((f"    g_w{w} = {rows}_all.t().mm(_rows({self.v(i)}_x_rows)) if need[{w}] else None", None))
            grads[w] = f"g_w{w}"
            if (i, "bias") in pos:
                b = pos[(i, "bias")]
                lines.append((f"    g_w{b} = {rows}_all.sum(0) if need[{b}] else None", None))
                grads[b] = f"g_w{b}"
        param_grads = f"[{', '.join(grads)}]" + "".join(f" + {self.gname(i)}_params" for i in fallbacks)
        outer_grads = ", ".join(f"{self.gname(a)}_steps" for a, _, _ in outer)
        lines.append((f"    return [{outer_grads}], [{', '.join(carries)}], {param_grads}", None))
        return lines


def render_loop(gen: _Generator, loop: _Loop, number: int):
    """The generated-backward rendering of ``loop``, or None when its values are tables
    the written rules cannot follow (the autograd loop is used then)."""
    writer = _LoopWriter(gen, loop, number)
    if not writer.eligible():
        return None
    return writer.render()
