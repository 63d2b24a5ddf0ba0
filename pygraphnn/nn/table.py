"""Table modules: element-wise arithmetic over tables, splitting, joining and picking entries.

A Lua table is a Python list; table outputs are lists. Indices and dimensions are
1-based as in Lua, negative ones count from the end.
"""

from __future__ import annotations

from typing import Any

import torch

from ..module import Module
from .lua_dims import check_lua_dim, lua_range

__all__ = [
    "CAddTable",
    "CDivTable",
    "CMulTable",
    "CSubTable",
    "FlattenTable",
    "JoinTable",
    "NarrowTable",
    "SelectTable",
    "SplitTable",
]


def _as_table(input: Any, what: str) -> list | tuple:
    if not isinstance(input, (list, tuple)):
        raise TypeError(f"{what} expects a table (list) as input, got {type(input).__name__}")
    return input


class CAddTable(Module):
    """Element-wise sum of a table of tensors."""

    def forward(self, input):
        input = _as_table(input, "nn.CAddTable")
        out = input[0]
        for t in input[1:]:
            out = out + t
        return out

    def _inline(self, ref, args, table_input):
        return " + ".join(args) if table_input and len(args) > 1 else None


class CSubTable(Module):
    """``input[1] - input[2]``."""

    def forward(self, input):
        input = _as_table(input, "nn.CSubTable")
        return input[0] - input[1]

    def _inline(self, ref, args, table_input):
        return f"{args[0]} - {args[1]}" if table_input and len(args) == 2 else None


class CMulTable(Module):
    """Element-wise product of a table of tensors."""

    def forward(self, input):
        input = _as_table(input, "nn.CMulTable")
        out = input[0]
        for t in input[1:]:
            out = out * t
        return out

    def _inline(self, ref, args, table_input):
        return " * ".join(args) if table_input and len(args) > 1 else None


class CDivTable(Module):
    """``input[1] / input[2]``, element-wise."""

    def forward(self, input):
        input = _as_table(input, "nn.CDivTable")
        return input[0] / input[1]

    def _inline(self, ref, args, table_input):
        return f"{args[0]} / {args[1]}" if table_input and len(args) == 2 else None


def _table_dim(dimension: int, nInputDims: int | None, ndim: int, what: str) -> int:
    """Lua's ``_getPositiveDimension`` for Split/JoinTable, as a 0-based torch dimension."""
    if dimension < 0:
        d = ndim + dimension
    elif nInputDims is not None and ndim == nInputDims + 1:
        d = dimension
    else:
        d = dimension - 1
    if not 0 <= d < ndim:
        raise IndexError(
            f"{what}: dimension {dimension} out of range for a {ndim}-D input (Lua dimensions {lua_range(ndim)})"
        )
    return d


def _inline_dim(module: Any, ref: str, x: str) -> str:
    """Source for Split/JoinTable's torch dimension given tensor ``x``: a constant behind a cheap
    rank test when it is fixed (the test failing calls ``_torch_dim`` for Lua's error), else the
    full rule per call (nInputDims: batch or not is known only at run time)."""
    if module.nInputDims is not None:
        return f"{ref}._torch_dim({x})"
    d = module.dimension - 1 if module.dimension > 0 else module.dimension
    return f"({d} if {x}.dim() >= {d + 1 if d >= 0 else -d} else {ref}._torch_dim({x}))"


class SplitTable(Module):
    """``nn.SplitTable(dimension, nInputDims)``: the slices of a tensor along ``dimension``, as a list.

    A negative ``dimension`` counts from the end. With ``nInputDims``, an input of
    ``nInputDims + 1`` dimensions is a batch and the split moves one dimension right.
    """

    def __init__(self, dimension: int, nInputDims: int | None = None):
        super().__init__()
        if nInputDims is None:  # with nInputDims, Lua's batch shift makes 0 the batch dimension
            check_lua_dim(dimension, f"nn.SplitTable({dimension})")
        self.dimension = dimension
        self.nInputDims = nInputDims

    def _torch_dim(self, input: torch.Tensor) -> int:
        return _table_dim(self.dimension, self.nInputDims, input.dim(), "nn.SplitTable")

    def forward(self, input):
        return list(torch.unbind(input, self._torch_dim(input)))

    def _inline(self, ref, args, table_input):
        if table_input:
            return None
        return f"list(torch.unbind({args[0]}, {_inline_dim(self, ref, args[0])}))"


