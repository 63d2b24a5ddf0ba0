"""Convolutions with Lua nn's arguments and layouts: Spatial (2-D), Temporal (1-D over
frames), Volumetric (3-D), their MM / dilated / full (transposed) variants.

Lua writes sizes width first (``kW, kH``, ``dW, dH``, ``padW, padH``); the weights keep
Lua's layouts, which are PyTorch's except where noted (SpatialConvolutionMM and
TemporalConvolution hold a 2-D weight). Every module takes a single sample (no batch
dimension) or a batch, as Lua does. Default initialisation is Lua's ``reset()``:
weight then bias uniform in ±1/sqrt(fan-in), from Lua's random stream.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..module import Module
from .linear import _lua_stdv, lua_uniform_

__all__ = [
    "SpatialConvolution",
    "SpatialConvolutionMM",
    "SpatialConvolutionMap",
    "SpatialDilatedConvolution",
    "SpatialFullConvolution",
    "SpatialSubSampling",
    "TemporalConvolution",
    "TemporalSubSampling",
    "VolumetricConvolution",
    "VolumetricDilatedConvolution",
    "VolumetricFullConvolution",
    "as_batch",
]


def as_batch(module: Module, input: torch.Tensor, sample_dims: int, what: str) -> tuple[torch.Tensor, bool]:
    """``(batched input, whether it was already a batch)``: a ``sample_dims``-D input
    gains a leading batch dimension of 1; anything but ``sample_dims`` or
    ``sample_dims + 1`` dimensions is refused naming the module."""
    if not isinstance(input, torch.Tensor):
        raise TypeError(f"{module.lua_label()}: expects a tensor, got {type(input).__name__}")
    if input.dim() == sample_dims:
        return input.unsqueeze(0), False
    if input.dim() == sample_dims + 1:
        return input, True
    raise ValueError(
        f"{module.lua_label()}: expects a {sample_dims}-D ({what}) or {sample_dims + 1}-D "
        f"(batch x {what}) tensor, got a {input.dim()}-D tensor of shape {tuple(input.shape)}"
    )


def _unbatch(output: torch.Tensor, batched: bool) -> torch.Tensor:
    return output if batched else output.squeeze(0)


def _check_planes(module: Module, x: torch.Tensor, n: int) -> None:
    if x.shape[1] != n:
        raise ValueError(
            f"{module.lua_label()}: expects {n} input planes, got {x.shape[1]} (input of shape {tuple(x.shape)})"
        )


class _Convolution(Module):
    """Weight + optional bias, Lua's reset over ``fan_in``, ``noBias()``."""

    def _init_params(self, weight_shape: tuple, n_out: int | tuple[int, ...], fan_in: int) -> None:
        self.weight = torch.nn.Parameter(torch.empty(weight_shape))
        self.bias = torch.nn.Parameter(torch.empty(n_out))
        self._fan_in = fan_in
        self.reset()

    def reset(self, stdv: float | None = None):
        """Lua's ``reset([stdv])``: weight then bias uniform in ±stdv*sqrt(3), by default
        ±1/sqrt(fan-in), from Lua's random stream."""
        bound = _lua_stdv(stdv, 1.0 / math.sqrt(self._fan_in))
        lua_uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            lua_uniform_(self.bias, -bound, bound)
        return self

    def noBias(self):  # Lua name
        """Lua's ``noBias()``: drop the bias; returns self."""
        self.bias = None
        return self

    def _bias_note(self) -> str:
        return "" if self.bias is not None else " without bias"

    def extra_repr(self) -> str:
        label = self.lua_label()
        return label[label.index("(") + 1 : label.rindex(")")]


