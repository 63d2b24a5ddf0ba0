"""Lua's ``string`` library, Lua patterns, ``tostring``/``tonumber`` and number formatting.

Lua 5.1 has one number type, a double, printed with ``%.14g``: ``tostring(4)``
is ``4`` (Python's ``str(4.0)`` is ``4.0``) and ``tostring(0.1 + 0.2)`` is
``0.3``. Lua patterns are not regular expressions (``%d``, ``%a``, ``-`` for a
lazy repeat, ``%b()``, ``%f[%w]``, position captures ``()``); :func:`find`,
:func:`match`, :func:`gmatch` and :func:`gsub` implement them as Lua's own
matcher does.

>>> tostring(4.0), tostring(1e100), tostring(True)
('4', '1e+100', 'true')
>>> string.gsub("hello world", "(%w+)", "<%1>")
('<hello> <world>', 2)
>>> string.format("%5.2f|%d|%s", 3.14159, 7, None)
' 3.14|7|nil'
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any


class LuaPatternError(Exception):
    """A malformed Lua pattern (the message is Lua's)."""


# ------------------------------------------------------------------ numbers
# LuaJIT formats numbers itself (not with C's printf): a decimal tie is rounded away from zero
# (string.format('%.0f', 2.5) is '3', print(123456789012345) is '1.2345678901235e+14').
def _sign(x: float) -> str:
    return "-" if math.copysign(1.0, x) < 0 else ""


def _digits_e(x: float, prec: int) -> tuple[str, int]:
    """Mantissa text (no sign, ``prec`` decimals) and exponent of |x| in scientific notation."""
    d = abs(Decimal(x))
    if d == 0:
        return ("0." + "0" * prec if prec else "0"), 0
    exp = d.adjusted()
    q = d.scaleb(-exp).quantize(Decimal(1).scaleb(-prec), rounding=ROUND_HALF_UP)
    if q >= 10:
        exp += 1
        q = d.scaleb(-exp).quantize(Decimal(1).scaleb(-prec), rounding=ROUND_HALF_UP)
    return f"{q:f}", exp


def _format_e(x: float, prec: int, upper: bool = False, alt: bool = False) -> str:
    mant, exp = _digits_e(x, prec)
    if alt and "." not in mant:
        mant += "."
    text = f"{mant}{'E' if upper else 'e'}{'-' if exp < 0 else '+'}{abs(exp):02d}"
    return _sign(x) + text


def _format_f(x: float, prec: int, alt: bool = False) -> str:
    q = abs(Decimal(x)).quantize(Decimal(1).scaleb(-prec), rounding=ROUND_HALF_UP)
    text = f"{q:f}"
    if alt and "." not in text:
        text += "."
    return _sign(x) + text


def _format_g(x: float, prec: int, upper: bool = False, alt: bool = False) -> str:
    p = prec if prec > 0 else 1
    _, exp = _digits_e(x, p - 1)
    if -4 <= exp < p:
        text = _format_f(x, p - 1 - exp, alt)
    else:
        text = _format_e(x, p - 1, upper, alt)
    if not alt:
        mant, e, rest = text.partition("e" if not upper else "E")
        if "." in mant:
            mant = mant.rstrip("0").rstrip(".")
        text = mant + e + rest
    return text


def number_to_string(x: int | float) -> str:
    """A number as Lua writes it (``%.14g``; ``inf``, ``-inf``, ``nan``)."""
    if isinstance(x, float):
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        if x != x:
            return "nan"  # LuaJIT writes every NaN so, whatever its sign bit (real th's output)
    elif -(10**14) < x < 10**14:
        return str(x)
    elif abs(x) >= 2**1024:  # an exact Python int past the doubles: Lua's number overflowed to inf
        return "inf" if x > 0 else "-inf"
    return _format_g(float(x), 14)


def tostring(v: Any) -> str:
    """Lua's ``tostring``: ``nil``, ``true``, numbers in ``%.14g``, ``__tostring`` of a metatable."""
    if v is None:
        return "nil"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return number_to_string(v)
    if isinstance(v, str):
        return v
    from .table import LuaTable

    if isinstance(v, LuaTable):
        meta = v._meta
        handler = meta.rawget("__tostring") if meta is not None else None
        if handler is not None:
            return handler(v)
        return f"table: 0x{id(v):08x}"
    if isinstance(v, (list, dict)):
        return f"table: 0x{id(v):08x}"
    if callable(v) and not hasattr(v, "forward") and type(v).__module__ != "torch":
        return f"function: 0x{id(v):08x}"
    return str(v)


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def tonumber(v: Any, base: int | None = None) -> int | float | None:
    """Lua's ``tonumber``: a number, or nil (``None``) when the text is not one."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)) and base is None:
        return v
    if not isinstance(v, str):
        return None
    s = v.strip(" \t\n\r\f\v")
    if base is not None and base != 10:
        base = int(base)
        if not 2 <= base <= 36:
            raise ValueError("bad argument #2 to 'tonumber' (base out of range)")
        neg = s.startswith("-")
        digits = s[1:] if neg else s
        if not digits or any(c.lower() not in _DIGITS[:base] for c in digits):
            return None
        n = int(digits, base)
        return -n if neg else n
    if not s:
        return None
    body = s[1:] if s[0] in "+-" else s
    if body[:2].lower() == "0x":
        try:
            n = int(body[2:], 16)
        except ValueError:
            return None
        return -n if s[0] == "-" else n
    if body.lower() in ("inf", "infinity", "nan") or "_" in s:
        return None
    try:
        f = float(s)
    except ValueError:
        return None
    if f.is_integer() and not any(c in s for c in ".eEnN") and abs(f) < 2**53:
        return int(s)
    return f


# ---------------------------------------------------------------- patterns
L_ESC = "%"
SPECIALS = "^$*+?.([%-"
MAXCAPTURES = 32
CAP_UNFINISHED, CAP_POSITION = -1, -2


def _class_matches(c: str, cl: str) -> bool:
    lo = cl.lower()
    o = ord(c)
    if lo == "a":
        res = c.isascii() and c.isalpha()
    elif lo == "d":
        res = "0" <= c <= "9"
    elif lo == "l":
        res = "a" <= c <= "z"
    elif lo == "s":
        res = c in " \t\n\r\f\v"
    elif lo == "u":
        res = "A" <= c <= "Z"
    elif lo == "w":
        res = c.isascii() and c.isalnum()
    elif lo == "x":
        res = c in "0123456789abcdefABCDEF"
    elif lo == "p":
        res = 33 <= o <= 126 and not c.isalnum()
    elif lo == "c":
        res = o < 32 or o == 127
    elif lo == "z":
        res = o == 0
    else:
        return cl == c
    return not res if cl.isupper() else res


class _Matcher:
    """One match attempt of a pattern over a subject (lstrlib's algorithm)."""

    def __init__(self, src: str, pat: str):
        self.src, self.pat = src, pat
        self.level = 0
        self.capture: list[list[int]] = []

    def class_end(self, p: int) -> int:
        pat = self.pat
        if p >= len(pat):
            raise LuaPatternError("malformed pattern (ends with '%')")
        c = pat[p]
        p += 1
        if c == L_ESC:
            if p >= len(pat):
                raise LuaPatternError("malformed pattern (ends with '%')")
            return p + 1
        if c == "[":
            if p < len(pat) and pat[p] == "^":
                p += 1
            while True:  # look for a ']'
                if p >= len(pat):
                    raise LuaPatternError("malformed pattern (missing ']')")
                cc = pat[p]
                p += 1
                if cc == L_ESC:
                    p += 1
                if p < len(pat) and pat[p] == "]":
                    return p + 1
                if p >= len(pat):
                    raise LuaPatternError("malformed pattern (missing ']')")
        return p

    def match_bracket(self, c: str, p: int, ec: int) -> bool:
        pat = self.pat
        sig = True
        p += 1
        if pat[p] == "^":
            sig = False
            p += 1
        while p < ec:
            if pat[p] == L_ESC:
                p += 1
                if _class_matches(c, pat[p]):
                    return sig
                p += 1
            elif p + 2 < ec and pat[p + 1] == "-":
                if pat[p] <= c <= pat[p + 2]:
                    return sig
                p += 3
            else:
                if pat[p] == c:
                    return sig
                p += 1
        return not sig

    def single(self, s: int, p: int, ep: int) -> bool:
        if s >= len(self.src):
            return False
        c = self.src[s]
        pc = self.pat[p]
        if pc == ".":
            return True
        if pc == L_ESC:
            return _class_matches(c, self.pat[p + 1])
        if pc == "[":
            return self.match_bracket(c, p, ep - 1)
        return pc == c

    def match(self, s: int, p: int) -> int | None:
        """End of the match of pat[p:] at src[s:], or None."""
        pat, src = self.pat, self.src
        while True:
            if p >= len(pat):
                return s
            pc = pat[p]
            if pc == "(":
                if p + 1 < len(pat) and pat[p + 1] == ")":
                    return self.start_capture(s, p + 2, CAP_POSITION)
                return self.start_capture(s, p + 1, CAP_UNFINISHED)
            if pc == ")":
                return self.end_capture(s, p + 1)
            if pc == "$" and p + 1 == len(pat):
                return s if s == len(src) else None
            if pc == L_ESC and p + 1 < len(pat):
                nc = pat[p + 1]
                if nc == "b":
                    after = self.match_balance(s, p + 2)
                    if after is None:
                        return None
                    s = after
                    p += 4
                    continue
                if nc == "f":
                    p += 2
                    if p >= len(pat) or pat[p] != "[":
                        raise LuaPatternError("missing '[' after '%f' in pattern")
                    ep = self.class_end(p)
                    prev = src[s - 1] if s > 0 else "\0"
                    cur = src[s] if s < len(src) else "\0"
                    if not self.match_bracket(prev, p, ep - 1) and self.match_bracket(cur, p, ep - 1):
                        p = ep
                        continue
                    return None
                if nc.isdigit():
                    after = self.match_capture(s, int(nc))
                    if after is None:
                        return None
                    s = after
                    p += 2
                    continue
            ep = self.class_end(p)
            m = self.single(s, p, ep)
            q = pat[ep] if ep < len(pat) else ""
            if q == "?":
                if m:
                    res = self.match(s + 1, ep + 1)
                    if res is not None:
                        return res
                p = ep + 1
                continue
            if q == "*":
                return self.max_expand(s, p, ep)
            if q == "+":
                return self.max_expand(s + 1, p, ep) if m else None
            if q == "-":
                return self.min_expand(s, p, ep)
            if not m:
                return None
            s += 1
            p = ep

    def max_expand(self, s: int, p: int, ep: int) -> int | None:
        i = 0
        while self.single(s + i, p, ep):
            i += 1
        while i >= 0:
            res = self.match(s + i, ep + 1)
            if res is not None:
                return res
            i -= 1
        return None

    def min_expand(self, s: int, p: int, ep: int) -> int | None:
        while True:
            res = self.match(s, ep + 1)
            if res is not None:
                return res
            if self.single(s, p, ep):
                s += 1
            else:
                return None

    def start_capture(self, s: int, p: int, what: int) -> int | None:
        if len(self.capture) >= MAXCAPTURES:
            raise LuaPatternError("too many captures")
        self.capture.append([s, what])
        self.level += 1
        res = self.match(s, p)
        if res is None:
            self.level -= 1
            self.capture.pop()
        return res

    def end_capture(self, s: int, p: int) -> int | None:
        lvl = self.capture_to_close()
        self.capture[lvl][1] = s - self.capture[lvl][0]
        res = self.match(s, p)
        if res is None:
            self.capture[lvl][1] = CAP_UNFINISHED
        return res

    def capture_to_close(self) -> int:
        for lvl in range(self.level - 1, -1, -1):
            if self.capture[lvl][1] == CAP_UNFINISHED:
                return lvl
        raise LuaPatternError("invalid pattern capture")

    def match_balance(self, s: int, p: int) -> int | None:
        if p + 1 >= len(self.pat):
            raise LuaPatternError("unbalanced pattern")
        src = self.src
        if s >= len(src) or src[s] != self.pat[p]:
            return None
        b, e = self.pat[p], self.pat[p + 1]
        cont = 1
        s += 1
        while s < len(src):
            c = src[s]
            if c == e:
                cont -= 1
                if cont == 0:
                    return s + 1
            elif c == b:
                cont += 1
            s += 1
        return None

    def match_capture(self, s: int, idx: int) -> int | None:
        idx -= 1
        if idx < 0 or idx >= self.level or self.capture[idx][1] == CAP_UNFINISHED:
            raise LuaPatternError(f"invalid capture index %{idx + 1}")
        start, n = self.capture[idx]
        cap = self.src[start : start + n]
        if self.src[s : s + n] == cap:
            return s + n
        return None

    def get_capture(self, i: int, s: int, e: int) -> Any:
        if i >= self.level:
            if i == 0:
                return self.src[s:e]
            raise LuaPatternError(f"invalid capture index %{i + 1}")
        start, n = self.capture[i]
        if n == CAP_UNFINISHED:
            raise LuaPatternError("unfinished capture")
        if n == CAP_POSITION:
            return start + 1
        return self.src[start : start + n]

    def captures(self, s: int, e: int, whole_if_none: bool = True) -> list:
        n = self.level if (self.level or not whole_if_none) else 1
        return [self.get_capture(i, s, e) for i in range(n)]


def _run(src: str, pat: str, init: int) -> Iterator[tuple[_Matcher, int, int]]:
    """Successive match attempts from ``init`` (0-based): yields (matcher, start, end)."""
    anchor = pat.startswith("^")
    p = 1 if anchor else 0
    s = init
    while True:
        m = _Matcher(src, pat)
        e = m.match(s, p)
        if e is not None:
            yield m, s, e
            return
        s += 1
        if anchor or s > len(src):
            return


def _start(init: Any, n: int) -> int:
    init = 1 if init is None else int(init)
    if init < 0:
        init = max(n + init + 1, 1)
    elif init == 0:
        init = 1
    return init - 1


def _check(s: Any, fname: str) -> str:
    if isinstance(s, str):
        return s
    if isinstance(s, (int, float)) and not isinstance(s, bool):
        return number_to_string(s)
    raise TypeError(f"bad argument #1 to '{fname}' (string expected, got {_lua_type(s)})")


def _lua_type(v: Any) -> str:
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    return "table"


def _multi(values: list) -> Any:
    return values[0] if len(values) == 1 else tuple(values)


def find(s: Any, pattern: str, init: Any = None, plain: Any = False) -> Any:
    """``s:find(p, init, plain)``: 1-based start and end (then the captures), or nil."""
    s = _check(s, "find")
    pattern = _check(pattern, "find")
    i = _start(init, len(s))
    if i > len(s):
        return None
    if (plain is not None and plain is not False) or not any(c in SPECIALS for c in pattern):
        k = s.find(pattern, i)
        return None if k < 0 else (k + 1, k + len(pattern))
    for m, st, e in _run(s, pattern, i):
        return (st + 1, e, *m.captures(st, e, whole_if_none=False))
    return None


def match(s: Any, pattern: str, init: Any = None) -> Any:
    """``s:match(p, init)``: the captures (or the whole match), or nil."""
    s = _check(s, "match")
    i = _start(init, len(s))
    if i > len(s):
        return None
    for m, st, e in _run(s, _check(pattern, "match"), i):
        return _multi(m.captures(st, e))
    return None


def gmatch(s: Any, pattern: str) -> Iterator[Any]:
    """``for a, b in s:gmatch(p)``: each match's captures in turn."""
    s = _check(s, "gmatch")
    pattern = _check(pattern, "gmatch")
    pos = 0
    while pos <= len(s):
        m = _Matcher(s, pattern)
        e = m.match(pos, 0)
        if e is not None:
            yield _multi(m.captures(pos, e))
            pos = e + 1 if e == pos else e
        else:
            pos += 1


def _add_value(m: _Matcher, s: int, e: int, repl: Any) -> str:
    whole = m.src[s:e]
    if isinstance(repl, (str, int, float)) and not isinstance(repl, bool):
        repl = _check(repl, "gsub")
        out = []
        i = 0
        while i < len(repl):
            c = repl[i]
            if c == L_ESC and i + 1 < len(repl):
                i += 1
                d = repl[i]
                if d.isdigit():
                    v = whole if d == "0" else m.get_capture(int(d) - 1, s, e)
                    out.append(v if isinstance(v, str) else number_to_string(v))
                else:
                    out.append(d)
            else:
                out.append(c)
            i += 1
        return "".join(out)
    first = m.get_capture(0, s, e)
    if callable(repl) and not hasattr(repl, "rawget"):
        v = repl(*m.captures(s, e))
        v = v[0] if isinstance(v, tuple) else v
    else:
        from .dispatch import index

        v = index(repl, first)
    if v is None or v is False:
        return whole
    if isinstance(v, (str, int, float)) and not isinstance(v, bool):
        return _check(v, "gsub")
    raise TypeError(f"invalid replacement value (a {_lua_type(v)})")


def gsub(s: Any, pattern: str, repl: Any, n: Any = None) -> tuple[str, int]:
    """``s:gsub(p, repl, n)``: (new string, number of matches); repl is a string, table or function."""
    s = _check(s, "gsub")
    pattern = _check(pattern, "gsub")
    anchor = pattern.startswith("^")
    p0 = 1 if anchor else 0
    max_n = len(s) + 1 if n is None else int(n)
    out = []
    pos = count = 0
    while count < max_n:
        m = _Matcher(s, pattern)
        e = m.match(pos, p0)
        if e is not None:
            count += 1
            out.append(_add_value(m, pos, e, repl))
        if e is not None and e > pos:
            pos = e
        elif pos < len(s):
            out.append(s[pos])
            pos += 1
        else:
            break
        if anchor:
            break
    out.append(s[pos:])
    return "".join(out), count


# --------------------------------------------------------------- format
def _quote(s: str) -> str:
    out = ['"']
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\0":
            out.append("\\000")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def format(fmt: str, *args: Any) -> str:
    """``string.format``: C's conversions with Lua's argument rules (``%s`` uses tostring)."""
    fmt = _check(fmt, "format")
    out = []
    i = argi = 0
    while i < len(fmt):
        c = fmt[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        i += 1
        if i < len(fmt) and fmt[i] == "%":
            out.append("%")
            i += 1
            continue
        j = i
        while j < len(fmt) and fmt[j] in "-+ #0":
            j += 1
        while j < len(fmt) and fmt[j].isdigit():
            j += 1
        if j < len(fmt) and fmt[j] == ".":
            j += 1
            while j < len(fmt) and fmt[j].isdigit():
                j += 1
        if j >= len(fmt):
            raise ValueError("invalid option '%' to 'format'")
        conv = fmt[j]
        spec = "%" + fmt[i:j]
        i = j + 1
        if argi >= len(args):
            raise ValueError(f"bad argument #{argi + 2} to 'format' (no value)")
        a = args[argi]
        argi += 1
        if conv in "di" or conv == "u":
            out.append((spec + "d") % _integer(a, argi))
        elif conv == "c":
            out.append(chr(_integer(a, argi) % 256))
        elif conv in "xXo":
            out.append((spec + conv) % _integer(a, argi))
        elif conv in "eEfgG":
            out.append(_float_format(spec, conv, _number(a, argi)))
        elif conv == "q":
            out.append(_quote(_check(a, "format")))
        elif conv == "s":
            out.append((spec + "s") % tostring(a))
        else:
            raise ValueError(f"invalid option '%{conv}' to 'format'")
    return "".join(out)


def _float_format(spec: str, conv: str, x: float) -> str:
    """One %e/%f/%g conversion with its flags, width and precision (LuaJIT's rounding)."""
    body = spec[1:]
    flags = ""
    while body and body[0] in "-+ #0":
        flags += body[0]
        body = body[1:]
    width_text, _, prec_text = body.partition(".")
    width = int(width_text) if width_text else 0
    prec = int(prec_text) if prec_text else (0 if "." in body else 6)
    x = float(x)
    alt = "#" in flags
    if math.isinf(x) or x != x:
        text = ("-" if x < 0 else "") + ("inf" if math.isinf(x) else "nan")
        text = text.upper() if conv in "EG" else text
        flags = flags.replace("0", "")
    elif conv in "eE":
        text = _format_e(x, prec, conv == "E", alt)
    elif conv == "f":
        text = _format_f(x, prec, alt)
    else:
        text = _format_g(x, prec, conv == "G", alt)
    if not text.startswith("-"):
        text = ("+" if "+" in flags else " " if " " in flags else "") + text
    if len(text) < width:
        if "-" in flags:
            text = text.ljust(width)
        elif "0" in flags:
            sign = text[0] if text[0] in "+- " else ""
            text = sign + text[len(sign) :].rjust(width - len(sign), "0")
        else:
            text = text.rjust(width)
    return text


def _number(a: Any, argi: int) -> float:
    if isinstance(a, str):
        v = tonumber(a)
        if v is not None:
            return v
    if isinstance(a, bool) or not isinstance(a, (int, float)):
        if hasattr(a, "item"):
            return a.item()
        raise TypeError(f"bad argument #{argi + 1} to 'format' (number expected, got {_lua_type(a)})")
    return a


def _integer(a: Any, argi: int) -> int:
    x = _number(a, argi)
    if isinstance(x, float):
        if x != x or math.isinf(x):
            raise ValueError(f"bad argument #{argi + 1} to 'format' (number has no integer representation)")
        return int(x)  # C's cast truncates toward zero
    return x


# --------------------------------------------------------------- the library
def _byte(s: Any, i: Any = 1, j: Any = None) -> Any:
    s = _check(s, "byte")
    i = int(i)
    j = i if j is None else int(j)
    n = len(s)
    i = n + i + 1 if i < 0 else i
    j = n + j + 1 if j < 0 else j
    vals = [ord(c) for c in s[max(i, 1) - 1 : j]]
    return None if not vals else _multi(vals)


def sub(s: Any, i: Any = 1, j: Any = None) -> str:
    """``s:sub(i, j)``: 1-based, inclusive, negative counts from the end."""
    s = _check(s, "sub")
    n = len(s)
    i = int(i)
    j = -1 if j is None else int(j)
    if i < 0:
        i = max(n + i + 1, 1)
    elif i == 0:
        i = 1
    if j < 0:
        j = n + j + 1
    elif j > n:
        j = n
    return s[i - 1 : j] if i <= j else ""


def rep(s: Any, n: Any, sep: str = "") -> str:
    n = int(n)
    s = _check(s, "rep")
    return sep.join([s] * n) if n > 0 else ""


class _StringLibrary:
    """Lua's ``string`` table (``s:upper()`` dispatches here too)."""

    find = staticmethod(find)
    match = staticmethod(match)
    gmatch = staticmethod(gmatch)
    gfind = staticmethod(gmatch)
    gsub = staticmethod(gsub)
    format = staticmethod(format)
    sub = staticmethod(sub)
    rep = staticmethod(rep)
    byte = staticmethod(_byte)

    @staticmethod
    def len(s: Any) -> int:
        return len(_check(s, "len"))

    @staticmethod
    def upper(s: Any) -> str:
        return "".join(c.upper() if c.isascii() else c for c in _check(s, "upper"))

    @staticmethod
    def lower(s: Any) -> str:
        return "".join(c.lower() if c.isascii() else c for c in _check(s, "lower"))

    @staticmethod
    def reverse(s: Any) -> str:
        return _check(s, "reverse")[::-1]

    @staticmethod
    def char(*codes: Any) -> str:
        return "".join(chr(int(c)) for c in codes)


string = _StringLibrary()
