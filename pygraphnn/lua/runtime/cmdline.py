"""``torch.CmdLine``: a Lua program's command-line flags, parsed as torch7's CmdLine parses them.

Not argparse: the same walk over ``arg`` as torch's ``CmdLine:parse``, so a ported
program accepts, refuses and prints exactly what the Lua program did.

* ``cmd:option('-rnn_size', 128, 'help')``: a flag; its value's type follows the
  default (a number default takes ``tonumber`` of the next word, a boolean default
  is a switch that sets the opposite value, a string default takes the word as is).
* ``cmd:argument('-model', 'help')``: a positional argument, filled in declaration
  order by every word that is not a known flag (``'-model'`` is stored as ``model``).
* ``-help``, ``-h`` or ``--help`` prints the usage and exits with status 0; a
  missing or extra argument, an unknown or valueless flag prints a blank line, the
  error on stderr, another blank line and the usage, and exits with status 1.
* ``--rnn_size`` is not ``-rnn_size``: Lua takes it for a positional argument.

>>> cmd = CmdLine()
>>> cmd.argument("-model", "model checkpoint to use for sampling")
>>> cmd.option("-rnn_size", 128, "size of the hidden state")
>>> cmd.option("-gpuid", 0, "which gpu to use. -1 = use CPU")
>>> opt = cmd.parse(["-rnn_size", "64", "cv/lm.t7"])
>>> opt["model"], opt["rnn_size"], opt["gpuid"]
('cv/lm.t7', 64, 0)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from .strings import tonumber, tostring
from .system import error as lua_error
from .system import io as lua_io
from .system import os as lua_os
from .system import print as lua_print
from .system import type as lua_type
from .table import LuaTable, pairs


@dataclass
class _Flag:
    """One ``cmd:option`` (has a default) or ``cmd:argument`` (``default`` is None)."""

    key: str
    help: str | None
    type: str | None
    default: Any = None


def _strip(key: str) -> str:
    """torch's ``strip``: the key without its leading dashes (``-model`` -> ``model``)."""
    return key.lstrip("-")


