"""Lua classes: ``torch.class`` and ``setmetatable`` objects, with inheritance.

In Lua an object is a table whose metatable's ``__index`` leads to its class,
and a class's metatable leads to its parent. Ported programs keep that model:
classes and objects are :class:`~.table.LuaTable` s, ``obj:method(x)`` is
``lua.invoke(obj, "method", x)`` and finds the method through the chain.

>>> Animal, _ = class_("Animal")
>>> Animal["__init"] = lambda self, name: self.rawset("name", name)
>>> Animal["speak"] = lambda self: "I am " + self["name"]
>>> Dog, parent = class_("Dog", "Animal")
>>> rex = new("Dog", "rex")
>>> rex["speak"](rex), parent is Animal
('I am rex', True)
"""
from __future__ import annotations

from typing import Any

from .table import LuaTable

_CLASSES: dict[str, LuaTable] = {}


def setmetatable(t: Any, meta: Any) -> Any:
    """``setmetatable(t, mt)``: returns ``t`` (which must be a LuaTable), as Lua does."""
    if not isinstance(t, LuaTable):
        raise TypeError(f"bad argument #1 to 'setmetatable' (table expected, got {type(t).__name__})")
    if meta is not None and not isinstance(meta, LuaTable):
        raise TypeError("bad argument #2 to 'setmetatable' (nil or table expected)")
    t._meta = meta
    return t


def getmetatable(t: Any) -> Any:
    """``getmetatable(t)``: the table's metatable (nil when none)."""
    if isinstance(t, LuaTable):
        return t._meta
    if isinstance(t, str):
        from .strings import string
        return LuaTable({"__index": string})
    return None


def class_(name: str, parent: str | LuaTable | None = None) -> tuple:
    """``torch.class(name[, parent])``: a new class (its metatable), inheriting ``parent``'s methods.

    Returns (class table, parent class table or None), as Lua does;
    ``lua.new(name, ...)`` (or calling the constructor ``lua.constructor(name)``)
    makes an object and runs its ``__init``.
    """
    if name in _CLASSES:
        raise ValueError(f"class {name} has been already assigned")
    cls = LuaTable()
    cls.rawset("__index", cls)
    cls.rawset("__typename", name)
    if parent is not None:
        pcls = _CLASSES.get(parent) if isinstance(parent, str) else parent
        if pcls is None:
            raise ValueError(f"parent class {parent} does not exist")
        cls._meta = LuaTable({"__index": pcls})
        cls.rawset("__parent", pcls)
    _CLASSES[name] = cls
    return cls, cls.rawget("__parent")


def parent_of(cls: LuaTable) -> Any:
    """The parent class ``torch.class`` returned with ``cls`` (None without one)."""
    return cls.rawget("__parent")


def new(name: str | LuaTable, *args: Any) -> LuaTable:
    """A new object of a class: ``Foo(...)``/``Foo.new(...)`` in Lua (runs ``__init`` if any)."""
    cls = _CLASSES[name] if isinstance(name, str) else name
    obj = LuaTable()
    obj._meta = cls
    init = cls["__init"]
    if init is not None:
        init(obj, *args)
    return obj


def constructor(name: str) -> LuaTable:
    """The callable table Lua puts in the global ``name``: ``Foo(...)`` makes an object."""
    cls = _CLASSES[name]
    ctor = LuaTable({"new": lambda *args: new(cls, *args)})
    ctor._meta = LuaTable({"__call": lambda _self, *args: new(cls, *args), "__index": cls})
    return ctor


def typename(obj: Any) -> str | None:
    """``torch.typename(obj)`` for objects of ported classes (None for plain tables)."""
    meta = obj._meta if isinstance(obj, LuaTable) else None
    return meta.rawget("__typename") if meta is not None else None


def isinstance_of(obj: Any, name: str) -> bool:
    """``torch.isTypeOf(obj, name)``: the object's class is ``name`` or inherits it."""
    meta = obj._meta if isinstance(obj, LuaTable) else None
    while meta is not None:
        if meta.rawget("__typename") == name:
            return True
        meta = meta.rawget("__parent")
    return False
