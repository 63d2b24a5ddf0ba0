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

from . import optim as _optim_module
from .cmdline import CmdLine  # noqa: F401
from .debug import debug  # noqa: F401  (Lua's debug.getinfo, for programs that find their own file)
from .dispatch import (  # noqa: F401
    add,
    concat,
    div,
    eq,
    index,
    invoke,
    length,
    mod,
    module_arg,
    mul,
    neg,
    pow,
    setindex,
    sub,
)
from .libraries import (  # noqa: F401
    clnn,
    cltorch,
    cudnn,
    cunn,
    cutorch,
    optim,
    rawequal,
    rawget,
    rawset,
    sys,
    torch,
    xlua,
)
from .objects import class_, constructor, getmetatable, new, nn_base, setmetatable  # noqa: F401
from .penlight import tablex  # noqa: F401
from .penlight import utils as plutils  # noqa: F401
from .strings import string, tonumber, tostring  # noqa: F401
from .system import (  # noqa: F401
    G,
    LuaError,
    assert_,
    dofile,
    error,
    export_globals,
    io,
    lfs,
    load,
    loadstring,
    os,
    path,
    paths,
    pcall,
    plfile,
    print,
    require,
    stringx,
    truthy,
    type,
)
from .table import (  # noqa: F401
    LuaTable,
    adjust,
    as_table,
    each,
    first,
    ipairs,
    iterate,
    next,
    pairs,
    select,
    table,
    unpack,
    values,
)
from .table import numeric_for as range  # noqa: F401

# The submodule .optim is loaded above, before the `optim` table is bound below: Python sets a
# package attribute when a submodule is first imported, which would otherwise replace the
# table `lua.optim` by the module the first time a program calls an optimiser.
del _optim_module


def __getattr__(name: str):
    if name == "arg":  # Lua's arg: the command line of this run
        from .system import script_args

        return script_args()
    raise AttributeError(f"module 'pygraphnn.lua.runtime' has no attribute {name!r}")
