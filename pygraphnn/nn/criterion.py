"""Criterions: ClassNLL, CrossEntropy, MSE, BCE, Abs.

``crit(input, target)`` returns a 0-d tensor (PyTorch idiom); ``crit.forward(input,
target)`` a Python number and ``crit.backward(input, target)`` the gradient with
respect to ``input`` (Lua idiom). ``sizeAverage`` is a plain attribute that can be
changed at any time, as in Lua. Class targets are 1-BASED, as in Lua.
"""

from __future__ import annotations

from typing import Any

import torch

from ..module import Criterion
from .lua_exact import lua_exact

__all__ = ["AbsCriterion", "BCECriterion", "ClassNLLCriterion", "CrossEntropyCriterion", "MSECriterion"]


def _weights(weights: Any, what: str) -> torch.Tensor | None:
    if weights is None:
        return None
    w = torch.as_tensor(weights)
    if w.dim() != 1:
        raise ValueError(f"{what}: weights should be a 1-D tensor")
    return w.clone() if w.is_floating_point() else w.double()


class _WeightedCriterion(Criterion):
    """Holds Lua's optional ``weights`` as a buffer (so ``.double()``/``.to()`` convert it)."""

    def _set_weights(self, weights: Any, what: str) -> None:
        self.register_buffer("weights", _weights(weights, what))


def _class_targets(input: torch.Tensor, target: Any) -> torch.Tensor:
    """Lua targets (a number for a 1-D input, a tensor for a batch) as a 1-D LongTensor, 1-based."""
    if isinstance(target, torch.Tensor):
        t = target.reshape(-1) if input.dim() == 1 else target
        if t.is_floating_point() and not torch.equal(t, t.round()):
            raise ValueError("class targets must be integral (1-based class indices)")
        return t.to(device=input.device, dtype=torch.long)
    if isinstance(target, bool) or not isinstance(target, (int, float)) or int(target) != target:
        raise TypeError(f"a class target must be a number or a tensor of class indices, got {target!r}")
    return torch.tensor([int(target)], dtype=torch.long, device=input.device)


def _sum_in_order(v: torch.Tensor) -> torch.Tensor:
    return v.cumsum(0)[-1]


def _nll(
    input: torch.Tensor, target: Any, weights: torch.Tensor | None, sizeAverage: bool, ignoreIndex: int
) -> torch.Tensor:
    """THNN's ClassNLLCriterion: ``-sum_i w[t_i] x[i, t_i]``, divided by ``sum_i w[t_i]`` when
    averaging (and that sum is not zero); samples whose target is ``ignoreIndex`` are skipped."""
    if input.dim() not in (1, 2):
        raise ValueError(f"ClassNLLCriterion expects a 1-D or 2-D input, got {input.dim()}-D")
    x = input.unsqueeze(0) if input.dim() == 1 else input
    t = _class_targets(input, target)
    if t.dim() != 1 or t.shape[0] != x.shape[0]:
        raise ValueError(f"ClassNLLCriterion: {x.shape[0]} samples but targets of shape {tuple(t.shape)}")
    keep = t != ignoreIndex
    idx = torch.where(keep, t - 1, torch.zeros_like(t))
    try:
        picked = x.gather(1, idx.unsqueeze(1)).squeeze(1)
    except (RuntimeError, IndexError) as e:  # torch words it 0-based ("index -1"): say it in Lua's numbers
        bad = t[keep & ((t < 1) | (t > x.shape[1]))].tolist()
        raise IndexError(
            f"ClassNLLCriterion: targets {bad} out of range for {x.shape[1]} classes "
            f"(Lua class indices are 1..{x.shape[1]})"
        ) from e
    if weights is not None:
        w = weights.to(dtype=x.dtype, device=x.device)[idx]
    else:
        w = torch.ones_like(picked)
    w = w * keep.to(x.dtype)
    # THNN adds the samples one after another in one double: a ported program (Lua-exact mode) does the same
    total_of = _sum_in_order if lua_exact(x) and x.shape[0] else torch.sum
    loss = -total_of(picked * w)
    if sizeAverage:
        total = total_of(w)
        loss = loss / torch.where(total != 0, total, torch.ones_like(total))
    return loss