class CmdLine:
    """``torch.CmdLine()``: ``text``, ``option``, ``argument``, ``parse``, ``help``, ``string``, ``default``."""

    def __init__(self, argseparator: str | None = None, keyseparator: str | None = None) -> None:
        self.argseparator = argseparator or ","
        self.keyseparator = keyseparator or "="
        self.options: dict[str, _Flag] = {}  # by key, dash included, as Lua's self.options
        self.arguments: list[_Flag] = []
        self.helplines: list[str | _Flag] = []
        self.dateformat: str | None = None
        self.silentio = False

    # Lua calls these as cmd:text(...), cmd:option(...): the translator emits cmd.text(...),
    # and lua.invoke(cmd, ...) finds them by their Lua names.
    def text(self, txt: str | None = None) -> None:
        txt = "" if txt is None else txt
        if not isinstance(txt, str):
            lua_error(f"CmdLine:text expects a string, got a {lua_type(txt)}")
        self.helplines.append(txt)

    def option(self, key: str, default: Any = None, help: str | None = None, type_: str | None = None) -> None:
        if default is None:
            lua_error(f"option {key} has no default value")
        type_ = type_ or lua_type(default)
        if lua_type(default) != type_:
            lua_error(f"option {key} has wrong default type value")
        self.options[key] = flag = _Flag(key, help, type_, default)
        self.helplines.append(flag)

    def argument(self, key: str, help: str | None = None, type_: str | None = None) -> None:
        flag = _Flag(key, help, type_)
        self.arguments.append(flag)
        self.helplines.append(flag)

    def default(self) -> LuaTable:
        """The table of every option's default (arguments are absent until parsed)."""
        return LuaTable({_strip(key): flag.default for key, flag in self.options.items()})

    def parse(self, arg: Any = None) -> LuaTable:
        """Walk ``arg`` (Lua's ``arg`` table, a list, or ``sys.argv[1:]`` when nil) into a table of values."""
        words = _words(arg)
        params = self.default()
        n_argument = 0
        i = 0
        while i < len(words):
            word = words[i]
            if word in ("-help", "-h", "--help"):
                self.help(arg)
                lua_os.exit(0)
            if word in self.options:
                i += self._read_option(params, words, i)
            else:
                n_argument += 1
                i += self._read_argument(params, words, i, n_argument)
        if n_argument != len(self.arguments):
            self.error("not enough arguments")
        return params

    def _read_argument(self, params: LuaTable, words: list[Any], i: int, n_argument: int) -> int:
        value = words[i]
        if n_argument > len(self.arguments):
            self.error(f"invalid argument: {tostring(value)}")
        argument = self.arguments[n_argument - 1]
        if argument.type and lua_type(value) != argument.type:
            self.error(f"invalid argument type for argument {argument.key} (should be {argument.type})")
        params[_strip(argument.key)] = value
        return 1

    def _read_option(self, params: LuaTable, words: list[Any], i: int) -> int:
        key = words[i]
        option = self.options[key]
        if option.type == "boolean":
            params[_strip(key)] = not option.default
            return 1
        if i + 1 >= len(words):
            self.error(f"missing argument for option {key}")
        value = words[i + 1]
        if option.type == "number":
            value = tonumber(value)
        elif option.type not in (None, "string"):
            self.error(f"unknown required option type {option.type}")
        if value is None:
            self.error(f"invalid type for option {key} (should be {option.type})")
        params[_strip(key)] = value
        return 2

    def error(self, msg: str) -> None:
        """torch's ``CmdLine:error``: blank line, ``msg`` on stderr, blank line, the usage; exit status 1."""
        lua_print("")
        sys.stdout.flush()  # Lua's stdout buffer and stderr reach a terminal in this order too
        lua_io.stderr.write(msg)
        lua_print("")
        self.help()
        lua_os.exit(1)

    def help(self, arg: Any = None) -> None:
        """The usage: ``Usage: <arg[0]> [options] <argument>...`` then every text, option and argument line."""
        out = lua_io.write
        out("Usage: ")
        if isinstance(arg, LuaTable) and arg[0] is not None:
            out(tostring(arg[0]) + " ")
        out("[options]")
        for argument in self.arguments:
            out(f" <{_strip(argument.key)}>")
        out("\n")
        width = 0
        for line in self.helplines:
            if isinstance(line, _Flag):
                width = max(width, len(line.key) if line.default is not None else len(_strip(line.key)) + 2)
        for line in self.helplines:
            if isinstance(line, str):
                out(line)
            elif line.default is not None:  # an option
                out("  " + line.key.ljust(width))
                if line.help:
                    out(" " + line.help)
                out(" [" + tostring(line.default) + "]")
            else:  # an argument
                out("  " + f"<{_strip(line.key)}>".ljust(width))
                if line.help:
                    out(" " + line.help)
            out("\n")

    def string(self, prefix: str | None, params: Any, ignore: Any = None) -> str:
        """torch's ``cmd:string``: ``prefix,arg=value,...,name=value,...`` naming what differs from the defaults.

        As in Lua it prints ``-- ignore option <name>`` for each ignored name and
        ``<name> <value> <default>`` for each changed option, in the table's order.
        """
        prefix = prefix or ""
        arguments: dict[int, str] = {}
        options: list[str] = []
        for k, v in pairs(params):
            skip = _get(ignore, k)
            option = self.options.get("-" + tostring(k))
            if skip is not None and skip is not False:
                lua_print("-- ignore option " + tostring(k))
            elif option is not None:
                if v != option.default or skip is False:
                    if isinstance(v, bool):
                        v = "t" if v else "f"
                    options.append(tostring(k) + self.keyseparator + tostring(v))
                    lua_print(k, v, option.default)
            else:
                narg = None
                for n, argument in enumerate(self.arguments, 1):
                    if _strip(argument.key) == k:
                        narg = n
                if narg is not None:
                    arguments[narg] = tostring(k) + self.keyseparator + tostring(v)
                else:
                    lua_print(f"WARNING: unknown option/argument: {tostring(k)} IGNORING for DIRECTORY NAME")
        options.sort()
        text = self.argseparator.join(arguments[n] for n in sorted(arguments))
        text = (
            self.argseparator.join(options)
            if text == ""
            else text + self.argseparator + self.argseparator.join(options)
        )
        return prefix if text == "" else prefix + self.argseparator + text

    def silent(self) -> None:
        self.silentio = True

    def addTime(self, name: str | None = None, format: str | None = None) -> None:
        format = format or "%Y-%m-%d %H:%M:%S"
        if not isinstance(format, str):
            lua_error("Argument has to be string")
        self.dateformat = format + (f"[{name}]: " if name is not None else "")

    def log(self, path: str, params: Any) -> None:
        """Not reproduced: Lua's ``cmd:log`` tees every later ``print`` into ``path``; here printing is unchanged."""


def _words(arg: Any) -> list[Any]:
    """The command-line words of ``arg``: Lua's table (1..#arg), a list, or this process's own."""
    if arg is None:
        return list(sys.argv[1:])
    if isinstance(arg, LuaTable):
        return [arg[i] for i in range(1, arg.border() + 1)]
    return list(arg)


def _get(table: Any, key: Any) -> Any:
    if table is None:
        return None
    if isinstance(table, LuaTable):
        return table[key]
    return table.get(key) if hasattr(table, "get") else None
