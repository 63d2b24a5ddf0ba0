"""Modules with parameters: Linear, LookupTable, CMul, Mul, Add, and MM (none, but a product).

Default initialisation follows Lua nn's ``reset()`` formulas *and* Lua's random
stream: torch's default CPU generator is the same MT19937 as Torch7's, seeded the
same way by ``torch.manual_seed``, so :func:`lua_uniform_` and :func:`lua_normal_`
read its raw 32-bit draws and turn them into numbers the way Torch7's
``THRandom_uniform`` / ``THRandom_normal`` do. After ``torch.manual_seed(123)``,
``nn.Linear(5, 3)`` has exactly the weights Lua's ``torch.manualSeed(123);
nn.Linear(5, 3)`` has.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..module import Module

__all__ = ["Linear", "LookupTable", "CMul", "Mul", "Add", "MM", "lua_uniform_", "lua_normal_"]


# ----------------------------------------------------------------- Lua's RNG
_TWO31 = float(1 << 31)
_F32_MOD = float((1 << 24) + 1)         # torch's float32 random_() returns draw % (2**24 + 1)
_INV_TWO32 = 1.0 / 4294967296.0   # Torch7: uniform = random() * (1 / 2**32)
_EXACT_NORMAL_MAX = 1 << 17       # above this many values, normal() uses vectorised libm


def _lua_draws(n: int) -> torch.Tensor:
    """The next ``n`` raw 32-bit MT19937 outputs of torch's default CPU generator, as
    float64 (exact integers).

    torch exposes no 32-bit draw directly: ``int32.random_()`` gives ``draw % 2**31`` and
    ``float32.random_()`` gives ``draw % (2**24 + 1)``, each consuming one draw per element.
    Drawing both from the same state recovers the missing top bit exactly (2**31 is not
    a multiple of 2**24 + 1); the generator ends where one pass leaves it. All the
    arithmetic below is exact in float64.
    """
    gen = torch.default_generator
    state = gen.get_state()
    low = torch.empty(n, dtype=torch.int32, device="cpu").random_(generator=gen).double()
    gen.set_state(state)
    alt = torch.empty(n, dtype=torch.float32, device="cpu").random_(generator=gen).double()
    high = torch.remainder(low + _TWO31, _F32_MOD) == alt
    return low.add_(high.double().mul_(_TWO31))


def lua_random32(n: int) -> torch.Tensor:
    """The next ``n`` raw 32-bit outputs of torch's default CPU generator (Torch7's
    ``THRandom_random``), as int64."""
    return _lua_draws(n).long()


def _lua_uniform01(n: int) -> torch.Tensor:
    return _lua_draws(n).mul_(_INV_TWO32)


@torch.no_grad()
def lua_uniform_(tensor: torch.Tensor, a: float = 0.0, b: float = 1.0) -> torch.Tensor:
    """Torch7's ``tensor:uniform(a, b)``: ``u * (b - a) + a`` for each element in order,
    ``u`` = next 32-bit draw / 2**32, computed in double. Returns ``tensor``."""
    vals = _lua_uniform01(tensor.numel()) * (float(b) - float(a)) + float(a)
    tensor.copy_(vals.view(tensor.shape))
    return tensor


# Torch7's normal() makes values in Box-Muller pairs and keeps the second of a pair for
# the next call. The pending half is kept here with the generator state it belongs to:
# it is used only if the generator has not moved since (a reseed or any other draw
# discards it; Lua would keep it across other uniform draws, until the next reseed).
_pending_normal: tuple[torch.Tensor, float, float] | None = None


@torch.no_grad()
def lua_normal_(tensor: torch.Tensor, mean: float = 0.0, stdv: float = 1.0) -> torch.Tensor:
    """Torch7's ``tensor:normal(mean, stdv)``: Box-Muller on pairs of uniforms (x, y),
    ``rho = sqrt(-2 log(1 - y))``, values ``rho cos(2 pi x)`` then ``rho sin(2 pi x)``,
    each ``* stdv + mean``. Bit-exact for tensors up to 2**17 elements (Python's libm,
    as Lua's); larger ones use torch's vectorised log/cos/sin (within an ulp or two)."""
    global _pending_normal
    if not stdv > 0:
        raise ValueError("normal: standard deviation must be strictly positive")
    n = tensor.numel()
    mean, stdv = float(mean), float(stdv)
    head: list[float] = []
    pend = _pending_normal
    _pending_normal = None
    if n and pend is not None and torch.equal(pend[0], torch.default_generator.get_state()):
        head = [pend[1] * math.sin(2. * math.pi * pend[2]) * stdv + mean]
    m = n - len(head)
    pairs = (m + 1) // 2
    u = _lua_uniform01(2 * pairs)
    if m <= _EXACT_NORMAL_MAX:
        vals = head
        ul = u.tolist()
        for i in range(0, 2 * pairs, 2):
            x, y = ul[i], ul[i + 1]
            rho = math.sqrt(-2. * math.log(1.0 - y))
            vals.append(rho * math.cos(2. * math.pi * x) * stdv + mean)
            vals.append(rho * math.sin(2. * math.pi * x) * stdv + mean)
        out = torch.tensor(vals, dtype=torch.float64, device="cpu")
        if m % 2:
            _pending_normal = (torch.default_generator.get_state(), rho, x)
    else:
        x, y = u[0::2], u[1::2]
        rho = torch.sqrt(-2. * torch.log(1.0 - y))
        ang = 2. * math.pi * x
        pair = torch.stack([rho * torch.cos(ang) * stdv + mean, rho * torch.sin(ang) * stdv + mean], 1)
        out = torch.cat([torch.tensor(head, dtype=torch.float64, device="cpu"), pair.reshape(-1)])
        if m % 2:
            _pending_normal = (torch.default_generator.get_state(), float(rho[-1]), float(x[-1]))
    tensor.copy_(out[:n].view(tensor.shape))
    return tensor


def _lua_stdv(stdv: float | None, default: float) -> float:
    """Lua's ``reset([stdv])`` convention: a given stdv is a standard deviation, so the
    uniform bound is ``stdv * sqrt(3)``; otherwise the module's default bound."""
    return stdv * math.sqrt(3) if stdv is not None else default


# ------------------------------------------------------------------ modules
class Linear(Module):
    """``nn.Linear(inputSize, outputSize[, bias])``: y = W x + b on a 1-D input
    (inputSize) or a 2-D batch (nBatch x inputSize).

    Lua's default initialisation: weight then bias uniform in ±1/sqrt(inputSize), from
    Lua's random stream. ``Linear(in, out, False)`` has no bias.
    """

    def __init__(self, inputSize: int, outputSize: int, bias: bool = True):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.empty(outputSize, inputSize))
        self.bias = torch.nn.Parameter(torch.empty(outputSize)) if bias else None
        self.reset()

    def reset(self, stdv: float | None = None) -> "Linear":
        """Lua's ``reset([stdv])``: uniform in ±stdv*sqrt(3) (default ±1/sqrt(inputSize))."""
        bound = _lua_stdv(stdv, 1.0 / math.sqrt(self.weight.shape[1]))
        lua_uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            lua_uniform_(self.bias, -bound, bound)
        return self

    def noBias(self) -> "Linear":  # noqa: N802 - Lua name
        """Lua's ``noBias()``: drop the bias; returns self."""
        self.bias = None
        return self

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def _inline(self, ref, args, table_input):
        if table_input:
            return None
        bias = f"{ref}.bias" if self.bias is not None else "None"
        return f"F.linear({args[0]}, {ref}.weight, {bias})"

    def extra_repr(self) -> str:
        return f"{self.weight.shape[1]} -> {self.weight.shape[0]}" + ("" if self.bias is not None else ", without bias")

    def lua_label(self) -> str:
        """Lua's tostring: ``nn.Linear(20 -> 10)``, ``nn.Linear(20 -> 10) without bias``."""
        return (f"nn.Linear({self.weight.shape[1]} -> {self.weight.shape[0]})"
                + ("" if self.bias is not None else " without bias"))


