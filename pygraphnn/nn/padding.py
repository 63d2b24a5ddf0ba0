"""Spatial padding with Lua nn's argument order ``(pad_l, pad_r, pad_t, pad_b)``: zeros
(a negative amount crops), reflection and replication of the border.

Each takes ``C x H x W`` or a batch ``B x C x H x W``; ``pad_r``, ``pad_t`` and
``pad_b`` default to ``pad_l``.
"""

from __future__ import annotations

import torch.nn.functional as F

from ..module import Module
from .conv import as_batch

__all__ = ["SpatialReflectionPadding", "SpatialReplicationPadding", "SpatialZeroPadding"]


class _SpatialPadding(Module):
    _mode = "constant"

    def __init__(self, pad_l: int, pad_r: int | None = None, pad_t: int | None = None, pad_b: int | None = None):
        super().__init__()
        self.pad_l = int(pad_l)
        self.pad_r = self.pad_l if pad_r is None else int(pad_r)
        self.pad_t = self.pad_l if pad_t is None else int(pad_t)
        self.pad_b = self.pad_l if pad_b is None else int(pad_b)

    def pads(self) -> tuple[int, int, int, int]:
        """``(left, right, top, bottom)``, the order ``torch.nn.functional.pad`` takes."""
        return (self.pad_l, self.pad_r, self.pad_t, self.pad_b)

    def forward(self, input):
        x, batched = as_batch(self, input, 3, "C x H x W")
        h = x.shape[2] + self.pad_t + self.pad_b
        w = x.shape[3] + self.pad_l + self.pad_r
        if h < 1 or w < 1:
            raise ValueError(
                f"{self.lua_label()}: input of shape {tuple(input.shape)} is too small for "
                f"padding (l, r, t, b) = {self.pads()}"
            )
        y = F.pad(x, self.pads(), mode=self._mode)
        return y if batched else y.squeeze(0)

    def extra_repr(self) -> str:
        return f"l={self.pad_l}, r={self.pad_r}, t={self.pad_t}, b={self.pad_b}"


class SpatialZeroPadding(_SpatialPadding):
    """``nn.SpatialZeroPadding(pad_l[, pad_r, pad_t, pad_b])``: pad with zeros; a
    negative amount removes that many rows/columns instead.

    >>> SpatialZeroPadding(1, 1, -1, 0)(torch.ones(1, 3, 2)).shape
    torch.Size([1, 2, 4])
    """


class SpatialReflectionPadding(_SpatialPadding):
    """``nn.SpatialReflectionPadding(pad_l[, pad_r, pad_t, pad_b])``: pad with the
    mirror image of the border (the edge pixel itself is not repeated).

    >>> SpatialReflectionPadding(1, 1, 0, 0)(torch.tensor([[[1., 2., 3.]]])).tolist()
    [[[2.0, 1.0, 2.0, 3.0, 2.0]]]
    """

    _mode = "reflect"


class SpatialReplicationPadding(_SpatialPadding):
    """``nn.SpatialReplicationPadding(pad_l[, pad_r, pad_t, pad_b])``: pad by repeating
    the edge pixels.

    >>> SpatialReplicationPadding(1, 1, 0, 0)(torch.tensor([[[1., 2., 3.]]])).tolist()
    [[[1.0, 1.0, 2.0, 3.0, 3.0]]]
    """

    _mode = "replicate"


class VolumetricReplicationPadding(Module):
    """``nn.VolumetricReplicationPadding(pleft[, pright, ptop, pbottom, pfront, pback])``:
    pad a ``C x T x H x W`` volume (or a batch of them) by repeating its edge voxels;
    the other amounts default to ``pleft``.

    >>> VolumetricReplicationPadding(1, 0, 0, 0, 0, 1)(torch.ones(1, 2, 1, 1)).shape
    torch.Size([1, 3, 1, 2])
    """

    def __init__(
        self,
        pleft: int,
        pright: int | None = None,
        ptop: int | None = None,
        pbottom: int | None = None,
        pfront: int | None = None,
        pback: int | None = None,
    ):
        super().__init__()
        self.pleft = int(pleft)
        self.pright, self.ptop, self.pbottom, self.pfront, self.pback = (
            self.pleft if p is None else int(p) for p in (pright, ptop, pbottom, pfront, pback)
        )

    def pads(self) -> tuple[int, int, int, int, int, int]:
        """``(left, right, top, bottom, front, back)``, the order ``torch.nn.functional.pad`` takes."""
        return (self.pleft, self.pright, self.ptop, self.pbottom, self.pfront, self.pback)

    def forward(self, input):
        x, batched = as_batch(self, input, 4, "C x T x H x W")
        if min(self.pads()) < 0:
            raise ValueError(f"{self.lua_label()}: amounts must not be negative, got {self.pads()}")
        y = F.pad(x, self.pads(), mode="replicate")
        return y if batched else y.squeeze(0)

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={getattr(self, k)}" for k in ("pleft", "pright", "ptop", "pbottom", "pfront", "pback"))


__all__.append("VolumetricReplicationPadding")