class SpatialConvolution(_Convolution):
    """``nn.SpatialConvolution(nInputPlane, nOutputPlane, kW, kH[, dW, dH, padW, padH])``:
    a 2-D convolution of a ``nInputPlane x H x W`` image or a batch of them.

    ``weight`` is ``nOutputPlane x nInputPlane x kH x kW`` (as ``torch.nn.Conv2d``);
    ``padH`` defaults to ``padW``. ``groups`` (cudnn.SpatialConvolution's 9th argument;
    Lua nn has none) splits the planes into groups convolved separately, the weight then
    being ``nOutputPlane x nInputPlane/groups x kH x kW``.

    >>> conv = SpatialConvolution(3, 8, 3, 3, 1, 1, 1, 1)
    >>> conv(torch.randn(2, 3, 16, 16)).shape
    torch.Size([2, 8, 16, 16])
    """

    def __init__(
        self,
        nInputPlane: int,
        nOutputPlane: int,
        kW: int,
        kH: int,
        dW: int = 1,
        dH: int = 1,
        padW: int = 0,
        padH: int | None = None,
        groups: int = 1,
    ):
        super().__init__()
        self.nInputPlane, self.nOutputPlane = int(nInputPlane), int(nOutputPlane)
        self.kW, self.kH, self.dW, self.dH = int(kW), int(kH), int(dW), int(dH)
        self.padW = int(padW)
        self.padH = self.padW if padH is None else int(padH)
        self.dilationW = self.dilationH = 1
        self.groups = int(groups)
        if self.nInputPlane % self.groups or self.nOutputPlane % self.groups:
            raise ValueError(
                f"nn.{type(self).__name__}: nInputPlane ({self.nInputPlane}) and nOutputPlane "
                f"({self.nOutputPlane}) must be multiples of groups ({self.groups})"
            )
        self._init_params(self._weight_shape(), self.nOutputPlane, self.kW * self.kH * self.nInputPlane)

    def _weight_shape(self) -> tuple:
        return (self.nOutputPlane, self.nInputPlane // self.groups, self.kH, self.kW)

    def _weight4d(self) -> torch.Tensor:
        return self.weight

    def forward(self, input):
        x, batched = as_batch(self, input, 3, "nInputPlane x H x W")
        _check_planes(self, x, self.nInputPlane)
        y = F.conv2d(
            x,
            self._weight4d(),
            self.bias,
            (self.dH, self.dW),
            (self.padH, self.padW),
            (self.dilationH, self.dilationW),
            self.groups,
        )
        return _unbatch(y, batched)

    def lua_label(self) -> str:
        s = f"nn.{type(self).__name__}({self.nInputPlane} -> {self.nOutputPlane}, {self.kW}x{self.kH}"
        if self.dW != 1 or self.dH != 1 or self.padW != 0 or self.padH != 0:
            s += f", {self.dW},{self.dH}"
        if self.padW != 0 or self.padH != 0:
            s += f", {self.padW},{self.padH}"
        if self.dilationW != 1 or self.dilationH != 1:
            s += f", {self.dilationW},{self.dilationH}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        return s + ")" + self._bias_note()


class SpatialConvolutionMM(SpatialConvolution):
    """``nn.SpatialConvolutionMM(...)``: SpatialConvolution with Lua's older 2-D weight
    layout ``nOutputPlane x (nInputPlane*kH*kW)`` (same arguments, same result).

    >>> SpatialConvolutionMM(3, 4, 3, 3).weight.shape
    torch.Size([4, 27])
    """

    def _weight_shape(self) -> tuple:
        return (self.nOutputPlane, self.nInputPlane * self.kH * self.kW)

    def _weight4d(self) -> torch.Tensor:
        return self.weight.view(self.nOutputPlane, self.nInputPlane, self.kH, self.kW)


class SpatialDilatedConvolution(SpatialConvolution):
    """``nn.SpatialDilatedConvolution(nIn, nOut, kW, kH[, dW, dH, padW, padH, dilationW, dilationH])``:
    a SpatialConvolution whose kernel taps are ``dilation`` pixels apart.

    >>> SpatialDilatedConvolution(3, 2, 3, 3, 1, 1, 2, 2, 2, 2)(torch.randn(3, 7, 7)).shape
    torch.Size([2, 7, 7])
    """

    def __init__(
        self,
        nInputPlane: int,
        nOutputPlane: int,
        kW: int,
        kH: int,
        dW: int = 1,
        dH: int = 1,
        padW: int = 0,
        padH: int | None = None,
        dilationW: int = 1,
        dilationH: int = 1,
    ):
        super().__init__(nInputPlane, nOutputPlane, kW, kH, dW, dH, padW, padH)
        self.dilationW, self.dilationH = int(dilationW), int(dilationH)


