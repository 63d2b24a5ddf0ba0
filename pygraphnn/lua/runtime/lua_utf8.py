"""The ``lua-utf8`` library (starwing/luautf8) a program gets from ``require 'lua-utf8'``.

Lua strings are byte strings; the runtime holds them as Python ``str`` of one character per byte
(latin-1), so these functions decode those bytes as UTF-8. Only what ported programs use is here:
``len``, ``char``, ``codepoint`` and ``next`` (lstm-char-cnn iterates ``for _, c in utf8.next, word``).

>>> from pygraphnn.lua.runtime.lua_utf8 import utf8
>>> word = "caf\\xc3\\xa9"  # the bytes of 'café'
>>> utf8.len(word), utf8.next(word), utf8.next(word, 3), utf8.char(233) == "\\xc3\\xa9"
(4, (1, 99), (4, 233), True)
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from .system import LuaError


def _starts(s: str) -> list[int]:
    """Byte offsets (0-based) where each UTF-8 character of ``s`` starts."""
    return [i for i, ch in enumerate(s) if not 0x80 <= ord(ch) < 0xC0]


def _code(s: str, start: int) -> int:
    end = start + 1
    while end < len(s) and 0x80 <= ord(s[end]) < 0xC0:
        end += 1
    try:
        return ord(s[start:end].encode("latin-1").decode("utf-8"))
    except UnicodeDecodeError:
        return ord(s[start])  # luautf8's lax decoding: an invalid byte stands for itself


def _check(s: Any, fn: str) -> str:
    if isinstance(s, (int, float)) and not isinstance(s, bool):
        from .strings import tostring

        return tostring(s)
    if not isinstance(s, str):
        raise LuaError(f"bad argument #1 to 'utf8.{fn}' (string expected, got {type(s).__name__})")
    return s


def _len(s: Any, i: int = 1, j: int = -1) -> Any:
    """``utf8.len(s [, i [, j]])``: the number of UTF-8 characters starting between bytes i and j."""
    s = _check(s, "len")
    n = len(s)
    lo = i - 1 if i > 0 else max(n + i, 0)
    hi = j if j >= 0 else n + j + 1
    return sum(1 for b in _starts(s) if lo <= b < hi)


def _char(*codes: int) -> str:
    """``utf8.char(c1, c2, ...)``: the UTF-8 bytes of those code points."""
    return "".join(chr(int(c)).encode("utf-8", "surrogatepass").decode("latin-1") for c in codes)


def _codepoint(s: Any, i: int = 1, j: Any = None) -> Any:
    """``utf8.codepoint(s [, i [, j]])``: the code points of the characters starting in bytes i..j."""
    s = _check(s, "codepoint")
    j = i if j is None else j
    n = len(s)
    lo = i - 1 if i > 0 else n + i
    hi = j if j >= 0 else n + j + 1
    codes = tuple(_code(s, b) for b in _starts(s) if lo <= b < hi)
    return codes[0] if len(codes) == 1 else codes


def _next(s: Any, pos: Any = None, offset: Any = None) -> Any:
    """``utf8.next(s [, pos])``: the byte position and code point of the character after ``pos``.

    With no ``pos``, the first character. At the end of the string, nil: so
    ``for pos, code in utf8.next, s do`` walks the characters.
    """
    s = _check(s, "next")
    starts = _starts(s)
    if pos is None:
        k = 0 if offset is None else int(offset) - 1
    else:
        p = int(pos) - 1 if pos > 0 else len(s) + int(pos)
        here = sum(1 for b in starts if b < p) + (0 if p in starts else -1)  # index of the char at p
        k = here + (1 if offset is None else int(offset))
    if not 0 <= k < len(starts):
        return None
    return starts[k] + 1, _code(s, starts[k])


utf8 = SimpleNamespace(
    len=_len, char=_char, codepoint=_codepoint, next=_next, charpattern="[\0-\x7f\xc2-\xfd][\x80-\xbf]*"
)
