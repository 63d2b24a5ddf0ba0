"""Pooling with Lua nn's arguments: Spatial (2-D), Temporal (over frames) and
Volumetric (3-D) max and average pooling, dilated max pooling, adaptive max/average
pooling, max unpooling and LP pooling.

Sizes are written width first as in Lua (``kW, kH, dW, dH, padW, padH``); ``:ceil()``
/ ``:floor()`` choose how the output size is rounded, ``:setCountIncludePad()`` /
``:setCountExcludePad()`` whether an average counts the zero padding. Every module
takes one sample or a batch.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from ..module import Module
from .containers import Sequential
from .conv import as_batch
from .simple import MulConstant, Power, Sqrt, Square

__all__ = [
    "SpatialAdaptiveAveragePooling",
    "SpatialAdaptiveMaxPooling",
    "SpatialAveragePooling",
    "SpatialDilatedMaxPooling",
    "SpatialLPPooling",
    "SpatialMaxPooling",
    "SpatialMaxUnpooling",
    "TemporalMaxPooling",
    "VolumetricAveragePooling",
    "VolumetricDilatedMaxPooling",
    "VolumetricMaxPooling",
]

_IMAGE = "nInputPlane x H x W"
_VOLUME = "nInputPlane x T x H x W"


class _CeilMode:
    ceil_mode = False

    def ceil(self):
        """Lua's ``:ceil()``: round the output size up (the last window may overhang)."""
        self.ceil_mode = True
        return self

    def floor(self):
        """Lua's ``:floor()`` (the default): round the output size down."""
        self.ceil_mode = False
        return self


class SpatialMaxPooling(_CeilMode, Module):
    """``nn.SpatialMaxPooling(kW, kH[, dW, dH, padW, padH])``: the maximum of each
    ``kH x kW`` window (stride defaults to the window size, padding to 0).

    >>> SpatialMaxPooling(2, 2, 2, 2)(torch.randn(2, 3, 6, 6)).shape
    torch.Size([2, 3, 3, 3])
    >>> SpatialMaxPooling(3, 3, 2, 2).ceil()(torch.randn(3, 6, 8)).shape
    torch.Size([3, 3, 4])
    """

    def __init__(self, kW: int, kH: int, dW: int | None = None, dH: int | None = None, padW: int = 0, padH: int = 0):
        super().__init__()
        self.kW, self.kH = int(kW), int(kH)
        self.dW = self.kW if dW is None else int(dW)
        self.dH = self.kH if dH is None else int(dH)
        self.padW, self.padH = int(padW), int(padH)
        self.ceil_mode = False
        # SpatialMaxUnpooling reads the indices of the last forward (see keep_indices)
        self._keep_indices = False
        self.indices = None
        self.iheight = self.iwidth = None

    def forward(self, input):
        x, batched = as_batch(self, input, 3, _IMAGE)
        args = ((self.kH, self.kW), (self.dH, self.dW), (self.padH, self.padW))
        if self._keep_indices:
            y, idx = F.max_pool2d(x, *args, ceil_mode=self.ceil_mode, return_indices=True)
            self.indices = idx if batched else idx.squeeze(0)
            self.iheight, self.iwidth = x.shape[-2], x.shape[-1]
        else:
            y = F.max_pool2d(x, *args, ceil_mode=self.ceil_mode)
        return y if batched else y.squeeze(0)

    def lua_label(self) -> str:
        s = f"nn.{type(self).__name__}({self.kW}x{self.kH}, {self.dW},{self.dH}"
        if self.padW or self.padH:
            s += f", {self.padW},{self.padH}"
        return s + ")"

    def extra_repr(self) -> str:
        return self.lua_label()[len(type(self).__name__) + 4 : -1] + (", ceil" if self.ceil_mode else "")


