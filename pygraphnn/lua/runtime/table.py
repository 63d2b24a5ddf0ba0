"""Lua tables: :class:`LuaTable` and the ``table`` library.

A Lua table is one value with two parts: an array part (keys 1..n with no
holes) and a hash part (everything else). ``#t`` is a border of the array part,
``ipairs`` walks 1, 2, ... up to the first nil, ``pairs`` walks the array part
in order and then the other keys. The translator emits a plain ``list`` or
``dict`` where it can prove a table is used only one way, and a
:class:`LuaTable` where it cannot; the ``table.*`` functions here accept all
three (a ``list`` stands for the array 1..len).

>>> t = LuaTable.of("a", "b")
>>> t["name"] = "x"
>>> table.insert(t, "c")
>>> [k for k, _ in pairs(t)], length(t)
([1, 2, 3, 'name'], 3)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any


class LuaTableError(Exception):
    """A key Lua would reject (nil or NaN)."""


class _BoolKey:
    """Keeps ``true`` and ``1`` apart as keys (Python hashes True like 1)."""

    __slots__ = ("value",)

    def __init__(self, value: bool):
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _BoolKey) and other.value is self.value

    def __hash__(self) -> int:
        return hash(("lua-bool", self.value))


def _norm(key: Any) -> Any:
    """The key Lua stores: 2.0 and 2 are the same key; booleans are not numbers."""
    if key is True or key is False:
        return _BoolKey(key)
    if isinstance(key, float):
        if key != key:
            raise LuaTableError("table index is NaN")
        if key.is_integer():
            return int(key)
    if key is None:
        raise LuaTableError("table index is nil")
    return key


def _denorm(key: Any) -> Any:
    return key.value if isinstance(key, _BoolKey) else key


class LuaTable(MutableMapping):
    """A Lua table: 1-based array part plus hash part, nil (``None``) for absent keys.

    ``t[k]`` reads nil for a missing key and follows the metatable's ``__index``
    like Lua; ``t[k] = None`` removes the key. ``len(t)`` counts the entries
    (Python's Mapping meaning); Lua's ``#t`` is :func:`length`. Tables compare
    by identity, as in Lua.

    >>> t = LuaTable.of(1, 2)
    >>> t[3] = 3; t[5] = 5
    >>> length(t), t[4], t[5]
    (3, None, 5)
    """

    __slots__ = ("__weakref__", "_arr", "_hash", "_meta")

    def __init__(self, items: Any = None):
        self._arr: list[Any] = []
        self._hash: dict[Any, Any] = {}
        self._meta: LuaTable | None = None
        if items:
            for k, v in items.items() if hasattr(items, "items") else items:
                self[k] = v

    @classmethod
    def of(cls, *values: Any) -> LuaTable:
        """``{v1, v2, ...}``: the values at keys 1..n (a trailing nil ends the array)."""
        t = cls()
        for i, v in enumerate(values, 1):
            if v is not None:
                t[i] = v
        return t

    # --------------------------------------------------------- raw access
    def rawget(self, key: Any) -> Any:
        key = _norm(key)
        if type(key) is int and 1 <= key <= len(self._arr):
            return self._arr[key - 1]
        return self._hash.get(key)

    def rawset(self, key: Any, value: Any) -> None:
        key = _norm(key)
        arr = self._arr
        if type(key) is int and 1 <= key <= len(arr) + 1:
            if value is None:
                if key <= len(arr):
                    # a hole: what follows it leaves the array part
                    for i, v in enumerate(arr[key:], key + 1):
                        self._hash[i] = v
                    del arr[key - 1 :]
                return
            if key <= len(arr):
                arr[key - 1] = value
                return
            arr.append(value)
            nxt = key + 1
            while nxt in self._hash:  # keys set earlier past the end join the array part
                arr.append(self._hash.pop(nxt))
                nxt += 1
            return
        if value is None:
            self._hash.pop(key, None)
        else:
            self._hash[key] = value

    # --------------------------------------------------- Lua-level access
    def __getitem__(self, key: Any) -> Any:
        v = self.rawget(key)
        if v is None and self._meta is not None:
            handler = self._meta.rawget("__index")
            if handler is None:
                return None
            if callable(handler) and not isinstance(handler, LuaTable):
                return handler(self, key)
            return handler[key]
        return v

    def __setitem__(self, key: Any, value: Any) -> None:
        if self._meta is not None and self.rawget(key) is None:
            handler = self._meta.rawget("__newindex")
            if handler is not None:
                if callable(handler) and not isinstance(handler, LuaTable):
                    handler(self, key, value)
                else:
                    handler[key] = value
                return
        self.rawset(key, value)

    def __delitem__(self, key: Any) -> None:
        self.rawset(key, None)

    def get(self, key: Any, default: Any = None) -> Any:
        v = self[key]
        return default if v is None else v

    def __contains__(self, key: object) -> bool:
        try:
            return self.rawget(key) is not None
        except LuaTableError:
            return False

    def __iter__(self) -> Iterator[Any]:
        return iter([k for k, _ in self.items()])

    def items(self) -> Any:
        """(key, value) pairs in ``pairs`` order: the array part 1..n, then the rest."""
        out = list(enumerate(self._arr, 1))
        out += [(_denorm(k), v) for k, v in self._hash.items()]
        return out

    def __len__(self) -> int:
        return len(self._arr) + len(self._hash)

    def border(self) -> int:
        """Lua's ``#t``: n such that t[n] is not nil and t[n + 1] is nil (0 for none)."""
        return len(self._arr)

    def to_list(self) -> list:
        """The array part 1..#t as a Python list."""
        return list(self._arr)

    def __eq__(self, other: object) -> bool:
        return self is other

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        return True  # every table is true in Lua, even an empty one

    # ------------------------------------------------------ metatables
    def __call__(self, *args: Any) -> Any:
        handler = self._meta.rawget("__call") if self._meta is not None else None
        if handler is None:
            raise TypeError("attempt to call a table value")
        return handler(self, *args)

    def __getattr__(self, name: str) -> Any:
        # fields read as attributes (``opt.rnn_size``): nil when absent, as in Lua
        if name.startswith("__"):
            raise AttributeError(name)
        return self[name]

    def __setattr__(self, name: str, value: Any) -> None:
        if name in LuaTable.__slots__:
            object.__setattr__(self, name, value)
        else:
            self[name] = value

    def __repr__(self) -> str:
        inner = ", ".join(
            f"{k!r}: {v!r}" if not isinstance(v, LuaTable) else f"{k!r}: <table>" for k, v in self.items()
        )
        return "LuaTable({" + inner + "})"


# ------------------------------------------------------------ helpers on any table
def as_table(t: Any) -> Any:
    """A ``{...}`` of a call's values: a tuple becomes a LuaTable array."""
    if isinstance(t, tuple):
        return LuaTable.of(*t)
    return t


def length(t: Any) -> int:
    """``#t`` for a table held as a LuaTable, list, dict or string."""
    if isinstance(t, LuaTable):
        return t.border()
    if isinstance(t, (list, tuple, str)):
        return len(t)
    if isinstance(t, dict):
        n = 0
        while t.get(n + 1) is not None:
            n += 1
        return n
    raise TypeError(f"attempt to get length of a {type(t).__name__} value")


def _get(t: Any, i: int) -> Any:
    if isinstance(t, list):
        return t[i - 1] if 1 <= i <= len(t) else None
    return t.get(i) if isinstance(t, dict) else t[i]


def ipairs(t: Any) -> Iterator[tuple[int, Any]]:
    """``ipairs(t)``: (1, t[1]), (2, t[2]), ... up to the first nil."""
    if isinstance(t, (list, tuple)):
        for i, v in enumerate(t, 1):
            if v is None:
                return
            yield i, v
        return
    i = 1
    while True:
        v = _get(t, i)
        if v is None:
            return
        yield i, v
        i += 1


def pairs(t: Any) -> Iterator[tuple[Any, Any]]:
    """``pairs(t)``: every non-nil entry, the array part first and in order."""
    if isinstance(t, (list, tuple)):
        return iter([(i, v) for i, v in enumerate(t, 1) if v is not None])
    if isinstance(t, (LuaTable, dict)):
        return iter([(k, v) for k, v in t.items() if v is not None])
    if hasattr(t, "__dict__"):
        return iter(list(vars(t).items()))
    raise TypeError(f"bad argument #1 to 'pairs' (table expected, got {type(t).__name__})")


def next(t: Any, key: Any = None) -> Any:
    """``next(t, k)``: the entry after ``k`` in ``pairs`` order (nil at the end)."""
    items = list(pairs(t))
    if key is None:
        return items[0] if items else None
    for i, (k, _) in enumerate(items):
        if k == key:
            return items[i + 1] if i + 1 < len(items) else None
    raise KeyError(f"invalid key to 'next': {key!r}")


def select(n: Any, *args: Any) -> Any:
    """``select('#', ...)`` counts the values; ``select(n, ...)`` gives those from n on."""
    if n == "#":
        return len(args)
    n = int(n)
    if n < 0:
        n = len(args) + n + 1
    rest = args[n - 1 :]
    return rest if len(rest) != 1 else rest[0]


def unpack(t: Any, i: int = 1, j: int | None = None) -> tuple:
    """``unpack(t, i, j)``: t[i], ..., t[j] as a tuple (j defaults to #t)."""
    j = length(t) if j is None else int(j)
    return tuple(_get(t, k) for k in range(int(i), j + 1))


def numeric_for(start: Any, stop: Any, step: Any = 1) -> Iterator[Any]:
    """``for i = start, stop, step``: Lua's numeric loop, also with fractional bounds or step."""
    if step == 0:
        raise ValueError("'for' step is zero")
    i = start
    while (i <= stop) if step > 0 else (i >= stop):
        yield i
        i = i + step


def each(iterable: Any, n: int) -> Iterator[tuple]:
    """``for a, b in iterator``: each step's values adjusted to the ``n`` loop variables."""
    for item in iterable:
        yield adjust(item, n)


def values(result: Any) -> tuple:
    """All the values a call gave, for ``f(g())``/``{g()}``/``return g()`` (a tuple is several values)."""
    return result if type(result) is tuple else (result,)


def first(result: Any) -> Any:
    """The first value a call gave (Lua keeps one where one is wanted); nil for none."""
    if type(result) is tuple:
        return result[0] if result else None
    return result


def adjust(result: Any, n: int) -> tuple:
    """Exactly ``n`` values: extra ones dropped, missing ones nil (Lua's ``local a, b = f()``)."""
    vals = values(result)
    return tuple(vals[:n]) + (None,) * (n - len(vals))


class _TableLibrary:
    """Lua's ``table`` library over LuaTables and lists."""

    @staticmethod
    def insert(t: Any, *args: Any) -> None:
        """``table.insert(t, v)`` appends; ``table.insert(t, pos, v)`` shifts up."""
        if len(args) == 1:
            if isinstance(t, list):
                t.append(args[0])
            else:
                t[length(t) + 1] = args[0]
            return
        if len(args) != 2:
            raise TypeError("wrong number of arguments to 'insert'")
        pos, v = int(args[0]), args[1]
        n = length(t)
        if not 1 <= pos <= n + 1:
            raise IndexError("bad argument #2 to 'insert' (position out of bounds)")
        if isinstance(t, list):
            t.insert(pos - 1, v)
            return
        for k in range(n, pos - 1, -1):
            t[k + 1] = t[k]
        t[pos] = v

    @staticmethod
    def remove(t: Any, pos: int | None = None) -> Any:
        """``table.remove(t[, pos])``: take out t[pos] (default the last), shift down, return it."""
        n = length(t)
        if n == 0:
            return None
        pos = n if pos is None else int(pos)
        if isinstance(t, list):
            return t.pop(pos - 1) if 1 <= pos <= n else None
        v = t[pos]
        for k in range(pos, n):
            t[k] = t[k + 1]
        t[n] = None
        return v

    @staticmethod
    def concat(t: Any, sep: str = "", i: int = 1, j: int | None = None) -> str:
        """``table.concat(t, sep, i, j)``: strings and numbers joined (numbers as Lua prints them)."""
        from .strings import tostring

        j = length(t) if j is None else int(j)
        parts = []
        for k in range(int(i), j + 1):
            v = _get(t, k)
            if not isinstance(v, (str, int, float)) or isinstance(v, bool):
                raise TypeError(f"invalid value (at index {k}) in table for 'concat'")
            parts.append(v if isinstance(v, str) else tostring(v))
        return sep.join(parts)

    @staticmethod
    def sort(t: Any, comp: Callable[[Any, Any], Any] | None = None) -> None:
        """``table.sort(t[, comp])`` in place; ``comp(a, b)`` is true when a goes first."""
        n = length(t)
        values = [_get(t, k) for k in range(1, n + 1)]
        if comp is None:
            values.sort()
        else:

            def order(a: Any, b: Any) -> int:
                if _truthy(comp(a, b)):
                    return -1
                return 1 if _truthy(comp(b, a)) else 0

            values.sort(key=functools.cmp_to_key(order))
        if isinstance(t, list):
            t[:] = values
        else:
            for k, v in enumerate(values, 1):
                t[k] = v

    @staticmethod
    def getn(t: Any) -> int:
        return length(t)

    @staticmethod
    def maxn(t: Any) -> float | int:
        """The largest positive numeric key (0 for none)."""
        keys = [k for k, _ in pairs(t) if isinstance(k, (int, float)) and not isinstance(k, bool) and k > 0]
        return max(keys, default=0)

    unpack = staticmethod(unpack)


def _truthy(v: Any) -> bool:
    return v is not None and v is not False


table = _TableLibrary()

__all__ = [
    "LuaTable",
    "LuaTableError",
    "adjust",
    "as_table",
    "each",
    "first",
    "ipairs",
    "length",
    "next",
    "numeric_for",
    "pairs",
    "select",
    "table",
    "unpack",
    "values",
]


def iterate(n: int, f: Any, state: Any = None, control: Any = None) -> Iterator[Any]:
    """``for a, b in f, s, init``: Lua's generic ``for`` over an iterator function.

    Each step calls ``f(state, control)``; the loop ends when its first value is nil, and that
    first value is the next ``control``. Each step's values are adjusted to the ``n`` loop variables.

    >>> list(iterate(2, lambda s, i: None if (i or 0) >= s else ((i or 0) + 1, 10 * ((i or 0) + 1)), 2))
    [(1, 10), (2, 20)]
    """
    while True:
        vals = adjust(f(state, control), n)
        if vals[0] is None:
            return
        control = vals[0]
        yield vals if n > 1 else vals[0]
