"""Element-wise math exactly as Torch7's C loops compute it: the C math library's
functions (``exp`` on doubles, ``expf`` on floats...) called on each element.

torch's vectorised kernels may differ from the C library in the last bit (float32
``tanh``, ``sin`` and ``sqrt`` do here); Lua Torch calls the C library. Tensors of up
to :data:`EXACT_MAX` elements are computed element by element through it (bit-exact);
larger ones use torch's kernels (within an ulp or two), as ``normal()`` does.

Example::

    >>> import torch
    >>> from pygraphnn.lua.runtime.libm import apply
    >>> apply("tanh", torch.tensor([-0.7], dtype=torch.float32)).item()   # tanhf, as Lua
    -0.604367733001709
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math

import torch

__all__ = ["EXACT_MAX", "FUNCTIONS", "apply", "power"]

EXACT_MAX = 1 << 16

_LIBM = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")


def _c(name: str, ctype):
    fn = getattr(_LIBM, name)
    fn.restype = ctype
    fn.argtypes = [ctype]
    return fn


_DIRECT = [
    "exp",
    "log",
    "log1p",
    "cos",
    "acos",
    "cosh",
    "sin",
    "asin",
    "sinh",
    "tan",
    "atan",
    "tanh",
    "sqrt",
    "ceil",
    "floor",
    "round",
    "fabs",
    "trunc",
]
_DOUBLE = {n: _c(n, ctypes.c_double) for n in _DIRECT}
_FLOAT = {n: _c(n + "f", ctypes.c_float) for n in _DIRECT}
_POW = {torch.float64: _LIBM.pow, torch.float32: _LIBM.powf}
for _ctype, _fn in ((ctypes.c_double, _LIBM.pow), (ctypes.c_float, _LIBM.powf)):
    _fn.restype = _ctype
    _fn.argtypes = [_ctype, _ctype]


def _f32(v: float) -> float:
    """A double rounded to float (C's conversion)."""
    return ctypes.c_float(v).value


def _div(a: float, b: float) -> float:
    """C's double division (x/0 is an infinity or nan, not an exception)."""
    if b == 0:
        return math.nan if a == 0 or a != a else math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _scalar_fn(name: str, single: bool):
    """The C expression Torch7 applies to one element (THMath.h for the composite ones);
    on floats every step rounds to float, which a double step then a rounding reproduces
    exactly for + - * / (53 >= 2*24 + 2)."""
    lib = _FLOAT if single else _DOUBLE
    r = _f32 if single else float
    if name == "abs":
        return lib["fabs"]
    if name in lib:
        return lib[name]
    if name == "sigmoid":
        exp = lib["exp"]
        return lambda x: r(_div(1.0, r(1.0 + exp(-x))))
    if name == "frac":
        trunc = lib["trunc"]
        return lambda x: r(x - trunc(x))
    if name == "rsqrt":
        sqrt = lib["sqrt"]
        return lambda x: r(_div(1.0, sqrt(x)))
    if name == "cinv":
        return lambda x: r(_div(1.0, x))
    raise KeyError(name)


#: Lua method name -> torch's (vectorised) equivalent, for large tensors
FUNCTIONS = {
    "exp": torch.exp,
    "log": torch.log,
    "log1p": torch.log1p,
    "sqrt": torch.sqrt,
    "rsqrt": torch.rsqrt,
    "abs": torch.abs,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "sin": torch.sin,
    "cos": torch.cos,
    "tan": torch.tan,
    "asin": torch.asin,
    "acos": torch.acos,
    "atan": torch.atan,
    "sinh": torch.sinh,
    "cosh": torch.cosh,
    "ceil": torch.ceil,
    "floor": torch.floor,
    "trunc": torch.trunc,
    "frac": torch.frac,
    "cinv": torch.reciprocal,
    "round": lambda a: torch.sign(a) * torch.floor(torch.abs(a) + 0.5),  # C round(): halves away from 0
}


def apply(name: str, x: torch.Tensor) -> torch.Tensor:
    """``name`` (a Lua method: ``'exp'``, ``'sigmoid'``...) of every element of ``x``, as a
    new tensor of ``x``'s type."""
    if not x.is_floating_point():
        return FUNCTIONS[name](x)
    if x.numel() > EXACT_MAX or x.dtype not in (torch.float32, torch.float64):
        return FUNCTIONS[name](x.double()).to(x.dtype) if x.dtype != torch.float64 else FUNCTIONS[name](x)
    fn = _scalar_fn(name, x.dtype == torch.float32)
    values = [fn(v) for v in x.reshape(-1).tolist()]
    return torch.tensor(values, dtype=x.dtype).reshape(x.shape)


def power(base, exponent) -> torch.Tensor:
    """Torch7's ``pow``: ``x:pow(n)`` (``base`` a tensor; n = 1, 2, 3, 0.5, -0.5, -1, -2
    are special-cased as Torch7 does), ``torch.pow(n, x)`` (``exponent`` a tensor) and
    ``x:cpow(y)`` (both tensors), with C's ``pow`` on each element otherwise."""
    like = base if isinstance(base, torch.Tensor) else exponent
    if not like.is_floating_point() or like.dtype not in _POW or like.numel() > EXACT_MAX:
        return torch.pow(base, exponent)
    single = like.dtype == torch.float32
    r = _f32 if single else float
    if isinstance(base, torch.Tensor) and not isinstance(exponent, torch.Tensor):
        special = {
            1: lambda x: x,
            2: lambda x: r(x * x),
            3: lambda x: r(r(x * x) * x),
            -2: lambda x: r(_div(1.0, r(x * x))),
        }
        named = {0.5: "sqrt", -0.5: "rsqrt", -1: "cinv"}
        if exponent in named:
            return apply(named[exponent], base)
        e = r(exponent)
        fn = special.get(exponent) or (lambda x: _POW[like.dtype](x, e))
        values = [fn(v) for v in base.reshape(-1).tolist()]
    elif isinstance(exponent, torch.Tensor) and not isinstance(base, torch.Tensor):
        b = r(base)
        values = [_POW[like.dtype](b, v) for v in exponent.reshape(-1).tolist()]
    else:
        values = [_POW[like.dtype](a, b) for a, b in zip(base.reshape(-1).tolist(), exponent.reshape(-1).tolist())]
    return torch.tensor(values, dtype=like.dtype).reshape(like.shape)
