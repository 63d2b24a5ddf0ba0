"""``nn.Bottle``: run a module made for ``nInputDim``-D input over any number of leading
batch dimensions (TimeDistributed).

>>> import pygraphnn.nn as nn
>>> _ = torch.manual_seed(0)
>>> nn.Bottle(nn.Linear(4, 3))(torch.randn(5, 2, 4)).shape
torch.Size([5, 2, 3])
"""

from __future__ import annotations

import math

import torch

from ..module import Module
from .lua_dims import check_lua_dim

__all__ = ["Bottle"]


class Bottle(Module):
    """``nn.Bottle(module[, nInputDim=2[, nOutputDim=nInputDim]])``: the leading dimensions
    of an input with more than ``nInputDim`` dimensions are folded into the first, the
    module runs once, and its output (``nOutputDim``-D) is unfolded again. An input with
    ``nInputDim`` dimensions goes to the module unchanged."""

    def __init__(self, module: torch.nn.Module, nInputDim: int = 2, nOutputDim: int | None = None):
        super().__init__()
        if not isinstance(module, torch.nn.Module):
            raise TypeError(f"nn.Bottle expects a module, got {type(module).__name__}")
        self.add_module("0", module)
        self.nInputDim = 2 if nInputDim is None else int(nInputDim)
        self.nOutputDim = self.nInputDim if nOutputDim is None else int(nOutputDim)
        for what, n in (("nInputDim", self.nInputDim), ("nOutputDim", self.nOutputDim)):
            check_lua_dim(n, f"nn.Bottle(module, {self.nInputDim}, {self.nOutputDim})", what, negative=False)

    @property
    def module(self) -> torch.nn.Module:
        m = self._modules["0"]
        assert m is not None  # set once, never cleared
        return m

    def forward(self, input):
        batch_dims = input.dim() - self.nInputDim + 1
        if batch_dims <= 1:
            return self.module(input)
        lead = input.shape[: batch_dims - 1]
        squeeze = math.prod(lead)
        folded = input.reshape(squeeze * input.shape[batch_dims - 1], *input.shape[batch_dims:])
        out = self.module(folded)
        if out.dim() != self.nOutputDim:
            raise ValueError(
                f"nn.Bottle: wrong number of output dims on module: expected {self.nOutputDim} but got {out.dim()}"
            )
        return out.reshape(*lead, out.shape[0] // squeeze, *out.shape[1:])

    def lua_label(self) -> str:
        inner = getattr(self.module, "lua_label", None)
        return f"nn.Bottle {{{inner() if callable(inner) else type(self.module).__name__}}}"
