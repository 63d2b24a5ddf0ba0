"""``nn.Padding``: pad one dimension with a constant, before, after or inside it.

>>> Padding(1, 2)(torch.tensor([1.0, 2.0]))
tensor([1., 2., 0., 0.])
"""

from __future__ import annotations

import torch

from ..module import Module

__all__ = ["Padding"]


class Padding(Module):
    """``nn.Padding(dim, pad[, nInputDim[, value=0[, index=1]]])``: insert ``|pad|`` entries
    of ``value`` along the 1-based ``dim`` (one further right when the input has more than
    ``nInputDim`` dimensions, i.e. is a batch). A positive ``pad`` goes after the data, a
    negative one before it; ``index`` moves it inside: Lua counts it from the end for a
    positive pad and from the start for a negative one."""

    def __init__(self, dim: int, pad: int, nInputDim: int | None = None, value: float = 0, index: int = 1):
        super().__init__()
        self.dim = int(dim)
        self.pad = int(pad)
        self.nInputDim = nInputDim
        self.value = 0.0 if value is None else float(value)
        self.index = 1 if index is None else int(index)

    def forward(self, input):
        d = self.dim + (1 if self.nInputDim is not None and input.dim() != self.nInputDim else 0)
        if not 1 <= d <= input.dim():
            raise IndexError(f"nn.Padding: dimension {d} out of range for a {input.dim()}-D input")
        size = input.shape[d - 1]
        pad = abs(self.pad)
        at = size - self.index + 2 if self.pad > 0 else self.index  # Lua's 1-based insert position
        if not 1 <= at <= size + 1:
            raise IndexError(f"nn.Padding: index {self.index} out of range for size {size}")
        shape = list(input.shape)
        shape[d - 1] = pad
        block = input.new_full(shape, self.value)
        k = at - 1
        return torch.cat([input.narrow(d - 1, 0, k), block, input.narrow(d - 1, k, size - k)], d - 1)
