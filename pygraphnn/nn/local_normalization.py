"""Local (spatial) normalisation of images with a smoothing kernel, as Lua nn's
SpatialSubtractiveNormalization, SpatialDivisiveNormalization and
SpatialContrastiveNormalization (subtractive, then divisive).

A *local sum* is the zero-padded input convolved with the kernel over all planes: a 2-D
kernel is one convolution; a 1-D kernel is applied along the rows of each plane, then
along the columns summing the planes (Lua's SpatialConvolutionMap + SpatialConvolution).
Lua divides by the local sum of an all-ones image (``coef``) so the border is not darker.
The kernels are scaled as Lua scales them; a loaded module uses the convolution weights
stored in the file.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..module import Module
from .conv import as_batch

__all__ = ["SpatialContrastiveNormalization", "SpatialDivisiveNormalization", "SpatialSubtractiveNormalization"]


def _kernel(name: str, kernel: torch.Tensor | None) -> torch.Tensor:
    k = torch.ones(9, 9) if kernel is None else torch.as_tensor(kernel).clone()
    if k.dim() not in (1, 2):
        raise ValueError(f"nn.{name}: the averaging kernel must be 1-D or 2-D, got {k.dim()}-D")
    if any(s % 2 == 0 for s in k.shape):
        raise ValueError(f"nn.{name}: the averaging kernel must have odd sizes, got {tuple(k.shape)}")
    return k


def _stage_weights(k: torch.Tensor, n: int) -> list[torch.Tensor]:
    """Convolution weights of a local sum with kernel ``k`` over ``n`` planes."""
    if k.dim() == 2:
        return [k.expand(1, n, *k.shape).clone()]
    size = k.shape[0]
    return [k.view(1, 1, 1, size).expand(n, 1, 1, size).clone(), k.view(1, 1, size, 1).expand(1, n, size, 1).clone()]


class _LocalSum(Module):
    """Base: local sums with stored convolution weights (buffers ``<prefix>1``, ``<prefix>2``)."""

    # the buffers every subclass has (``_pads`` reads them); mypy cannot see register_buffer
    mean1: torch.Tensor
    mean2: torch.Tensor | None

    def _set_weights(self, prefix: str, weights: list[torch.Tensor]) -> None:
        for i in (1, 2):
            w = weights[i - 1] if i <= len(weights) else None
            self.register_buffer(f"{prefix}{i}", None if w is None else w.detach().clone())

    def _pads(self) -> tuple[int, int, int, int]:
        w1 = self.mean1
        if self.mean2 is None:  # one 2-D kernel: 1 x n x kH x kW
            ph, pw = w1.shape[2] // 2, w1.shape[3] // 2
        else:  # rows (n x 1 x 1 x k), then columns
            ph = pw = w1.shape[3] // 2
        return (pw, pw, ph, ph)

    def _local_sum(self, x: torch.Tensor, prefix: str) -> torch.Tensor:
        """``B x 1 x H x W`` local sums of ``x`` (``B x n x H x W``)."""
        y = F.pad(x, self._pads())
        for i in (1, 2):
            w = getattr(self, f"{prefix}{i}")
            if w is not None:
                y = F.conv2d(y, w.to(y.dtype), groups=y.shape[1] // w.shape[1])
        return y

    def _coef(self, x: torch.Tensor) -> torch.Tensor:
        return self._local_sum(torch.ones_like(x[:1]), "mean")

    def _check(self, input) -> tuple[torch.Tensor, bool]:
        x, batched = as_batch(self, input, 3, "nInputPlane x H x W")
        if x.shape[1] != self.nInputPlane:
            raise ValueError(f"{self.lua_label()}: expects {self.nInputPlane} input planes, got {x.shape[1]}")
        return x, batched

    def extra_repr(self) -> str:
        return f"{self.nInputPlane}"


class SpatialSubtractiveNormalization(_LocalSum):
    """``nn.SpatialSubtractiveNormalization([nInputPlane[, kernel]])``: subtract from each
    pixel the kernel-weighted mean of its neighbourhood over all planes. ``kernel``: a
    1-D or 2-D tensor of odd sizes (default ``ones(9, 9)``).

    >>> m = SpatialSubtractiveNormalization(3, torch.tensor([0.25, 0.5, 0.25]))
    >>> m(torch.ones(3, 5, 6)).abs().max().item() < 1e-12
    True
    """

    def __init__(self, nInputPlane: int = 1, kernel: torch.Tensor | None = None):
        super().__init__()
        self.nInputPlane = int(nInputPlane)
        k = _kernel(type(self).__name__, kernel)
        k = k / (k.sum() * self.nInputPlane)
        self._set_weights("mean", _stage_weights(k, self.nInputPlane))

    def forward(self, input):
        x, batched = self._check(input)
        y = x - self._local_sum(x, "mean") / self._coef(x)
        return y if batched else y.squeeze(0)


class SpatialDivisiveNormalization(_LocalSum):
    """``nn.SpatialDivisiveNormalization([nInputPlane[, kernel[, threshold[, thresval]]]])``:
    divide each pixel by the local standard deviation (square root of the kernel-weighted
    local sum of squares, over ``coef``); standard deviations not above ``threshold``
    (default 1e-4) are replaced by ``thresval`` (default: ``threshold``).

    >>> SpatialDivisiveNormalization(2, torch.ones(3, 3))(torch.randn(2, 2, 5, 5)).shape
    torch.Size([2, 2, 5, 5])
    """

    def __init__(
        self,
        nInputPlane: int = 1,
        kernel: torch.Tensor | None = None,
        threshold: float | None = None,
        thresval: float | None = None,
    ):
        super().__init__()
        self.nInputPlane = int(nInputPlane)
        self.threshold = 1e-4 if threshold is None else float(threshold)
        self.thresval = self.threshold if thresval is None else float(thresval)
        k = _kernel(type(self).__name__, kernel)
        k = k / (k.sum() * (self.nInputPlane if k.dim() == 2 else math.sqrt(self.nInputPlane)))
        weights = _stage_weights(k, self.nInputPlane)
        self._set_weights("mean", weights)
        self._set_weights("std", weights)

    def forward(self, input):
        x, batched = self._check(input)
        stds = self._local_sum(x * x, "std").sqrt() / self._coef(x)
        stds = torch.where(stds > self.threshold, stds, torch.full_like(stds, self.thresval))
        y = x / stds
        return y if batched else y.squeeze(0)


class SpatialContrastiveNormalization(Module):
    """``nn.SpatialContrastiveNormalization([nInputPlane[, kernel[, threshold[, thresval]]]])``:
    :class:`SpatialSubtractiveNormalization` followed by :class:`SpatialDivisiveNormalization`
    with the same kernel (both submodules are in ``normalizer``).

    >>> SpatialContrastiveNormalization(3, torch.tensor([0.25, 0.5, 0.25]))(torch.randn(3, 5, 6)).shape
    torch.Size([3, 5, 6])
    """

    def __init__(
        self,
        nInputPlane: int = 1,
        kernel: torch.Tensor | None = None,
        threshold: float | None = None,
        thresval: float | None = None,
    ):
        super().__init__()
        from .containers import Sequential

        self.nInputPlane = int(nInputPlane)
        self.threshold = 1e-4 if threshold is None else float(threshold)
        self.thresval = self.threshold if thresval is None else float(thresval)
        self.normalizer = Sequential(
            SpatialSubtractiveNormalization(nInputPlane, kernel),
            SpatialDivisiveNormalization(nInputPlane, kernel, self.threshold, self.thresval),
        )

    def forward(self, input):
        return self.normalizer(input)

    def extra_repr(self) -> str:
        return f"{self.nInputPlane}"
