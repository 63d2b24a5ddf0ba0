"""Table modules that combine their entries: CMaxTable, CMinTable, MixtureTable, MV,
MaskedSelect, Index, CAddTensorTable, ZipTable, ZipTableOneToMany.

Indices are 1-based as in Lua. Non-differentiable entries (a mask, an index) get a zero
gradient of their own shape and type, as Lua returns.

>>> CMaxTable()([torch.tensor([1.0, 5.0]), torch.tensor([3.0, 2.0])])
tensor([3., 5.])
"""

from __future__ import annotations

import torch

from ..module import Module
from .lua_dims import check_lua_dim
from .table import _as_table

__all__ = [
    "MV",
    "CAddTensorTable",
    "CMaxTable",
    "CMinTable",
    "Index",
    "MaskedSelect",
    "MixtureTable",
    "ZipTable",
    "ZipTableOneToMany",
]


class CMaxTable(Module):
    """``nn.CMaxTable()``: element-wise maximum of a table of tensors. The gradient goes to
    the first entry holding the maximum (Lua keeps an entry only when strictly larger)."""

    _better = staticmethod(torch.gt)

    def forward(self, input):
        input = _as_table(input, self.lua_label())
        out = input[0]
        for t in input[1:]:
            out = torch.where(self._better(t, out), t, out)
        return out


class CMinTable(CMaxTable):
    """``nn.CMinTable()``: element-wise minimum of a table of tensors (gradient to the first
    entry holding it)."""

    _better = staticmethod(torch.lt)


class MixtureTable(Module):
    """``nn.MixtureTable([dim])``: mixture of experts ``sum_i gater_i * expert_i``.

    Input ``{gater, experts}``: ``gater`` is B x E (or E without a batch); ``experts`` is a
    table of E tensors shaped like the output, or one tensor with the experts along ``dim``
    (default 2 with a batch, 1 without).
    """

    def __init__(self, dim: int | None = None):
        super().__init__()
        if dim is not None:  # Lua indexes a size array with it: no counting from the end
            check_lua_dim(dim, f"nn.MixtureTable({dim})", negative=False)
        self.dim = dim

    def forward(self, input):
        gater, experts = _as_table(input, "nn.MixtureTable")
        batched = gater.dim() >= 2
        dim = self.dim if self.dim is not None else (2 if batched else 1)
        n = gater.shape[1 if batched else 0]
        if isinstance(experts, (list, tuple)):
            if len(experts) != n:
                raise ValueError(
                    f"nn.MixtureTable: {n} gater outputs for {len(experts)} experts "
                    f"(should be one gater output per expert)"
                )
            shape = [1] * (experts[0].dim() + 1)
        else:
            shape = [1] * experts.dim()
        if batched:
            shape[0] = gater.shape[0]
        shape[dim - 1] = n
        gates = gater.reshape(shape)
        if isinstance(experts, (list, tuple)):
            out = None
            for i, e in enumerate(experts):
                term = e * gates.select(dim - 1, i)
                out = term if out is None else out + term
            return out
        return (gates * experts).sum(dim - 1)


class MV(Module):
    """``nn.MV([trans=false])``: matrix-vector product of ``{M, v}`` (M 2-D and v 1-D, or a
    batch: M B x m x n and v B x n); ``trans`` uses M transposed."""

    def __init__(self, trans: bool = False):
        super().__init__()
        if not isinstance(trans, bool):
            raise TypeError("nn.MV(trans): trans must be a boolean (transpose the matrix before multiplying)")
        self.trans = trans

    def forward(self, input):
        M, v = _as_table(input, "nn.MV")
        if M.dim() == 2 and v.dim() == 1:
            return (M.t() if self.trans else M) @ v
        if M.dim() == 3 and v.dim() == 2 and M.shape[0] == v.shape[0]:
            M = M.transpose(1, 2) if self.trans else M
            return torch.bmm(M, v.unsqueeze(2)).squeeze(2)
        raise ValueError(
            f"nn.MV: expected {{2-D matrix, 1-D vector}} or a batch {{3-D, 2-D}}, got "
            f"{{{tuple(M.shape)}, {tuple(v.shape)}}}"
        )


class MaskedSelect(Module):
    """``nn.MaskedSelect()``: ``{x, mask}`` -> the elements of x where the (byte) mask is
    set, as a vector."""

    def forward(self, input):
        x, mask = _as_table(input, "nn.MaskedSelect")
        return torch.masked_select(x, mask.bool())


class Index(Module):
    """``nn.Index(dim)``: ``{x, index}`` -> ``x:index(dim, index)``, the slices of x along
    ``dim`` at the 1-based positions in the LongTensor ``index`` (repeats allowed)."""

    def __init__(self, dimension: int):
        super().__init__()
        check_lua_dim(dimension, f"nn.Index({dimension})", negative=False)  # Lua's Tensor:index has no -1
        self.dimension = dimension

    def forward(self, input):
        x, index = _as_table(input, "nn.Index")
        if not 1 <= self.dimension <= x.dim():
            raise IndexError(f"nn.Index({self.dimension}): dimension out of range for a {x.dim()}-D input")
        idx = index.long().reshape(-1)
        n = x.shape[self.dimension - 1]
        try:
            return torch.index_select(x, self.dimension - 1, idx - 1)
        except IndexError as e:  # torch says "index out of range in self": name the Lua indices
            bad = idx[(idx < 1) | (idx > n)].tolist()
            raise IndexError(
                f"nn.Index({self.dimension}): indices {bad[:10]} out of range for size {n} (Lua indices are 1..{n})"
            ) from e

    def _lua_grads(self, gradOutput, want_input, want_params, scale=1.0):
        gi = super()._lua_grads(gradOutput, want_input, want_params, scale)
        if gi is not None:  # Lua's gradient for the index: zeros of the input's type
            gi[1] = torch.zeros(gi[1].shape, dtype=gi[0].dtype, device=gi[0].device)
        return gi


class CAddTensorTable(Module):
    """``nn.CAddTensorTable()``: ``{x, {y_1, ..., y_n}}`` -> ``{x + y_1, ..., x + y_n}``."""

    def forward(self, input):
        x, ys = _as_table(input, "nn.CAddTensorTable")
        return [x + y for y in _as_table(ys, "nn.CAddTensorTable (second entry)")]


class ZipTable(Module):
    """``nn.ZipTable()``: ``{{a1, a2, ...}, {b1, b2, ...}}`` -> ``{{a1, b1}, {a2, b2}, ...}``."""

    def forward(self, input):
        tables = [_as_table(t, "nn.ZipTable (entry)") for t in _as_table(input, "nn.ZipTable")]
        n = max((len(t) for t in tables), default=0)
        return [[t[j] for t in tables if j < len(t)] for j in range(n)]


class ZipTableOneToMany(Module):
    """``nn.ZipTableOneToMany()``: ``{e, {a, b, ...}}`` -> ``{{e, a}, {e, b}, ...}``."""

    def forward(self, input):
        e, table = _as_table(input, "nn.ZipTableOneToMany")
        return [[e, v] for v in _as_table(table, "nn.ZipTableOneToMany (second entry)")]