class SpatialAveragePooling(_CeilMode, Module):
    """``nn.SpatialAveragePooling(kW, kH[, dW, dH, padW, padH])``: the mean of each
    ``kH x kW`` window. The stride defaults to **1** (Lua's default, unlike max pooling).

    By default the zero padding counts in the mean (``count_include_pad``);
    ``setCountExcludePad()`` averages over the real pixels only. ``divide = False``
    (old nn files) gives the window sum.

    >>> SpatialAveragePooling(2, 2, 2, 2)(torch.ones(1, 4, 4)).flatten().tolist()
    [1.0, 1.0, 1.0, 1.0]
    """

    def __init__(self, kW: int, kH: int, dW: int = 1, dH: int = 1, padW: int = 0, padH: int = 0):
        super().__init__()
        self.kW, self.kH, self.dW, self.dH = int(kW), int(kH), int(dW), int(dH)
        self.padW, self.padH = int(padW), int(padH)
        self.ceil_mode = False
        self.count_include_pad = True
        self.divide = True

    def setCountIncludePad(self):  # Lua name
        self.count_include_pad = True
        return self

    def setCountExcludePad(self):  # Lua name
        self.count_include_pad = False
        return self

    def forward(self, input):
        x, batched = as_batch(self, input, 3, _IMAGE)
        y = F.avg_pool2d(
            x,
            (self.kH, self.kW),
            (self.dH, self.dW),
            (self.padH, self.padW),
            ceil_mode=self.ceil_mode,
            count_include_pad=self.count_include_pad,
        )
        if not self.divide:
            y = y * (self.kW * self.kH)
        return y if batched else y.squeeze(0)

    def lua_label(self) -> str:
        s = f"nn.SpatialAveragePooling({self.kW}x{self.kH}, {self.dW},{self.dH}"
        if self.padW or self.padH:
            s += f", {self.padW},{self.padH}"
        return s + ")"

    def extra_repr(self) -> str:
        return (
            self.lua_label()[len("nn.SpatialAveragePooling(") : -1]
            + (", ceil" if self.ceil_mode else "")
            + ("" if self.count_include_pad else ", exclude pad")
        )


class SpatialAdaptiveMaxPooling(Module):
    """``nn.SpatialAdaptiveMaxPooling(W, H)``: max pooling to a fixed ``H x W`` output
    (arguments width first, as every Spatial* constructor). Window ``i`` of ``n`` over
    a size ``s`` spans ``floor(i*s/n)`` to ``ceil((i+1)*s/n)``.

    >>> SpatialAdaptiveMaxPooling(3, 2)(torch.randn(2, 2, 5, 7)).shape
    torch.Size([2, 2, 2, 3])
    """

    _op: Callable[..., torch.Tensor] = staticmethod(F.adaptive_max_pool2d)

    def __init__(self, W: int, H: int):
        super().__init__()
        self.W, self.H = int(W), int(H)

    def forward(self, input):
        x, batched = as_batch(self, input, 3, _IMAGE)
        y = self._op(x, (self.H, self.W))
        return y if batched else y.squeeze(0)

    def extra_repr(self) -> str:
        return f"W={self.W}, H={self.H}"


class SpatialAdaptiveAveragePooling(SpatialAdaptiveMaxPooling):
    """``nn.SpatialAdaptiveAveragePooling(W, H)``: average pooling to a fixed ``H x W``
    output, windows as :class:`SpatialAdaptiveMaxPooling`'s."""

    _op = staticmethod(F.adaptive_avg_pool2d)


class SpatialMaxUnpooling(Module):
    """``nn.SpatialMaxUnpooling(poolingModule)``: puts each value back where the given
    :class:`SpatialMaxPooling` found its maximum in its last forward (zeros elsewhere),
    giving that forward's input size. The pooling's window must equal its stride.

    >>> pool = SpatialMaxPooling(2, 2)
    >>> unpool = SpatialMaxUnpooling(pool)
    >>> x = torch.randn(1, 4, 4)
    >>> unpool(pool(x)).shape
    torch.Size([1, 4, 4])
    """

    def __init__(self, poolingModule: SpatialMaxPooling):
        super().__init__()
        if not isinstance(poolingModule, SpatialMaxPooling):
            raise TypeError(
                f"nn.SpatialMaxUnpooling: the argument must be an nn.SpatialMaxPooling, got "
                f"{type(poolingModule).__name__}"
            )
        if poolingModule.kH != poolingModule.dH or poolingModule.kW != poolingModule.dW:
            raise ValueError("nn.SpatialMaxUnpooling: the pooling module's kernel size must equal its stride")
        poolingModule._keep_indices = True
        # a plain attribute, not a submodule: the pooling module belongs to the network elsewhere
        self.__dict__["pooling"] = poolingModule

    def forward(self, input):
        pool = self.pooling
        if pool.indices is None:
            raise RuntimeError("nn.SpatialMaxUnpooling: its nn.SpatialMaxPooling has not run a forward yet")
        x, batched = as_batch(self, input, 3, _IMAGE)
        idx = pool.indices if pool.indices.dim() == 4 else pool.indices.unsqueeze(0)
        if idx.shape != x.shape:
            raise ValueError(
                f"nn.SpatialMaxUnpooling: input of shape {tuple(input.shape)} does not match the "
                f"pooling's last output {tuple(pool.indices.shape)}"
            )
        y = F.max_unpool2d(x, idx, (pool.kH, pool.kW), (pool.dH, pool.dW), output_size=(pool.iheight, pool.iwidth))
        return y if batched else y.squeeze(0)


