"""``pygraphnn render MODULE:FACTORY``: draw a gModule from the command line.

``register(subparsers)`` adds the subcommand to :mod:`pygraphnn.cli`'s parser.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path
from typing import Any

from .engine import FORMATS

DESCRIPTION = """\
Draw the gModule returned by FACTORY in the Python module MODULE.

  pygraphnn render models.cells:lstm --style cell -o lstm.svg
  pygraphnn render models.cells:gru --style cell --format png -o gru
  pygraphnn render models.cells:lstm --unroll 3 -o lstm_unrolled.svg
  pygraphnn render my_model:build --format dot          (DOT text on stdout, no graphviz needed)

FACTORY is a gModule or a function returning one; a function is called with no
arguments, so give its parameters defaults. MODULE is imported from the current
directory first (a dotted name such as models.cells, or a path such as
models/cells.py).
"""


class CommandError(Exception):
    """A mistake on the command line: printed as ``pygraphnn render: error: ...``."""


def register(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("render", help="draw a gModule (nngraph style or paper-style cell)",
                              description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", metavar="MODULE:FACTORY", help="e.g. models.cells:lstm")
    p.add_argument("--style", choices=("nngraph", "cell"), default=None,
                   help="nngraph: every node as Lua's graph.dot draws it (default); "
                        "cell: gates, ⊙ and + as papers draw a recurrent cell")
    p.add_argument("--format", default=None, metavar="{svg,png,pdf,dot}",
                   help="output format (default: from the -o suffix, else svg); dot writes DOT text")
    p.add_argument("--unroll", type=int, default=None, metavar="T",
                   help="draw the cell unrolled over T time steps (cell style)")
    p.add_argument("--rankdir", choices=("TB", "LR", "BT", "RL"), default=None,
                   help="layout direction (default: TB for nngraph, LR for cell)")
    p.add_argument("--expand", action="store_true",
                   help="cell style: draw nested gModules as clusters instead of one box each")
    p.add_argument("--backward", action="store_true", help="nngraph style: draw g.bg instead of g.fg")
    p.add_argument("--title", default=None, help="diagram title (default: the gModule's name)")
    p.add_argument("-o", "--output", default=None, metavar="PATH",
                   help="file to write (default: FACTORY.FORMAT; '-' writes to stdout)")
    p.set_defaults(func=run)
    return p


def load_factory(target: str) -> Any:
    """``models.cells:lstm`` -> the gModule it names (calling the factory if needed)."""
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise CommandError(f"expected MODULE:FACTORY (e.g. models.cells:lstm), got {target!r}")
    if module_name.endswith(".py") or os.sep in module_name:
        module_name = module_name[:-3] if module_name.endswith(".py") else module_name
        module_name = module_name.strip("./").replace(os.sep, ".")
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name and module_name.startswith(e.name):
            raise CommandError(f"cannot import module {module_name!r} (from {target!r}): {e}. Run from the "
                               f"directory that contains it, or put it on PYTHONPATH.") from e
        raise
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            names = sorted(n for n in dir(module) if not n.startswith("_") and callable(getattr(module, n)))
            raise CommandError(f"module {module_name!r} has no attribute {attr!r}; callables there: "
                               f"{', '.join(names[:20]) or 'none'}")
        obj = getattr(obj, part)
    from ..gmodule import gModule
    if not isinstance(obj, gModule) and callable(obj):
        try:
            obj = obj()
        except TypeError as e:
            raise CommandError(f"{target} was called with no arguments and failed: {e}. Give its "
                               f"parameters defaults, or wrap it in a function that does.") from e
    if not isinstance(obj, gModule):
        raise CommandError(f"{target} must be a gModule or a function returning one; got "
                           f"{type(obj).__module__}.{type(obj).__qualname__}")
    return obj


def run(args: argparse.Namespace) -> int:
    from . import backward_graph, forward_graph, render, to_dot_source
    fmt = args.format
    if fmt is None:
        suffix = Path(args.output).suffix.lstrip(".").lower() if args.output and args.output != "-" else ""
        fmt = suffix if suffix in FORMATS + ("dot",) else "svg"
    fmt = fmt.lower()
    if fmt not in FORMATS + ("dot",):
        raise CommandError(f"unknown format {args.format!r}: choose one of {', '.join(FORMATS + ('dot',))}")
    if args.unroll is not None and args.unroll < 1:
        raise CommandError(f"--unroll needs a positive number of steps, got {args.unroll}")
    style = args.style or ("cell" if args.unroll else "nngraph")
    if args.unroll and style != "cell":
        raise CommandError("--unroll draws a cell: use it with --style cell (or without --style)")
    if args.backward and style != "nngraph":
        raise CommandError("--backward is for the nngraph style")
    g = load_factory(args.target)
    obj = (backward_graph(g) if args.backward else forward_graph(g)) if style == "nngraph" else g
    options = dict(title=args.title if args.title is not None or style == "cell" else g._label(),
                   style=style, rankdir=args.rankdir, expand=args.expand, unroll=args.unroll)
    if args.output == "-":
        if fmt != "dot":
            raise CommandError("-o - (stdout) only works with --format dot")
        sys.stdout.write(to_dot_source(obj, **options))
        return 0
    out = args.output or f"{args.target.partition(':')[2].replace('.', '_')}.{fmt}"
    path = render(obj, out, format=fmt, **options)
    print(path)
    return 0
