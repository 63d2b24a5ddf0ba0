"""Modules for cudnn.torch classes whose computation no ``nn`` class has (the others are
aliases, see :mod:`.aliases`): ``cudnn.SoftMax`` and ``cudnn.LogSoftMax``.

>>> InstanceSoftMax()(torch.zeros(1, 2, 2)).sum()
tensor(1.)
"""

from __future__ import annotations

import torch

from ...convert import CONVERTERS, GraphModule
from ...module import Module

__all__ = ["InstanceSoftMax"]


class InstanceSoftMax(Module):
    """cudnn.torch's ``cudnn.SoftMax`` (``log=False``) and ``cudnn.LogSoftMax`` (``log=True``):
    cuDNN's INSTANCE mode normalises over every non-batch element: the vector of a 1-D
    input, each row of a 2-D batch, the whole of a 3-D input (one C x H x W image) and
    each sample of a 4-D batch. For 1-D and 2-D inputs this is :class:`SoftMax`."""

    def __init__(self, log: bool = False):
        super().__init__()
        self.log = bool(log)

    def forward(self, input):
        if input.dim() not in (1, 2, 3, 4):
            raise ValueError(f"{self.lua_label()}: 1D, 2D, 3D or 4D tensor expected, got a {input.dim()}-D input")
        batched = input.dim() in (2, 4)
        flat = input.reshape(input.shape[0], -1) if batched else input.reshape(-1)
        out = (torch.log_softmax if self.log else torch.softmax)(flat, flat.dim() - 1)
        return out.reshape(input.shape)

    def lua_label(self) -> str:
        return "cudnn.LogSoftMax" if self.log else "cudnn.SoftMax"


def _plain_instance_softmax(m: torch.nn.Module, converter) -> GraphModule:
    """``to_torch``'s counterpart: a plain module normalising each sample of a batch over
    all its elements (plain modules take batches, so every input is one)."""
    assert isinstance(m, InstanceSoftMax)  # registered for that class only
    op = "torch.log_softmax" if m.log else "torch.softmax"
    return GraphModule(
        f"def forward(self, input):\n    return {op}(input.flatten(1), 1).reshape(input.shape)\n", {}, m.lua_label()
    )


CONVERTERS[InstanceSoftMax] = _plain_instance_softmax
