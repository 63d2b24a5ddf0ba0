"""Criterions on values and distributions: SmoothL1, DistKLDiv, ClassSimplex,
SpatialClassNLL (ClassNLL per pixel), WeightedMSE and L1Cost.

>>> SmoothL1Criterion()(torch.tensor([0.5, 3.0]), torch.tensor([0.0, 0.0]))
tensor(1.3125)
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from ..module import Criterion
from .criterion import _nll, _WeightedCriterion

__all__ = [
    "ClassSimplexCriterion",
    "DistKLDivCriterion",
    "L1Cost",
    "SmoothL1Criterion",
    "SpatialClassNLLCriterion",
    "WeightedMSECriterion",
]


class SmoothL1Criterion(Criterion):
    """``nn.SmoothL1Criterion([sizeAverage=true])``: Huber loss with threshold 1:
    ``0.5 d^2`` where ``|d| < 1``, ``|d| - 0.5`` elsewhere (d = x - t), summed; divided by
    the number of elements with ``sizeAverage``."""

    def __init__(self, sizeAverage: bool | None = True):
        super().__init__()
        self.sizeAverage = True if sizeAverage is None else bool(sizeAverage)

    def forward(self, input, target):
        loss = F.smooth_l1_loss(input, target.reshape(input.shape).to(input.dtype), reduction="sum", beta=1.0)
        return loss / input.numel() if self.sizeAverage else loss


class DistKLDivCriterion(Criterion):
    """``nn.DistKLDivCriterion()``: KL divergence of the target distribution from the
    input log-probabilities, ``sum_{t > 0} t (log t - x)`` (entries with t = 0 add
    nothing); divided by the number of elements with ``sizeAverage``."""

    def __init__(self):
        super().__init__()
        self.sizeAverage = True

    def forward(self, input, target):
        if tuple(input.shape) != tuple(target.shape):
            raise ValueError(
                f"nn.DistKLDivCriterion: input and target should have the same size, got "
                f"{tuple(input.shape)} and {tuple(target.shape)}"
            )
        t = target.to(input.dtype)
        pos = t > 0
        safe = torch.where(pos, t, torch.ones_like(t))
        loss = torch.where(pos, t * (torch.log(safe) - input), torch.zeros_like(input)).sum()
        return loss / input.numel() if self.sizeAverage else loss


def regular_simplex(n: int) -> torch.Tensor:
    """The ``n + 1`` vertices (rows) of a regular simplex in R^n centred at the origin,
    each of norm 1, built coordinate by coordinate as Lua's ``regsplex`` does."""
    a = torch.zeros(n + 1, n, dtype=torch.float64)
    for k in range(n):
        a[k, k] = 1.0 if k == 0 else math.sqrt(1 - float(a[k, :k].norm()) ** 2)
        c = (float(a[k, k]) ** 2 - 1 - 1 / n) / float(a[k, k])
        a[k + 1 :, k] = c
    return a


class ClassSimplexCriterion(Criterion):
    """``nn.ClassSimplexCriterion(nClasses)``: mean squared error between the input
    (nClasses wide, or a batch of such rows) and the simplex vertex of the 1-based target
    class; each class owns one vertex of a regular simplex (``simplex``, padded with a zero
    column to nClasses wide)."""

    simplex: torch.Tensor  # a buffer: register_buffer hides its type from mypy

    def __init__(self, nClasses: int):
        super().__init__()
        if not isinstance(nClasses, (int, float)) or nClasses != int(nClasses) or nClasses < 2:
            raise ValueError(f"nn.ClassSimplexCriterion: nClasses must be an integer > 1, got {nClasses!r}")
        self.nClasses = int(nClasses)
        simp = regular_simplex(self.nClasses - 1)
        self.register_buffer("simplex", torch.cat([simp, torch.zeros(simp.shape[0], 1, dtype=simp.dtype)], 1))
        self.sizeAverage = True

    def forward(self, input, target):
        if isinstance(target, torch.Tensor):
            idx = target.long().reshape(-1) - 1
            goal = self.simplex.to(input.dtype)[idx]
        else:
            goal = self.simplex.to(input.dtype)[int(target) - 1]
        if goal.numel() != input.numel():
            raise ValueError(
                f"nn.ClassSimplexCriterion({self.nClasses}): input of shape {tuple(input.shape)} "
                f"for targets making {tuple(goal.shape)}"
            )
        d = input - goal.reshape(input.shape)
        loss = (d * d).sum()
        return loss / input.numel() if self.sizeAverage else loss


class SpatialClassNLLCriterion(_WeightedCriterion):
    """``nn.SpatialClassNLLCriterion([weights[, sizeAverage=true]])``: ClassNLLCriterion at
    every pixel of B x C x H x W log-probabilities, targets B x H x W (1-based); with
    ``sizeAverage`` divided by the total weight of the pixels' classes."""

    def __init__(self, weights: Any = None, sizeAverage: bool | None = True):
        super().__init__()
        self._set_weights(weights, "nn.SpatialClassNLLCriterion")
        self.sizeAverage = True if sizeAverage is None else bool(sizeAverage)

    def forward(self, input, target):
        if input.dim() != 4:
            raise ValueError(
                f"nn.SpatialClassNLLCriterion: expected a 4-D input (B x C x H x W), got shape {tuple(input.shape)}"
            )
        t = torch.as_tensor(target, device=input.device)
        if tuple(t.shape) != (input.shape[0], *input.shape[2:]):
            raise ValueError(
                f"nn.SpatialClassNLLCriterion: target of shape {tuple(t.shape)} for an input "
                f"of shape {tuple(input.shape)} (expected B x H x W)"
            )
        flat = input.permute(0, 2, 3, 1).reshape(-1, input.shape[1])
        return _nll(flat, t.reshape(-1), self.weights, self.sizeAverage, -100)


class WeightedMSECriterion(Criterion):
    """``nn.WeightedMSECriterion(w)``: MSECriterion against ``target * w`` (``w`` shaped like
    one sample; applied to every sample of a batch)."""

    def __init__(self, w: Any):
        super().__init__()
        self.register_buffer("weight", torch.as_tensor(w).clone())
        self.sizeAverage = True

    def forward(self, input, target):
        goal = target.reshape(input.shape).to(input.dtype) * self.weight.to(input.dtype)
        d = input - goal
        loss = (d * d).sum()
        return loss / input.numel() if self.sizeAverage else loss


class L1Cost(Criterion):
    """``nn.L1Cost()``: ``sum |x|`` of the input alone (no target; ``forward(input)``)."""

    def forward(self, input, target=None):
        sign = torch.sign(input).detach()  # THNN's gradient: sign(x), 0 at 0
        return (input * sign).sum()

    def _lua_forward(self, input, target=None):
        return super()._lua_forward(input, 0 if target is None else target)
