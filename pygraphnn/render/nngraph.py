"""nngraph's own diagrams: ``g.fg`` / ``g.bg`` as networkx graphs and their DOT text.

Structure and labels follow what Lua's ``graph.dot(g.fg, title, file)`` writes
(compare ``readme_*_fg.dot`` from the Lua fixtures):

* a dummy input node feeds the graph inputs (through a split node and one select
  node per input when there are several) and a dummy output node reads the graph
  outputs, with ``[[C]]:-1`` tooltips;
* nodes are numbered breadth first from the dummy output, as Lua numbers them;
* a label reads ``Node7`` (or ``name (7)`` and ``desc = ...``), then
  ``module = nn.Linear(20 -> 10)``, the values last seen (``input``, ``output``,
  ``gradOutput``, ``gradOutputBuffer``; ``NaN``/``inf`` flagged) and ``mapindex``,
  ``selectindex`` or ``nSplitOutputs``;
* ``graphAttributes`` annotations pass through; the tooltip is the declaration site.

Lua also writes ``reverseMap = {}`` into every label (an always-empty internal field);
it is left out unless ``lua_labels=True`` asks for Lua's labels line for line.

The backward graph is the forward graph with every edge reversed, as in nngraph.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import networkx as nx

from ..graph import Graph
from ..node import module_label
from . import trace as tr
from .dotsource import DotWriter, Escaped, escape

IN, OUT = "input", "output"  # keys of nngraph's dummy nodes
C_SITE = "[[C]]:-1"  # where Lua says a dummy node was declared


def _structure(graph: Graph) -> tuple[dict[Any, list[Any]], dict[Any, dict]]:
    """Each node key -> its input keys (in order), plus the synthetic nodes' data.

    Keys: GNode indices, ``IN``, ``OUT``, and for several inputs ``("split", 0)`` and
    ``("select", k)``.
    """
    args: dict[Any, list[Any]] = {OUT: list(graph.outputs), IN: []}
    extra: dict[Any, dict] = {IN: {"kind": "dummy_input"}, OUT: {"kind": "dummy_output"}}
    n_in = len(graph.inputs)
    if n_in > 1:
        args[("split", 0)] = [IN]
        extra[("split", 0)] = {"kind": "input_split", "n_split": n_in}
    for k, i in enumerate(graph.inputs, 1):
        if n_in > 1:
            args[("select", k)] = [("split", 0)]
            extra[("select", k)] = {"kind": "input_select", "select_index": k}
            args[i] = [("select", k)]
        else:
            args[i] = [IN]
    for n in graph.nodes:
        if not n.is_input:
            args[n.index] = list(n.args)
    return args, extra


def _lua_numbering(args: dict[Any, list[Any]]) -> dict[Any, int]:
    """Breadth first from the dummy output; an edge numbers its input before its consumer."""
    ids: dict[Any, int] = {}
    seen = {OUT}
    queue = deque([OUT])
    while queue:
        x = queue.popleft()
        for a in args[x]:
            for k in (a, x):
                ids.setdefault(k, len(ids) + 1)
            if a not in seen:
                seen.add(a)
                queue.append(a)
    for k in args:  # an unused graph input is still fed by the dummy input
        ids.setdefault(k, len(ids) + 1)
    return ids


def forward_graph(
    g: Any, input: Any = None, grad_output: Any = None, *, values: bool = True, lua_labels: bool = False
) -> nx.DiGraph:
    """nngraph's ``g.fg``: a ``networkx.DiGraph`` of the gModule's nodes, inputs to outputs.

    >>> fg = forward_graph(g); print(fg.nodes[1]["label"])

    Node keys are nngraph's node ids; each node carries ``gnode`` (the
    :class:`~pygraphnn.graph.GNode`, None for nngraph's dummy nodes), ``kind``,
    ``title`` (``Node3`` / ``L1 (3)``), ``fields`` (the label lines as key/value
    pairs), ``label`` (the DOT label), ``tooltip`` and ``attrs`` (graphAttributes).
    Each edge carries ``index``: the 1-based argument positions it fills.

    Values in the labels come from re-running the graph on ``input`` (and
    ``grad_output``) or, when not given, on the input of the last Lua-style
    ``g.forward(input)``; ``values=False`` leaves them out. ``lua_labels=True`` keeps
    Lua's empty ``reverseMap = {}`` line.
    """
    graph: Graph = g.graph
    args, extra = _structure(graph)
    ids = _lua_numbering(args)
    trace = _values(g, input, grad_output) if values else None

    fg = nx.DiGraph(name=g._label(), direction="forward")
    for key in sorted(args, key=ids.__getitem__):
        nid = ids[key]
        gn = graph.nodes[key] if isinstance(key, int) else None
        data = extra.get(key, {})
        kind = data.get("kind")
        if not kind:
            assert gn is not None  # the synthetic nodes (IN, OUT, split, select) all carry their kind
            kind = (
                "input"
                if gn.is_input
                else "split"
                if gn.n_split is not None
                else "select"
                if gn.select_index is not None
                else "module"
            )
        fields = _fields(g, key, gn, data, args, ids, trace, lua_labels)
        name = gn.name if gn is not None else None
        title = f"{name} ({nid})" if name else f"Node{nid}"
        desc = gn.annotations.get("description") if gn is not None else None
        attrs = dict(gn.annotations.get("graphAttributes") or {}) if gn is not None else {}
        fg.add_node(
            nid,
            key=key,
            gnode=gn,
            kind=kind,
            title=title,
            description=desc,
            fields=fields,
            label=_label(title, desc, fields),
            tooltip=_tooltip(g, gn, kind, data),
            attrs=attrs,
            bad_values=any(f[2] for f in fields),
        )
    for key, ins in args.items():
        for pos, a in enumerate(ins, 1):
            u, v = ids[a], ids[key]
            if fg.has_edge(u, v):
                fg.edges[u, v]["index"].append(pos)
            else:
                fg.add_edge(u, v, index=[pos])
    return fg


def backward_graph(
    g: Any, input: Any = None, grad_output: Any = None, *, values: bool = True, lua_labels: bool = False
) -> nx.DiGraph:
    """nngraph's ``g.bg``: the forward graph with every edge reversed (same nodes and labels)."""
    bg = forward_graph(g, input, grad_output, values=values, lua_labels=lua_labels).reverse(copy=True)
    bg.graph["direction"] = "backward"
    return bg


