"""Element-wise activations beyond the classic four: leaky/parametric/randomised ReLUs,
ELU, SoftPlus, SoftSign, the shrinks, Threshold, Clamp, LogSigmoid, ReLU6, TanhShrink,
SoftMin, GatedLinearUnit, CReLU.

Each follows THNN's forward and gradient, including where the kink belongs (LeakyReLU
and PReLU use the negative slope at 0; Threshold passes only ``x > threshold``). As in
:mod:`.simple`, in-place flags are accepted and recorded but the computation is out of
place (the values are the same); Threshold keeps Lua's rule that in place requires
``val <= threshold``.

>>> m = LeakyReLU(0.2)
>>> m(torch.tensor([-1.0, 2.0]))
tensor([-0.2000,  2.0000])
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..module import Module
from .linear import _lua_uniform01
from .simple import HardTanh, _check_ip, _softmax_dim

__all__ = [
    "ELU",
    "CReLU",
    "Clamp",
    "GatedLinearUnit",
    "HardShrink",
    "LeakyReLU",
    "LogSigmoid",
    "PReLU",
    "RReLU",
    "ReLU6",
    "SoftMin",
    "SoftPlus",
    "SoftShrink",
    "SoftSign",
    "TanhShrink",
    "Threshold",
]


class LeakyReLU(Module):
    """``nn.LeakyReLU([negval=0.01[, ip]])``: x where x > 0, ``negval * x`` elsewhere.
    As in Lua, a negative ``negval`` turns the in-place flag off."""

    def __init__(self, negval: float | bool = 1 / 100, ip: bool = False):
        super().__init__()
        if isinstance(negval, bool):  # Lua: LeakyReLU(true) means in place, default slope
            ip, negval = negval, 1 / 100
        self.negval = 1 / 100 if negval is None else float(negval)
        self.inplace = _check_ip(ip, "nn.LeakyReLU") and self.negval >= 0

    def forward(self, input):
        return torch.where(input > 0, input, input * self.negval)

    def extra_repr(self) -> str:
        return f"{self.negval:g}"


class ELU(Module):
    """``nn.ELU([alpha=1[, inplace]])``: x where x > 0, ``alpha * (exp(x) - 1)`` elsewhere."""

    def __init__(self, alpha: float = 1, inplace: bool = False):
        super().__init__()
        self.alpha = 1.0 if alpha is None else float(alpha)
        self.inplace = _check_ip(inplace, "nn.ELU")

    def forward(self, input):
        return F.elu(input, self.alpha)


class PReLU(Module):
    """``nn.PReLU([nOutputPlane=0])``: a learnt negative slope, one shared (``nOutputPlane``
    0) or one per channel. The channel dimension is THNN's: the vector of a 1-D input,
    dim 1 of a 2-D (batch x channels) or 4-D (batch x C x H x W) input, dim 0 of a 3-D
    (C x H x W) one. The slope starts at 0.25, as in Lua."""

    def __init__(self, nOutputPlane: int = 0):
        super().__init__()
        self.nOutputPlane = int(nOutputPlane or 0)
        self.weight = torch.nn.Parameter(torch.full((self.nOutputPlane or 1,), 0.25))

    def _slope(self, input):
        if self.nOutputPlane == 0:
            return self.weight
        n = self.nOutputPlane
        dim = {1: 0, 2: 1, 3: 0, 4: 1}.get(input.dim())
        if dim is None or input.shape[dim] != n:
            raise ValueError(
                f"nn.PReLU({n}): expected a 1-D to 4-D input with {n} channels in THNN's "
                f"channel dimension, got shape {tuple(input.shape)}"
            )
        shape = [1] * input.dim()
        shape[dim] = n
        return self.weight.view(shape)

    def forward(self, input):
        return torch.where(input > 0, input, input * self._slope(input))


class RReLU(Module):
    """``nn.RReLU([l=1/8, u=1/3[, ip]])``: randomised leaky ReLU. In training each
    element ``x <= 0`` is multiplied by its own slope drawn uniformly in ``[l, u]``
    (Lua's random stream, one draw per such element in order; the slopes are kept in
    ``noise``); in evaluate mode the slope is the fixed ``(l + u) / 2``."""

    def __init__(self, l: float = 1 / 8, u: float = 1 / 3, ip: bool = False):  # Lua names
        super().__init__()
        self.lower = 1 / 8 if l is None else float(l)
        self.upper = 1 / 3 if u is None else float(u)
        if not 0 <= self.lower <= self.upper:
            raise ValueError(f"nn.RReLU: need 0 <= l <= u, got l={self.lower}, u={self.upper}")
        self.inplace = _check_ip(ip, "nn.RReLU")
        self.noise = None

    def forward(self, input):
        if not self.training:
            return torch.where(input >= 0, input, input * ((self.lower + self.upper) / 2))
        with torch.no_grad():
            neg = input <= 0
            noise = torch.ones_like(input)
            slopes = _lua_uniform01(int(neg.sum())) * (self.upper - self.lower) + self.lower
            noise[neg] = slopes.to(dtype=input.dtype, device=input.device)
        self.noise = noise
        return input * noise

    def extra_repr(self) -> str:
        return f"l:{self.lower:f}, u:{self.upper:f}"


class SoftPlus(Module):
    """``nn.SoftPlus([beta=1])``: ``log(1 + exp(beta x)) / beta``, and x itself where
    ``beta * x > threshold`` (20, the Lua field)."""

    def __init__(self, beta: float = 1):
        super().__init__()
        self.beta = 1.0 if beta is None else float(beta)
        self.threshold = 20.0

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)


class SoftSign(Module):
    """``nn.SoftSign()``: ``x / (1 + |x|)``."""

    def forward(self, input):
        return input / (1 + input.abs())


class SoftShrink(Module):
    """``nn.SoftShrink([lambda=0.5])``: ``x - lambda`` above lambda, ``x + lambda`` below
    -lambda, 0 between."""

    def __init__(self, lam: float = 0.5):
        super().__init__()
        self.lambd = 0.5 if lam is None else float(lam)

    def forward(self, input):
        return F.softshrink(input, self.lambd)


class HardShrink(Module):
    """``nn.HardShrink([lambda=0.5])``: x where ``|x| > lambda``, 0 elsewhere."""

    def __init__(self, lam: float = 0.5):
        super().__init__()
        self.lambd = 0.5 if lam is None else float(lam)

    def forward(self, input):
        return F.hardshrink(input, self.lambd)


class Threshold(Module):
    """``nn.Threshold([th=1e-6, v=0[, ip]])``: x where ``x > th``, ``v`` elsewhere; the
    gradient passes only where ``x > th``. In place needs ``v <= th`` (checked at
    construction and at every forward, as in Lua)."""

    def __init__(self, th: float = 1e-6, v: float = 0, ip: bool = False):
        super().__init__()
        for name, val in (("th", th), ("v", v)):
            if val is not None and (isinstance(val, bool) or not isinstance(val, (int, float))):
                raise TypeError(f"nn.Threshold(threshold, value): {name} must be a number, got {val!r}")
        self.threshold = 1e-6 if th is None else float(th)
        self.val = 0.0 if v is None else float(v)
        self.inplace = _check_ip(ip, "nn.Threshold")
        self._validate()

    def _validate(self) -> None:
        if self.inplace and self.val > self.threshold:
            raise ValueError(
                f"nn.Threshold: in-place processing requires value ({self.val:g}) not "
                f"exceed threshold ({self.threshold:g})"
            )

    def forward(self, input):
        self._validate()
        return F.threshold(input, self.threshold, self.val)


class Clamp(HardTanh):
    """``nn.Clamp(min_value, max_value)``: a :class:`HardTanh` with the given bounds."""

    def __init__(self, min_value: float, max_value: float):
        super().__init__(min_value, max_value)


class LogSigmoid(Module):
    """``nn.LogSigmoid()``: ``log(1 / (1 + exp(-x)))``, computed stably."""

    def forward(self, input):
        return F.logsigmoid(input)


class ReLU6(Module):
    """``nn.ReLU6([inplace])``: ``min(max(x, 0), 6)`` (Lua's HardTanh(0, 6) gradient: 0 at
    and beyond the bounds)."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = _check_ip(inplace, "nn.ReLU6")

    def forward(self, input):
        return F.hardtanh(input, 0.0, 6.0)


