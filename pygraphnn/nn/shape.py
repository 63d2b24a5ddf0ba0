"""Shape modules: Reshape, View, Narrow, Select, Transpose, Replicate, Squeeze, Unsqueeze.

Dimensions and indices are 1-based as in Lua (negative ones count from the end
where Lua nn allows it); each module follows Lua nn's rule for telling a batch
from a single sample. Outputs may be views of the input (Lua copies); gradients
are the same.
"""

from __future__ import annotations

from typing import Any

import torch

from ..module import Module
from .lua_dims import check_lua_dim, lua_range

__all__ = ["Narrow", "Replicate", "Reshape", "Select", "Squeeze", "Transpose", "Unsqueeze", "View"]


def _sizes(args: tuple, what: str) -> list[int]:
    """Constructor sizes given as ``(4, 3)``, ``([4, 3])`` or ``(torch.Size([4, 3]))``."""
    if len(args) == 1 and isinstance(args[0], (list, tuple, torch.Size)):
        args = tuple(args[0])
    out = []
    for a in args:
        if isinstance(a, bool) or not isinstance(a, (int, float)) or int(a) != a:
            raise TypeError(f"{what}: sizes must be integers, got {a!r}")
        out.append(int(a))
    return out


def _lua_dim(d: int, ndim: int, what: str) -> int:
    """1-based (or negative, counted from the end) Lua dimension -> 0-based torch dimension."""
    d0 = d + ndim if d < 0 else d - 1
    if not 0 <= d0 < ndim:
        raise IndexError(f"{what}: dimension {d} out of range for a {ndim}-D input (Lua dimensions {lua_range(ndim)})")
    return d0


class Reshape(Module):
    """``nn.Reshape(d1, d2, ..., [batchMode])``: reshape to ``d1 x d2 x ...``.

    Lua's batch rule when ``batchMode`` is not given: the input is one sample if
    its number of elements equals ``d1*d2*...`` and its first size is not 1;
    otherwise the first dimension is a batch and is kept. ``batchMode=True``
    always keeps the first dimension, ``False`` never does.
    """

    def __init__(self, *size: Any, batchMode: bool | None = None):
        super().__init__()
        if size and isinstance(size[-1], bool):
            batchMode = size[-1]
            size = size[:-1]
        self.size = _sizes(size, "nn.Reshape")
        self.batchMode = batchMode
        n = 1
        for s in self.size:
            n *= s
        self.nelement = n

    def _shape(self, input: torch.Tensor) -> list[int]:
        if self.batchMode is False or (
            self.batchMode is None and input.numel() == self.nelement and input.dim() > 0 and input.shape[0] != 1
        ):
            return self.size
        return [input.shape[0]] + self.size

    def _compute(self, input: torch.Tensor) -> torch.Tensor:
        return input.reshape(self._shape(input))

    def forward(self, input):
        return self._compute(input)

    def _inline(self, ref, args, table_input):
        if table_input:
            return None
        if self.batchMode is True:
            return f"{args[0]}.reshape({args[0]}.shape[0], {', '.join(map(str, self.size))})"
        if self.batchMode is False:
            return f"{args[0]}.reshape({', '.join(map(str, self.size))})"
        # The common case inline (a batch of flat rows: Lua's rule always keeps the
        # batch then); anything else goes through the full rule.
        x, dims = args[0], ", ".join(map(str, self.size))
        return (
            f"({x}.reshape({x}.shape[0], {dims}) if {x}.dim() == 2 and {x}.shape[1] == {self.nelement} "
            f"else {ref}._compute({x}))"
        )

    def extra_repr(self) -> str:
        return "x".join(map(str, self.size))


