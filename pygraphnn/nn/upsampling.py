"""Spatial up-sampling: nearest neighbour and bilinear, as Lua nn computes them.

Both take ``C x H x W`` or a batch ``B x C x H x W`` and scale the last two dimensions.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..module import Module
from .conv import as_batch

__all__ = ["SpatialUpSamplingBilinear", "SpatialUpSamplingNearest"]


class SpatialUpSamplingNearest(Module):
    """``nn.SpatialUpSamplingNearest(scale)``: each pixel becomes a ``scale x scale``
    block (``scale`` a positive integer).

    >>> SpatialUpSamplingNearest(2)(torch.randn(2, 3, 4)).shape
    torch.Size([2, 6, 8])
    """

    def __init__(self, scale: int):
        super().__init__()
        if scale < 1:
            raise ValueError("nn.SpatialUpSamplingNearest: scale_factor must be at least 1")
        if int(scale) != scale:
            raise ValueError(f"nn.SpatialUpSamplingNearest: scale_factor must be an integer, got {scale}")
        self.scale_factor = int(scale)

    def forward(self, input):
        x, batched = as_batch(self, input, 3, "C x H x W")
        y = F.interpolate(x, scale_factor=self.scale_factor, mode="nearest")
        return y if batched else y.squeeze(0)

    def extra_repr(self) -> str:
        return str(self.scale_factor)


def _bilinear(x: torch.Tensor, out_size: int, dim: int) -> torch.Tensor:
    """Linear interpolation along ``dim`` to ``out_size`` points, corners aligned, with
    THNN's arithmetic: the source position ``ratio * i`` and its fractional part are
    computed in float32 (so results match Lua's to the last bits, where PyTorch's
    ``interpolate`` differs by ~1e-7)."""
    n = x.shape[dim]
    ratio = torch.tensor((n - 1) / (out_size - 1) if out_size > 1 else 0.0, dtype=torch.float32)
    pos = ratio * torch.arange(out_size, dtype=torch.float32)
    lo = pos.to(torch.int64)
    frac = (pos - lo.to(torch.float32)).to(x.dtype)
    hi = lo + (lo < n - 1).to(torch.int64)
    shape = [1] * x.dim()
    shape[dim] = out_size
    frac = frac.view(shape)
    return (1 - frac) * x.index_select(dim, lo) + frac * x.index_select(dim, hi)


class SpatialUpSamplingBilinear(Module):
    """``nn.SpatialUpSamplingBilinear(scale)`` or ``nn.SpatialUpSamplingBilinear({oheight=,
    owidth=})`` (here ``oheight=``, ``owidth=`` keywords): bilinear interpolation with the
    corner pixels aligned (PyTorch's ``align_corners=True``) to ``H*scale x W*scale`` or
    to the given size.

    >>> SpatialUpSamplingBilinear(2)(torch.randn(1, 2, 3, 3)).shape
    torch.Size([1, 2, 6, 6])
    """

    def __init__(self, scale: int | None = None, *, oheight: int | None = None, owidth: int | None = None):
        super().__init__()
        if isinstance(scale, dict):
            oheight, owidth, scale = scale.get("oheight"), scale.get("owidth"), None
        if scale is None and (oheight is None or owidth is None):
            raise ValueError("nn.SpatialUpSamplingBilinear: give a scale factor or both oheight and owidth")
        if scale is not None and (scale < 1 or int(scale) != scale):
            raise ValueError(f"nn.SpatialUpSamplingBilinear: scale_factor must be an integer >= 1, got {scale}")
        self.scale_factor = None if scale is None else int(scale)
        self.oheight = None if oheight is None else int(oheight)
        self.owidth = None if owidth is None else int(owidth)

    def forward(self, input):
        x, batched = as_batch(self, input, 3, "C x H x W")
        if self.scale_factor is not None:
            size = (x.shape[2] * self.scale_factor, x.shape[3] * self.scale_factor)
        else:
            size = (self.oheight, self.owidth)
        y = _bilinear(_bilinear(x, size[0], 2), size[1], 3)
        return y if batched else y.squeeze(0)

    def extra_repr(self) -> str:
        return str(self.scale_factor) if self.scale_factor is not None else f"{self.oheight}x{self.owidth}"
