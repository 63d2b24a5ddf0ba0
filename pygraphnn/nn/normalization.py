"""Normalisation layers with Lua nn's semantics: batch normalisation (flat and spatial),
cross-channel local response normalisation, p-norm normalisation of vectors, and the
softmax over feature maps.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..module import Module
from .conv import as_batch
from .linear import lua_uniform_
from .simple import SoftMax

__all__ = ["BatchNormalization", "Normalize", "SpatialBatchNormalization", "SpatialCrossMapLRN", "SpatialSoftMax"]


class BatchNormalization(Module):
    """``nn.BatchNormalization(nOutput[, eps, momentum, affine])``: normalise each of
    ``nOutput`` features of a ``B x nOutput`` batch, then scale by ``weight`` and shift
    by ``bias`` (when ``affine``, the default).

    Training mode normalises with the batch statistics (biased variance) and updates
    ``running_mean`` / ``running_var`` with ``momentum`` (Lua and PyTorch both use the
    *unbiased* batch variance there); a batch of one sample uses the running statistics
    and updates nothing, as Lua does. ``evaluate()`` mode uses the running statistics
    and also accepts a single sample without the batch dimension (the output is then a
    batch of one, as in Lua). Lua's initialisation:
    weight uniform in [0, 1) from Lua's random stream, bias 0, running mean 0, var 1.

    >>> bn = BatchNormalization(5)
    >>> bn(torch.randn(4, 5)).shape
    torch.Size([4, 5])
    """

    running_mean: torch.Tensor  # buffers: register_buffer hides their type from mypy
    running_var: torch.Tensor

    nDim = 2
    _what = "batch x nOutput"

    def __init__(self, nOutput: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True):
        super().__init__()
        if not nOutput:
            raise ValueError(
                f"nn.{type(self).__name__}: nOutput must be positive; to turn affine off "
                f"call {type(self).__name__}(nOutput, eps, momentum, False)"
            )
        self.eps = float(eps)
        self.momentum = float(momentum)
        self.affine = bool(affine)
        self.register_buffer("running_mean", torch.zeros(nOutput))
        self.register_buffer("running_var", torch.ones(nOutput))
        if self.affine:
            self.weight = torch.nn.Parameter(torch.empty(nOutput))
            self.bias = torch.nn.Parameter(torch.empty(nOutput))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset()

    def reset(self) -> BatchNormalization:
        """Lua's ``reset()``: weight uniform in [0, 1), bias 0, running mean 0 and var 1."""
        if self.weight is not None:
            lua_uniform_(self.weight)
        if self.bias is not None:
            with torch.no_grad():
                self.bias.zero_()
        self.running_mean.zero_()
        self.running_var.fill_(1)
        return self

    def _check(self, input) -> torch.Tensor:
        if not isinstance(input, torch.Tensor):
            raise TypeError(f"{self.lua_label()}: expects a tensor, got {type(input).__name__}")
        d = input.dim()
        if d == self.nDim - 1 and not self.training:
            x = input.unsqueeze(0)
        elif d == self.nDim:
            x = input
        else:
            raise ValueError(
                f"{self.lua_label()}: only mini-batch supported ({self.nDim}-D tensor, "
                f"{self._what}), got a {d}-D tensor of shape {tuple(input.shape)}"
                + (" (a single sample is accepted in evaluate() mode)" if d == self.nDim - 1 else "")
            )
        n = self.running_mean.numel()
        if x.shape[1] != n:
            raise ValueError(f"{self.lua_label()}: got {x.shape[1]}-feature tensor, expected {n}")
        return x

    def forward(self, input):
        x = self._check(input)
        use_batch = self.training and x.shape[0] > 1
        # a single sample comes back as a batch of one, as Lua returns it
        return F.batch_norm(
            x, self.running_mean, self.running_var, self.weight, self.bias, use_batch, self.momentum, self.eps
        )

    def _lua_grads(self, gradOutput, want_input, want_params, scale=1.0):
        gi = super()._lua_grads(gradOutput, want_input, want_params, scale)
        if isinstance(gi, torch.Tensor) and gi.dim() == self.nDim - 1:
            gi = gi.unsqueeze(0)  # Lua's gradInput is shaped like its (batch-of-one) gradOutput
        return gi

    def extra_repr(self) -> str:
        s = f"{self.running_mean.numel()}"
        if self.eps != 1e-5 or self.momentum != 0.1 or not self.affine:
            s += f" ({self.eps}, {self.momentum}{', affine' if self.affine else ''})"
        return s


