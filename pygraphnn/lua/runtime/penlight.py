"""Penlight's ``tablex`` and ``utils`` tables, which th (trepl) makes globals: what programs use of them.

torch-ntm calls ``tablex.insertvalues(params, more)`` and ``printf = utils.printf`` without
requiring anything, as th loads penlight before the program runs.

>>> from pygraphnn.lua.runtime.table import LuaTable
>>> t = LuaTable.of(1, 2)
>>> _ = tablex.insertvalues(t, LuaTable.of(3, 4))
>>> t.to_list()
[1, 2, 3, 4]
>>> utils.printf("%d items\\n", 4)
4 items
"""

from __future__ import annotations

import sys
from typing import Any

from .table import LuaTable, as_table, length


def _insertvalues(t: Any, pos: Any, values: Any = None) -> Any:
    """``tablex.insertvalues(t, [pos,] values)``: the array values into t at pos (default: the end)."""
    if values is None:
        pos, values = None, pos
    items = list(as_table(values).to_list()) if isinstance(as_table(values), LuaTable) else list(values)
    if isinstance(t, list):
        at = len(t) if pos is None else int(pos) - 1
        t[at:at] = items
        return t
    n = length(t)
    at = n + 1 if pos is None else int(pos)
    for i in range(n, at - 1, -1):  # shift the tail up
        t[i + len(items)] = t[i]
    for k, v in enumerate(items):
        t[at + k] = v
    return t


class _Tablex:
    insertvalues = staticmethod(_insertvalues)


class _Utils:
    @staticmethod
    def printf(fmt: str, *args: Any) -> None:
        """``utils.printf(fmt, ...)``: io.write(string.format(fmt, ...))."""
        from .strings import string

        sys.stdout.write(string.format(fmt, *args))

    @staticmethod
    def fprintf(f: Any, fmt: str, *args: Any) -> None:
        from .strings import string

        f.write(string.format(fmt, *args))


tablex = _Tablex()
utils = _Utils()
