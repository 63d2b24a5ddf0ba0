"""DOT text, written by hand: no graphviz package or ``dot`` binary needed.

:class:`DotWriter` collects graph/node/edge statements and nested clusters and
returns the source text. Attribute values are quoted and escaped here, once;
:class:`Escaped` marks a string whose graphviz escapes (``\\l``, ``\\n``) are
already in place, :class:`Html` a graphviz HTML-like label (emitted as ``<...>``).
"""

from __future__ import annotations

import html
from typing import Any


class Escaped(str):
    """A DOT string whose backslash escapes are intended (``Node1\\nmodule = ...\\l``)."""


class Html(str):
    """A graphviz HTML-like label, emitted between ``<`` and ``>``."""


def escape(text: str) -> str:
    """Escape plain text for a double-quoted DOT string (newlines become ``\\n``)."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def html_text(text: str) -> str:
    """Escape plain text for use inside an :class:`Html` label."""
    return html.escape(str(text), quote=False)


def value(v: Any) -> str:
    if isinstance(v, Html):
        return f"<{v}>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    s = str(v)
    if isinstance(v, Escaped):
        return '"' + s.replace('"', '\\"') + '"'
    return '"' + escape(s) + '"'


def attr_list(attrs: dict[str, Any]) -> str:
    items = [f"{k}={value(v)}" for k, v in attrs.items() if v is not None]
    return f" [{', '.join(items)}]" if items else ""


def node_id(key: Any) -> str:
    return value(str(key))


class DotWriter:
    """Builds ``digraph`` source: ``w.node(k, label=...)``, ``w.edge(a, b)``, clusters.

    >>> w = DotWriter("G", rankdir="LR")
    >>> w.node("a", label="x"); w.edge("a", "b")
    >>> print(w.source())
    """

    def __init__(self, name: str = "G", **graph_attrs: Any):
        self.name = name
        self.graph_attrs = dict(graph_attrs)
        self.node_defaults: dict[str, Any] = {}
        self.edge_defaults: dict[str, Any] = {}
        self._lines: list[str] = []
        self._depth = 1
        self._clusters = 0

    def _emit(self, line: str) -> None:
        self._lines.append("\t" * self._depth + line)

    def node(self, key: Any, **attrs: Any) -> None:
        self._emit(node_id(key) + attr_list(attrs) + ";")

    def edge(self, tail: Any, head: Any, **attrs: Any) -> None:
        self._emit(f"{node_id(tail)} -> {node_id(head)}" + attr_list(attrs) + ";")

    def raw(self, line: str) -> None:
        self._emit(line)

    def subgraph(self, name: str | None = None, **attrs: Any) -> _Sub:
        """``with w.subgraph("cluster_x", label="gates"): w.node(...)``."""
        return _Sub(self, name, attrs)

    def source(self) -> str:
        head = [f"digraph {value(self.name)} {{"]
        if self.graph_attrs:
            head.append("\tgraph" + attr_list(self.graph_attrs) + ";")
        if self.node_defaults:
            head.append("\tnode" + attr_list(self.node_defaults) + ";")
        if self.edge_defaults:
            head.append("\tedge" + attr_list(self.edge_defaults) + ";")
        return "\n".join(head + self._lines + ["}"]) + "\n"


class _Sub:
    def __init__(self, writer: DotWriter, name: str | None, attrs: dict[str, Any]):
        self.writer, self.name, self.attrs = writer, name, attrs

    def __enter__(self) -> DotWriter:
        w = self.writer
        w._emit(f"subgraph {value(self.name)} {{" if self.name else "{")
        w._depth += 1
        for k, v in self.attrs.items():
            if v is not None:
                w._emit(f"{k}={value(v)};")
        return w

    def __exit__(self, *exc: Any) -> None:
        self.writer._depth -= 1
        self.writer._emit("}")
