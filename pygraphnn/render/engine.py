"""Running graphviz on DOT text, with a clear message when it is not installed.

Only this file touches the ``graphviz`` Python package and the ``dot`` program;
everything else in :mod:`pygraphnn.render` produces DOT text without them.
"""

from __future__ import annotations

FORMATS = ("svg", "png", "pdf")

INSTALL_HINT = (
    "Diagrams need the graphviz Python package and graphviz's `dot` program:\n"
    "  pip install graphviz                 (the Python package)\n"
    "  apt-get install graphviz             (Debian/Ubuntu: the `dot` program)\n"
    "  brew install graphviz                (macOS)\n"
    "  conda install -c conda-forge graphviz (conda)\n"
    "DOT text alone needs neither: pygraphnn.render.to_dot_source(g) or `--format dot`."
)


class GraphvizNotFound(RuntimeError):
    """The graphviz Python package or the ``dot`` program is missing (the message says how
    to install them)."""


def check_format(fmt: str) -> str:
    f = fmt.lower().lstrip(".")
    if f not in FORMATS:
        raise ValueError(f"unknown diagram format {fmt!r}: choose one of {', '.join(FORMATS)} (or 'dot' for DOT text)")
    return f


def run_dot(source: str, fmt: str) -> bytes:
    """Lay out ``source`` with ``dot`` and return the ``fmt`` (svg/png/pdf) bytes."""
    fmt = check_format(fmt)
    try:
        import graphviz
    except ImportError as e:
        raise GraphvizNotFound("the graphviz Python package is not installed.\n" + INSTALL_HINT) from e
    try:
        return graphviz.Source(source).pipe(format=fmt, engine="dot")
    except graphviz.ExecutableNotFound as e:
        raise GraphvizNotFound("graphviz's `dot` program was not found on PATH.\n" + INSTALL_HINT) from e
    except graphviz.CalledProcessError as e:
        stderr = (e.stderr or b"").decode(errors="replace").strip()
        raise RuntimeError(f"graphviz `dot` failed on the generated DOT text: {stderr}") from e
