"""nngraph's small adapter modules: JustTable, JustElement, ModuleFromCriterion."""

from __future__ import annotations

from typing import Any

import torch

from .errors import GraphError
from .module import Module


class JustTable(Module):
    """Passes a table through unchanged (what ``ng.nest`` wraps lists with)."""

    def forward(self, input: list) -> list:
        if not isinstance(input, (list, tuple)):
            raise GraphError(f"JustTable expects a table (list), got {type(input).__name__}")
        return list(input)

    def _inline(self, ref: str, args: list[str], table_input: bool) -> str | None:
        return f"[{', '.join(args)}]" if table_input else None


class JustElement(Module):
    """Takes a table of exactly one entry and returns that entry (``node.split(1)``)."""

    def forward(self, input: list) -> Any:
        if not isinstance(input, (list, tuple)) or len(input) != 1:
            got = f"a table of {len(input)} entries" if isinstance(input, (list, tuple)) else type(input).__name__
            raise GraphError(f"JustElement (split(1)) expects a table of exactly one entry, got {got}")
        return input[0]


class ModuleFromCriterion(Module):
    """A criterion as a graph module: input ``[prediction, target]``, output the loss as a
    1-element tensor (as nngraph does, so ``backward`` takes ``torch.ones(1)``). As in
    nngraph, no gradient flows to the target."""

    def __init__(self, criterion: torch.nn.Module):
        super().__init__()
        self.criterion = criterion

    def forward(self, input: list) -> torch.Tensor:
        if not isinstance(input, (list, tuple)) or len(input) != 2:
            raise GraphError("ModuleFromCriterion expects a table {prediction, target}")
        target = input[1].detach() if isinstance(input[1], torch.Tensor) else input[1]
        return self.criterion(input[0], target).reshape(1)

    def lua_label(self) -> str:
        inner = getattr(self.criterion, "lua_label", None)
        return f"nn.ModuleFromCriterion({inner() if inner else type(self.criterion).__name__})"
