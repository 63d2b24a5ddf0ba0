"""Diagrams of gModules: nngraph's ``graph.dot``, debug SVGs, paper-style cells.

>>> from pygraphnn import render
>>> render.dot(render.forward_graph(g), "MLP", "out/mlp")     # out/mlp.dot + out/mlp.svg
>>> print(render.to_dot_source(g, style="cell"))              # DOT text, no graphviz needed
>>> render.render(cell, "lstm.png", style="cell", unroll=3)

Two styles:

* ``nngraph``: every node, as Lua's ``graph.dot(g.fg, title, file)`` draws it
  (:mod:`.nngraph`): dummy input/output nodes, ``Node7`` labels with the module,
  ``mapindex`` and, after a Lua-style forward/backward, the sizes seen.
* ``cell``: the computation as papers draw a recurrent cell (:mod:`.cell`), with
  an ``unroll=T`` variant.

DOT text is generated here without graphviz; only producing SVG/PNG/PDF needs the
graphviz Python package and the ``dot`` program (:mod:`.engine` says how to get them).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import networkx as nx

from . import cell as _cell
from . import nngraph as _nngraph
from .cell import CellView, cell_view, unrolled_view
from .debug import debug_dir, write_debug_svg
from .engine import FORMATS, INSTALL_HINT, GraphvizNotFound, check_format, run_dot
from .nngraph import backward_graph, forward_graph

STYLES = ("nngraph", "cell")

__all__ = [
    "FORMATS",
    "INSTALL_HINT",
    "STYLES",
    "CellView",
    "GraphvizNotFound",
    "backward_graph",
    "cell_view",
    "debug_dir",
    "dot",
    "forward_graph",
    "mimebundle",
    "render",
    "to_dot_source",
    "to_svg",
    "unrolled_view",
    "write_debug_svg",
]


def _is_gmodule(obj: Any) -> bool:
    return hasattr(obj, "graph") and hasattr(obj, "_label") and hasattr(obj.graph, "nodes")


def to_dot_source(
    obj: Any,
    title: str | None = None,
    *,
    style: str = "nngraph",
    rankdir: str | None = None,
    expand: bool = False,
    unroll: int | None = None,
    highlight: Any = None,
) -> str:
    """DOT text for a gModule, a graph from :func:`forward_graph`/:func:`backward_graph`, or
    a :class:`CellView`. Needs neither graphviz nor ``dot``.

    >>> src = to_dot_source(g, "LSTM", style="cell", rankdir="LR")

    ``style``: ``'nngraph'`` (default) or ``'cell'``; ``unroll=T`` draws the cell over T
    steps (implies ``style='cell'``); ``expand`` draws nested gModules as clusters
    (cell style); ``highlight``: GNode index to fill red (nngraph style).
    """
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}: choose one of {', '.join(STYLES)}")
    if isinstance(obj, nx.DiGraph):
        return _nngraph.dot_source(obj, title, highlight=highlight, rankdir=rankdir)
    if isinstance(obj, CellView):
        return _cell.dot_source(obj, title, rankdir=rankdir or "LR")
    if not _is_gmodule(obj):
        raise TypeError(
            f"to_dot_source() takes a gModule, a graph from forward_graph()/backward_graph() "
            f"or a CellView; got {type(obj).__name__}"
        )
    if unroll is not None or style == "cell":
        view = cell_view(obj, expand=expand)
        if unroll is not None:
            view = unrolled_view(view, unroll)
        return _cell.dot_source(view, title, rankdir=rankdir or "LR")
    return _nngraph.dot_source(
        forward_graph(obj), title if title is not None else obj._label(), highlight=highlight, rankdir=rankdir
    )


def render(obj: Any, path: str | os.PathLike, *, format: str | None = None, **options: Any) -> Path:
    """Write one diagram file; the format comes from ``format`` or the file's suffix
    (svg, png, pdf; ``dot`` writes the DOT text). Options as for :func:`to_dot_source`.

    >>> render(g, "lstm.svg", style="cell")
    """
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".") or "svg").lower()
    if fmt != "dot":
        check_format(fmt)
    if path.suffix.lstrip(".").lower() != fmt:
        path = path.with_name(path.name + "." + fmt)
    source = to_dot_source(obj, options.pop("title", None), **options)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "dot":
        path.write_text(source)
    else:
        path.write_bytes(run_dot(source, fmt))
    return path


def dot(graph: Any, title: str | None, prefix: str | os.PathLike, *, format: str = "svg") -> Path:
    """nngraph's ``graph.dot(g.fg, title, prefix)``: writes ``prefix.dot`` and ``prefix.svg``
    (or ``prefix.png``/``prefix.pdf`` with ``format``); returns the image path.

    >>> ng.dot(g.fg, "MLP", "out/mlp")

    ``graph`` is ``g.fg``/``g.bg`` (from :func:`forward_graph`/:func:`backward_graph`), a
    gModule (drawn as its forward graph) or a :class:`CellView`. The ``.dot`` file is
    written first, so it is there even when graphviz is missing.
    """
    fmt = check_format(format)
    prefix = Path(prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    source = to_dot_source(graph, title)
    Path(f"{prefix}.dot").write_text(source)
    out = Path(f"{prefix}.{fmt}")
    out.write_bytes(run_dot(source, fmt))
    return out


def to_svg(obj: Any, **options: Any) -> str:
    """SVG text of a diagram (for Jupyter's ``_repr_svg_``); options as for :func:`to_dot_source`."""
    return run_dot(to_dot_source(obj, options.pop("title", None), **options), "svg").decode("utf-8")


def mimebundle(obj: Any, **options: Any) -> dict[str, str]:
    """Jupyter's ``_repr_mimebundle_``: the SVG, or (graphviz missing) text saying how to get it."""
    try:
        return {"image/svg+xml": to_svg(obj, **options)}
    except GraphvizNotFound as e:
        return {"text/plain": f"{obj!r}\n(no diagram: {e})"}
