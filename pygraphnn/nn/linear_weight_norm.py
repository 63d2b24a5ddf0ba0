"""``nn.LinearWeightNorm``: a Linear layer whose weight is reparametrised as
``weight = v * g / ||v||`` (one norm per output row; Salimans & Kingma's weight
normalisation).

>>> _ = torch.manual_seed(0)
>>> m = LinearWeightNorm(3, 2)
>>> torch.allclose(m.weight().norm(dim=1, keepdim=True), m.g)
True
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..module import Module
from .linear import _lua_stdv, lua_uniform_

__all__ = ["LinearWeightNorm"]


class LinearWeightNorm(Module):
    """``nn.LinearWeightNorm(inputSize, outputSize[, bias=true[, eps=1e-16]])``: y = W x + b
    with ``W = v * (g / max(||v_row||, eps))``. Parameters in Lua's order: ``v``
    (outputSize x inputSize), ``g`` (outputSize x 1), ``bias``. Lua's initialisation: a
    weight uniform in ±1/sqrt(inputSize) (Lua's random stream), ``v`` = that weight, ``g`` =
    its row norms; then the bias, uniform in the same range. The weight is recomputed at
    every call (Lua skips that in evaluate mode, reusing the one ``evaluate()`` computed:
    the same values)."""

    def __init__(self, inputSize: int, outputSize: int, bias: bool = True, eps: float = 1e-16):
        super().__init__()
        self.eps = 1e-16 if eps is None else float(eps)
        self.v = torch.nn.Parameter(torch.empty(outputSize, inputSize))
        self.g = torch.nn.Parameter(torch.empty(outputSize, 1))
        self.bias = torch.nn.Parameter(torch.empty(outputSize)) if bias is not False else None
        self.reset()

    def reset(self, stdv: float | None = None) -> LinearWeightNorm:
        bound = _lua_stdv(stdv, 1.0 / math.sqrt(self.v.shape[1]))
        with torch.no_grad():
            lua_uniform_(self.v, -bound, bound)
            self.g.copy_(self.v.norm(dim=1, keepdim=True).clamp(min=self.eps))
        if self.bias is not None:
            lua_uniform_(self.bias, -bound, bound)
        return self

    def weight(self) -> torch.Tensor:
        """The effective weight ``v * g / ||v||`` (Lua's ``weight`` field)."""
        return self.v * (self.g / self.v.norm(dim=1, keepdim=True).clamp(min=self.eps))

    def forward(self, input):
        return F.linear(input, self.weight(), self.bias)

    def extra_repr(self) -> str:
        return f"{self.v.shape[1]} -> {self.v.shape[0]}" + ("" if self.bias is not None else ", without bias")
