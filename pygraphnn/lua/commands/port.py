"""``pygraphnn port model.lua [-o model.py]``: translate nngraph Lua into Python.

``register(subparsers)`` adds the subcommand to :mod:`pygraphnn.cli`'s parser.
Exit status: 0 for a clean port, 1 when something was flagged ``TODO(port)`` (the
output is written all the same), 2 when the Lua does not parse, 3 when the Lua runs a shell
command or loads code (``# WARNING(port)`` lines; 3 wins over 1).
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
  pygraphnn port train.lua -o ported/          (a whole program: train.lua and every
                                                module of its own it requires, as a
                                                package; run it: python -m ported)

What cannot be translated faithfully is marked `# TODO(port): ...` in the output
and listed on stderr as FILE:LINE: what. Calls that run a shell or load code
(os.execute, io.popen, loadstring, dofile, load, require of a computed name)
become explicit runtime calls, marked `# WARNING(port): ...` in the output and
listed on stderr as FILE:LINE: warning: ... (a require whose name folds to a
constant, require('a' .. 'b'), is an ordinary require and not warned about).

Exit status:
  0  clean port
  1  something flagged TODO(port) (the output is still written)
  2  the Lua does not parse, or a mistake on the command line
  3  the Lua runs a shell command or loads code (output written; wins over 1)
"""


class CommandError(Exception):
    """A mistake on the command line: printed as ``pygraphnn port: error: ...``."""


def register(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "port",
        help="translate nngraph model Lua into Python using pygraphnn",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("source", metavar="FILE.lua", help="the Lua file to translate")
    p.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="PATH",
        help="Python file to write (default: stdout); a folder (ending in /, or existing) gets "
        "the whole program: one module per Lua file it requires, and __main__.py. The "
        "folder holding PATH must exist (a missing one is an error, exit status 2)",
    )
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    try:
        from ..translator.emit import PortSyntaxError, port_source
    except ImportError as e:  # luaparser missing
        raise CommandError(f"{e}; install the port extra: pip install 'pygraphnn[port]'") from e
    path = Path(args.source)
    if not path.is_file():
        raise CommandError(f"no such file: {args.source}")
    if args.output and args.output != "-":
        # the folder the output goes into must exist: a missing one is a mistake, not created
        folder = Path(args.output.rstrip("/\\") or "/").parent
        if not folder.is_dir():
            raise CommandError(f"-o {args.output}: the folder {folder} does not exist (it is not created)")
    if args.output and (args.output.endswith(("/", "\\")) or Path(args.output).is_dir()):
        return run_program(path, Path(args.output))
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
    return 3 if result.risky else 1 if result.issues else 0


def run_program(main: Path, outdir: Path) -> int:
    """``pygraphnn port main.lua -o outdir/``: the program as a package; flags and warnings on stderr."""
    from ..translator.emit import PortSyntaxError
    from ..translator.program import port_program

    try:
        result = port_program(main, outdir)
    except PortSyntaxError as e:
        print(str(e), file=sys.stderr)
        return 2
    flagged = risky = 0
    for r in result.modules.values():
        shown = r.filename
        for issue in r.issues:
            print(issue.format(shown), file=sys.stderr)
        for call in r.risky:
            print(call.format(shown).replace(": ", ": warning: ", 1), file=sys.stderr)
        flagged += len(r.issues)
        risky += len(r.risky)
    print(
        f"wrote {outdir}/ ({len(result.modules)} modules, {flagged} flagged lines): python -m {outdir.name} [flags]",
        file=sys.stderr,
    )
    return 3 if risky else 1 if flagged else 0
