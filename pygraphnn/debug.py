"""``ng.set_debug(True)``: on a failure, write an SVG of the graph with the failing node red."""

from __future__ import annotations

_debug = False


def set_debug(enabled: bool = True) -> None:
    """Turn debug mode on or off (nngraph's ``nngraph.setDebug``)."""
    global _debug
    _debug = bool(enabled)


def is_debug() -> bool:
    return _debug


def on_failure(g, node) -> str | None:
    """Write the debug SVG if debug mode is on; returns its path (or None)."""
    if not _debug:
        return None
    try:
        from .render import write_debug_svg
    except ImportError:
        return None
    try:
        return write_debug_svg(g, node)
    except Exception as e:  # a broken renderer must not hide the real error
        return f"(could not write the debug SVG: {e})"
