"""Identity and element-wise modules (no parameters).

Each follows Lua nn's forward and gradient, including the corner cases where
Lua and the obvious torch op disagree (``Abs`` at 0, ``Sqrt`` at 0), and
Lua's rule for the dimension SoftMax/LogSoftMax normalise over. The ``ip``
(in-place) flags of the Lua constructors are accepted and recorded, but the
computation is always out of place (autograd needs the input intact; the
values are the same).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .. import buffers as _buffers
from ..module import Module
from .lua_exact import LuaLogSoftMax, LuaSigmoid, LuaTanh, lua_exact

__all__ = [
    "Abs",
    "AddConstant",
    "Exp",
    "HardTanh",
    "Identity",
    "Log",
    "LogSoftMax",
    "MulConstant",
    "Power",
    "ReLU",
    "Sigmoid",
    "SoftMax",
    "Sqrt",
    "Square",
    "Tanh",
]


def _check_ip(ip, what: str) -> bool:
    if ip is None or ip is False:
        return False
    if ip is not True:
        raise TypeError(f"{what}: in-place flag must be boolean, got {ip!r}")
    return True


class Identity(Module):
    """Returns its input (a tensor or a table) unchanged."""

    def forward(self, input):
        return input

    def _inline(self, ref, args, table_input):
        return f"[{', '.join(args)}]" if table_input else args[0]


class _Pointwise(Module):
    """A parameter-free element-wise function ``torch.<fn>``."""

    fn = ""

    def forward(self, input):
        return getattr(torch, self.fn)(input)

    def _inline(self, ref, args, table_input):
        return None if table_input else f"torch.{self.fn}({args[0]})"


class _LuaExactPointwise(_Pointwise):
    """A :class:`_Pointwise` with a Lua-exact float64 kernel for ported programs (see :mod:`.lua_exact`)."""

    _exact: type[torch.autograd.Function]

    def forward(self, input):
        if lua_exact(input):
            return self._exact.apply(input)
        return getattr(torch, self.fn)(input)  # (super().forward is the Lua-idiom dispatcher)

    def _inline(self, ref, args, table_input):
        # a graph compiled for a ported program calls forward, which picks the exact kernel
        return None if _buffers._enabled else super()._inline(ref, args, table_input)


class Tanh(_LuaExactPointwise):
    """tanh(x)"""

    fn = "tanh"
    _exact = LuaTanh


class Sigmoid(_LuaExactPointwise):
    """1 / (1 + exp(-x))"""

    fn = "sigmoid"
    _exact = LuaSigmoid


class Exp(_Pointwise):
    """exp(x)"""

    fn = "exp"


class Log(_Pointwise):
    """log(x) (Lua: -inf at 0, NaN below)."""

    fn = "log"


class Square(_Pointwise):
    """x * x; gradient 2 x gradOutput."""

    fn = "square"


class ReLU(_Pointwise):
    """``nn.ReLU([ip])``: max(x, 0), Lua's ``Threshold(0, 0)``; the gradient at 0 is 0."""

    fn = "relu"

    def __init__(self, ip: bool = False):
        super().__init__()
        self.inplace = _check_ip(ip, "nn.ReLU")


class Abs(Module):
    """|x|. The gradient is Lua's: ``sign`` with +1 at x == 0 (torch.abs gives 0 there)."""

    def forward(self, input):
        return torch.where(input >= 0, input, -input)

    def _inline(self, ref, args, table_input):
        if table_input:
            return None
        x = args[0]
        return f"torch.where({x} >= 0, {x}, -{x})"


class HardTanh(Module):
    """``nn.HardTanh([min_value, max_value[, inplace]])``: clamp to [min_value, max_value]
    (default [-1, 1]); the gradient is 0 at and beyond the bounds, as in THNN."""

    def __init__(self, min_value: float = -1, max_value: float = 1, inplace: bool = False):
        super().__init__()
        min_value = -1 if min_value is None else min_value
        max_value = 1 if max_value is None else max_value
        if not max_value > min_value:
            raise ValueError("nn.HardTanh: max_value must be larger than min_value")
        self.min_val = float(min_value)
        self.max_val = float(max_value)
        self.inplace = _check_ip(inplace, "nn.HardTanh")

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val)

    def _inline(self, ref, args, table_input):
        return None if table_input else f"F.hardtanh({args[0]}, {ref}.min_val, {ref}.max_val)"


