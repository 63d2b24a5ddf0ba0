"""Checking Lua dimension and index arguments when a module is built.

Lua counts dimensions and positions from 1; where a module allows it, a negative
one counts from the end (-1 is the last). 0 is never valid, but passed on to
torch it would silently mean "the last" (Python's -1 after the 1-based shift) or
"the first", so modules reject it up front, naming themselves and Lua's range.

>>> check_lua_dim(2, "nn.SplitTable(2)")
2
>>> check_lua_dim(0, "nn.SplitTable(0)")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: nn.SplitTable(0): dimension 0 is not valid in Lua, which counts from 1 (valid: 1 .. n, ...)
"""

from __future__ import annotations


def check_lua_dim(value: int, where: str, what: str = "dimension", negative: bool = True) -> int:
    """``value`` if it is a valid Lua dimension/position for ``where`` (a module label);
    otherwise a ValueError naming it and the valid range. ``negative=False`` for
    modules whose Lua code has no counting from the end."""
    if value == 0 or (value < 0 and not negative):
        valid = "1 .. n, or -n .. -1 from the end" if negative else "1 .. n"
        raise ValueError(f"{where}: {what} {value} is not valid in Lua, which counts from 1 (valid: {valid})")
    return value


def lua_range(n: int, negative: bool = True) -> str:
    """Lua's valid values for ``n`` dimensions or entries, for messages: ``1..3 or -3..-1``."""
    return f"1..{n} or -{n}..-1" if negative else f"1..{n}"