class View(Module):
    """``nn.View(d1, d2, ...)``: a view of the input; one size may be -1 (inferred).

    With ``setNumInputDims(n)`` the last ``n`` input dimensions are the sample and
    any leading ones form the batch; without it Lua infers a batch when the input
    holds a multiple of ``d1*d2*...`` elements (and no size is -1).
    """

    def __init__(self, *size: Any):
        super().__init__()
        self.numInputDims: int | None = None
        self.resetSize(*size)

    def resetSize(self, *size: Any) -> View:  # Lua name
        self.size = _sizes(size, "nn.View")
        n, infer = 1, False
        for s in self.size:
            if s >= 0:
                n *= s
            else:
                if s != -1:
                    raise ValueError("nn.View: a size must be positive or -1")
                if infer:
                    raise ValueError("nn.View: only one size can be -1")
                infer = True
        self.numElements = n
        return self

    def setNumInputDims(self, numInputDims: int | None) -> View:  # Lua name
        self.numInputDims = numInputDims
        return self

    def _batch_size(self, input: torch.Tensor) -> int | None:
        shape = input.shape
        nd = len(shape)
        maxdim = self.numInputDims if self.numInputDims is not None else nd
        ine = 1
        for i in range(nd - maxdim, nd):
            ine *= shape[i]
        if self.numElements == 0 or ine % self.numElements != 0:
            raise RuntimeError(
                f"nn.View: input view ({'x'.join(map(str, shape))}) and desired view "
                f"({'x'.join(map(str, self.size))}) do not match"
            )
        bsz = ine // self.numElements
        if -1 in self.size:
            bsz = 1
        for i in range(nd - maxdim):
            bsz *= shape[i]
        if bsz == 1 and (self.numInputDims is None or nd <= self.numInputDims):
            return None
        return bsz

    def _compute(self, input: torch.Tensor) -> torch.Tensor:
        bsz = self._batch_size(input)
        return input.reshape(self.size if bsz is None else [bsz] + self.size)

    def forward(self, input):
        return self._compute(input)

    def _inline(self, ref, args, table_input):
        return None if table_input else f"{ref}._compute({args[0]})"

    def extra_repr(self) -> str:
        return ", ".join(map(str, self.size))


class Narrow(Module):
    """``nn.Narrow(dimension, offset, length=1)``: ``length`` entries from ``offset`` (1-based).

    Recorded Lua behaviours (nn 8726825): a negative ``dimension`` counts from the
    end; a negative ``length`` means ``size - offset + length + 2``; a negative
    ``offset`` gives index 1 and length ``size - length``.
    """

    def __init__(self, dimension: int, offset: int, length: int = 1):
        super().__init__()
        if dimension is None or offset is None:
            raise TypeError("nn.Narrow(dimension, offset, length)")
        check_lua_dim(dimension, f"nn.Narrow({dimension}, {offset}, {length})")
        check_lua_dim(offset, f"nn.Narrow({dimension}, {offset}, {length})", "offset")
        self.dimension = dimension
        self.index = offset
        self.length = length

    def _range(self, input: torch.Tensor) -> tuple[int, int, int]:
        d = _lua_dim(self.dimension, input.dim(), "nn.Narrow")
        size = input.shape[d]
        length = self.length
        if length < 0:
            length = size - self.index + self.length + 2
        index = self.index
        if index < 0:
            index = 1
            length = size - length
        if length < 1 or index + length - 1 > size:  # Lua (torch7) refuses empty and overlong slices
            raise IndexError(
                f"nn.Narrow({self.dimension}, {self.index}, {self.length}): entries {index} .. "
                f"{index + length - 1} (length {length}) out of range for size {size} of dimension {d + 1}"
            )
        return d, index - 1, length

    def forward(self, input):
        d, start, length = self._range(input)
        return input.narrow(d, start, length)


class Select(Module):
    """``nn.Select(dimension, index)``: the slice at ``index`` (1-based; negative from the end)."""

    def __init__(self, dimension: int, index: int):
        super().__init__()
        check_lua_dim(dimension, f"nn.Select({dimension}, {index})")
        check_lua_dim(index, f"nn.Select({dimension}, {index})", "index")
        self.dimension = dimension
        self.index = index

    def forward(self, input):
        d = _lua_dim(self.dimension, input.dim(), "nn.Select")
        size = input.shape[d]
        i = self.index + size if self.index < 0 else self.index - 1
        if not 0 <= i < size:
            raise IndexError(
                f"nn.Select({self.dimension}, {self.index}): index {self.index} out of range for "
                f"size {size} of dimension {d + 1} (Lua indices {lua_range(size)})"
            )
        return input.select(d, i)


class Transpose(Module):
    """``nn.Transpose({1, 2}, {2, 3}, ...)``: swap each pair of dimensions, in order.

    ``setNumInputDims(n)`` shifts the dimensions past any leading batch dimensions.
    """

    def __init__(self, *permutations: Any):
        super().__init__()
        self.permutations = [tuple(int(d) for d in p) for p in permutations]
        for p in self.permutations:
            if len(p) != 2:
                raise ValueError(f"nn.Transpose: each permutation is a pair of dimensions, got {p}")
            for d in p:
                check_lua_dim(d, f"nn.Transpose({p})")
        self.numInputDims: int | None = None

    def setNumInputDims(self, numInputDims: int | None) -> Transpose:  # Lua name
        self.numInputDims = numInputDims
        return self

    def forward(self, input):
        offset = input.dim() - self.numInputDims if self.numInputDims is not None else 0
        for a, b in self.permutations:
            input = input.transpose(
                _lua_dim(a + offset if a > 0 else a, input.dim(), "nn.Transpose"),
                _lua_dim(b + offset if b > 0 else b, input.dim(), "nn.Transpose"),
            )
        return input