class LookupTable(Module):
    """``nn.LookupTable(nIndex, nOutput[, paddingValue, maxNorm, normType])``: rows of a
    ``nIndex x nOutput`` weight picked by **1-based** indices.

    The input is a 1-D tensor of indices (output ``n x nOutput``) or a 2-D batch
    (``b x n x nOutput``), of integer type or a float tensor holding integers. Rows equal
    to ``paddingValue`` (1-based; 0 means none) get no gradient; ``maxNorm`` renormalises
    the looked-up rows in place before the lookup, as Lua does; ``scaleGradByFreq()``
    divides each row's gradient by its count in the batch. Lua's default init: normal(0, 1).
    The gradient w.r.t. the indices is zero.
    """

    def __init__(self, nIndex: int, nOutput: int, paddingValue: int = 0,
                 maxNorm: float | None = None, normType: float | None = None):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.empty(nIndex, nOutput))
        self.paddingValue = paddingValue or 0
        self.maxNorm = maxNorm
        self.normType = normType
        self.shouldScaleGradByFreq = False
        self.reset()

    def reset(self, stdv: float | None = None) -> "LookupTable":
        """Lua's ``reset([stdv])``: normal(0, stdv), stdv defaulting to 1."""
        lua_normal_(self.weight, 0.0, 1.0 if stdv is None else stdv)
        return self

    def setPadding(self, paddingValue: int) -> "LookupTable":  # noqa: N802
        self.paddingValue = paddingValue
        return self

    def setMaxNorm(self, maxNorm: float) -> "LookupTable":  # noqa: N802
        self.maxNorm = maxNorm
        return self

    def setNormType(self, normType: float) -> "LookupTable":  # noqa: N802
        self.normType = normType
        return self

    def scaleGradByFreq(self) -> "LookupTable":  # noqa: N802
        self.shouldScaleGradByFreq = True
        return self

    def forward(self, input):
        if input.dim() not in (1, 2):
            raise ValueError(f"{self.lua_label()}: input must be a vector or matrix, got a {input.dim()}-D tensor")
        idx = (input if input.dtype == torch.int64 else input.long()) - 1
        pad = self.paddingValue
        pad = pad - 1 if 1 <= pad <= self.weight.shape[0] else None
        return F.embedding(idx, self.weight, pad, self.maxNorm,
                           2.0 if self.normType is None else self.normType, self.shouldScaleGradByFreq)


