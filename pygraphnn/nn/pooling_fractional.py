"""``nn.SpatialFractionalMaxPooling``: max pooling over pseudo-random overlapping windows
that shrink the image by a non-integer ratio (Graham, "Fractional Max-Pooling").

The windows come from two uniform samples per (sample, plane), drawn from Lua's random
stream as Lua draws them, so after the same seed the output is Lua's.

>>> _ = torch.manual_seed(1)
>>> SpatialFractionalMaxPooling(2, 2, 0.5, 0.5)(torch.randn(3, 8, 6)).shape
torch.Size([3, 4, 3])
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..lua_random import lua_uniform_
from ..module import Module
from .conv import _unbatch, as_batch

__all__ = ["SpatialFractionalMaxPooling"]


class SpatialFractionalMaxPooling(Module):
    """``nn.SpatialFractionalMaxPooling(poolSizeW, poolSizeH, outW, outH)`` (an output size,
    both >= 1) or ``(poolSizeW, poolSizeH, ratioW, ratioH)`` (ratios in (0, 1): the
    output is ``floor(H * ratioH) x floor(W * ratioW)``), on ``C x H x W`` or a batch.

    Each forward draws new samples (``randomSamples``, batch x planes x 2: W then H) unless
    :meth:`fixPoolingRegions` was called and samples of the right size exist, as in Lua.
    """

    def __init__(self, poolSizeW: int, poolSizeH: int, arg1: float, arg2: float):
        super().__init__()
        if poolSizeW < 2 or poolSizeH < 2:
            raise ValueError(f"nn.SpatialFractionalMaxPooling: pool sizes must be >= 2, got {poolSizeW}x{poolSizeH}")
        self.poolSizeW, self.poolSizeH = int(poolSizeW), int(poolSizeH)
        self.randomSamples: torch.Tensor | None = None
        self.newRandomPool = False
        self.outW: int | None = None
        self.outH: int | None = None
        self.ratioW: float | None = None
        self.ratioH: float | None = None
        if arg1 >= 1 and arg2 >= 1:
            self.outW, self.outH = int(arg1), int(arg2)
        elif 0 < arg1 < 1 and 0 < arg2 < 1:
            self.ratioW, self.ratioH = float(arg1), float(arg2)
        else:
            raise ValueError(
                f"nn.SpatialFractionalMaxPooling: give an output size (both >= 1) or reduction "
                f"ratios (both in (0, 1)), got {arg1}, {arg2}"
            )

    def fixPoolingRegions(self, val: bool = True) -> SpatialFractionalMaxPooling:
        """Lua's ``fixPoolingRegions([val=true])``: keep the current samples across forwards."""
        self.newRandomPool = bool(val)
        return self

    def _samples(self, x: torch.Tensor) -> torch.Tensor:
        n, c = x.shape[:2]
        s = self.randomSamples
        if s is None or tuple(s.shape[:2]) != (n, c):
            s = torch.empty(n, c, 2, dtype=x.dtype)
            lua_uniform_(s)
        elif not self.newRandomPool:
            s = lua_uniform_(torch.empty_like(s))
        self.randomSamples = s
        return s

    def _out_size(self, x: torch.Tensor) -> tuple[int, int]:
        if self.outW is not None and self.outH is not None:
            return self.outH, self.outW
        assert self.ratioW is not None and self.ratioH is not None  # the constructor set one pair
        h, w = math.floor(x.shape[2] * self.ratioH), math.floor(x.shape[3] * self.ratioW)
        if h < 1 or w < 1:
            raise ValueError(
                f"{self.lua_label()}: reduction ratio or input size too small (input {tuple(x.shape[2:])})"
            )
        return h, w

    def forward(self, input):
        x, batched = as_batch(self, input, 3, "C x H x W")
        out_h, out_w = self._out_size(x)
        if out_h + self.poolSizeH - 1 > x.shape[2] or out_w + self.poolSizeW - 1 > x.shape[3]:
            raise ValueError(
                f"{self.lua_label()}: an output of {out_h}x{out_w} with {self.poolSizeH}x"
                f"{self.poolSizeW} windows needs a larger input than {tuple(x.shape[2:])}"
            )
        samples = self._samples(x).to(device=x.device, dtype=x.dtype)
        # PyTorch's op places the windows with THNN's formula from the same samples
        y = F.fractional_max_pool2d(
            x, (self.poolSizeH, self.poolSizeW), output_size=(out_h, out_w), _random_samples=samples
        )
        return _unbatch(y, batched)

    def lua_label(self) -> str:
        size = f"{self.outW}x{self.outH}" if self.outW is not None else f"{self.ratioW}x{self.ratioH}"
        return f"nn.SpatialFractionalMaxPooling({size}, {self.poolSizeW},{self.poolSizeH})"
