"""Margin and embedding criterions: Margin, MultiMargin, MultiLabelMargin, SoftMargin,
MultiLabelSoftMargin, HingeEmbedding, L1HingeEmbedding, CosineEmbedding, MarginRanking.

Same idioms as :mod:`.criterion` (``crit(input, target)`` -> 0-d tensor;
``crit.forward``/``crit.backward`` the Lua way). Class indices in targets are 1-based.
``sizeAverage`` is a plain attribute; several of these Lua constructors do not take it,
so set it afterwards as in Lua (``crit.sizeAverage = False``).

>>> MarginCriterion()(torch.tensor([0.5, -2.0]), torch.tensor([1.0, -1.0]))
tensor(0.2500)
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from ..module import Criterion
from .criterion import _class_targets, _weights

__all__ = [
    "CosineEmbeddingCriterion",
    "HingeEmbeddingCriterion",
    "L1HingeEmbeddingCriterion",
    "MarginCriterion",
    "MarginRankingCriterion",
    "MultiLabelMarginCriterion",
    "MultiLabelSoftMarginCriterion",
    "MultiMarginCriterion",
    "SoftMarginCriterion",
]


def _like(target: Any, input: torch.Tensor) -> torch.Tensor:
    """A number or tensor target as a tensor of the input's dtype, shaped like the input."""
    t = torch.as_tensor(target, device=input.device).to(input.dtype)
    return t.reshape(input.shape) if t.numel() == input.numel() else t


def _labels(target: Any, like: torch.Tensor) -> torch.Tensor:
    """A ±1 label (number) or labels (tensor) as a 1-D tensor of ``like``'s dtype."""
    return torch.as_tensor(target, device=like.device).to(like.dtype).reshape(-1)


class MarginCriterion(Criterion):
    """``nn.MarginCriterion([margin=1])``: two-class hinge loss ``sum max(0, margin - x y)``
    over all elements, targets ±1; divided by the number of elements with ``sizeAverage``."""

    def __init__(self, margin: float = 1):
        super().__init__()
        self.margin = 1.0 if margin is None else float(margin)
        self.sizeAverage = True

    def forward(self, input, target):
        loss = torch.relu(self.margin - input * _like(target, input)).sum()
        return loss / input.numel() if self.sizeAverage else loss


class MultiMarginCriterion(Criterion):
    """``nn.MultiMarginCriterion([p=1[, weights[, margin=1]]])``: multi-class hinge loss.
    Per sample with class ``t``: ``sum_{i != t} max(0, margin - x[t] + x[i])^p * w[t]``,
    divided by the number of classes; averaged over the batch with ``sizeAverage``."""

    def __init__(self, p: int = 1, weights: Any = None, margin: float = 1):
        super().__init__()
        p = 1 if p is None else p
        if p not in (1, 2):
            raise ValueError(f"nn.MultiMarginCriterion: only p=1 and p=2 supported, got {p!r}")
        self.p = int(p)
        self.margin = 1.0 if margin is None else float(margin)
        self.register_buffer("weights", _weights(weights, "nn.MultiMarginCriterion"))
        self.sizeAverage = True

    def forward(self, input, target):
        if input.dim() not in (1, 2):
            raise ValueError(f"nn.MultiMarginCriterion: expected a 1-D or 2-D input, got {input.dim()}-D")
        x = input.reshape(1, -1) if input.dim() == 1 else input
        t = _class_targets(input, target).reshape(-1) - 1
        if t.shape[0] != x.shape[0] or bool(((t < 0) | (t >= x.shape[1])).any()):
            raise ValueError(
                f"nn.MultiMarginCriterion: targets {t.add(1).tolist()!r:.60} do not fit "
                f"{x.shape[0]} samples of {x.shape[1]} classes"
            )
        z = torch.relu(self.margin - x.gather(1, t.unsqueeze(1)) + x)
        z = z.masked_fill(F.one_hot(t, x.shape[1]).bool(), 0)
        if self.p == 2:
            z = z * z
        if self.weights is not None:
            z = z * self.weights.to(x.dtype)[t].unsqueeze(1)
        loss = z.sum() / x.shape[1]
        return loss / x.shape[0] if self.sizeAverage else loss


class MultiLabelMarginCriterion(Criterion):
    """``nn.MultiLabelMarginCriterion()``: multi-label hinge loss. The target row lists the
    sample's classes (1-based) and ends at the first 0. Per sample:
    ``sum_{target j} sum_{non-target i} max(0, 1 - (x[j] - x[i]))`` divided by the number
    of classes; averaged over the batch with ``sizeAverage``."""

    def __init__(self):
        super().__init__()
        self.sizeAverage = True

    def forward(self, input, target):
        if input.dim() not in (1, 2):
            raise ValueError(f"nn.MultiLabelMarginCriterion: expected a 1-D or 2-D input, got {input.dim()}-D")
        x = input.reshape(1, -1) if input.dim() == 1 else input
        t = torch.as_tensor(target, device=x.device).long().reshape(x.shape)
        c = x.shape[1]
        valid = torch.cumprod((t > 0).long(), dim=1).bool()  # entries before the first 0
        idx = torch.where(valid, t - 1, torch.zeros_like(t))
        classes = torch.arange(1, c + 1, device=x.device)
        is_target = ((t.unsqueeze(2) == classes) & valid.unsqueeze(2)).any(1)  # [sample, class]
        xt = x.gather(1, idx)
        z = torch.relu(1 - xt.unsqueeze(2) + x.unsqueeze(1))  # [sample, target j, class i]
        z = z * (valid.unsqueeze(2) & ~is_target.unsqueeze(1)).to(x.dtype)
        loss = z.sum() / c
        return loss / x.shape[0] if self.sizeAverage else loss