class CMul(Module):
    """``nn.CMul(size...)``: multiply by a learnable tensor of shape ``size``.

    Lua's rule: an input with as many elements as the weight is multiplied element by
    element (whatever its shape); otherwise its first dimension is a batch and each
    sample (flattened) is multiplied by the (flattened) weight. Lua's init: uniform in
    ±1/sqrt(nElement).
    """

    def __init__(self, *size):
        super().__init__()
        if len(size) == 1 and isinstance(size[0], (list, tuple, torch.Size)):
            size = tuple(size[0])
        self.size = torch.Size(int(s) for s in size)
        self.weight = torch.nn.Parameter(torch.empty(self.size))
        self.reset()

    def reset(self, stdv: float | None = None) -> "CMul":
        bound = _lua_stdv(stdv, 1.0 / math.sqrt(self.weight.numel()))
        lua_uniform_(self.weight, -bound, bound)
        return self

    def forward(self, input):
        w = self.weight
        if input.numel() == w.numel():
            return input * w.reshape(input.shape)
        return (input.reshape(input.shape[0], -1) * w.reshape(1, -1)).reshape(input.shape)


class Mul(Module):
    """``nn.Mul()``: multiply by one learnable scalar (Lua's init: uniform in ±1)."""

    def __init__(self, inputSize=None):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.empty(1))
        self.reset()

    def reset(self, stdv: float | None = None) -> "Mul":
        bound = _lua_stdv(stdv, 1.0 / math.sqrt(self.weight.shape[0]))
        lua_uniform_(self.weight, -bound, bound)
        return self

    def forward(self, input):
        return input * self.weight

    def _inline(self, ref, args, table_input):
        return None if table_input else f"{args[0]} * {ref}.weight"


class Add(Module):
    """``nn.Add(inputSize[, scalar])``: add a learnable bias of size ``inputSize`` (or one
    learnable scalar when ``scalar`` is true).

    Lua's rule: an input of the bias's size gets it added; otherwise the first dimension
    is a batch and the bias is added to every (flattened) sample. Lua's init: uniform in
    ±1/sqrt(size) (±1 for the scalar).
    """

    def __init__(self, inputSize: int, scalar: bool = False):
        super().__init__()
        self.scalar = bool(scalar)
        self.bias = torch.nn.Parameter(torch.empty(1 if scalar else inputSize))
        self.reset()

    def reset(self, stdv: float | None = None) -> "Add":
        bound = _lua_stdv(stdv, 1.0 / math.sqrt(self.bias.shape[0]))
        lua_uniform_(self.bias, -bound, bound)
        return self

    def forward(self, input):
        b = self.bias
        if self.scalar or input.shape == b.shape:
            return input + b
        return (input.reshape(input.shape[0], -1) + b.reshape(1, -1)).reshape(input.shape)

    def _inline(self, ref, args, table_input):
        if table_input or not self.scalar:
            return None
        return f"{args[0]} + {ref}.bias"


class MM(Module):
    """``nn.MM([transA, transB])``: the matrix product of a table ``{A, B}``: two matrices,
    or two 3-D batches of matrices (batch first), each optionally transposed."""

    def __init__(self, transA: bool = False, transB: bool = False):
        super().__init__()
        self.transA = bool(transA)
        self.transB = bool(transB)

    def forward(self, input):
        if len(input) != 2:
            raise ValueError(f"{self.lua_label()}: input must be a pair of matrices, got {len(input)} entries")
        a, b = input
        if a.dim() not in (2, 3) or b.dim() != a.dim():
            raise ValueError(f"{self.lua_label()}: inputs must be two 2-D or two 3-D tensors, "
                             f"got {a.dim()}-D and {b.dim()}-D")
        if self.transA:
            a = a.transpose(-2, -1)
        if self.transB:
            b = b.transpose(-2, -1)
        return torch.mm(a, b) if a.dim() == 2 else torch.bmm(a, b)
