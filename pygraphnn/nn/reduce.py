"""Reductions along one dimension: Sum, Mean, Max, Min.

Lua's dimension rule (shared by all four): ``dimension`` is 1-based; a negative one
counts from the end (-1 is the last); otherwise, when ``nInputDims`` is given and the
input has ``nInputDims + 1`` dimensions, the first is a batch and ``dimension`` moves
one to the right. The reduced dimension is removed, except that a 1-D input gives a
1-element output (as in Lua).
"""

from __future__ import annotations

import torch

from ..module import Module
from .lua_dims import check_lua_dim

__all__ = ["Max", "Mean", "Min", "Sum"]


class _Reduce(Module):
    def __init__(self, dimension: int = 1, nInputDims: int | None = None):
        super().__init__()
        self.dimension = 1 if dimension is None else int(dimension)
        self.nInputDims = nInputDims
        if nInputDims is None:  # with nInputDims, Lua's batch shift makes 0 the batch dimension
            check_lua_dim(self.dimension, f"{self.lua_label()}({self.dimension})")

    def _dim(self, input: torch.Tensor) -> int:
        """The 0-based torch dimension this input is reduced along."""
        d = self.dimension
        n = input.dim()
        if d < 0:
            d = n + d + 1
        elif self.nInputDims is not None and n == self.nInputDims + 1:
            d += 1
        if not 1 <= d <= n:
            raise IndexError(f"{self.lua_label()}: dimension {self.dimension} out of range for a {n}-D input")
        return d - 1

    def setNumInputDims(self, nInputDims: int) -> _Reduce:  # Lua name
        self.nInputDims = nInputDims
        return self


class Sum(_Reduce):
    """``nn.Sum([dimension[, nInputDims[, sizeAverage[, squeeze]]]])``: sum along
    ``dimension`` (default 1); ``sizeAverage`` divides by its size; ``squeeze=False``
    keeps the reduced dimension with size 1."""

    def __init__(
        self, dimension: int = 1, nInputDims: int | None = None, sizeAverage: bool = False, squeeze: bool = True
    ):
        super().__init__(dimension, nInputDims)
        self.sizeAverage = bool(sizeAverage)
        if squeeze is None:
            squeeze = True
        if not isinstance(squeeze, bool):
            raise TypeError("squeeze has to be true/false")
        self.squeeze = squeeze

    def forward(self, input):
        d = self._dim(input)
        out = input.sum(d, keepdim=True)
        if self.sizeAverage:
            out = out / input.shape[d]
        if self.squeeze and out.dim() > 1:
            out = out.squeeze(d)
        return out


class Mean(Sum):
    """``nn.Mean([dimension[, nInputDims]])``: Lua's ``Sum(dimension, nInputDims, true)``."""

    def __init__(self, dimension: int = 1, nInputDims: int | None = None):
        super().__init__(dimension, nInputDims, True)


class Max(_Reduce):
    """``nn.Max([dimension[, nInputDims]])``: the maximum values along ``dimension``; the
    gradient goes to the (first) arg-max element only."""

    _op = staticmethod(torch.max)

    def forward(self, input):
        d = self._dim(input)
        values = self._op(input, d, keepdim=input.dim() == 1)[0]
        return values


class Min(Max):
    """``nn.Min([dimension[, nInputDims]])``: the minimum values along ``dimension``; the
    gradient goes to the (first) arg-min element only."""

    _op = staticmethod(torch.min)