def _values(g: Any, input: Any, grad_output: Any) -> tr.Trace | None:
    if input is None:
        io = tr.recorded_io(g)
        if io is None:
            return None
        input, recorded_grad = io
        grad_output = grad_output if grad_output is not None else recorded_grad
    try:
        return tr.run(g.graph, input, grad_output)
    except Exception:  # stale or foreign inputs: draw the graph without values
        return None


Field = tuple[str, str, bool]  # key, text, holds NaN/inf


def _field(key: str, value: Any) -> Field:
    return key, tr.describe(value), tr.has_bad_values(value)


def _fields(
    g: Any, key: Any, gn: Any, data: dict, args: dict, ids: dict, values: tr.Trace | None, lua_labels: bool = False
) -> list[Field]:
    fields: list[Field] = [("reverseMap", "{}", False)] if lua_labels else []
    if gn is not None and gn.module is not None:
        fields.append(("module", module_label(gn.module), False))
    if values is not None:
        fields.extend(_value_fields(g, key, gn, values))
    ins = args[key]
    if len(ins) > 1:
        fields.append(("mapindex", "{" + ",".join(f"Node{ids[a]}" for a in ins) + "}", False))
    select = data.get("select_index") or (gn.select_index if gn is not None else None)
    if select is not None:
        fields.append(("selectindex", str(select), False))
    n_split = data.get("n_split") or (gn.n_split if gn is not None else None)
    if n_split is not None:
        fields.append(("nSplitOutputs", str(n_split), False))
    return fields


