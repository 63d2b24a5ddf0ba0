"""Distances and similarities: Euclidean, WeightedEuclidean, Cosine (learnt templates),
CosineDistance, PairwiseDistance, DotProduct (between two inputs), Bilinear.

Lua writes the backward of the distance modules by hand and adds a small constant to
the distance it divides by (1e-7 for Euclidean/WeightedEuclidean, 1e-6 for
PairwiseDistance). To reproduce those gradients exactly, those modules return the
distance computed plainly *plus* ``s - s.detach()``, where ``s`` is a surrogate whose
derivative is Lua's formula: the value is unchanged (the added term is exactly zero) and
autograd follows Lua.

>>> m = DotProduct()
>>> m([torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])])
tensor([11.])
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..module import Module
from .linear import _lua_stdv, lua_uniform_

__all__ = [
    "Bilinear",
    "Cosine",
    "CosineDistance",
    "DotProduct",
    "Euclidean",
    "PairwiseDistance",
    "WeightedEuclidean",
]


def _pair(input, what: str):
    if not isinstance(input, (list, tuple)) or len(input) != 2:
        raise TypeError(f"{what} expects a table of two tensors, got {type(input).__name__}")
    a, b = input
    if a.shape != b.shape or a.dim() not in (1, 2):
        raise ValueError(
            f"{what}: the two inputs must be vectors or batches of the same shape, got "
            f"{tuple(a.shape)} and {tuple(b.shape)}"
        )
    return a, b


def _with_lua_gradient(value: torch.Tensor, surrogate: torch.Tensor) -> torch.Tensor:
    """``value`` whose gradient is that of ``surrogate`` (see the module docstring)."""
    return value.detach() + (surrogate - surrogate.detach())


def _template_distance(module: Euclidean | WeightedEuclidean, input, scale=None):
    """Distance of each input (1-D, or rows of a 2-D batch) to each template column
    ``weight[:, j]``, optionally scaled element-wise by ``scale`` (WeightedEuclidean)."""
    n_in = module.weight.shape[0]
    if input.dim() not in (1, 2) or input.shape[-1] != n_in:
        raise ValueError(
            f"{module.lua_label()}: expected a 1-D input of {n_in} or a 2-D batch x {n_in}, "
            f"got shape {tuple(input.shape)}"
        )
    diff = input.unsqueeze(-1) - module.weight  # (batch x) n_in x n_out
    if scale is not None:
        diff = diff * scale
    dist = torch.linalg.vector_norm(diff, dim=-2)
    # Lua's gradient: diff / (dist + 1e-7) (times the scale again, for WeightedEuclidean)
    surrogate = 0.5 * (diff * diff).sum(-2) / (dist.detach() + 1e-7)
    return _with_lua_gradient(dist, surrogate)


class Euclidean(Module):
    """``nn.Euclidean(inputSize, outputSize)``: ``y_j = || w_j - x ||`` for the template
    columns ``w_j`` of ``weight`` (inputSize x outputSize). Lua's initialisation: uniform
    in ±1/sqrt(inputSize). Gradients are Lua's (divided by ``y_j + 1e-7``)."""

    def __init__(self, inputSize: int, outputSize: int):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.empty(inputSize, outputSize))
        self.reset()

    def reset(self, stdv: float | None = None) -> Euclidean:
        bound = _lua_stdv(stdv, 1.0 / math.sqrt(self.weight.shape[0]))
        lua_uniform_(self.weight, -bound, bound)
        return self

    def forward(self, input):
        return _template_distance(self, input)

    def extra_repr(self) -> str:
        return f"{self.weight.shape[0]} -> {self.weight.shape[1]}"


class WeightedEuclidean(Euclidean):
    """``nn.WeightedEuclidean(inputSize, outputSize)``: ``y_j = || c_j * (x - w_j) ||`` with
    a learnt diagonal ``diagCov`` (starts at 1) per template. Parameters in Lua's order:
    weight, diagCov."""

    def __init__(self, inputSize: int, outputSize: int):
        Module.__init__(self)
        self.weight = torch.nn.Parameter(torch.empty(inputSize, outputSize))
        self.diagCov = torch.nn.Parameter(torch.empty(inputSize, outputSize))
        self.reset()

    def reset(self, stdv: float | None = None) -> WeightedEuclidean:
        super().reset(stdv)
        with torch.no_grad():
            self.diagCov.fill_(1)
        return self

    def forward(self, input):
        return _template_distance(self, input, self.diagCov)


