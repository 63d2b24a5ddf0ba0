"""The ``pygraphnn`` command: one subcommand per job (``render``, later ``port``, ``sample``).

Each subcommand lives beside the code it drives and offers ``register(subparsers)``,
which adds its parser and sets ``func`` to a handler ``(args) -> exit status``.
To add one, append its module to :data:`SUBCOMMANDS`. A handler reports a user
mistake by raising an exception whose class is named ``CommandError`` (graphviz
missing counts as one too): it is printed as ``pygraphnn <command>: error:
<message>`` with exit status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# module path of each subcommand (imported lazily: `pygraphnn --help` stays fast)
SUBCOMMANDS: list[str] = [
    "pygraphnn.render.command",
    "pygraphnn.lua.commands.port",
    "pygraphnn.lua.commands.sample",
    "pygraphnn.lua.commands.convert",
    # the reference models and their data (the `models` package, installed beside pygraphnn)
    "models.datasets",
    "models.ptb.__main__",
    "models.charrnn.__main__",
    "models.palindrome.__main__",
]


def _is_user_error(e: BaseException) -> bool:
    return type(e).__name__ in ("CommandError", "GraphvizNotFound")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="pygraphnn",
        description="Lua Torch's nngraph on PyTorch: tools for graphs and models.",
        epilog="Run `pygraphnn COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"pygraphnn {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", help="the job to do")
    subparsers.required = True
    for path in SUBCOMMANDS:
        importlib.import_module(path).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pygraphnn`` console script and of ``python -m pygraphnn``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except Exception as e:  # only user mistakes are caught below
        if _is_user_error(e):
            print(f"pygraphnn {args.command}: error: {e}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