def _value_fields(g: Any, key: Any, gn: Any, t: tr.Trace) -> list[Field]:
    # a trace has both gradient lists (a backward ran) or neither
    gi, go = t.grad_inputs, t.grad_outputs
    grads = go is not None
    if key == IN:
        out = [_field("input", list(t.inputs))]
        if gi is not None:
            out.append(_field("gradOutput", [gi[0] if len(gi) == 1 else gi]))
        return out
    if key == OUT:
        out = [_field("input", list(t.outputs))]
        if go is not None:
            out.append(_field("gradOutput", [go[0] if len(go) == 1 else go]))
        return out
    if isinstance(key, tuple):  # the split/select nodes of several graph inputs
        table = list(t.inputs)
        k = key[1]
        out = [_field("input", [table])]
        if gi is not None:
            out.append(_field("gradOutput", [gi] if key[0] == "split" else [gi[k - 1]]))
        return out
    nv = t.nodes[gn.index]
    out = [_field("input", nv.input)]
    if gn.module is not None:
        out.append(_field("output", nv.output))
    if grads:
        if gn.n_split is not None:
            sel = t.select_grads.get(gn.index, {})
            out.append(_field("gradOutput", [[sel.get(k) for k in range(1, gn.n_split + 1)]]))
        else:
            gos = nv.grad_output
            assert gos is not None  # every node has one when the trace ran a backward
            out.append(_field("gradOutput", gos))
            if len(gos) > 1:
                buf = gos[0]
                for x in gos[1:]:
                    buf = _add(buf, x)
                out.append(_field("gradOutputBuffer", buf))
    return out


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, (list, tuple)):
        return [_add(x, y) for x, y in zip(a, b)]
    return a + b


def _label(title: str, desc: str | None, fields: list[Field]) -> Escaped:
    """``Node3\\ndesc = ...\\nreverseMap = {}\\lmodule = ...``: nngraph's label text."""
    head = escape(title) + "\\n"
    if desc:
        head += "desc = " + escape(str(desc)) + "\\n"
    lines = ["\\l".join(escape(part) for part in f"{k} = {v}".split("\n")) for k, v, _ in fields]
    return Escaped(head + "".join(line + "\\l" for line in lines))  # \\l: left-justified lines


def _tooltip(g: Any, gn: Any, kind: str, data: dict) -> str:
    if gn is None:
        if kind == "input_select":
            return f"{C_SITE}_-{data['select_index']}"
        if kind == "input_split":
            return f"{C_SITE}_ split at {g.site.short}-mnode"
        return f"{C_SITE}_"
    if gn.select_index is not None:
        return f"{gn.site.short}_-{gn.select_index}"
    if gn.n_split is not None:
        where = gn.split_site.short if gn.split_site is not None else gn.site.short
        return f"{gn.site.short}_ split at {where}-mnode"
    return f"{gn.site.short}_"


def dot_source(fg: nx.DiGraph, title: str | None = None, *, highlight: Any = None, rankdir: str | None = None) -> str:
    """DOT text of a graph from :func:`forward_graph`/:func:`backward_graph`.

    ``highlight``: a GNode index (or a set of them) to fill red, as nngraph's debug
    mode does with the node that failed.
    """
    marks = set() if highlight is None else ({highlight} if isinstance(highlight, int) else set(highlight))
    w = DotWriter(
        "G", label=title, labelloc="t" if title else None, rankdir=rankdir, fontname="Helvetica", tooltip=title
    )
    w.node_defaults = {"shape": "oval", "fontname": "Helvetica", "fontsize": 11}
    for nid, d in fg.nodes(data=True):
        attrs: dict[str, Any] = {"label": d["label"], "tooltip": d["tooltip"]}
        if d.get("bad_values"):
            attrs.update(color="darkorange", penwidth=2)
        attrs.update(d.get("attrs") or {})
        gn = d.get("gnode")
        if gn is not None and gn.index in marks:
            attrs.update(style="filled", fillcolor="red", fontcolor="black", color="black")
        w.node(f"n{nid}", **attrs)
    for u, v in fg.edges():
        w.edge(f"n{u}", f"n{v}")
    return w.source()
