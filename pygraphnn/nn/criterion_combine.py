"""Criterions made of criterions: ParallelCriterion and MultiCriterion.

>>> import pygraphnn.nn as nn
>>> c = nn.MultiCriterion().add(nn.MSECriterion(), 0.5).add(nn.AbsCriterion())
>>> c(torch.tensor([1.0, 3.0]), torch.tensor([0.0, 1.0]))
tensor(2.7500)
"""

from __future__ import annotations

import torch

from ..module import Criterion

__all__ = ["MultiCriterion", "ParallelCriterion"]


class _CriterionList(Criterion):
    """Weighted sub-criterions, registered as submodules "0", "1", ... in order."""

    def __init__(self) -> None:
        super().__init__()
        self.weights: list[float] = []

    def add(self, criterion: torch.nn.Module, weight: float = 1) -> _CriterionList:
        """Add ``criterion`` with ``weight`` (default 1); returns self, as in Lua."""
        if not isinstance(criterion, torch.nn.Module):
            raise TypeError(f"{type(self).__name__}.add expects a criterion, got {type(criterion).__name__}")
        self.add_module(str(len(self._modules)), criterion)
        self.weights.append(1.0 if weight is None else float(weight))
        return self

    @property
    def criterions(self) -> list:
        return list(self._modules.values())


class ParallelCriterion(_CriterionList):
    """``nn.ParallelCriterion([repeatTarget=false])``: ``sum_i w_i * crit_i(input[i],
    target[i])`` (with ``repeatTarget``, every criterion gets the whole target)."""

    def __init__(self, repeatTarget: bool = False):
        super().__init__()
        self.repeatTarget = bool(repeatTarget)

    def forward(self, input, target):
        if not isinstance(input, (list, tuple)) or len(input) < len(self.weights):
            raise TypeError(
                f"nn.ParallelCriterion with {len(self.weights)} criterions expects a table of "
                f"at least {len(self.weights)} inputs"
            )
        total = None
        for i, (crit, w) in enumerate(zip(self.criterions, self.weights)):
            term = w * crit(input[i], target if self.repeatTarget else target[i])
            total = term if total is None else total + term
        return total if total is not None else input[0].new_zeros(())


class MultiCriterion(_CriterionList):
    """``nn.MultiCriterion()``: ``sum_i w_i * crit_i(input, target)``, every criterion on
    the same input and target."""

    def forward(self, input, target):
        total = None
        for crit, w in zip(self.criterions, self.weights):
            term = w * crit(input, target)
            total = term if total is None else total + term
        if total is None:
            raise ValueError("nn.MultiCriterion has no criterions; add some with .add(criterion, weight)")
        return total