class SoftMarginCriterion(Criterion):
    """``nn.SoftMarginCriterion()``: two-class logistic loss ``sum log(1 + exp(-y x))``,
    divided by the number of elements with ``sizeAverage``."""

    def __init__(self):
        super().__init__()
        self.sizeAverage = True

    def forward(self, input, target):
        loss = F.softplus(-input * _like(target, input)).sum()
        return loss / input.numel() if self.sizeAverage else loss


class MultiLabelSoftMarginCriterion(Criterion):
    """``nn.MultiLabelSoftMarginCriterion([weights[, sizeAverage=true]])``: sigmoid binary
    cross-entropy of the logits ``x`` against 0/1 targets, with optional per-class
    ``weights``; divided by the number of elements with ``sizeAverage``."""

    def __init__(self, weights: Any = None, sizeAverage: bool | None = True):
        super().__init__()
        self.register_buffer("weights", _weights(weights, "nn.MultiLabelSoftMarginCriterion"))
        self.sizeAverage = True if sizeAverage is None else bool(sizeAverage)

    def forward(self, input, target):
        t = _like(target, input)
        w = None
        if self.weights is not None:
            w = self.weights.to(input.dtype)
            w = w.expand_as(t) if t.dim() == 1 else w.reshape(1, -1).expand_as(t)
        loss = F.binary_cross_entropy_with_logits(input, t, w, reduction="sum")
        return loss / input.numel() if self.sizeAverage else loss


class HingeEmbeddingCriterion(Criterion):
    """``nn.HingeEmbeddingCriterion([margin=1])``: for distances x and labels y = ±1,
    ``x`` where y = 1 and ``max(0, margin - x)`` where y = -1, summed; divided by the
    number of elements with ``sizeAverage``."""

    def __init__(self, margin: float = 1):
        super().__init__()
        self.margin = 1.0 if margin is None else float(margin)
        self.sizeAverage = True

    def forward(self, input, target):
        y = _like(target, input).expand_as(input)
        zero = torch.zeros_like(input)
        similar = torch.where(y == -1, zero, input).sum()
        dissimilar = torch.where(y == 1, zero, torch.relu(self.margin - input)).sum()
        loss = similar + dissimilar
        return loss / input.numel() if self.sizeAverage in (None, True) else loss


class L1HingeEmbeddingCriterion(Criterion):
    """``nn.L1HingeEmbeddingCriterion([margin=1])``: for a pair ``{a, b}`` and a label y,
    the L1 distance ``d = ||a - b||_1`` when y = 1 and ``max(0, margin - d)`` when y = -1."""

    def __init__(self, margin: float = 1):
        super().__init__()
        self.margin = 1.0 if margin is None else float(margin)

    def forward(self, input, target):
        a, b = input
        d = (a - b).abs().sum()
        y = float(target.reshape(-1)[0]) if isinstance(target, torch.Tensor) else float(target)
        return torch.relu(self.margin - d) if y == -1 else d


class CosineEmbeddingCriterion(Criterion):
    """``nn.CosineEmbeddingCriterion([margin=0])``: for pairs ``{a, b}`` (vectors or rows of
    two batches) and labels y = ±1: ``1 - cos(a, b)`` where y = 1, ``max(0, cos(a, b) -
    margin)`` where y = -1 (squared norms get Lua's ``+ 1e-12``); summed, divided by the
    number of pairs with ``sizeAverage``."""

    def __init__(self, margin: float = 0):
        super().__init__()
        self.margin = 0.0 if margin is None else float(margin)
        self.sizeAverage = True

    def forward(self, input, target):
        a, b = input
        a, b = (a.reshape(1, -1), b.reshape(1, -1)) if a.dim() == 1 else (a, b)
        cos = (a * b).sum(1) * torch.rsqrt(((a * a).sum(1) + 1e-12) * ((b * b).sum(1) + 1e-12))
        y = _labels(target, cos)
        zero = torch.zeros_like(cos)
        terms = torch.where(y == -1, torch.relu(cos - self.margin), zero) + torch.where(y == 1, 1 - cos, zero)
        loss = terms.sum()
        return loss / y.shape[0] if self.sizeAverage else loss


class MarginRankingCriterion(Criterion):
    """``nn.MarginRankingCriterion([margin=1])``: for ``{x1, x2}`` and y = ±1 (a number for
    1-element inputs, a tensor for batches), ``max(0, -y (x1 - x2) + margin)``; summed over
    a batch and divided by its size with ``sizeAverage``."""

    def __init__(self, margin: float = 1):
        super().__init__()
        self.margin = 1.0 if margin is None else float(margin)
        self.sizeAverage = True

    def forward(self, input, target):
        x1, x2 = input
        if not isinstance(target, torch.Tensor):  # Lua's non-batch mode: first elements only
            return torch.relu(-float(target) * (x1.reshape(-1)[0] - x2.reshape(-1)[0]) + self.margin)
        y = _like(target, x1)
        loss = torch.relu(-y * (x1 - x2) + self.margin).sum()
        return loss / y.shape[0] if self.sizeAverage else loss
