"""Paper-style diagrams of recurrent cells, and of a cell unrolled over time.

The nngraph drawing shows every node, plumbing included. A paper draws the
computation: inputs (x_t, h_{t-1}, c_{t-1}) on one side, outputs (h_t, c_t) on the
other, gates as σ / tanh blocks, ⊙ and + as small circles, Linear layers as boxes
with their sizes. :func:`cell_view` gets there from a gModule's graph by
evaluating its plumbing symbolically: Identity, Reshape, View, SplitTable,
SelectTable, ``split``/select nodes, JustTable/JustElement carry *references* to
the node that computed a value (and which chunk of it), so they vanish and their
consumers connect to the real producer; an edge that reads one chunk of a
split value is labelled ``k/n``. Nodes annotated ``group='...'`` are drawn inside a
cluster of that name; a nested gModule is one box, or a cluster of its own
nodes with ``expand=True``.

:func:`unrolled_view` clones a cell view over T steps and wires the state outputs
of step t to the state inputs of step t+1.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, replace
from typing import Any

from ..graph import Graph
from ..node import module_label
from .dotsource import DotWriter, Html, html_text

# Modules that only move values around: the diagram looks through them.
PASSTHROUGH = {"Identity", "Reshape", "View", "Contiguous", "Squeeze", "Unsqueeze", "Copy", "JustTable", "Transpose"}

_ACTIVATIONS = {  # class name -> (symbol, fill, border)
    "Sigmoid": ("σ", "#f8cecc", "#b85450"),
    "Tanh": ("tanh", "#fff2cc", "#d6b656"),
    "ReLU": ("ReLU", "#d5e8d4", "#82b366"),
    "HardTanh": ("hardtanh", "#fff2cc", "#d6b656"),
    "SoftMax": ("softmax", "#e1d5e7", "#9673a6"),
    "LogSoftMax": ("log softmax", "#e1d5e7", "#9673a6"),
}
_OPERATORS = {"CMulTable": "⊙", "CAddTable": "+", "CSubTable": "−", "CDivTable": "÷"}
# ⊙ is drawn, not written: a circle node around a bullet (U+2022, in every common font), since
# many SVG renderers (cairosvg, some browsers) fall back to a font without U+2299 and show a box
_DRAWN = {"⊙": "•"}
_FONT = "Helvetica"


# ------------------------------------------------------------------ symbolic values
@dataclass(frozen=True)
class Ref:
    """The value computed by diagram node ``key`` (``chunk``: which part of it)."""

    key: str
    chunk: str | None = None


@dataclass(frozen=True)
class Table:
    """A Lua table of symbolic values."""

    items: tuple


@dataclass(frozen=True)
class Chunks:
    """The table SplitTable makes of one value: entries become ``k/n`` chunks of it."""

    ref: Ref


def _select(v: Any, k: int, n: int | None = None) -> Any:
    if isinstance(v, Table):
        return v.items[k - 1] if k > 0 else v.items[k]
    if isinstance(v, Chunks):
        return Ref(v.ref.key, _join_chunk(v.ref.chunk, f"{k}/{n}" if n else f"[{k}]"))
    return Ref(v.key, _join_chunk(v.chunk, f"[{k}]"))


def _join_chunk(a: str | None, b: str) -> str:
    return f"{a} {b}" if a else b


def _as_table(v: Any, n: int) -> Table:
    if isinstance(v, Table):
        return v
    return Table(tuple(_select(v, k, n) for k in range(1, n + 1)))


def _refs(v: Any) -> list[Ref]:
    if isinstance(v, Ref):
        return [v]
    if isinstance(v, Chunks):
        return [v.ref]
    return [r for item in v.items for r in _refs(item)]


# ------------------------------------------------------------------ the view
@dataclass
class CellNode:
    key: str
    kind: str  # input, output, linear, activation, operator, gmodule, module, ...
    label: Html
    attrs: dict[str, Any]
    cluster: tuple[str, ...] = ()
    module: Any = None
    name: str | None = None  # the annotation name, or the port's name
    math: tuple[str, str | None] | None = None  # ports: (base, subscript), e.g. ("h", "t-1")

    @property
    def port_math(self) -> tuple[str, str | None]:
        """``math`` of a port (an input or output node), which always has one."""
        assert self.math is not None, f"{self.key} is not a port"
        return self.math


@dataclass
class CellView:
    """A paper-style view: nodes, edges ``(tail, head, attrs)``, cluster labels by path."""

    nodes: dict[str, CellNode] = field(default_factory=dict)
    edges: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    clusters: dict[tuple[str, ...], str] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    title: str | None = None
    pin_ports: bool = True  # inputs in the first rank, outputs in the last
    rows: list[list[str]] = field(default_factory=list)  # unrolled: each step's input keys, top to bottom


def math_name(name: str | None, annotations: dict | None = None) -> tuple[str, str | None]:
    """``prev_h`` -> ("h", "t-1"), ``next_c`` -> ("c", "t"), ``x`` -> ("x", "t").

    An annotation ``math='h_{t-1}'`` says it explicitly.
    """
    explicit = (annotations or {}).get("math")
    if explicit:
        m = re.fullmatch(r"(.+?)_\{?([^{}]*)\}?", explicit)
        return (m.group(1), m.group(2)) if m else (explicit, None)
    if not name:
        return ("?", None)
    m = re.fullmatch(r"(prev|next)_([A-Za-z]\w*?)(?:_(\d+))?", name)
    if m:  # next_c_1 (layer 1 of a stack): c with a superscript 1, not "c_1"
        base = m.group(2) + (f"^{m.group(3)}" if m.group(3) else "")
        return (base, "t-1" if m.group(1) == "prev" else "t")
    if name in ("x", "input"):
        return ("x", "t")
    return (name, None)


def math_html(base: str, sub: str | None, size: int | None = None) -> Html:
    base, _, layer = base.partition("^")
    text = f"<I>{html_text(base)}</I>" if len(base) <= 2 else html_text(base)
    if sub:
        text += f"<SUB>{html_text(sub).replace('-', '−')}</SUB>"
    if layer:
        text += f"<SUP>({html_text(layer)})</SUP>"
    return Html(f'<FONT POINT-SIZE="{size}">{text}</FONT>' if size else text)


def _small(text: str, color: str = "#333333") -> str:
    return f'<FONT POINT-SIZE="9" COLOR="{color}">{html_text(text)}</FONT>'


def _named(name: str, detail: str) -> str:
    """A bold name over a small detail line, with a thin gap: without it the underscores of
    names like ``i2h_candidate`` touch the line below in renderers with taller bold fonts."""
    return f'<B>{html_text(name)}</B><BR/><FONT POINT-SIZE="3"> </FONT><BR/>{detail}'


def _constant(module: Any) -> str:
    for attr in ("constant_scalar", "scalar", "constant", "value"):
        c = getattr(module, attr, None)
        if isinstance(c, (int, float)) and not isinstance(c, bool):
            return f"{c:g}"
        if c is not None and hasattr(c, "numel") and c.numel() == 1:
            return f"{float(c):g}"
    m = re.search(r"\(\s*(-?[\d.eE+-]+)", module_label(module))
    return m.group(1) if m else "c"


def _index(module: Any) -> int:
    k = getattr(module, "index", None)
    if isinstance(k, int):
        return k
    m = re.search(r"\(\s*(-?\d+)", module_label(module))
    return int(m.group(1)) if m else 1


class _Builder:
    def __init__(self, expand: bool):
        self.expand = expand
        self.view = CellView()
        self.const_of: dict[str, tuple[str, float, int]] = {}  # key -> (op, constant, consumers)
        self.module_uses: dict[int, int] = {}

    # -- nodes
    def add(self, node: CellNode) -> str:
        self.view.nodes[node.key] = node
        return node.key

    def connect(self, v: Any, head: str) -> None:
        for r in _refs(v):
            attrs: dict[str, Any] = {}
            if r.chunk:
                attrs.update(label=f" {r.chunk} ", fontsize=9, fontcolor="#555555")
            self.view.edges.append((r.key, head, attrs))

    def graph(self, graph: Graph, in_values: list[Any], prefix: str, cluster: tuple[str, ...]) -> list[Any]:
        """Evaluate ``graph`` symbolically; returns the symbolic value of each output."""
        for n in graph.nodes:
            if n.module is not None:
                self.module_uses[id(n.module)] = self.module_uses.get(id(n.module), 0) + 1
        values: dict[int, Any] = {}
        for k, i in enumerate(graph.inputs):
            values[i] = in_values[k]
        for n in graph.nodes:
            if n.is_input:
                if n.module is not None:
                    values[n.index] = self.apply(graph, n, values[n.index], prefix, cluster)
                continue
            if n.select_index is not None:
                mnode = graph.nodes[n.args[0]]
                values[n.index] = _select(values[n.args[0]], n.select_index, mnode.n_split)
            elif n.n_split is not None:
                values[n.index] = _as_table(values[n.args[0]], n.n_split)
            elif n.module is None:
                values[n.index] = values[n.args[0]]
            else:
                args = [values[a] for a in n.args]
                values[n.index] = self.apply(
                    graph, n, Table(tuple(args)) if n.table_input else args[0], prefix, cluster
                )
        return [values[o] for o in graph.outputs]

    def apply(self, graph: Graph, n: Any, v: Any, prefix: str, cluster: tuple[str, ...]) -> Any:
        m = n.module
        cls = type(m).__name__
        if cls in PASSTHROUGH:
            return v
        if cls == "SplitTable":
            return Chunks(v) if isinstance(v, Ref) else v
        if cls == "SelectTable":
            return _select(v, _index(m))
        if cls == "JustElement":
            return _select(v, 1)
        group = n.annotations.get("group")
        here = cluster + (str(group),) if group else cluster
        if group:
            self.view.clusters.setdefault(here, str(group))
        key = f"{prefix}n{n.index}"
        if cls == "AddConstant" and isinstance(v, Ref) and v.chunk is None:
            prev = self.const_of.get(v.key)
            if prev and prev[0] == "mul" and prev[1] == -1 and prev[2] == 1 and _constant(m) == "1":
                node = self.view.nodes[v.key]  # MulConstant(-1) then AddConstant(1): 1 − z
                node.label = Html("1−")
                node.attrs["tooltip"] = f"1 − z ({n.site.short})"
                return v
        if self.expand and _is_gmodule(m):
            return self.nested(n, v, prefix, here)
        node = self.style(n, key, here)
        self.add(node)
        if cls == "MulConstant":
            self.const_of[key] = ("mul", float(_constant(m)), len(graph.consumers[n.index]))
        self.connect(v, key)
        return Ref(key)

    def nested(self, n: Any, v: Any, prefix: str, cluster: tuple[str, ...]) -> Any:
        inner = n.module.graph
        label = n.name or n.module._label()
        here = cluster + (f"{label} ({n.index})",)
        self.view.clusters[here] = f"{label} (gModule)"
        k_in = len(inner.inputs)
        if n.table_input:
            ins = list(v.items)
        elif k_in == 1:
            ins = [v]
        else:
            ins = [_select(v, k, k_in) for k in range(1, k_in + 1)]
        outs = self.graph(inner, ins, f"{prefix}g{n.index}_", here)
        return outs[0] if len(outs) == 1 else Table(tuple(outs))

    def style(self, n: Any, key: str, cluster: tuple[str, ...]) -> CellNode:
        m = n.module
        cls = type(m).__name__
        name = n.name
        tip = f"{name + ': ' if name else ''}{module_label(m)} at {n.site.short}"
        base = {"tooltip": tip, "fontname": _FONT}
        shared = self.module_uses.get(id(m), 0) > 1 and any(True for _ in m.parameters())
        note = _small("shared weights", "#9673a6") if shared else ""
        if cls == "Linear":
            w = m.weight
            size = f"Linear {w.shape[1]} → {w.shape[0]}"
            head = _named(name, _small(size)) if name else html_text(size)
            label = Html(head + (f"<BR/>{note}" if note else ""))
            return CellNode(
                key,
                "linear",
                label,
                {**base, "shape": "box", "style": "rounded,filled", "fillcolor": "#dae8fc", "color": "#6c8ebf"},
                cluster,
                m,
                name,
            )
        if cls in _ACTIVATIONS:
            sym, fill, border = _ACTIVATIONS[cls]
            label = Html(f'<FONT POINT-SIZE="15">{html_text(sym)}</FONT>' + (f"<BR/>{_small(name)}" if name else ""))
            return CellNode(
                key,
                "activation",
                label,
                {
                    **base,
                    "shape": "box",
                    "style": "rounded,filled",
                    "fillcolor": fill,
                    "color": border,
                    "margin": "0.08,0.03",
                },
                cluster,
                m,
                name,
            )
        if cls in _OPERATORS or cls in ("MulConstant", "AddConstant"):
            sym = _OPERATORS.get(cls) or ("×" if cls == "MulConstant" else "+") + _constant(m)
            drawn = _DRAWN.get(sym, sym)
            attrs = {
                **base,
                "shape": "circle",
                "width": 0.36,
                "height": 0.36,
                "fixedsize": True,
                "fontsize": 15 if len(sym) == 1 else 11,
                "style": "filled",
                "fillcolor": "white",
            }
            if drawn != sym:
                attrs.update(tooltip=f"{sym} {tip}", fontsize=17)
            return CellNode(key, "operator", Html(html_text(drawn)), attrs, cluster, m, name)
        if cls == "JoinTable":
            return CellNode(
                key,
                "concat",
                Html("concat"),
                {**base, "shape": "box", "style": "filled", "fillcolor": "#eeeeee", "fontsize": 10, "height": 0.3},
                cluster,
                m,
                name,
            )
        if cls == "Dropout":
            return CellNode(
                key,
                "dropout",
                Html(html_text(module_label(m).replace("nn.", ""))),
                {**base, "shape": "box", "style": "dashed", "fontsize": 10},
                cluster,
                m,
                name,
            )
        if _is_gmodule(m):
            inner = m.graph
            what = f"gModule: {len(inner.inputs)} in → {len(inner.outputs)} out"
            title = name or m._label()
            label = Html(_named(title, _small(what)))
            return CellNode(
                key,
                "gmodule",
                label,
                {**base, "shape": "box", "peripheries": 2, "style": "filled", "fillcolor": "#e1d5e7"},
                cluster,
                m,
                name,
            )
        text = module_label(m).replace("nn.", "", 1)
        head = _named(name, _small(text)) if name else html_text(text)
        return CellNode(
            key,
            "module",
            Html(head + (f"<BR/>{note}" if note else "")),
            {**base, "shape": "box", "style": "filled", "fillcolor": "#f5f5f5"},
            cluster,
            m,
            name,
        )


def _is_gmodule(m: Any) -> bool:
    return hasattr(m, "graph") and isinstance(m.graph, Graph)


def _port(key: str, kind: str, name: str, annotations: dict | None, tooltip: str) -> CellNode:
    base, sub = math_name(name, annotations)
    return CellNode(
        key,
        kind,
        math_html(base, sub),
        {"shape": "plaintext", "fontsize": 18, "fontname": "Times-Roman", "tooltip": tooltip, "margin": "0.02"},
        (),
        None,
        name,
        (base, sub),
    )


def cell_view(g: Any, *, expand: bool = False) -> CellView:
    """The paper-style view of gModule ``g`` (see the module docstring)."""
    graph: Graph = g.graph
    b = _Builder(expand)
    b.view.title = g._label()
    ins = []
    for k, i in enumerate(graph.inputs, 1):
        n = graph.nodes[i]
        key = b.add(
            _port(
                f"in{k}",
                "input",
                n.name or f"input {k}",
                n.annotations,
                f"input {k}{': ' + n.name if n.name else ''} ({n.site.short})",
            )
        )
        b.view.inputs.append(key)
        ins.append(Ref(key))
    outs = b.graph(graph, ins, "", ())
    for k, (o, v) in enumerate(zip(graph.outputs, outs), 1):
        n = graph.nodes[o]
        key = b.add(
            _port(
                f"out{k}",
                "output",
                n.name or f"output {k}",
                n.annotations,
                f"output {k}{': ' + n.name if n.name else ''} ({n.site.short})",
            )
        )
        b.view.outputs.append(key)
        b.connect(v, key)
    return b.view


# ------------------------------------------------------------------ unrolling
def state_pairs(view: CellView) -> dict[str, str]:
    """Input port -> the output port that feeds it at the next step.

    By name (``prev_h`` / ``next_h``, or ``math`` annotations ``h_{t-1}`` / ``h_t``),
    else by position: the last inputs are the state, in the order of the outputs
    (``{x, prev_c, prev_h} -> {next_c, next_h}``, as char-rnn and Zaremba write them).
    """
    pairs: dict[str, str] = {}
    outs = {view.nodes[o].port_math[0]: o for o in view.outputs if view.nodes[o].port_math[1] == "t"}
    for i in view.inputs:
        base, sub = view.nodes[i].port_math
        if sub == "t-1" and base in outs:
            pairs[i] = outs[base]
    if pairs:
        return pairs
    n_in, n_out = len(view.inputs), len(view.outputs)
    if n_out >= n_in:
        raise ValueError(
            f"cannot tell which of the {n_out} outputs feed which of the {n_in} inputs at the "
            f"next step: annotate state inputs name='prev_h' and outputs name='next_h' "
            f"(or math='h_{{t-1}}' / math='h_t')"
        )
    return dict(zip(view.inputs[n_in - n_out :], view.outputs))


def _at_step(math: tuple[str, str | None], t: int) -> tuple[str, str | None]:
    base, sub = math
    if sub == "t":
        return base, str(t)
    if sub == "t-1":
        return base, str(t - 1)
    return base, (f"{sub},{t}" if sub else str(t))


def unrolled_view(view: CellView, steps: int) -> CellView:
    """The cell cloned over ``steps`` time steps, weights marked shared.

    The steps are stacked top to bottom (folded, as text wraps), so the picture keeps the
    cell's size instead of growing into one unreadable row: step t's state outputs
    (``h_t``, ``c_t``, red) end its row, and a dashed red edge wraps round to the same
    values entering step t+1 at the start of the next row.
    """
    if steps < 1:
        raise ValueError(f"unroll needs at least 1 step, got {steps}")
    pairs = state_pairs(view)
    state_color = "#b85450"
    out = CellView(title=f"{view.title} unrolled over {steps} steps", pin_ports=False)
    for t in range(1, steps + 1):
        step = (f"t = {t}",)
        out.clusters[step] = f"step t = {t}"
        for path, label in view.clusters.items():
            out.clusters[step + path] = label
        row = []
        for key, node in view.nodes.items():
            copy = replace(node, key=f"t{t}_{key}", attrs=dict(node.attrs))
            if node.kind in ("input", "output"):
                copy.math = _at_step(node.port_math, t)
                copy.label = math_html(*copy.math)
                copy.cluster = ()
                carried = node.kind == "input" and key in pairs and t > 1
                if carried:
                    copy.kind = "carried"  # the previous row's output, entering this row
                if carried or (node.kind == "output" and key in pairs.values() and t < steps):
                    copy.attrs["fontcolor"] = state_color
                if node.kind == "input":
                    row.append(copy.key)
            else:
                copy.cluster = step + node.cluster
                if node.module is not None and any(True for _ in node.module.parameters()):
                    copy.label = Html(node.label + "<BR/>" + _small(f"shared by all {steps} steps", "#9673a6"))
                    copy.attrs["penwidth"] = 2
            out.nodes[copy.key] = copy
            if copy.kind == "input":
                out.inputs.append(copy.key)
            elif copy.kind == "output":
                out.outputs.append(copy.key)
        out.rows.append(row)
        for tail, head, attrs in view.edges:
            out.edges.append((f"t{t}_{tail}", f"t{t}_{head}", attrs))
        if t > 1:
            for state_in, state_out in pairs.items():
                # constraint=false: the wrap does not push the next row to the right
                out.edges.append(
                    (
                        f"t{t - 1}_{state_out}",
                        f"t{t}_{state_in}",
                        {
                            "color": state_color + "90",
                            "style": "dashed",
                            "penwidth": 0.9,
                            "arrowsize": 0.5,
                            "constraint": "false",
                        },
                    )
                )
    return out


# ------------------------------------------------------------------ DOT text
def dot_source(view: CellView, title: str | None = None, *, rankdir: str = "LR") -> str:
    """DOT text of a :class:`CellView`."""
    title = title if title is not None else view.title
    w = DotWriter(
        "cell",
        rankdir=rankdir,
        label=title,
        labelloc="t",
        fontname=_FONT,
        fontsize=14,
        nodesep=0.25,
        ranksep=0.35,
        newrank=True,
        tooltip=title,
    )
    w.node_defaults = {"fontname": _FONT, "fontsize": 12}
    w.edge_defaults = {"arrowsize": 0.7, "color": "#444444"}

    children: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for path in sorted(view.clusters, key=len):
        children.setdefault(path[:-1], []).append(path)
    members: dict[tuple[str, ...], list[CellNode]] = {}
    for node in view.nodes.values():
        if node.kind not in ("input", "output"):
            members.setdefault(node.cluster, []).append(node)

    def emit(path: tuple[str, ...]) -> None:
        for node in members.get(path, []):
            w.node(node.key, label=node.label, **node.attrs)
        for child in children.get(path, []):
            cid = "cluster_" + "_".join(re.sub(r"\W+", "_", p) for p in child)
            with w.subgraph(
                cid,
                label=view.clusters[child],
                style="rounded,dashed",
                color="#888888",
                fontsize=11,
                fontcolor="#555555",
            ):
                emit(child)

    if view.pin_ports:
        for group, keys in (("source", view.inputs), ("sink", view.outputs)):
            with w.subgraph(rank=group):
                for key in keys:
                    w.node(key, label=view.nodes[key].label, **view.nodes[key].attrs)
    else:
        for key in view.inputs + view.outputs:
            w.node(key, label=view.nodes[key].label, **view.nodes[key].attrs)
    if view.rows:  # one rank for every step's inputs, chained invisibly: rows in time order
        with w.subgraph(rank="same"):
            keys = [k for row in view.rows for k in row]
            for tail, head in itertools.pairwise(keys):
                w.edge(tail, head, style="invis")
    emit(())
    for tail, head, attrs in view.edges:
        w.edge(tail, head, **attrs)
    return w.source()
