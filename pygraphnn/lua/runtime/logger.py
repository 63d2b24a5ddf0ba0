"""``optim.Logger``: the training log a Lua program writes next to itself, without the plots.

Lua's optim.Logger writes one tab-separated row per ``add``: the symbol names on the first row
(in ``pairs`` order of the first table added, or the ``setNames`` list), then every number as
``%11.4e`` and every string as is, each followed by a tab. Plotting (``plot``, ``style``,
``setlogscale``, ``display``) needs gnuplot and a window in Lua; here those calls only keep
their settings, so a program that plots as it trains still runs and still writes its log.

>>> import os, tempfile
>>> from pygraphnn.lua.runtime.table import LuaTable
>>> name = os.path.join(tempfile.mkdtemp(), "log.txt")
>>> log = Logger(name)
>>> log.add(LuaTable({"training error": 0.5}))
>>> log.add(LuaTable({"training error": 0.25}))
>>> open(name).read()
'training error\\t\\n 5.0000e-01\\t\\n 2.5000e-01\\t\\n'
"""

from __future__ import annotations

import os
import sys
from typing import IO, Any

from .table import LuaTable, pairs


class Logger:
    """``optim.Logger(filename)``: a log file of named numbers, one row per ``add``."""

    def __init__(self, filename: str | None = None, timestamp: Any = None):
        self.file: IO[str]
        if filename is not None:
            self.name = filename
            folder = os.path.dirname(filename)
            if folder:
                os.makedirs(folder, exist_ok=True)  # Lua runs `mkdir -p` on the folder
            if timestamp is not None and timestamp is not False:
                import time

                filename = filename + "-" + time.strftime("%Y_%m_%d_%X")
            self.file = open(filename, "w")  # noqa: SIM115 - open for the logger's lifetime, as in Lua
            self.epsfile = self.name + ".eps"
        else:
            self.file, self.name = sys.stdout, "stdout"
            from .system import print as lua_print

            lua_print("<Logger> warning: no path provided, logging to std out")
        self.empty = True
        self.symbols: dict = {}
        self.styles: dict = {}
        self.names: Any = LuaTable()
        self.idx: Any = LuaTable()
        self.showPlot = True
        self.defaultStyle = "+"
        self.logscale = False

    def setNames(self, names: Any) -> Logger:
        """The column names, in the given order (the first row of the file)."""
        self.names, self.empty = names, False
        for k, key in pairs(names):
            self.file.write(f"{key}\t")
            self.symbols[k] = []
            self.styles[k] = [self.defaultStyle]
            self.idx[key] = k
        self.file.write("\n")
        self.file.flush()
        return self

    def add(self, symbols: Any) -> None:
        """One row: each value of ``symbols`` (numbers as ``%11.4e``), in ``pairs`` order."""
        from .strings import string, tostring

        if self.empty:
            self.empty = False
            for k, _ in pairs(symbols):
                self.file.write(f"{tostring(k)}\t")
                self.symbols[k] = []
                self.styles[k] = [self.defaultStyle]
                self.names[k] = k
            self.idx = self.names
            self.file.write("\n")
        for k, val in pairs(symbols):
            if isinstance(val, (int, float)) and not isinstance(val, bool):
                self.file.write(string.format("%11.4e", val) + "\t")
            elif isinstance(val, str):
                self.file.write(val + "\t")
            else:
                raise TypeError(f"<Logger> can only log numbers and strings, got {type(val).__name__} for {k!r}")
        self.file.write("\n")
        self.file.flush()
        for k, val in pairs(symbols):
            self.symbols.setdefault(k, []).append(val)

    def style(self, symbols: Any) -> None:
        """Plot styles per symbol; kept, as nothing is plotted."""
        for name, style in pairs(symbols):
            self.styles[name] = [style] if isinstance(style, str) else style

    def setlogscale(self, state: Any = True) -> None:
        self.logscale = state

    def display(self, state: Any) -> None:
        self.showPlot = state

    def plot(self, *args: Any) -> None:
        """Lua draws with gnuplot (a window, or ``name.eps``); a ported program plots nothing."""
