"""``OneHot``: char-rnn's input module (``util/OneHot.lua``), kept beside the zoo."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..module import Module

__all__ = ["OneHot"]


class OneHot(Module):
    """``OneHot(outputSize)``: a vector of **1-based** indices (integer or float tensor)
    -> ``n x outputSize`` one-hot rows. No gradient flows to the indices.

    The output dtype is the module's: the default dtype when built (``dtype=``
    overrides it), then whatever ``.float()``/``.double()``/``.to()`` make it, as
    Lua's output follows the module's type.

    >>> OneHot(4)(torch.tensor([2, 4]))
    tensor([[0., 1., 0., 0.],
            [0., 0., 0., 1.]])
    """

    def __init__(self, outputSize: int, dtype: torch.dtype | None = None):
        super().__init__()
        self.outputSize = int(outputSize)
        # an empty buffer, only so that .float()/.double()/.to() set the output dtype
        self.register_buffer("_dtype_probe", torch.empty(0, dtype=dtype or torch.get_default_dtype()), persistent=False)

    def forward(self, input):
        idx = input.reshape(-1).long() - 1
        if (
            not torch.compiler.is_compiling()
            and idx.numel()
            and (int(idx.min()) < 0 or int(idx.max()) >= self.outputSize)
        ):
            raise IndexError(
                f"OneHot({self.outputSize}): indices must lie in 1..{self.outputSize}, "
                f"got {input.reshape(-1).tolist()[:8]}"
            )
        return F.one_hot(idx, self.outputSize).to(self._dtype_probe.dtype)

    def lua_label(self) -> str:
        return f"OneHot({self.outputSize})"

    def extra_repr(self) -> str:
        return str(self.outputSize)
