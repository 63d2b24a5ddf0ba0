"""Containers that apply modules slice by slice: MapTable (one module on every entry of
a table) and Parallel (module i on slice i of a tensor).

>>> import pygraphnn.nn as nn
>>> _ = torch.manual_seed(0)
>>> [y.shape for y in nn.MapTable(nn.Linear(4, 2))([torch.randn(4), torch.randn(3, 4)])]
[torch.Size([2]), torch.Size([3, 2])]
"""

from __future__ import annotations

import torch

from .containers import Container, _child_label
from .lua_dims import check_lua_dim

__all__ = ["MapTable", "Parallel"]


class MapTable(Container):
    """``nn.MapTable(module[, shared=true])``: applies ``module`` to every entry of the input
    table. Lua clones the module per entry sharing its weights; here the one module is
    called on every entry, which is the same computation (``shared=False`` clones would
    own separate weights: such a MapTable cannot be loaded, see the loader)."""

    def __init__(self, module: torch.nn.Module | None = None, shared: bool = True):
        super().__init__()
        self.shared = True if shared is None else bool(shared)
        if module is not None:
            self.add(module)

    def add(self, module: torch.nn.Module) -> MapTable:
        if len(self._modules):
            raise ValueError("nn.MapTable: single module required")
        super().add(module)
        return self

    @property
    def module(self) -> torch.nn.Module:
        m = self._modules["0"]
        assert m is not None  # set once, never cleared
        return m

    def forward(self, input):
        if not isinstance(input, (list, tuple)):
            raise TypeError(f"nn.MapTable expects a table (list), got {type(input).__name__}")
        return [self.module(x) for x in input]

    def lua_label(self) -> str:
        return "nn.MapTable {\n  " + _child_label(self.module).replace("\n", "\n  ") + "\n}"


class Parallel(Container):
    """``nn.Parallel(inputDimension, outputDimension)``: module ``i`` gets slice ``i`` of the
    input along ``inputDimension`` (1-based); the outputs are concatenated along
    ``outputDimension``."""

    def __init__(self, inputDimension: int, outputDimension: int):
        super().__init__()
        self.inputDimension = int(inputDimension)
        self.outputDimension = int(outputDimension)
        for what, d in (("inputDimension", self.inputDimension), ("outputDimension", self.outputDimension)):
            check_lua_dim(d, f"nn.Parallel({inputDimension}, {outputDimension})", what, negative=False)

    def forward(self, input):
        mods = self._children_list()
        n = input.shape[self.inputDimension - 1]
        if n > len(mods):
            raise ValueError(
                f"nn.Parallel: {n} slices along dimension {self.inputDimension} but only {len(mods)} modules"
            )
        outs = [mods[i](input.select(self.inputDimension - 1, i)) for i in range(n)]
        return torch.cat(outs, self.outputDimension - 1)
