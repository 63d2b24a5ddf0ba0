"""``ng.set_debug(True)``: the SVG written when a node fails, with that node filled red.

nngraph writes ``<name>.svg`` where the script runs; so do we, or in
``$PYGRAPHNN_DEBUG_DIR`` when set. Without graphviz the DOT text is written
instead (``<name>.dot``), so the failure report still points at a drawing.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from .engine import GraphvizNotFound, run_dot


def debug_dir() -> Path:
    """``$PYGRAPHNN_DEBUG_DIR`` if set, else the current directory."""
    return Path(os.environ.get("PYGRAPHNN_DEBUG_DIR") or os.getcwd())


def _file_stem(label: str) -> str:
    return re.sub(r"[^\w.-]+", "_", label).strip("._") or "graph"


def failure_title(g: Any, gnode: Any) -> str:
    """``mlp: node 'L2' (nn.Linear(7 -> 3)) at [model.py]:12 failed``."""
    from ..node import module_label

    what = f"node {gnode.name!r}" if gnode.name else f"node #{gnode.id}"
    if gnode.module is not None:
        what += f" ({module_label(gnode.module)})"
    return f"{g._label()}: {what} at {gnode.site.short} failed"


def write_debug_svg(g: Any, gnode: Any) -> str:
    """Draw ``g`` (nngraph style) with ``gnode`` filled red; returns the file's path."""
    from . import forward_graph
    from .nngraph import dot_source

    index = gnode.index if hasattr(gnode, "index") else int(gnode)
    title = failure_title(g, g.graph.nodes[index])
    source = dot_source(forward_graph(g, values=False), title, highlight=index)
    folder = debug_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / _file_stem(g._label())
    try:
        svg = run_dot(source, "svg")
    except GraphvizNotFound:
        path = stem.with_name(stem.name + ".dot")
        path.write_text(source)
        return str(path)
    path = stem.with_name(stem.name + ".svg")
    path.write_bytes(svg)
    return str(path)
