"""``pygraphnn port model.lua [-o model.py]``: translate nngraph Lua into Python.

``register(subparsers)`` adds the subcommand to :mod:`pygraphnn.cli`'s parser.
Exit status: 0 for a clean port, 1 when something was flagged ``TODO(port)`` (the
output is written all the same), 2 when the Lua does not parse.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

DESCRIPTION = """\
Translate a Lua file that declares nngraph models into Python using pygraphnn.

  pygraphnn port model/LSTM.lua -o model/lstm.py
  pygraphnn port create_network.lua            (Python on stdout)

What cannot be translated faithfully is marked `# TODO(port): ...` in the output
and listed on stderr as FILE:LINE: what. Calls that run a shell or load code
(os.execute, io.popen, loadstring, dofile, load, require of a computed name)
become explicit runtime calls and are listed as FILE:LINE: warning: ... Exit status: 0 clean, 1 something
flagged (the output is still written), 2 the Lua does not parse.
"""


class CommandError(Exception):
    """A mistake on the command line: printed as ``pygraphnn port: error: ...``."""


def register(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("port", help="translate nngraph model Lua into Python using pygraphnn",
                              description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", metavar="FILE.lua", help="the Lua file to translate")
    p.add_argument("-o", "--output", default=None, metavar="PATH",
                   help="Python file to write (default: stdout)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    try:
        from .port import PortSyntaxError, port_source
    except ImportError as e:  # luaparser missing
        raise CommandError(f"{e}; install the port extra: pip install 'pygraphnn[port]'") from e
    path = Path(args.source)
    if not path.is_file():
        raise CommandError(f"no such file: {args.source}")
    source = path.read_text(encoding="utf-8", errors="replace")
    try:
        result = port_source(source, path.name)
    except PortSyntaxError as e:
        print(str(e), file=sys.stderr)
        return 2
    if args.output and args.output != "-":
        Path(args.output).write_text(result.code, encoding="utf-8")
    else:
        sys.stdout.write(result.code)
    for issue in result.issues:
        print(issue.format(path.name), file=sys.stderr)
    for call in result.risky:  # shell and code loading: always said out loud
        print(call.format(path.name).replace(": ", ": warning: ", 1), file=sys.stderr)
    return 1 if result.issues else 0