class Replicate(Module):
    """``nn.Replicate(nf, dim=1, ndim)``: repeat the input ``nf`` times along a new dimension
    ``dim``; with ``ndim`` given, an input of more than ``ndim`` dimensions is a batch and the
    new dimension moves one place right. The output is an expanded view (stride 0), as in Lua.
    """

    def __init__(self, nf: int, dim: int = 1, ndim: int | None = None):
        super().__init__()
        self.nfeatures = nf
        self.dim = 1 if dim is None else dim
        self.ndim = ndim
        if self.dim <= 0:
            raise ValueError("nn.Replicate: can only replicate across positive integer dimensions")

    def forward(self, input):
        rdim = self.dim
        if self.ndim is not None and input.dim() > self.ndim:
            rdim += 1
        if rdim > input.dim() + 1:
            raise ValueError(f"nn.Replicate: not enough input dimensions to replicate along dimension {rdim}")
        out = input.unsqueeze(rdim - 1)
        shape = list(out.shape)
        shape[rdim - 1] = self.nfeatures
        return out.expand(shape)


def _lua_squeeze(t: torch.Tensor, d: int | None = None) -> torch.Tensor:
    """torch7's squeeze: never leaves zero dimensions (keeps a 1-element 1-D tensor)."""
    if d is None:
        if t.dim() == 0:
            return t.reshape(1)
        out = t.squeeze()
        return out.reshape(1) if out.dim() == 0 else out
    if t.shape[d] == 1 and t.dim() > 1:
        return t.squeeze(d)
    return t


class Squeeze(Module):
    """``nn.Squeeze(dim, numInputDims)``: drop size-1 dimensions (all, or only ``dim``).

    With ``numInputDims`` and an input of ``numInputDims + 1`` dimensions, ``dim`` is
    shifted past the batch dimension, and a batch of size 1 is kept.
    """

    def __init__(self, dim: int | None = None, numInputDims: int | None = None):
        super().__init__()
        if dim is not None and numInputDims is None:  # with numInputDims, Lua's batch shift makes 0 valid
            check_lua_dim(dim, f"nn.Squeeze({dim})")
        self.dim = dim
        self.numInputDims = numInputDims

    def setNumInputDims(self, numInputDims: int | None) -> Squeeze:  # Lua name
        self.numInputDims = numInputDims
        return self

    def forward(self, input):
        dim = self.dim
        addone = False
        if self.numInputDims is not None and input.dim() == self.numInputDims + 1:
            if dim is not None:
                dim = dim + 1
            elif input.shape[0] == 1:
                addone = True
        if dim is None:
            out = _lua_squeeze(input)
        else:
            out = _lua_squeeze(input, _lua_dim(dim, input.dim(), "nn.Squeeze"))
        if addone:
            out = out.unsqueeze(0)
        return out


class Unsqueeze(Module):
    """``nn.Unsqueeze(pos, numInputDims)``: insert a size-1 dimension at ``pos`` (1-based);
    with ``numInputDims``, leading batch dimensions shift the position."""

    def __init__(self, pos: int, numInputDims: int | None = None):
        super().__init__()
        if pos is None:
            raise TypeError("nn.Unsqueeze: the position to insert the singleton dimension is not given")
        if isinstance(pos, bool) or not isinstance(pos, int) or pos <= 0:
            raise ValueError(f"nn.Unsqueeze: pos must be a positive integer, got {pos!r}")
        self.pos = pos
        self.numInputDims = numInputDims

    def setNumInputDims(self, numInputDims: int | None) -> Unsqueeze:  # Lua name
        self.numInputDims = numInputDims
        return self

    def forward(self, input):
        nd = input.dim()
        n_in = self.numInputDims if self.numInputDims is not None else nd
        offset = nd - n_in
        if offset < 0:
            raise ValueError("nn.Unsqueeze: numInputDims must be <= input:dim()")
        if offset + self.pos > nd + 1:
            raise ValueError(
                f"nn.Unsqueeze: offsetDim + pos (={offset} + {self.pos}) exceeds input dim (={nd}) by more than 1"
            )
        return input.unsqueeze(offset + self.pos - 1)

    def extra_repr(self) -> str:
        return f"dim {self.pos}"