class SpatialBatchNormalization(BatchNormalization):
    """``nn.SpatialBatchNormalization(nFeature[, eps, momentum, affine])``: batch
    normalisation of each feature map of ``B x nFeature x H x W`` (statistics over the
    batch and the pixels); otherwise as :class:`BatchNormalization`.

    >>> SpatialBatchNormalization(3).evaluate()(torch.randn(3, 4, 4)).shape
    torch.Size([1, 3, 4, 4])
    """

    nDim = 4
    _what = "batch x nFeature x H x W"


class SpatialCrossMapLRN(Module):
    """``nn.SpatialCrossMapLRN(size[, alpha, beta, k])``: local response normalisation
    across channels (AlexNet): ``y_c = x_c * (k + alpha/size * sum x_c'^2) ^ -beta``,
    the sum over the ``size`` channels centred on ``c`` (odd ``size``). Defaults
    ``alpha`` 1e-4, ``beta`` 0.75, ``k`` 1.

    >>> SpatialCrossMapLRN(5)(torch.randn(2, 8, 3, 3)).shape
    torch.Size([2, 8, 3, 3])
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        if int(size) != size or size < 1 or size % 2 == 0:
            raise ValueError(f"nn.SpatialCrossMapLRN: size must be an odd positive integer, got {size}")
        self.size = int(size)
        self.alpha, self.beta, self.k = float(alpha), float(beta), float(k)

    def forward(self, input):
        x, batched = as_batch(self, input, 3, "C x H x W")
        half = (self.size - 1) // 2
        sq = F.pad((x * x).unsqueeze(1), (0, 0, 0, 0, half, half))  # B x 1 x (C + 2 half) x H x W
        window = F.avg_pool3d(sq, (self.size, 1, 1), 1).squeeze(1) * self.size
        y = x * (self.k + self.alpha / self.size * window).pow(-self.beta)
        return y if batched else y.squeeze(0)

    def extra_repr(self) -> str:
        return f"{self.size}, {self.alpha}, {self.beta}, {self.k}"


class Normalize(Module):
    """``nn.Normalize(p[, eps])``: divide each vector (a 1-D input or each row of a 2-D
    batch) by its p-norm ``(sum |x|^p + eps)^(1/p)``; ``p = math.inf`` divides by
    ``max |x| + eps``. ``eps`` defaults to 1e-10.

    >>> Normalize(2)(torch.tensor([3., 4.])).tolist()
    [0.6, 0.8]
    """

    def __init__(self, p: float, eps: float = 1e-10):
        super().__init__()
        if not p > 0:
            raise ValueError(f"nn.Normalize: {p}-norm not supported (p must be > 0)")
        self.p = float(p)
        self.eps = float(eps)

    def forward(self, input):
        if not isinstance(input, torch.Tensor) or input.dim() not in (1, 2):
            got = f"a {input.dim()}-D tensor" if isinstance(input, torch.Tensor) else type(input).__name__
            raise ValueError(f"{self.lua_label()}: only 1-D inputs or 2-D batches are supported, got {got}")
        x = input.view(1, -1) if input.dim() == 1 else input
        if math.isinf(self.p):
            ax = x.abs()
            norm = ax.amax(1, keepdim=True) + self.eps
            # Lua's backward takes d norm / d x_k = x_k / norm at the arg-max k (not sign(x_k))
            xk = x.gather(1, ax.argmax(1, keepdim=True))
            slope = (xk / norm).detach()
            norm = norm.detach() + slope * xk - (slope * xk).detach()
        else:
            # Lua's backward for p < 2 uses (|x| + eps)^(p-2) x as d|x|^p/dx / p; a surrogate
            # with that derivative keeps gradInput within rounding of Lua's
            ax = x.abs()
            powered = ax.pow(self.p) if self.p % 2 else x.pow(self.p)
            if self.p < 2 and self.p % 2:
                ax_eps = (ax + self.eps).detach()
                slope = ax_eps.pow(self.p - 2) * x.detach() * self.p
                powered = powered.detach() + slope * x - (slope * x).detach()
            norm = (powered.sum(1, keepdim=True) + self.eps).pow(1.0 / self.p)
        return (x / norm).view_as(input)

    def extra_repr(self) -> str:
        return f"{self.p:g}"


class SpatialSoftMax(SoftMax):
    """``nn.SpatialSoftMax()``: at each pixel, the softmax over the feature maps of
    ``C x H x W`` or ``B x C x H x W`` (THNN's SoftMax dimension rule).

    >>> SpatialSoftMax()(torch.zeros(4, 2, 3))[:, 0, 0].tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