class JoinTable(Module):
    """``nn.JoinTable(dimension, nInputDims)``: concatenate a table of tensors along ``dimension``.

    Negative ``dimension`` and the ``nInputDims`` batch rule as for :class:`SplitTable`
    (decided on the first tensor).
    """

    def __init__(self, dimension: int, nInputDims: int | None = None):
        super().__init__()
        if nInputDims is None:  # with nInputDims, Lua's batch shift makes 0 the batch dimension
            check_lua_dim(dimension, f"nn.JoinTable({dimension})")
        self.dimension = dimension
        self.nInputDims = nInputDims

    def _torch_dim(self, first: torch.Tensor) -> int:
        return _table_dim(self.dimension, self.nInputDims, first.dim(), "nn.JoinTable")

    def forward(self, input):
        input = _as_table(input, "nn.JoinTable")
        return torch.cat(list(input), self._torch_dim(input[0]))

    def _inline(self, ref, args, table_input):
        if not table_input or not args:
            return None
        return f"torch.cat([{', '.join(args)}], {_inline_dim(self, ref, args[0])})"


class SelectTable(Module):
    """``nn.SelectTable(index)``: entry ``index`` of a table (1-based, negative from the end).
    The entry may itself be a table; the gradient of the other entries is zero."""

    def __init__(self, index: int):
        super().__init__()
        self.index = index

    def _pos(self, n: int) -> int:
        i = n + self.index if self.index < 0 else self.index - 1
        if not 0 <= i < n:
            raise IndexError(f"nn.SelectTable({self.index}): index does not exist in a table of {n} entries")
        return i

    def forward(self, input):
        input = _as_table(input, f"nn.SelectTable({self.index})")
        return input[self._pos(len(input))]

    def _inline(self, ref, args, table_input):
        if table_input:
            return args[self._pos(len(args))]
        if self.index == 0:
            return None
        # a table is indexed directly; anything else goes through forward (which explains the error)
        t = args[0]
        return (
            f"({t} if isinstance({t}, (list, tuple)) else {ref}({t}))"
            f"[{self.index - 1 if self.index > 0 else self.index}]"
        )

    def extra_repr(self) -> str:
        return str(self.index)


class NarrowTable(Module):
    """``nn.NarrowTable(offset, length=1)``: entries ``offset .. offset+length-1`` (1-based) as a list."""

    def __init__(self, offset: int, length: int = 1):
        super().__init__()
        if offset is None:
            raise TypeError("nn.NarrowTable(offset, length)")
        self.offset = offset
        self.length = length

    def forward(self, input):
        input = _as_table(input, "nn.NarrowTable")
        start = self.offset - 1
        if start < 0 or self.length < 0 or start + self.length > len(input):
            raise IndexError(
                f"nn.NarrowTable({self.offset}, {self.length}): out of range for a table of {len(input)} entries"
            )
        return list(input[start : start + self.length])

    def _inline(self, ref, args, table_input):
        if not table_input or self.offset < 1 or self.length < 0 or self.offset - 1 + self.length > len(args):
            return None
        return f"[{', '.join(args[self.offset - 1 : self.offset - 1 + self.length])}]"


def _flatten_into(out: list, value: Any) -> None:
    if isinstance(value, (list, tuple)):
        for v in value:
            _flatten_into(out, v)
    else:
        out.append(value)


class FlattenTable(Module):
    """``nn.FlattenTable()``: a nested table of tensors as one flat list (depth first)."""

    def forward(self, input: Any) -> list:
        out: list = []
        _flatten_into(out, _as_table(input, "nn.FlattenTable"))
        return out
