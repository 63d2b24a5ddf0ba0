"""``torch.CmdLine``: a Lua program's command-line flags, parsed with argparse.

The same flag names (``-rnn_size 128``), defaults, help texts and ``cmd:text``
lines as the Lua program; ``cmd:parse(arg)`` returns a table of the values
(types follow the defaults, as torch's parser does: a number default takes a
number, a boolean default is a flag that sets the opposite value).

>>> cmd = CmdLine()
>>> cmd.option("-rnn_size", 128, "size of the hidden state")
>>> cmd.option("-gpuid", 0, "which gpu to use. -1 = use CPU")
>>> opt = cmd.parse(["-rnn_size", "64"])
>>> opt["rnn_size"], opt["gpuid"]
(64, 0)
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .strings import tonumber, tostring
from .table import LuaTable


class CmdLine:
    """``torch.CmdLine()``: ``text``, ``option``, ``argument``, ``parse``, ``string``, ``log``, ``silent``."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.options: list[tuple[str, Any, str]] = []
        self.arguments: list[tuple[str, str]] = []

    # Lua calls these as cmd:text(...), cmd:option(...): the translator emits lua.invoke(cmd, ...),
    # which finds these methods on the Python object.
    def text(self, line: str = "") -> None:
        self.lines.append(line)

    def option(self, name: str, default: Any, help: str = "", *_rest: Any) -> None:
        self.options.append((name.lstrip("-"), default, help))

    def argument(self, name: str, help: str = "", *_rest: Any) -> None:
        self.arguments.append((name, help))

    def parser(self, prog: str | None = None) -> argparse.ArgumentParser:
        """The argparse parser for these flags (``-name`` and ``--name`` both accepted)."""
        p = argparse.ArgumentParser(
            prog=prog, description="\n".join(self.lines), formatter_class=argparse.RawDescriptionHelpFormatter
        )
        for name, help_ in self.arguments:
            p.add_argument(name, help=help_)
        for name, default, help_ in self.options:
            shown = f"{help_} [{tostring(default)}]" if default is not None else help_
            flags = [f"-{name}", f"--{name}"]
            if isinstance(default, bool):
                p.add_argument(*flags, dest=name, action="store_const", const=not default, default=default, help=shown)
            elif isinstance(default, (int, float)):
                p.add_argument(*flags, dest=name, type=_number, default=default, help=shown, metavar="N")
            else:
                p.add_argument(*flags, dest=name, default=default, help=shown)
        return p

    def parse(self, argv: Any = None) -> LuaTable:
        """Parse ``argv`` (a Lua ``arg`` table, a list, or sys.argv[1:] when nil) into a table of values."""
        if argv is None:
            argv = sys.argv[1:]
        elif isinstance(argv, LuaTable):
            argv = [tostring(v) for v in argv.to_list()]
        ns = self.parser().parse_args([tostring(a) for a in argv])
        return LuaTable(vars(ns))

    def string(self, prefix: str, params: Any, ignore: Any = None) -> str:
        """torch's ``cmd:string``: ``prefix,name=value,...`` of the non-default options, sorted by name."""
        ignore = ignore or {}
        parts = [prefix]
        for name, default, _ in sorted(self.options):
            value = params[name]
            if not (ignore.get(name) if hasattr(ignore, "get") else False) and value != default:
                parts.append(f"{name}={tostring(value)}")
        self._print_choices(params, ignore)
        return ",".join(parts)

    def _print_choices(self, params: Any, ignore: Any) -> None:
        """What Lua's ``cmd:string`` prints as it goes: ``-- ignore option NAME`` for an ignored
        option, ``NAME  value  default`` for a changed one. Lua walks ``params`` in its hash order;
        here it is the table's own order (the options' declaration order after ``parse``)."""
        from .system import print as lua_print
        from .table import pairs

        defaults = {name: default for name, default, _ in self.options}
        for name, value in pairs(params):
            if ignore.get(name) if hasattr(ignore, "get") else False:
                lua_print(f"-- ignore option {name}")
            elif name in defaults and value != defaults[name]:
                shown = ("t" if value else "f") if isinstance(value, bool) else value
                lua_print(name, shown, defaults[name])

    def silent(self) -> None:
        pass

    def log(self, path: str, params: Any) -> None:
        pass


def _number(text: str) -> int | float:
    n = tonumber(text)
    if n is None:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}")
    return n