class TemporalMaxPooling(Module):
    """``nn.TemporalMaxPooling(kW[, dW])``: max over windows of ``kW`` frames of an
    ``nFrames x frameSize`` sequence (or a batch ``B x nFrames x frameSize``);
    ``dW`` defaults to ``kW``.

    >>> TemporalMaxPooling(2)(torch.randn(8, 3)).shape
    torch.Size([4, 3])
    """

    def __init__(self, kW: int, dW: int | None = None):
        super().__init__()
        self.kW = int(kW)
        self.dW = self.kW if dW is None else int(dW)

    def forward(self, input):
        x, batched = as_batch(self, input, 2, "nFrames x frameSize")
        y = F.max_pool1d(x.transpose(1, 2), self.kW, self.dW).transpose(1, 2)
        return y if batched else y.squeeze(0)

    def extra_repr(self) -> str:
        return f"{self.kW}, {self.dW}"


class VolumetricMaxPooling(_CeilMode, Module):
    """``nn.VolumetricMaxPooling(kT, kW, kH[, dT, dW, dH, padT, padW, padH])``: 3-D max
    pooling of ``nInputPlane x T x H x W`` (or a batch); strides default to the window.

    >>> VolumetricMaxPooling(2, 2, 2)(torch.randn(2, 4, 4, 6)).shape
    torch.Size([2, 2, 2, 3])
    """

    def __init__(
        self,
        kT: int,
        kW: int,
        kH: int,
        dT: int | None = None,
        dW: int | None = None,
        dH: int | None = None,
        padT: int = 0,
        padW: int = 0,
        padH: int = 0,
    ):
        super().__init__()
        self.kT, self.kW, self.kH = int(kT), int(kW), int(kH)
        self.dT = self.kT if dT is None else int(dT)
        self.dW = self.kW if dW is None else int(dW)
        self.dH = self.kH if dH is None else int(dH)
        self.padT, self.padW, self.padH = int(padT), int(padW), int(padH)
        self.ceil_mode = False

    def forward(self, input):
        x, batched = as_batch(self, input, 4, _VOLUME)
        y = F.max_pool3d(
            x,
            (self.kT, self.kH, self.kW),
            (self.dT, self.dH, self.dW),
            (self.padT, self.padH, self.padW),
            ceil_mode=self.ceil_mode,
        )
        return y if batched else y.squeeze(0)

    def extra_repr(self) -> str:
        return f"{self.kT}x{self.kW}x{self.kH}, {self.dT},{self.dW},{self.dH}, {self.padT},{self.padW},{self.padH}" + (
            ", ceil" if self.ceil_mode else ""
        )


class VolumetricAveragePooling(_CeilMode, Module):
    """``nn.VolumetricAveragePooling(kT, kW, kH[, dT, dW, dH, padT, padW, padH])``: 3-D
    average pooling; strides default to the window, padding counts in the mean unless
    ``count_include_pad`` is False.

    >>> VolumetricAveragePooling(2, 2, 2)(torch.ones(1, 2, 2, 2)).flatten().tolist()
    [1.0]
    """

    def __init__(
        self,
        kT: int,
        kW: int,
        kH: int,
        dT: int | None = None,
        dW: int | None = None,
        dH: int | None = None,
        padT: int = 0,
        padW: int = 0,
        padH: int = 0,
    ):
        super().__init__()
        self.kT, self.kW, self.kH = int(kT), int(kW), int(kH)
        self.dT = self.kT if dT is None else int(dT)
        self.dW = self.kW if dW is None else int(dW)
        self.dH = self.kH if dH is None else int(dH)
        self.padT, self.padW, self.padH = int(padT), int(padW), int(padH)
        self.ceil_mode = False
        self.count_include_pad = True

    def forward(self, input):
        x, batched = as_batch(self, input, 4, _VOLUME)
        y = F.avg_pool3d(
            x,
            (self.kT, self.kH, self.kW),
            (self.dT, self.dH, self.dW),
            (self.padT, self.padH, self.padW),
            ceil_mode=self.ceil_mode,
            count_include_pad=self.count_include_pad,
        )
        return y if batched else y.squeeze(0)

    def extra_repr(self) -> str:
        return f"{self.kT}x{self.kW}x{self.kH}, {self.dT},{self.dW},{self.dH}"