class SpatialFullConvolution(_Convolution):
    """``nn.SpatialFullConvolution(nIn, nOut, kW, kH[, dW, dH, padW, padH, adjW, adjH])``:
    the transposed convolution (``torch.nn.ConvTranspose2d``; ``adj`` is its
    ``output_padding``). ``weight`` is ``nInputPlane x nOutputPlane x kH x kW``.

    As in Lua, the input may be a list ``[x, target]``: ``adj`` is then chosen so the
    output has ``target``'s height and width.

    >>> SpatialFullConvolution(3, 2, 3, 3, 2, 2, 1, 1, 1, 1)(torch.randn(3, 4, 5)).shape
    torch.Size([2, 8, 10])
    """

    def __init__(
        self,
        nInputPlane: int,
        nOutputPlane: int,
        kW: int,
        kH: int,
        dW: int = 1,
        dH: int = 1,
        padW: int = 0,
        padH: int = 0,
        adjW: int = 0,
        adjH: int = 0,
    ):
        super().__init__()
        self.nInputPlane, self.nOutputPlane = int(nInputPlane), int(nOutputPlane)
        self.kW, self.kH, self.dW, self.dH = int(kW), int(kH), int(dW), int(dH)
        self.padW, self.padH, self.adjW, self.adjH = int(padW), int(padH), int(adjW), int(adjH)
        if self.adjW > self.dW - 1 or self.adjH > self.dH - 1:
            raise ValueError(
                f"nn.SpatialFullConvolution: adjW ({self.adjW}) and adjH ({self.adjH}) must be "
                f"smaller than dW ({self.dW}) and dH ({self.dH})"
            )
        self._init_params(
            (self.nInputPlane, self.nOutputPlane, self.kH, self.kW),
            self.nOutputPlane,
            self.kW * self.kH * self.nInputPlane,
        )

    def forward(self, input):
        adjW, adjH = self.adjW, self.adjH
        if isinstance(input, (list, tuple)):
            input, target = input[0], input[1]
            adjW = (target.shape[-1] + 2 * self.padW - self.kW) % self.dW
            adjH = (target.shape[-2] + 2 * self.padH - self.kH) % self.dH
        x, batched = as_batch(self, input, 3, "nInputPlane x H x W")
        _check_planes(self, x, self.nInputPlane)
        y = F.conv_transpose2d(x, self.weight, self.bias, (self.dH, self.dW), (self.padH, self.padW), (adjH, adjW))
        return _unbatch(y, batched)

    def lua_label(self) -> str:
        s = f"nn.SpatialFullConvolution({self.nInputPlane} -> {self.nOutputPlane}, {self.kW}x{self.kH}"
        if self.dW != 1 or self.dH != 1 or self.padW != 0 or self.padH != 0:
            s += f", {self.dW},{self.dH}"
        if self.padW != 0 or self.padH != 0 or self.adjW != 0 or self.adjH != 0:
            s += f", {self.padW},{self.padH}"
        if self.adjW != 0 or self.adjH != 0:
            s += f", {self.adjW},{self.adjH}"
        return s + ")" + self._bias_note()


class TemporalConvolution(_Convolution):
    """``nn.TemporalConvolution(inputFrameSize, outputFrameSize, kW[, dW])``: a 1-D
    convolution over a sequence of frames, ``nFrames x inputFrameSize`` or a batch
    ``B x nFrames x inputFrameSize`` (frames in rows, unlike ``torch.nn.Conv1d``).

    ``weight`` is ``outputFrameSize x (kW*inputFrameSize)``: each row is the kW input
    frames of a window laid end to end.

    >>> TemporalConvolution(4, 3, 2, 2)(torch.randn(2, 8, 4)).shape
    torch.Size([2, 4, 3])
    """

    def __init__(self, inputFrameSize: int, outputFrameSize: int, kW: int, dW: int = 1):
        super().__init__()
        self.inputFrameSize, self.outputFrameSize = int(inputFrameSize), int(outputFrameSize)
        self.kW, self.dW = int(kW), int(dW)
        self._init_params(
            (self.outputFrameSize, self.kW * self.inputFrameSize), self.outputFrameSize, self.kW * self.inputFrameSize
        )

    def weight3d(self) -> torch.Tensor:
        """The weight as ``torch.nn.Conv1d`` holds it: ``out x in x kW``."""
        return self.weight.view(self.outputFrameSize, self.kW, self.inputFrameSize).transpose(1, 2)

    def forward(self, input):
        x, batched = as_batch(self, input, 2, "nFrames x inputFrameSize")
        if x.shape[2] != self.inputFrameSize:
            raise ValueError(
                f"{self.lua_label()}: expects frames of size {self.inputFrameSize}, got "
                f"{x.shape[2]} (input of shape {tuple(input.shape)})"
            )
        y = F.conv1d(x.transpose(1, 2), self.weight3d(), self.bias, self.dW)
        return _unbatch(y.transpose(1, 2), batched)

    def lua_label(self) -> str:
        return f"nn.TemporalConvolution({self.inputFrameSize} -> {self.outputFrameSize}, {self.kW}, {self.dW})"


