"""Modules whose output is their input (up to layout, shape or type) but whose role lies
elsewhere: Contiguous, Collapse, Copy (type conversion), L1Penalty, GradientReversal and
ZeroGrad (they change only the gradient); and Constant, which ignores its input.

>>> GradientReversal(0.5)(torch.ones(2))
tensor([1., 1.])
"""

from __future__ import annotations

import torch

from ..module import Module

__all__ = ["Collapse", "Constant", "Contiguous", "Copy", "GradientReversal", "L1Penalty", "ZeroGrad"]

#: Lua tensor type names -> torch dtypes (CUDA types load on the CPU).
TENSOR_TYPES = {
    "torch.DoubleTensor": torch.float64,
    "torch.FloatTensor": torch.float32,
    "torch.HalfTensor": torch.float16,
    "torch.CudaTensor": torch.float32,
    "torch.CudaDoubleTensor": torch.float64,
    "torch.CudaHalfTensor": torch.float16,
    "torch.LongTensor": torch.int64,
    "torch.IntTensor": torch.int32,
    "torch.ShortTensor": torch.int16,
    "torch.ByteTensor": torch.uint8,
    "torch.CharTensor": torch.int8,
}


class Contiguous(Module):
    """``nn.Contiguous()``: the input with a contiguous memory layout (same values)."""

    def forward(self, input):
        return input.contiguous()


class Copy(Module):
    """``nn.Copy(intype, outtype[, forceCopy[, dontCast]])``: the input converted to
    ``outtype`` (a Lua type name such as ``'torch.FloatTensor'``); the gradient comes back
    as ``intype``. Without ``forceCopy`` and with equal types it passes the input through."""

    def __init__(
        self,
        intype: str = "torch.DoubleTensor",
        outtype: str = "torch.DoubleTensor",
        forceCopy: bool = False,
        dontCast: bool = False,
    ):
        super().__init__()
        intype = intype or "torch.DoubleTensor"
        outtype = outtype or "torch.DoubleTensor"
        for name in (intype, outtype):
            if name not in TENSOR_TYPES:
                raise ValueError(f"nn.Copy: unknown tensor type {name!r}; known: {', '.join(TENSOR_TYPES)}")
        self.intype, self.outtype = intype, outtype
        self.forceCopy = bool(forceCopy)
        self.dontCast = bool(dontCast)

    def forward(self, input):
        if self.intype == self.outtype and not self.forceCopy:
            return input
        return input.to(TENSOR_TYPES[self.outtype], copy=True)

    def extra_repr(self) -> str:
        return f"{self.intype} -> {self.outtype}"


class _AddToGradient(torch.autograd.Function):
    """Identity forward; backward ``keep * gradOutput + extra``."""

    @staticmethod
    def forward(ctx, input, extra, keep):
        ctx.save_for_backward(extra)
        ctx.keep = keep
        return input.view_as(input)

    @staticmethod
    def backward(ctx, grad):
        (extra,) = ctx.saved_tensors
        return (grad * ctx.keep + extra if ctx.keep else extra.clone()), None, None


class L1Penalty(Module):
    """``nn.L1Penalty(l1weight[, sizeAverage=false[, provideOutput=true]])``: an L1
    regulariser placed in a network. The output is the input; ``loss`` holds
    ``l1weight * ||x||_1`` (``l1weight / nElement`` with ``sizeAverage``), and the gradient
    is ``gradOutput + m * sign(x)`` (only ``m * sign(x)`` when ``provideOutput`` is false),
    as Lua's backward adds it; this is not the derivative of the output, so autograd
    receives it through a custom backward."""

    def __init__(self, l1weight: float, sizeAverage: bool = False, provideOutput: bool = True):
        super().__init__()
        self.l1weight = float(l1weight)
        self.sizeAverage = bool(sizeAverage)
        self.provideOutput = True if provideOutput is None else bool(provideOutput)
        self.loss = 0.0

    def forward(self, input):
        m = self.l1weight / input.numel() if self.sizeAverage else self.l1weight
        with torch.no_grad():
            sign = torch.sign(input) * m
            self.loss = float(input.abs().sum()) * m
        return _AddToGradient.apply(input, sign, 1.0 if self.provideOutput else 0.0)


class _ScaleGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, scale):
        ctx.scale = scale
        return input.view_as(input)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.scale, None


class GradientReversal(Module):
    """``nn.GradientReversal([lambda=1])``: identity forward, gradient ``-lambda * gradOutput``
    (domain-adversarial training)."""

    def __init__(self, lambda_: float = 1):
        super().__init__()
        self.lambda_ = 1.0 if lambda_ is None else float(lambda_)

    def setLambda(self, lambda_: float) -> GradientReversal:  # Lua name
        self.lambda_ = float(lambda_)
        return self

    def forward(self, input):
        return _ScaleGradient.apply(input, -self.lambda_)


class ZeroGrad(Module):
    """``nn.ZeroGrad()``: identity forward, zero gradient (blocks backpropagation)."""

    def forward(self, input):
        return input.detach()


class Constant(Module):
    """``nn.Constant(value[, nInputDim])``: outputs ``value`` (a number or a tensor) whatever
    the input; with ``nInputDim``, an input of more dimensions is a batch and the value
    is repeated along its first dimension. The input gets a zero gradient."""

    def __init__(self, value, nInputDim: int | None = None):
        super().__init__()
        value = torch.tensor([float(value)]) if isinstance(value, (int, float)) else torch.as_tensor(value)
        self.register_buffer("value", value.clone())
        self.nInputDim = nInputDim

    def forward(self, input):
        value = self.value.to(input.dtype) if input.is_floating_point() else self.value
        if self.nInputDim is not None and input.dim() > self.nInputDim:
            return value.unsqueeze(0).expand(input.shape[0], *value.shape).clone()
        return value.clone()


class Collapse(Module):
    """``nn.Collapse(nInputDim)``: flatten the input to a vector, or to batch x features when
    it has more than ``nInputDim`` dimensions."""

    def __init__(self, nInputDim: int):
        super().__init__()
        self.nInputDim = int(nInputDim)

    def forward(self, input):
        if input.dim() > self.nInputDim:
            return input.reshape(input.shape[0], -1)
        return input.reshape(-1)
