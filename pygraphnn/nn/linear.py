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

from .. import buffers as _buffers

# Lua's random stream lives in a neutral module shared with the Lua runtime; the names
# stay importable from here.
from ..lua_random import _lua_draws, _lua_uniform01, lua_normal_, lua_random32, lua_uniform_  # noqa: F401
from ..module import Module
from .lua_exact import LuaLinear, LuaLookupTable, lua_exact, openblas

__all__ = ["MM", "Add", "CMul", "Linear", "LookupTable", "Mul", "lua_normal_", "lua_uniform_"]


def _lua_stdv(stdv: float | None, default: float) -> float:
    """Lua's ``reset([stdv])`` convention: a given stdv is a standard deviation, so the
    uniform bound is ``stdv * sqrt(3)``; otherwise the module's default bound."""
    return stdv * math.sqrt(3) if stdv is not None else default


# Lua's Linear on a vector is ``output:copy(bias):addmv(1, weight, input)``: BLAS dgemv ('t').
# OpenBLAS sums a dot of fewer than 4 terms in its scalar tail, y += a0*x0 + a1*x1 + a2*x2,
# compiled to fused multiply-adds; longer ones go through its vector kernels (not reproduced).
_OPENBLAS_TAIL = 3


class _LuaShortGemv(torch.autograd.Function):
    """``bias + weight @ x`` for a vector ``x`` of at most 3 doubles, rounded as Lua's OpenBLAS
    rounds it (checked against real Lua for 1, 2 and 3 inputs); gradients as ``F.linear``'s."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        ctx.has_bias = bias is not None
        cols, xs = weight.detach().unbind(1), x.detach().tolist()
        # the tail kernel: t = a1*x1, then t = fma(a0, x0, t), then t = fma(a2, x2, t)
        t = cols[1] * xs[1] if len(xs) > 1 else cols[0] * xs[0]
        if len(xs) > 1:
            t = t.add(cols[0], alpha=xs[0])  # torch's CPU add with alpha is one fused multiply-add
        if len(xs) > 2:
            t = t.add(cols[2], alpha=xs[2])
        return t if bias is None else bias.detach() + t

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        return grad @ weight, torch.outer(grad, x), grad if ctx.has_bias else None


# ------------------------------------------------------------------ modules
class Linear(Module):
    """``nn.Linear(inputSize, outputSize[, bias])``: y = W x + b on a 1-D input
    (inputSize) or a 2-D batch (nBatch x inputSize).

    Lua's default initialisation: weight then bias uniform in ±1/sqrt(inputSize), from
    Lua's random stream. ``Linear(in, out, False)`` has no bias.
    """

    def __init__(self, inputSize: int, outputSize: int, bias: bool = True):
        super().__init__()
        # Lua's numbers are doubles: a size computed as torch.Tensor(t):sum() arrives as 60.0
        inputSize, outputSize = (
            int(n) if isinstance(n, float) and float(n).is_integer() else n for n in (inputSize, outputSize)
        )
        self.weight = torch.nn.Parameter(torch.empty(outputSize, inputSize))
        self.bias = torch.nn.Parameter(torch.empty(outputSize)) if bias else None
        self.reset()

    def reset(self, stdv: float | None = None) -> Linear:
        """Lua's ``reset([stdv])``: uniform in ±stdv*sqrt(3) (default ±1/sqrt(inputSize))."""
        bound = _lua_stdv(stdv, 1.0 / math.sqrt(self.weight.shape[1]))
        lua_uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            lua_uniform_(self.bias, -bound, bound)
        return self

    def noBias(self) -> Linear:  # Lua name
        """Lua's ``noBias()``: drop the bias; returns self."""
        self.bias = None
        return self

    def forward(self, input):
        if (
            isinstance(input, torch.Tensor)
            and input.dim() == 1
            and input.dtype == torch.float64
            and input.shape[0] <= _OPENBLAS_TAIL
            and self.weight.dtype == torch.float64
            and input.device.type == "cpu"
        ):
            return _LuaShortGemv.apply(input, self.weight, self.bias)
        if isinstance(input, torch.Tensor) and input.dim() == 2 and lua_exact(input, self.weight) and openblas():
            return LuaLinear.apply(input, self.weight, self.bias)  # a ported program: Torch7's BLAS calls
        return F.linear(input, self.weight, self.bias)

    def _inline(self, ref, args, table_input):
        if table_input or _buffers._enabled:
            return None
        bias = f"{ref}.bias" if self.bias is not None else "None"
        return f"F.linear({args[0]}, {ref}.weight, {bias})"

    def extra_repr(self) -> str:
        return f"{self.weight.shape[1]} -> {self.weight.shape[0]}" + ("" if self.bias is not None else ", without bias")

    def lua_label(self) -> str:
        """Lua's tostring: ``nn.Linear(20 -> 10)``, ``nn.Linear(20 -> 10) without bias``."""
        return f"nn.Linear({self.weight.shape[1]} -> {self.weight.shape[0]})" + (
            "" if self.bias is not None else " without bias"
        )


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

    def __init__(
        self,
        nIndex: int,
        nOutput: int,
        paddingValue: int = 0,
        maxNorm: float | None = None,
        normType: float | None = None,
    ):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.empty(nIndex, nOutput))
        self.paddingValue = paddingValue or 0
        self.maxNorm = maxNorm
        self.normType = normType
        self.shouldScaleGradByFreq = False
        self.reset()

    def reset(self, stdv: float | None = None) -> LookupTable:
        """Lua's ``reset([stdv])``: normal(0, stdv), stdv defaulting to 1."""
        lua_normal_(self.weight, 0.0, 1.0 if stdv is None else stdv)
        return self

    def setPadding(self, paddingValue: int) -> LookupTable:
        self.paddingValue = paddingValue
        return self

    def setMaxNorm(self, maxNorm: float) -> LookupTable:
        self.maxNorm = maxNorm
        return self

    def setNormType(self, normType: float) -> LookupTable:
        self.normType = normType
        return self

    def scaleGradByFreq(self) -> LookupTable:
        self.shouldScaleGradByFreq = True
        return self

    def forward(self, input):
        if input.dim() not in (1, 2):
            raise ValueError(f"{self.lua_label()}: input must be a vector or matrix, got a {input.dim()}-D tensor")
        idx = (input if input.dtype == torch.int64 else input.long()) - 1
        pad = self.paddingValue
        pad = pad - 1 if 1 <= pad <= self.weight.shape[0] else None
        if self.maxNorm is None and not self.shouldScaleGradByFreq and lua_exact(self.weight):
            n = self.weight.shape[0]
            if idx.numel() and (idx.min() < 0 or idx.max() >= n):
                bad = (idx + 1)[(idx < 0) | (idx >= n)].tolist()
                raise IndexError(f"{self.lua_label()}: indices {bad[:10]} out of range (Lua indices are 1..{n})")
            return LuaLookupTable.apply(idx, self.weight, pad)  # a ported program: THNN's order of sums
        try:
            return F.embedding(
                idx,
                self.weight,
                pad,
                self.maxNorm,
                2.0 if self.normType is None else self.normType,
                self.shouldScaleGradByFreq,
            )
        except IndexError as e:  # torch says "index out of range in self": name the Lua indices
            n = self.weight.shape[0]
            bad = (idx + 1)[(idx < 0) | (idx >= n)].tolist()
            raise IndexError(f"{self.lua_label()}: indices {bad[:10]} out of range (Lua indices are 1..{n})") from e


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

    def reset(self, stdv: float | None = None) -> CMul:
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

    def reset(self, stdv: float | None = None) -> Mul:
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

    def reset(self, stdv: float | None = None) -> Add:
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
            raise ValueError(
                f"{self.lua_label()}: inputs must be two 2-D or two 3-D tensors, got {a.dim()}-D and {b.dim()}-D"
            )
        if self.transA:
            a = a.transpose(-2, -1)
        if self.transB:
            b = b.transpose(-2, -1)
        return torch.mm(a, b) if a.dim() == 2 else torch.bmm(a, b)
