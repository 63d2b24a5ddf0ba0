"""What a Lua program ported by ``pygraphnn port`` imports: Lua's meaning where Python's differs.

Generated code starts with ``from pygraphnn.lua import runtime as lua`` and calls
named helpers only where plain Python would behave differently from Lua:

>>> from pygraphnn.lua import runtime as lua
>>> lua.tostring(4.0), lua.tostring(0.1)
('4', '0.1')
>>> t = lua.LuaTable.of(10, 20, 30)
>>> lua.length(t), t[1]
(3, 10)

The parts, one concept a file: :mod:`.table` (Lua tables and the ``table``
library), :mod:`.strings` (the ``string`` library, Lua patterns, number
formatting), :mod:`.objects` (``torch.class``/``setmetatable`` classes),
:mod:`.cmdline` (``torch.CmdLine``), :mod:`.system` (``print``, ``pcall``/
``error``, ``os``, ``io``, ``paths``) and :mod:`.dispatch` (``obj:name(...)``,
``#`` and indexing when the receiver's type is only known at run time). Torch
numerics (tensor methods, ``torch.*``, ``optim``) live in sibling modules that
:mod:`.dispatch` reaches lazily. ``docs/lua-mapping.md`` lists every helper.
"""
from .dispatch import add, concat, div, eq, index, invoke, length, mod, mul, neg, pow, setindex, sub  # noqa: F401
from .objects import class_, getmetatable, new, setmetatable  # noqa: F401
from .strings import string, tonumber, tostring  # noqa: F401
from .system import (LuaError, assert_, dofile, error, io, load, loadstring, lfs, os, paths, pcall, print,  # noqa: F401
                     require, truthy, type)
from .table import LuaTable, ipairs, next, pairs, select, table, unpack  # noqa: F401
from .cmdline import CmdLine  # noqa: F401
from .libraries import optim, rawequal, rawget, rawset, torch  # noqa: F401
from .table import adjust, as_table, each, first, values  # noqa: F401
from .table import numeric_for as range  # noqa: F401
from .objects import constructor  # noqa: F401