def _softmax_dim(ndim: int, module: Module) -> int:
    """THNN's rule: 1-D -> the vector; 2-D -> each row; 3-D -> dim 1 (C x H x W); 4-D -> dim 2."""
    if ndim == 1 or ndim == 3:
        return 0
    if ndim == 2 or ndim == 4:
        return 1
    raise ValueError(f"{module.lua_label()}: 1D, 2D, 3D or 4D tensor expected, got a {ndim}-D input")


class SoftMax(Module):
    """Softmax over Lua's class dimension: a 1-D vector, each row of a 2-D batch, dim 1
    of a 3-D input (THNN reads it as C x H x W), dim 2 of a 4-D batch."""

    _op = "softmax"

    def _dim(self, input) -> int:
        return _softmax_dim(input.dim(), self)

    def forward(self, input):
        return getattr(torch, self._op)(input, _softmax_dim(input.dim(), self))

    def _inline(self, ref, args, table_input):
        if table_input:
            return None
        return f"torch.{self._op}({args[0]}, {ref}._dim({args[0]}))"


class LogSoftMax(SoftMax):
    """log(SoftMax(x)) over the same dimension as :class:`SoftMax`, computed stably."""

    _op = "log_softmax"

    def forward(self, input):
        if input.dim() <= 2 and lua_exact(input):  # a ported program: THNN's roundings (see .lua_exact)
            return LuaLogSoftMax.apply(input)
        return torch.log_softmax(input, _softmax_dim(input.dim(), self))

    def _inline(self, ref, args, table_input):
        return None if _buffers._enabled else super()._inline(ref, args, table_input)


class Sqrt(Module):
    """``nn.Sqrt([b[, ip]])``: sqrt(x + b). As in THNN, the gradient is 0 where the output
    is 0 (torch.sqrt would give inf there)."""

    def __init__(self, b: float = 0, ip: bool = False):
        super().__init__()
        self.eps = 0 if b is None else b
        self.inplace = _check_ip(ip, "nn.Sqrt")

    def forward(self, input):
        x = input + self.eps if self.eps else input
        zero = x == 0
        safe = torch.where(zero, torch.ones_like(x), x)
        return torch.where(zero, torch.zeros_like(x), torch.sqrt(safe))


class Power(Module):
    """``nn.Power(p)``: x ^ p, gradient p x^(p-1) gradOutput."""

    def __init__(self, p: float):
        super().__init__()
        if p is None:
            raise ValueError("nn.Power(p) needs the power p")
        self.pow = p

    def forward(self, input):
        return torch.pow(input, self.pow)

    def _inline(self, ref, args, table_input):
        return None if table_input else f"torch.pow({args[0]}, {ref}.pow)"


def _constant(c, what: str):
    if isinstance(c, bool) or not isinstance(c, (int, float)):
        raise TypeError(f"{what}: the constant must be a number, got {c!r}")
    return c


class MulConstant(Module):
    """``nn.MulConstant(constant_scalar[, ip])``: x * constant_scalar."""

    def __init__(self, constant_scalar: float, ip: bool = False):
        super().__init__()
        self.constant_scalar = _constant(constant_scalar, "nn.MulConstant")
        self.inplace = _check_ip(ip, "nn.MulConstant")

    def forward(self, input):
        return input * self.constant_scalar

    def _inline(self, ref, args, table_input):
        return None if table_input else f"{args[0]} * {ref}.constant_scalar"


class AddConstant(Module):
    """``nn.AddConstant(constant_scalar[, ip])``: x + constant_scalar."""

    def __init__(self, constant_scalar: float, ip: bool = False):
        super().__init__()
        self.constant_scalar = _constant(constant_scalar, "nn.AddConstant")
        self.inplace = _check_ip(ip, "nn.AddConstant")

    def forward(self, input):
        return input + self.constant_scalar

    def _inline(self, ref, args, table_input):
        return None if table_input else f"{args[0]} + {ref}.constant_scalar"