class Cosine(Module):
    """``nn.Cosine(inputSize, outputSize)``: cosine similarity of the input with each row
    of ``weight`` (outputSize x inputSize); norms get Lua's ``+ 1e-12``. Lua's
    initialisation: uniform in ±1/sqrt(outputSize) (Lua divides by ``weight:size(1)``)."""

    def __init__(self, inputSize: int, outputSize: int):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.empty(outputSize, inputSize))
        self.reset()

    def reset(self, stdv: float | None = None) -> Cosine:
        bound = _lua_stdv(stdv, 1.0 / math.sqrt(self.weight.shape[0]))
        lua_uniform_(self.weight, -bound, bound)
        return self

    def forward(self, input):
        if input.dim() not in (1, 2) or input.shape[-1] != self.weight.shape[1]:
            raise ValueError(
                f"{self.lua_label()}: expected a vector or a batch of {self.weight.shape[1]} "
                f"features, got shape {tuple(input.shape)}"
            )
        w_norm = torch.linalg.vector_norm(self.weight, dim=1) + 1e-12
        x_norm = torch.linalg.vector_norm(input, dim=-1, keepdim=True) + 1e-12
        return input @ self.weight.t() / w_norm / x_norm

    def extra_repr(self) -> str:
        return f"{self.weight.shape[1]} -> {self.weight.shape[0]}"


class CosineDistance(Module):
    """``nn.CosineDistance()``: cosine similarity of the two vectors of ``{a, b}`` (or of
    each row pair of two batches); squared norms get Lua's ``+ 1e-12``. A pair of vectors
    gives a 1-element tensor."""

    def forward(self, input):
        a, b = _pair(input, "nn.CosineDistance")
        a2, b2 = (a.reshape(1, -1), b.reshape(1, -1)) if a.dim() == 1 else (a, b)
        w = torch.rsqrt(((a2 * a2).sum(1) + 1e-12) * ((b2 * b2).sum(1) + 1e-12))
        return (a2 * b2).sum(1) * w


class PairwiseDistance(Module):
    """``nn.PairwiseDistance(p)``: the p-norm distance ``||a - b||_p`` between the two
    inputs of ``{a, b}`` (vectors, giving a 1-element tensor, or batches). Gradients are
    Lua's: divided by ``(dist + 1e-6)^(p - 1)`` for p > 1, ``sign(a - b)`` for p = 1."""

    def __init__(self, p: float = 2):
        super().__init__()
        self.norm = 2.0 if p is None else float(p)

    def forward(self, input):
        a, b = _pair(input, "nn.PairwiseDistance")
        d = (a - b).reshape(1, -1) if a.dim() == 1 else a - b
        p = self.norm
        ad = d.abs()
        dist = ad.pow(p).sum(1).pow(1 / p)
        if p == 1:
            return dist
        surrogate = ad.pow(p).sum(1) / p * (dist.detach() + 1e-6).pow(1 - p)
        return _with_lua_gradient(dist, surrogate)


class DotProduct(Module):
    """``nn.DotProduct()``: the dot product of the two inputs of ``{a, b}`` (vectors, giving
    a 1-element tensor, or each row pair of two batches)."""

    def forward(self, input):
        a, b = _pair(input, "nn.DotProduct")
        return (a * b).sum(-1).reshape(-1)


class Bilinear(Module):
    """``nn.Bilinear(inputSize1, inputSize2, outputSize[, bias=true])``:
    ``y_k = a W_k b + bias_k`` for a batch of pairs ``{a, b}`` (2-D only, as in Lua).
    Lua's initialisation: weight then bias uniform in ±1/sqrt(inputSize1)."""

    def __init__(self, inputSize1: int, inputSize2: int, outputSize: int, bias: bool = True):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.empty(outputSize, inputSize1, inputSize2))
        self.bias = torch.nn.Parameter(torch.empty(outputSize)) if bias is not False else None
        self.reset()

    def reset(self, stdv: float | None = None) -> Bilinear:
        bound = _lua_stdv(stdv, 1.0 / math.sqrt(self.weight.shape[1]))
        lua_uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            lua_uniform_(self.bias, -bound, bound)
        return self

    def forward(self, input):
        if not isinstance(input, (list, tuple)) or len(input) != 2:
            raise TypeError("nn.Bilinear expects a table of two 2-D tensors")
        a, b = input
        _, n1, n2 = self.weight.shape
        if a.dim() != 2 or b.dim() != 2 or a.shape[0] != b.shape[0] or a.shape[1] != n1 or b.shape[1] != n2:
            raise ValueError(
                f"nn.Bilinear({n1}, {n2}, {self.weight.shape[0]}): expected batches "
                f"N x {n1} and N x {n2}, got {tuple(a.shape)} and {tuple(b.shape)}"
            )
        return F.bilinear(a, b, self.weight, self.bias)

    def extra_repr(self) -> str:
        o, n1, n2 = self.weight.shape
        return f"{n1}, {n2} -> {o}" + ("" if self.bias is not None else ", without bias")
