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
  pygraphnn render /abs/path/my_model.py:build -o my_model.svg
  pygraphnn render checkpoint.t7 -o net.svg                (a gModule saved by Lua Torch)

FACTORY is a gModule or a function returning one; a function is called with no
arguments, so give its parameters defaults. MODULE is a dotted name such as
models.cells (imported from the current directory first) or the path of a .py
file, relative or absolute. A .t7 file is read as data (nothing in it runs) and
must hold an nngraph gModule.

The format comes from --format, else from the suffix of -o (.svg, .png, .pdf,
.dot; another suffix is an error), else svg. Without -o the file is FACTORY.FORMAT
in the current folder, except --format dot, which writes DOT text to stdout. The
folder of -o must exist (a missing one is an error, exit status 2).
"""


class CommandError(Exception):
    """A mistake on the command line: printed as ``pygraphnn render: error: ...``."""


def register(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "render",
        help="draw a gModule (nngraph style or paper-style cell)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "target",
        metavar="MODULE:FACTORY|FILE.t7",
        help="e.g. models.cells:lstm, /abs/path/net.py:build, or a .t7 file holding a gModule",
    )
    p.add_argument(
        "--style",
        choices=("nngraph", "cell"),
        default=None,
        help="nngraph: every node as Lua's graph.dot draws it (default); "
        "cell: gates, ⊙ and + as papers draw a recurrent cell",
    )
    p.add_argument(
        "--format",
        default=None,
        metavar="{svg,png,pdf,dot}",
        help="output format (default: from the -o suffix, else svg); dot writes DOT text "
        "(to stdout unless -o is given)",
    )
    p.add_argument(
        "--unroll", type=int, default=None, metavar="T", help="draw the cell unrolled over T time steps (cell style)"
    )
    p.add_argument(
        "--rankdir",
        choices=("TB", "LR", "BT", "RL"),
        default=None,
        help="layout direction (default: TB for nngraph, LR for cell)",
    )
    p.add_argument(
        "--expand", action="store_true", help="cell style: draw nested gModules as clusters instead of one box each"
    )
    p.add_argument("--backward", action="store_true", help="nngraph style: draw g.bg instead of g.fg")
    p.add_argument("--title", default=None, help="diagram title (default: the gModule's name)")
    p.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="PATH",
        help="file to write (default: FACTORY.FORMAT, stdout for --format dot; '-' writes to stdout)",
    )
    p.set_defaults(func=run)
    return p


def _load_t7(path: str) -> Any:
    """The gModule saved in a ``.t7`` file (read as data by :func:`pygraphnn.lua.load_t7`)."""
    from ..gmodule import gModule
    from ..lua import load_t7
    from ..lua.format.t7 import T7Error

    if not os.path.isfile(path):
        raise CommandError(f"no such file: {path}")
    try:
        obj = load_t7(path)
    except (T7Error, ValueError, OSError) as e:
        raise CommandError(f"cannot read {path}: {e}") from e
    if not isinstance(obj, gModule):
        raise CommandError(f"{path} holds a {type(obj).__name__}, not an nngraph gModule: nothing to draw")
    return obj


def _import_file(path: str, target: str) -> Any:
    """The module in the ``.py`` file ``path`` (absolute or relative), imported under its stem."""
    import importlib.util

    if not os.path.isfile(path):
        raise CommandError(f"no such file: {path} (from {target!r})")
    name = Path(path).stem
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise CommandError(f"cannot import {path} (from {target!r})")
    module = importlib.util.module_from_spec(spec)
    folder = str(Path(path).resolve().parent)
    sys.path.insert(0, folder)  # so that the file can import its neighbours
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(folder)
    return module


def load_factory(target: str) -> Any:
    """``models.cells:lstm``, ``/path/net.py:build`` or ``net.t7`` -> the gModule it names
    (calling the factory if needed)."""
    if target.lower().endswith(".t7"):
        return _load_t7(target)
    module_name, sep, attr = target.rpartition(":")
    if not sep or not module_name or not attr:
        raise CommandError(f"expected MODULE:FACTORY (e.g. models.cells:lstm) or a .t7 file, got {target!r}")
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        if module_name.endswith(".py") or os.sep in module_name:
            module = _import_file(module_name if module_name.endswith(".py") else module_name + ".py", target)
        else:
            module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name and module_name.startswith(e.name):
            raise CommandError(
                f"cannot import module {module_name!r} (from {target!r}): {e}. Run from the "
                f"directory that contains it, or put it on PYTHONPATH."
            ) from e
        raise
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            names = sorted(n for n in dir(module) if not n.startswith("_") and callable(getattr(module, n)))
            raise CommandError(
                f"module {module_name!r} has no attribute {attr!r}; callables there: {', '.join(names[:20]) or 'none'}"
            )
        obj = getattr(obj, part)
    from ..gmodule import gModule

    if not isinstance(obj, gModule) and callable(obj):
        try:
            obj = obj()
        except TypeError as e:
            raise CommandError(
                f"{target} was called with no arguments and failed: {e}. Give its "
                f"parameters defaults, or wrap it in a function that does."
            ) from e
    if not isinstance(obj, gModule):
        raise CommandError(
            f"{target} must be a gModule or a function returning one; got "
            f"{type(obj).__module__}.{type(obj).__qualname__}"
        )
    return obj


def run(args: argparse.Namespace) -> int:
    from . import backward_graph, forward_graph, render, to_dot_source

    fmt = args.format
    if fmt is None:
        suffix = Path(args.output).suffix.lstrip(".").lower() if args.output and args.output != "-" else ""
        if suffix and suffix not in FORMATS + ("dot",):
            raise CommandError(
                f"-o {args.output}: unsupported suffix .{suffix}; use one of "
                f"{', '.join('.' + f for f in FORMATS + ('dot',))} (or give --format)"
            )
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
    if args.output and args.output != "-" and not Path(args.output).parent.is_dir():
        raise CommandError(
            f"-o {args.output}: the folder {Path(args.output).parent} does not exist (it is not created)"
        )
    g = load_factory(args.target)
    obj = (backward_graph(g) if args.backward else forward_graph(g)) if style == "nngraph" else g
    options = dict(
        title=args.title if args.title is not None or style == "cell" else g._label(),
        style=style,
        rankdir=args.rankdir,
        expand=args.expand,
        unroll=args.unroll,
    )
    if args.output == "-" or (args.output is None and fmt == "dot"):
        if fmt != "dot":
            raise CommandError("-o - (stdout) only works with --format dot")
        sys.stdout.write(to_dot_source(obj, **options))
        return 0
    out = args.output or f"{args.target.partition(':')[2].replace('.', '_')}.{fmt}"
    path = render(obj, out, format=fmt, **options)
    print(path)
    return 0