class TanhShrink(Module):
    """``nn.TanhShrink()``: ``x - tanh(x)``."""

    def forward(self, input):
        return input - torch.tanh(input)


class SoftMin(Module):
    """``nn.SoftMin()``: ``SoftMax(-x)``, over the dimension :class:`SoftMax` uses."""

    def forward(self, input):
        return torch.softmax(-input, _softmax_dim(input.dim(), self))


class GatedLinearUnit(Module):
    """``nn.GatedLinearUnit([dim])``: split the input in two halves ``a, b`` along the 1-based
    ``dim`` (default: the last) and return ``a * sigmoid(b)``."""

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        d = (self.dim if self.dim is not None else input.dim()) - 1
        if input.shape[d] % 2:
            raise ValueError(
                f"nn.GatedLinearUnit: dimension {d + 1} has odd size {input.shape[d]}; it must split in halves"
            )
        return F.glu(input, d)


class CReLU(Module):
    """``nn.CReLU(nInputDims[, inplace])``: concatenated ReLU, ``[relu(x), relu(-x)]`` along
    the first non-batch dimension (an input of ``nInputDims + 1`` dimensions is a batch),
    which doubles that dimension."""

    def __init__(self, nInputDims: int, inplace: bool = False):
        super().__init__()
        self.nInputDims = int(nInputDims)
        self.inplace = _check_ip(inplace, "nn.CReLU")

    def forward(self, input):
        d = 1 if input.dim() == self.nInputDims + 1 else 0
        return torch.relu(torch.cat([input, -input], d))