class VolumetricConvolution(_Convolution):
    """``nn.VolumetricConvolution(nIn, nOut, kT, kW, kH[, dT, dW, dH, padT, padW, padH])``:
    a 3-D convolution of ``nIn x T x H x W`` (or a batch). ``weight`` is
    ``nOut x nIn x kT x kH x kW`` (as ``torch.nn.Conv3d``); ``padW`` defaults to ``padT``
    and ``padH`` to ``padW``.

    >>> VolumetricConvolution(2, 3, 2, 3, 3)(torch.randn(2, 4, 5, 5)).shape
    torch.Size([3, 3, 3, 3])
    """

    def __init__(
        self,
        nInputPlane: int,
        nOutputPlane: int,
        kT: int,
        kW: int,
        kH: int,
        dT: int = 1,
        dW: int = 1,
        dH: int = 1,
        padT: int = 0,
        padW: int | None = None,
        padH: int | None = None,
    ):
        super().__init__()
        self.nInputPlane, self.nOutputPlane = int(nInputPlane), int(nOutputPlane)
        self.kT, self.kW, self.kH, self.dT, self.dW, self.dH = int(kT), int(kW), int(kH), int(dT), int(dW), int(dH)
        self.padT = int(padT)
        self.padW = self.padT if padW is None else int(padW)
        self.padH = self.padW if padH is None else int(padH)
        self._init_params(
            (self.nOutputPlane, self.nInputPlane, self.kT, self.kH, self.kW),
            self.nOutputPlane,
            self.kT * self.kW * self.kH * self.nInputPlane,
        )

    def forward(self, input):
        x, batched = as_batch(self, input, 4, "nInputPlane x T x H x W")
        _check_planes(self, x, self.nInputPlane)
        y = F.conv3d(x, self.weight, self.bias, (self.dT, self.dH, self.dW), (self.padT, self.padH, self.padW))
        return _unbatch(y, batched)

    def lua_label(self) -> str:
        return (
            f"nn.VolumetricConvolution({self.nInputPlane} -> {self.nOutputPlane}, {self.kT}x{self.kW}x{self.kH}, "
            f"{self.dT},{self.dW},{self.dH}, {self.padT},{self.padW},{self.padH})" + self._bias_note()
        )


class VolumetricFullConvolution(_Convolution):
    """``nn.VolumetricFullConvolution(nIn, nOut, kT, kW, kH[, dT, dW, dH, padT, padW, padH,
    adjT, adjW, adjH])``: the 3-D transposed convolution (``torch.nn.ConvTranspose3d``).
    ``weight`` is ``nIn x nOut x kT x kH x kW``.

    >>> VolumetricFullConvolution(2, 3, 2, 2, 2, 2, 2, 2)(torch.randn(2, 3, 3, 3)).shape
    torch.Size([3, 6, 6, 6])
    """

    def __init__(
        self,
        nInputPlane: int,
        nOutputPlane: int,
        kT: int,
        kW: int,
        kH: int,
        dT: int = 1,
        dW: int = 1,
        dH: int = 1,
        padT: int = 0,
        padW: int = 0,
        padH: int = 0,
        adjT: int = 0,
        adjW: int = 0,
        adjH: int = 0,
    ):
        super().__init__()
        self.nInputPlane, self.nOutputPlane = int(nInputPlane), int(nOutputPlane)
        self.kT, self.kW, self.kH, self.dT, self.dW, self.dH = int(kT), int(kW), int(kH), int(dT), int(dW), int(dH)
        self.padT, self.padW, self.padH = int(padT), int(padW), int(padH)
        self.adjT, self.adjW, self.adjH = int(adjT), int(adjW), int(adjH)
        if self.adjT > self.dT - 1 or self.adjW > self.dW - 1 or self.adjH > self.dH - 1:
            raise ValueError("nn.VolumetricFullConvolution: adjT, adjW and adjH must be smaller than dT, dW and dH")
        self._init_params(
            (self.nInputPlane, self.nOutputPlane, self.kT, self.kH, self.kW),
            self.nOutputPlane,
            self.kT * self.kW * self.kH * self.nInputPlane,
        )

    def forward(self, input):
        x, batched = as_batch(self, input, 4, "nInputPlane x T x H x W")
        _check_planes(self, x, self.nInputPlane)
        y = F.conv_transpose3d(
            x,
            self.weight,
            self.bias,
            (self.dT, self.dH, self.dW),
            (self.padT, self.padH, self.padW),
            (self.adjT, self.adjH, self.adjW),
        )
        return _unbatch(y, batched)

    def lua_label(self) -> str:
        return (
            f"nn.VolumetricFullConvolution({self.nInputPlane} -> {self.nOutputPlane}, "
            f"{self.kT}x{self.kW}x{self.kH})" + self._bias_note()
        )


