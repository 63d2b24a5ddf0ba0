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
    if isinstance(parent, str) and parent not in _CLASSES and parent.startswith("nn."):
        return _module_class(name, parent, cls)
    if parent is not None:
        pcls = _CLASSES.get(parent) if isinstance(parent, str) else parent
        if pcls is None:
            raise ValueError(f"parent class {parent} does not exist")
        cls._meta = LuaTable({"__index": pcls})
        cls.rawset("__parent", pcls)
    _CLASSES[name] = cls
    return cls, cls.rawget("__parent")


def _nn_base(parent: str) -> type:
    from pygraphnn import module, nn

    base = getattr(nn, parent[3:], None) or getattr(module, parent[3:], None)
    if not (isinstance(base, type) and issubclass(base, module.Module)):
        raise ValueError(f"parent class {parent} does not exist in pygraphnn.nn")
    return base


def _module_class(name: str, parent: str, cls: LuaTable) -> tuple:
    """``torch.class('OneHot', 'nn.Module')``: a Lua-written nn module, as a pygraphnn Module subclass.

    Objects are Python modules (so they can be called on graph nodes); the methods the
    program writes into ``cls`` (``__init``, ``updateOutput``, any other) are found
    through it; ``updateOutput`` is the module's forward.
    """
    import functools

    import torch

    base: Any = _nn_base(parent)  # a Module subclass, chosen at run time

    def __init__(self: Any, *args: Any) -> None:  # noqa: N807 - the Python constructor
        base.__init__(self) if base.__init__ is not object.__init__ else None
        init = cls["__init"]
        if init is not None:
            init(self, *args)

    def forward(self: Any, *inputs: Any) -> Any:
        update = cls["updateOutput"]
        if update is None:
            return base.forward(self, *inputs)
        return update(self, *inputs)

    def __getattr__(self: Any, key: str) -> Any:  # noqa: N807 - Lua's method lookup through the class
        try:
            return torch.nn.Module.__getattr__(self, key)
        except AttributeError:
            found = cls[key]
            if found is None or key.startswith("__"):
                raise
            return functools.partial(found, self) if callable(found) else found

    pycls = type(
        name,
        (base,),
        {
            "__init__": __init__,
            "forward": forward,
            "__getattr__": __getattr__,
            "_lua_class": cls,
            "__module__": "pygraphnn.lua.runtime.objects",
        },
    )
    cls.rawset("__pyclass", pycls)

    def parent_init(self: Any, *args: Any) -> None:
        # Lua's nn.Module.__init: empty output and gradInput of the default (double) type
        if getattr(self, "output", None) is None:
            self.output = torch.empty(0, dtype=torch.float64)
        if getattr(self, "gradInput", None) is None:
            self.gradInput = torch.empty(0, dtype=torch.float64)

    pmeta = LuaTable({"__init": parent_init, "__typename": parent})
    _CLASSES[name] = cls
    return cls, pmeta


def parent_of(cls: LuaTable) -> Any:
    """The parent class ``torch.class`` returned with ``cls`` (None without one)."""
    return cls.rawget("__parent")


def new(name: str | LuaTable, *args: Any) -> LuaTable:
    """A new object of a class: ``Foo(...)``/``Foo.new(...)`` in Lua (runs ``__init`` if any)."""
    cls = _CLASSES[name] if isinstance(name, str) else name
    pycls = cls.rawget("__pyclass")
    if pycls is not None:
        return pycls(*args)
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
    meta = obj._meta if isinstance(obj, LuaTable) else getattr(type(obj), "_lua_class", None)
    return meta.rawget("__typename") if meta is not None else None


def isinstance_of(obj: Any, name: str) -> bool:
    """``torch.isTypeOf(obj, name)``: the object's class is ``name`` or inherits it."""
    meta = obj._meta if isinstance(obj, LuaTable) else None
    while meta is not None:
        if meta.rawget("__typename") == name:
            return True
        meta = meta.rawget("__parent")
    return False
