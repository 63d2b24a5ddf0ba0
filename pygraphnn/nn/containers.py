"""Containers: Sequential, Concat, DepthConcat, ConcatTable, ParallelTable.

Built the Lua way (``nn.Sequential().add(a).add(b)``); ``get(i)`` is 1-based as in
Lua, while Python indexing ``c[i]`` and iteration follow Python (0-based), as
``torch.nn.Sequential`` does. Children are registered as submodules named
``"0"``, ``"1"``, ... in order, so ``parameters()`` lists them in Lua's
``parameters()`` order and ``getParameters()`` matches Lua's flat layout.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
import torch.nn.functional as F

from ..module import Module
from .lua_dims import check_lua_dim

__all__ = ["Concat", "ConcatTable", "Container", "DepthConcat", "ParallelTable", "Sequential"]


def _child_label(m: torch.nn.Module) -> str:
    label = getattr(m, "lua_label", None)
    return label() if callable(label) else type(m).__name__


class Container(Module):
    """Lua's ``nn.Container``: an ordered list of child modules."""

    def __init__(self, *modules: torch.nn.Module):
        super().__init__()
        for m in modules:
            self.add(m)

    # ------------------------------------------------------------ Lua API
    def add(self, module: torch.nn.Module) -> Container:
        """Append ``module``; returns the container so calls chain as in Lua."""
        if not isinstance(module, torch.nn.Module):
            raise TypeError(f"{type(self).__name__}.add expects a module, got {type(module).__name__}")
        self.add_module(str(len(self._modules)), module)
        return self

    def insert(self, module: torch.nn.Module, index: int | None = None) -> Container:
        """Lua's ``insert(module, index)``: put ``module`` at 1-based ``index`` (default: at the end)."""
        mods = _children(self)
        index = len(mods) + 1 if index is None else index
        if not 1 <= index <= len(mods) + 1:
            raise IndexError("index should be contiguous to existing modules")
        mods.insert(index - 1, module)
        self._reset_children(mods)
        return self

    def remove(self, index: int | None = None) -> torch.nn.Module:
        """Lua's ``remove(index)``: drop the module at 1-based ``index`` (default: the last)."""
        mods = _children(self)
        index = len(mods) if index is None else index
        if not 1 <= index <= len(mods):
            raise IndexError("index out of range")
        removed = mods.pop(index - 1)
        self._reset_children(mods)
        return removed

    def _reset_children(self, mods: list) -> None:
        self._modules.clear()
        for m in mods:
            self.add_module(str(len(self._modules)), m)

    def get(self, index: int) -> torch.nn.Module:
        """The child at 1-based ``index`` (Lua's ``get``)."""
        n = len(self._modules)
        if not 1 <= index <= n:
            raise IndexError(f"{type(self).__name__}.get({index}): the container has {n} modules")
        return _children(self)[index - 1]

    def size(self) -> int:
        """Number of children (Lua's ``size()``)."""
        return len(self._modules)

    def listModules(self) -> list[torch.nn.Module]:  # Lua name
        """This container and all modules inside it, depth first (Lua's ``listModules``)."""
        return list(self.modules())

    # --------------------------------------------------------- Python API
    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[torch.nn.Module]:
        return iter(_children(self))

    def __getitem__(self, idx: int) -> torch.nn.Module:
        return _children(self)[idx]

    def _children_list(self) -> list[torch.nn.Module]:
        return _children(self)

    def reset(self, stdv: float | None = None) -> Container:
        for m in self._children_list():
            reset = getattr(m, "reset", None)
            if reset is not None:
                reset(stdv) if stdv is not None else reset()
        return self


class Sequential(Container):
    """Feeds the input through its modules one after another."""

    def forward(self, input):
        for m in self._modules.values():
            input = m(input)
        return input

    def lua_label(self) -> str:
        mods = self._children_list()
        s = "nn.Sequential {\n  [input" + "".join(f" -> ({i})" for i in range(1, len(mods) + 1)) + " -> output]"
        for i, m in enumerate(mods, 1):
            s += f"\n  ({i}): " + _child_label(m).replace("\n", "\n  ")
        return s + "\n}"


def _branch_label(name: str, mods: list, last_special: bool = True) -> str:
    s = name + " {\n  input"
    for i, m in enumerate(mods, 1):
        if last_special and i == len(mods):
            s += f"\n     `-> ({i}): " + _child_label(m).replace("\n", "\n         ")
        else:
            s += f"\n    |`-> ({i}): " + _child_label(m).replace("\n", "\n    |    ")
    return s + "\n     ... -> output\n}"


class Concat(Container):
    """``nn.Concat(dimension)``: every module gets the same input; their outputs are
    concatenated along ``dimension`` (1-based)."""

    def __init__(self, dimension: int, *modules: torch.nn.Module):
        super().__init__(*modules)
        check_lua_dim(dimension, f"nn.{type(self).__name__}({dimension})")
        self.dimension = dimension

    def forward(self, input):
        outs = [m(input) for m in self._modules.values()]
        d = self.dimension
        d = d + outs[0].dim() if d < 0 else d - 1
        return torch.cat(outs, d)

    def lua_label(self) -> str:
        return _branch_label("nn.Concat", self._children_list(), True)


class DepthConcat(Concat):
    """``nn.DepthConcat(dimension)``: like :class:`Concat`, but outputs may differ in
    their other dimensions: each is centred in a zero tensor of the largest size
    (offset ``floor((max - size) / 2)``), as Inception blocks need.

    >>> m = DepthConcat(1).add(SpatialConvolution(3, 2, 1, 1)).add(SpatialConvolution(3, 4, 3, 3))
    >>> m(torch.randn(3, 5, 5)).shape
    torch.Size([6, 5, 5])
    """

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        outs = [m(input) for m in _children(self)]
        d = self.dimension
        d = d + outs[0].dim() if d < 0 else d - 1
        target = [max(o.shape[k] for o in outs) for k in range(outs[0].dim())]
        padded = []
        for o in outs:
            pads: list[int] = []
            for k in reversed(range(o.dim())):
                extra = 0 if k == d else target[k] - o.shape[k]
                pads += [extra // 2, extra - extra // 2]
            padded.append(F.pad(o, pads) if any(pads) else o)
        return torch.cat(padded, d)

    def lua_label(self) -> str:
        return _branch_label("nn.DepthConcat", self._children_list(), True)


class ConcatTable(Container):
    """Every module gets the same input; the output is the list of their outputs."""

    def forward(self, input):
        return [m(input) for m in self._modules.values()]

    def lua_label(self) -> str:
        return _branch_label("nn.ConcatTable", self._children_list(), True)


class ParallelTable(Container):
    """Module ``i`` gets ``input[i]``; the output is the list of their outputs."""

    def forward(self, input):
        if not isinstance(input, (list, tuple)):
            raise TypeError(f"nn.ParallelTable expects a table (list), got {type(input).__name__}")
        mods = self._children_list()
        if len(input) < len(mods):
            raise ValueError(f"nn.ParallelTable has {len(mods)} modules but got a table of {len(input)} entries")
        return [m(x) for m, x in zip(mods, input)]

    def lua_label(self) -> str:
        return _branch_label("nn.ParallelTable", self._children_list(), True)


def _children(container: torch.nn.Module) -> list[torch.nn.Module]:
    """The children in order, duplicates kept (``children()`` drops a module added twice).

    torch types ``_modules`` values as optional; containers never hold None.
    """
    return [m for m in container._modules.values() if m is not None]