class VolumetricDilatedConvolution(VolumetricConvolution):
    """``nn.VolumetricDilatedConvolution(nIn, nOut, kT, kW, kH[, dT, dW, dH, padT, padW, padH,
    dilationT, dilationW, dilationH])``: a VolumetricConvolution with spaced kernel taps.

    >>> VolumetricDilatedConvolution(2, 3, 2, 2, 2, 1, 1, 1, 0, 0, 0, 2, 2, 2)(torch.randn(2, 5, 5, 5)).shape
    torch.Size([3, 3, 3, 3])
    """

    def __init__(
        self,
        nInputPlane: int,
        nOutputPlane: int,
        kT: int,
        kW: int,
        kH: int,
        dT: int = 1,
        dW: int = 1,
        dH: int = 1,
        padT: int = 0,
        padW: int | None = None,
        padH: int | None = None,
        dilationT: int = 1,
        dilationW: int = 1,
        dilationH: int = 1,
    ):
        super().__init__(nInputPlane, nOutputPlane, kT, kW, kH, dT, dW, dH, padT, padW, padH)
        self.dilationT, self.dilationW, self.dilationH = int(dilationT), int(dilationW), int(dilationH)

    def forward(self, input):
        x, batched = as_batch(self, input, 4, "nInputPlane x T x H x W")
        _check_planes(self, x, self.nInputPlane)
        y = F.conv3d(
            x,
            self.weight,
            self.bias,
            (self.dT, self.dH, self.dW),
            (self.padT, self.padH, self.padW),
            (self.dilationT, self.dilationH, self.dilationW),
        )
        return _unbatch(y, batched)


class SpatialConvolutionMap(Module):
    """``nn.SpatialConvolutionMap(connTable, kW, kH[, dW, dH])``: a convolution whose
    connections between input and output planes are listed: ``connTable`` is a
    ``nConnections x 2`` tensor of 1-based ``(input plane, output plane)`` pairs (Lua's
    ``nn.tables.full/oneToOne/random``); connection ``k`` has its own ``kH x kW`` kernel
    ``weight[k]``, each output plane a bias. Lua's init: kernels and biases uniform in
    ±1/sqrt(kW*kH*fan-in of the output plane).

    >>> SpatialConvolutionMap(torch.tensor([[1., 1.], [2., 1.], [2., 2.]]), 3, 3)(torch.randn(2, 5, 5)).shape
    torch.Size([2, 3, 3])
    """

    connTable: torch.Tensor  # a buffer: register_buffer hides its type from mypy

    def __init__(self, connTable, kW: int, kH: int, dW: int = 1, dH: int = 1):
        super().__init__()
        table = torch.as_tensor(connTable).reshape(-1, 2).to(torch.int64)
        if table.numel() == 0 or table.min() < 1:
            raise ValueError("nn.SpatialConvolutionMap: connTable must list 1-based (input, output) plane pairs")
        self.register_buffer("connTable", table.double(), persistent=True)
        self.kW, self.kH, self.dW, self.dH = int(kW), int(kH), int(dW), int(dH)
        self.nInputPlane = int(table[:, 0].max())
        self.nOutputPlane = int(table[:, 1].max())
        self.weight = torch.nn.Parameter(torch.empty(table.shape[0], self.kH, self.kW))
        self.bias = torch.nn.Parameter(torch.empty(self.nOutputPlane))
        self.reset()

    def reset(self, stdv: float | None = None) -> SpatialConvolutionMap:
        """Lua's ``reset([stdv])``: each kernel, then each bias, uniform in ±1/sqrt(kW*kH*fan-in)
        of its output plane (±stdv*sqrt(3) when given)."""
        if stdv is not None:
            bound = stdv * math.sqrt(3)
            lua_uniform_(self.weight, -bound, bound)
            lua_uniform_(self.bias, -bound, bound)
            return self
        dst = self.connTable[:, 1].long() - 1
        fan_in = torch.bincount(dst, minlength=self.nOutputPlane).tolist()
        with torch.no_grad():
            for k, d in enumerate(dst.tolist()):  # one draw sequence per kernel, as Lua
                bound = 1.0 / math.sqrt(self.kW * self.kH * fan_in[d])
                lua_uniform_(self.weight[k], -bound, bound)
            for j in range(self.nOutputPlane):
                bound = 1.0 / math.sqrt(self.kW * self.kH * fan_in[j])
                lua_uniform_(self.bias[j : j + 1], -bound, bound)
        return self

    def forward(self, input):
        x, batched = as_batch(self, input, 3, "nInputPlane x H x W")
        if x.shape[1] < self.nInputPlane:
            raise ValueError(f"{self.lua_label()}: expects at least {self.nInputPlane} input planes, got {x.shape[1]}")
        src = self.connTable[:, 0].long() - 1
        dst = self.connTable[:, 1].long() - 1
        per_connection = F.conv2d(
            x.index_select(1, src), self.weight.unsqueeze(1), None, (self.dH, self.dW), groups=src.numel()
        )
        out = per_connection.new_zeros((x.shape[0], self.nOutputPlane) + per_connection.shape[2:])
        out = out.index_add(1, dst, per_connection) + self.bias.view(1, -1, 1, 1)
        return _unbatch(out, batched)

    def extra_repr(self) -> str:
        return f"{self.nInputPlane} -> {self.nOutputPlane}, {self.kW}x{self.kH}, {self.dW},{self.dH}"


