"""``nn.SpatialConvolutionLocal``: a convolution whose filters are not shared, one filter
bank per output position (a locally connected layer, as in DeepFace).

>>> m = SpatialConvolutionLocal(2, 3, 6, 5, 3, 3)
>>> m.weight.shape, m(torch.randn(2, 5, 6)).shape
(torch.Size([3, 4, 3, 2, 3, 3]), torch.Size([3, 3, 4]))
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .conv import _check_planes, _Convolution, _unbatch, as_batch

__all__ = ["SpatialConvolutionLocal"]


class SpatialConvolutionLocal(_Convolution):
    """``nn.SpatialConvolutionLocal(nInputPlane, nOutputPlane, iW, iH, kW, kH[, dW=1, dH=1[, padW=0,
    padH=padW]])`` on a ``nInputPlane x iH x iW`` image (or a batch of them): output
    position ``(y, x)`` has its own ``nOutputPlane x nInputPlane x kH x kW`` filters
    ``weight[y, x]`` and its own bias ``bias[:, y, x]``. The input size is fixed at
    construction, as in Lua. Lua's init: weight then bias uniform in
    ±1/sqrt(kW*kH*nInputPlane).
    """

    def __init__(
        self,
        nInputPlane: int,
        nOutputPlane: int,
        iW: int,
        iH: int,
        kW: int,
        kH: int,
        dW: int = 1,
        dH: int = 1,
        padW: int = 0,
        padH: int | None = None,
    ):
        super().__init__()
        self.nInputPlane, self.nOutputPlane = int(nInputPlane), int(nOutputPlane)
        self.iW, self.iH, self.kW, self.kH = int(iW), int(iH), int(kW), int(kH)
        self.dW = 1 if dW is None else int(dW)
        self.dH = 1 if dH is None else int(dH)
        self.padW = 0 if padW is None else int(padW)
        self.padH = self.padW if padH is None else int(padH)
        self.oW = (2 * self.padW + self.iW - self.kW) // self.dW + 1
        self.oH = (2 * self.padH + self.iH - self.kH) // self.dH + 1
        if self.oW < 1 or self.oH < 1:
            raise ValueError(
                f"{self.lua_label()}: illegal configuration: output width or height less than 1 "
                f"(oW={self.oW}, oH={self.oH})"
            )
        self._init_params(
            (self.oH, self.oW, self.nOutputPlane, self.nInputPlane, self.kH, self.kW),
            (self.nOutputPlane, self.oH, self.oW),
            self.kW * self.kH * self.nInputPlane,
        )

    def forward(self, input):
        x, batched = as_batch(self, input, 3, "nInputPlane x iH x iW")
        _check_planes(self, x, self.nInputPlane)
        if tuple(x.shape[2:]) != (self.iH, self.iW):
            raise ValueError(
                f"{self.lua_label()}: expects images of {self.iH}x{self.iW} (iH x iW, fixed at "
                f"construction), got {tuple(x.shape[2:])}"
            )
        # every window as a column (im2col, as THNN), then each position's own filters
        cols = F.unfold(x, (self.kH, self.kW), padding=(self.padH, self.padW), stride=(self.dH, self.dW))
        w = self.weight.reshape(self.oH * self.oW, self.nOutputPlane, -1)
        y = torch.einsum("bkl,lok->bol", cols, w).reshape(x.shape[0], self.nOutputPlane, self.oH, self.oW)
        if self.bias is not None:
            y = y + self.bias
        return _unbatch(y, batched)

    def lua_label(self) -> str:
        return (
            f"nn.SpatialConvolutionLocal({self.nInputPlane} -> {self.nOutputPlane}, {self.iW}x{self.iH}, "
            f"{self.kW}x{self.kH}, {self.dW},{self.dH}, {self.padW},{self.padH})"
        )