class ClassNLLCriterion(_WeightedCriterion):
    """``nn.ClassNLLCriterion(weights, sizeAverage=True, ignoreIndex=-100)``: negative
    log-likelihood of log-probabilities. Targets are 1-based class indices: a number for
    a 1-D input, a LongTensor (or a float tensor of integral values) for a 2-D batch.
    With ``sizeAverage`` the loss is divided by the total weight of the counted samples."""

    def __init__(self, weights: Any = None, sizeAverage: bool | None = True, ignoreIndex: int | None = -100):
        super().__init__()
        self._set_weights(weights, "nn.ClassNLLCriterion")
        self.sizeAverage = True if sizeAverage is None else bool(sizeAverage)
        self.ignoreIndex = -100 if ignoreIndex is None else int(ignoreIndex)

    def forward(self, input, target):
        return _nll(input, target, self.weights, self.sizeAverage, self.ignoreIndex)


class CrossEntropyCriterion(_WeightedCriterion):
    """``nn.CrossEntropyCriterion(weights, sizeAverage=True)``: LogSoftMax then ClassNLLCriterion.
    As in Lua, the input (and a tensor target) are squeezed first, so a 1 x n batch is a sample."""

    def __init__(self, weights: Any = None, sizeAverage: bool | None = True):
        super().__init__()
        self._set_weights(weights, "nn.CrossEntropyCriterion")
        self.sizeAverage = True if sizeAverage is None else bool(sizeAverage)

    def forward(self, input, target):
        x = input.squeeze()
        if x.dim() == 0:
            x = x.reshape(1)
        if isinstance(target, torch.Tensor):
            target = target.squeeze()
            if target.dim() == 0:
                target = target.reshape(1)
        lsm = torch.log_softmax(x, dim=x.dim() - 1)
        return _nll(lsm, target, self.weights, self.sizeAverage, -100)


class MSECriterion(Criterion):
    """``nn.MSECriterion(sizeAverage=True)``: ``sum((x - t)^2)``, divided by the number of
    elements when ``sizeAverage``."""

    def __init__(self, sizeAverage: bool | None = True):
        super().__init__()
        self.sizeAverage = True if sizeAverage is None else bool(sizeAverage)

    def forward(self, input, target):
        d = input - target.reshape(input.shape)
        loss = (d * d).sum()
        return loss / input.numel() if self.sizeAverage else loss


class AbsCriterion(Criterion):
    """``nn.AbsCriterion(sizeAverage=True)``: ``sum(|x - t|)``, divided by the number of
    elements when ``sizeAverage``. The gradient at ``x == t`` is +1, as in THNN."""

    def __init__(self, sizeAverage: bool | None = True):
        super().__init__()
        self.sizeAverage = True if sizeAverage is None else bool(sizeAverage)

    def forward(self, input, target):
        d = input - target.reshape(input.shape)
        sign = torch.where(d >= 0, 1.0, -1.0).to(d.dtype).detach()
        loss = (d * sign).sum()
        return loss / input.numel() if self.sizeAverage else loss


class BCECriterion(_WeightedCriterion):
    """``nn.BCECriterion(weights, sizeAverage=True)``: binary cross-entropy
    ``-sum w * (t log(x + eps) + (1 - t) log(1 - x + eps))`` with eps = 1e-12, divided by the
    number of elements when ``sizeAverage``. For a batch, ``weights`` (one per column) apply to
    every row. The gradient is autograd's; THNN's closed form ``w (x - t) / ((x + eps)(1 - x + eps))``
    differs from it by ``O(eps / (x (1 - x)))`` (about 1e-11 on the Lua fixtures)."""

    eps = 1e-12

    def __init__(self, weights: Any = None, sizeAverage: bool | None = True):
        super().__init__()
        self._set_weights(weights, "nn.BCECriterion")
        self.sizeAverage = True if sizeAverage is None else bool(sizeAverage)

    def forward(self, input, target):
        t = target.reshape(input.shape).to(input.dtype)
        w = None
        if self.weights is not None:
            w = self.weights.to(dtype=input.dtype, device=input.device)
            if t.dim() != 1:
                w = w.reshape(1, -1).expand_as(t)
        terms = torch.log(input + self.eps) * t + torch.log(1 - input + self.eps) * (1 - t)
        if w is not None:
            terms = terms * w
        loss = -terms.sum()
        return loss / input.numel() if self.sizeAverage else loss