class SpatialSubSampling(_Convolution):
    """``nn.SpatialSubSampling(nInputPlane, kW, kH[, dW, dH])``: per plane, the sum of each
    ``kH x kW`` window times a learnable scalar plus a learnable bias (LeNet-style
    subsampling). Lua's init: uniform in ±1/sqrt(kW*kH).

    >>> SpatialSubSampling(3, 2, 2, 2, 2)(torch.randn(3, 6, 6)).shape
    torch.Size([3, 3, 3])
    """

    def __init__(self, nInputPlane: int, kW: int, kH: int, dW: int = 1, dH: int = 1):
        super().__init__()
        self.nInputPlane = int(nInputPlane)
        self.kW, self.kH, self.dW, self.dH = int(kW), int(kH), int(dW), int(dH)
        self._init_params((self.nInputPlane,), self.nInputPlane, self.kW * self.kH)

    def forward(self, input):
        x, batched = as_batch(self, input, 3, "nInputPlane x H x W")
        _check_planes(self, x, self.nInputPlane)
        kernel = self.weight.view(-1, 1, 1, 1).expand(-1, 1, self.kH, self.kW)
        y = F.conv2d(x, kernel, self.bias, (self.dH, self.dW), groups=self.nInputPlane)
        return _unbatch(y, batched)

    def lua_label(self) -> str:
        return f"nn.SpatialSubSampling({self.nInputPlane}, {self.kW}x{self.kH}, {self.dW},{self.dH})"


class TemporalSubSampling(_Convolution):
    """``nn.TemporalSubSampling(inputFrameSize, kW[, dW])``: per feature, the sum over
    windows of ``kW`` frames times a learnable scalar plus a learnable bias, on
    ``nFrames x inputFrameSize`` (or a batch). Lua's init: uniform in ±1/sqrt(kW).

    >>> TemporalSubSampling(4, 2, 2)(torch.randn(8, 4)).shape
    torch.Size([4, 4])
    """

    def __init__(self, inputFrameSize: int, kW: int, dW: int = 1):
        super().__init__()
        self.inputFrameSize, self.kW, self.dW = int(inputFrameSize), int(kW), int(dW)
        self._init_params((self.inputFrameSize,), self.inputFrameSize, self.kW)

    def forward(self, input):
        x, batched = as_batch(self, input, 2, "nFrames x inputFrameSize")
        if x.shape[2] != self.inputFrameSize:
            raise ValueError(f"{self.lua_label()}: expects frames of size {self.inputFrameSize}, got {x.shape[2]}")
        kernel = self.weight.view(-1, 1, 1).expand(-1, 1, self.kW)
        y = F.conv1d(x.transpose(1, 2), kernel, self.bias, self.dW, groups=self.inputFrameSize)
        return _unbatch(y.transpose(1, 2), batched)

    def lua_label(self) -> str:
        return f"nn.TemporalSubSampling({self.inputFrameSize}, {self.kW}, {self.dW})"