class SpatialDilatedMaxPooling(SpatialMaxPooling):
    """``nn.SpatialDilatedMaxPooling(kW, kH[, dW, dH, padW, padH, dilationW, dilationH])``:
    max pooling over windows whose taps are ``dilation`` pixels apart.

    >>> SpatialDilatedMaxPooling(2, 2, 1, 1, 0, 0, 2, 2)(torch.randn(1, 5, 5)).shape
    torch.Size([1, 3, 3])
    """

    def __init__(
        self,
        kW: int,
        kH: int,
        dW: int | None = None,
        dH: int | None = None,
        padW: int = 0,
        padH: int = 0,
        dilationW: int = 1,
        dilationH: int = 1,
    ):
        super().__init__(kW, kH, dW, dH, padW, padH)
        self.dilationW, self.dilationH = int(dilationW), int(dilationH)

    def forward(self, input):
        x, batched = as_batch(self, input, 3, _IMAGE)
        y = F.max_pool2d(
            x,
            (self.kH, self.kW),
            (self.dH, self.dW),
            (self.padH, self.padW),
            (self.dilationH, self.dilationW),
            ceil_mode=self.ceil_mode,
        )
        return y if batched else y.squeeze(0)


class VolumetricDilatedMaxPooling(VolumetricMaxPooling):
    """``nn.VolumetricDilatedMaxPooling(kT, kW, kH[, dT, dW, dH, padT, padW, padH, dilationT,
    dilationW, dilationH])``: 3-D max pooling with spaced window taps.

    >>> VolumetricDilatedMaxPooling(2, 2, 2, 1, 1, 1, 0, 0, 0, 2, 2, 2)(torch.randn(1, 4, 4, 4)).shape
    torch.Size([1, 2, 2, 2])
    """

    def __init__(
        self,
        kT: int,
        kW: int,
        kH: int,
        dT: int | None = None,
        dW: int | None = None,
        dH: int | None = None,
        padT: int = 0,
        padW: int = 0,
        padH: int = 0,
        dilationT: int = 1,
        dilationW: int = 1,
        dilationH: int = 1,
    ):
        super().__init__(kT, kW, kH, dT, dW, dH, padT, padW, padH)
        self.dilationT, self.dilationW, self.dilationH = int(dilationT), int(dilationW), int(dilationH)

    def forward(self, input):
        x, batched = as_batch(self, input, 4, _VOLUME)
        y = F.max_pool3d(
            x,
            (self.kT, self.kH, self.kW),
            (self.dT, self.dH, self.dW),
            (self.padT, self.padH, self.padW),
            (self.dilationT, self.dilationH, self.dilationW),
            ceil_mode=self.ceil_mode,
        )
        return y if batched else y.squeeze(0)


class SpatialLPPooling(Sequential):
    """``nn.SpatialLPPooling(nInputPlane, pnorm, kW, kH[, dW, dH])``: the p-norm of each
    window, ``(sum x^p)^(1/p)`` (strides default to the window). As in Lua it is a
    Sequential: ``Square`` (or ``Power(p)``), ``SpatialAveragePooling``,
    ``MulConstant(kW*kH)``, ``Sqrt`` (or ``Power(1/p)``).

    >>> SpatialLPPooling(1, 2, 2, 2)(torch.full((1, 2, 2), 3.0)).item()
    6.0
    """

    def __init__(self, nInputPlane: int, pnorm: float, kW: int, kH: int, dW: int | None = None, dH: int | None = None):
        super().__init__()
        self.kW, self.kH = int(kW), int(kH)
        self.dW = self.kW if dW is None else int(dW)
        self.dH = self.kH if dH is None else int(dH)
        self.add(Square() if pnorm == 2 else Power(pnorm))
        self.add(SpatialAveragePooling(self.kW, self.kH, self.dW, self.dH))
        self.add(MulConstant(self.kW * self.kH))
        self.add(Sqrt() if pnorm == 2 else Power(1.0 / pnorm))

    def lua_label(self) -> str:
        return "nn.SpatialLPPooling" + super().lua_label()[len("nn.Sequential") :]
