"""Graph → Python source: one straight-line statement per node.

``generate(graph, module_names)`` returns a :class:`Code` holding the source of a
``forward(self, ...)`` function, the globals it needs and the map from source line
to graph node (used to name the failing node in runtime errors). Modules may
offer ``_inline(ref, args, table_input)`` to be emitted as an expression (e.g.
``torch.tanh(h)``) instead of a module call; a module with hooks is always called.
"""

from __future__ import annotations

import builtins
import keyword
import re
from dataclasses import dataclass
from typing import cast

import torch

from .graph import GNode, Graph
from .module import _GLOBAL_HOOKS

_RESERVED = set(keyword.kwlist) | {
    "self",
    "m",
    "torch",
    "F",
    "inputs",
    "error",
    "_fail",
    "_check_inputs",
    "_check_split",
    "len",
    "isinstance",
    "list",
    "tuple",
    "Exception",
}

_BUILTINS = set(dir(builtins)) - {"input"}


@dataclass
class Code:
    src: str
    line_nodes: dict[int, int]  # source line (1-based) -> graph node index
    var_names: list[str | None]  # graph node index -> variable holding its value


def identifier(text: str) -> str:
    """A legal, lower-case Python identifier made from ``text``."""
    ident = re.sub(r"\W+", "_", text).strip("_").lower() or "v"
    if ident[0].isdigit():
        ident = "v" + ident
    return ident


class Namer:
    """Hands out unique identifiers; a taken base name gets a numeric suffix.

    Python builtins get a trailing underscore (``sum_``), so generated code and
    inlined expressions can always use them; ``input`` is the one exception, as
    the generated code never needs the builtin of that name.
    """

    def __init__(self, taken: set[str] | None = None):
        self.taken = set(_RESERVED if taken is None else taken)
        self.next_suffix: dict[str, int] = {}

    def __call__(self, base: str) -> str:
        base = identifier(base)
        if base in _BUILTINS:
            base += "_"
        name, k = base, self.next_suffix.get(base, 1)
        while name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self.next_suffix[base] = k
        self.taken.add(name)
        return name


def base_name(node: GNode) -> str:
    if node.name:
        return node.name
    if node.module is not None:
        return type(node.module).__name__
    return "split" if node.n_split is not None else "value"


def _has_hooks(m: torch.nn.Module | None) -> bool:
    return m is not None and bool(
        m._forward_hooks
        or m._forward_pre_hooks
        or m._backward_hooks
        or getattr(m, "_backward_pre_hooks", None)
        or any(_GLOBAL_HOOKS)
    )


def generate(graph: Graph, module_attrs: list[str | None], *, inline: bool = True) -> Code:
    """Source of ``forward`` for ``graph``; ``module_attrs[i]`` is the attribute of node i's module."""
    namer = Namer()
    var: list[str | None] = [None] * len(graph.nodes)
    input_names = []
    for k, i in enumerate(graph.inputs, 1):
        n = graph.nodes[i]
        input_names.append(namer(n.name or (f"input{k}" if len(graph.inputs) > 1 else "input")))

    # Last use of each node's variable, so that dead values are released early.
    last_use = [-1] * len(graph.nodes)
    for n in graph.nodes:
        for a in n.args:
            last_use[a] = n.index
    for o in graph.outputs:
        last_use[o] = len(graph.nodes)

    if len(graph.inputs) == 1:
        header = [
            "def forward(self, *inputs):",
            f"    {input_names[0]}, = inputs if len(inputs) == 1 else _check_inputs(inputs, 1)",
        ]
    else:
        header = [
            "def forward(self, *inputs):",
            "    if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)):",
            "        inputs = inputs[0]",
            f"    {', '.join(input_names)}, = _check_inputs(inputs, {len(input_names)})",
        ]
    body: list[tuple[str, int]] = []  # (statement, node index)
    input_of = {i: input_names[k] for k, i in enumerate(graph.inputs)}

    for n in graph.nodes:
        if n.index in input_of:
            src = input_of[n.index]
            if n.module is None:
                var[n.index] = src
                continue
            expr = _call_expr(n, [src], module_attrs, inline)
        elif n.select_index is not None:
            # handled by the split node that precedes it
            continue
        elif n.n_split is not None:
            outs = [c for c in graph.consumers[n.index]]
            names = [namer(f"{base_name(graph.nodes[n.args[0]])}_{graph.nodes[c].select_index}") for c in outs]
            for c, nm in zip(outs, names):
                var[c] = nm
            by_index = {graph.nodes[c].select_index: nm for c, nm in zip(outs, names)}
            targets = ", ".join(by_index[i] for i in range(1, n.n_split + 1))
            body.append((f"{targets}, = _check_split({var[n.args[0]]}, {n.n_split})", n.index))
            var[n.index] = None
            continue
        else:
            # every argument has its variable by now: only selects read a split node, and they never get here
            expr = _call_expr(n, cast(list[str], [var[a] for a in n.args]), module_attrs, inline)
        if expr.isidentifier():  # an identity: reuse the variable, emit nothing
            var[n.index] = expr
            continue
        var[n.index] = namer(base_name(n))
        body.append((f"{var[n.index]} = {expr}", n.index))

    # Free each variable after its last use (FX does the same with "x = None").
    last_stmt: dict[str, int] = {}
    for n in graph.nodes:
        v = var[n.index]
        if v is not None:
            last_stmt[v] = max(last_stmt.get(v, -1), last_use[n.index])
    dies_at: dict[int, list[str]] = {}
    for v, last in last_stmt.items():
        dies_at.setdefault(last, []).append(v)
    lines: list[tuple[str, int]] = []
    for stmt, idx in body:
        dead = sorted(dies_at.get(idx, ()))
        if dead:
            stmt += f"; del {', '.join(dead)}"
        lines.append((stmt, idx))
    out_vars = [var[o] for o in graph.outputs]
    ret = out_vars[0] if len(out_vars) == 1 else f"[{', '.join(map(str, out_vars))}]"

    # Submodules are reached through the ``_modules`` dict (``m['i2h']``): the same
    # objects as ``self.i2h``, without nn.Module.__getattr__'s cost on every use.
    uses_modules = any("m[" in stmt for stmt, _ in lines)
    src_lines = header + (["    m = self._modules"] if uses_modules else []) + ["    try:"]
    line_nodes: dict[int, int] = {}
    for stmt, idx in lines:
        src_lines.append(f"        {stmt}")
        if idx is not None:
            line_nodes[len(src_lines)] = idx
    src_lines += [
        f"        return {ret}",
        "    except Exception as error:",
        "        _fail(self, error)",
        "        raise",
    ]
    return Code("\n".join(src_lines) + "\n", line_nodes, var)


def _call_expr(n: GNode, args: list[str], module_attrs: list[str | None], inline: bool) -> str:
    ref = f"m[{module_attrs[n.index]!r}]"
    if inline and not _has_hooks(n.module):
        emit = getattr(n.module, "_inline", None)
        if emit is not None:
            expr = emit(ref, args, n.table_input)
            if expr is not None:
                return expr
    arg = f"[{', '.join(args)}]" if n.table_input else args[0]
    return f"{ref}({arg})"
