"""Torch7's random functions, bit-exact with its generator (``THRandom.c``,
``THTensorRandom.c`` and the ``TensorMath.lua`` wrappers).

Every value is made from the raw MT19937 draws of torch's default CPU generator the way
Torch7 makes it, element by element in the tensor's (row-major) order, computed in double
and then stored in the tensor's type; so after ``manualSeed(n)`` any interleaving of
these calls gives Lua's numbers. Tensor functions fill in place and return the tensor;
the scalar ones return a Lua number.

Example::

    >>> import torch
    >>> from pygraphnn.lua.runtime import random as R
    >>> R.manualSeed(1)
    >>> R.random()
    1791095845
    >>> R.uniform_(torch.empty(2, dtype=torch.float64), -1, 1).tolist()
    [0.99436961626634, 0.4406489785760641]
"""

from __future__ import annotations

import math
import os

import torch

from ... import lua_random
from . import tensor_types

__all__ = [
    "bernoulli",
    "bernoulli_",
    "cauchy",
    "cauchy_",
    "exponential",
    "exponential_",
    "geometric",
    "geometric_",
    "getRNGState",
    "initialSeed",
    "logNormal",
    "logNormal_",
    "manualSeed",
    "multinomial",
    "normal",
    "normal_",
    "rand",
    "randn",
    "random",
    "random_",
    "randperm",
    "seed",
    "setRNGState",
    "uniform",
    "uniform_",
]

_U64 = (1 << 64) - 1
# what THTensor_(random) reduces a raw draw by, per element type (random() with no bounds)
_RANDOM_MOD = {
    torch.uint8: 256,
    torch.int8: 128,
    torch.int16: 1 << 15,
    torch.int32: 1 << 31,
    torch.float32: (1 << 24) + 1,
    torch.float16: (1 << 11) + 1,
}


# ------------------------------------------------------------------ the generator
def manualSeed(seed: int) -> None:
    """``torch.manualSeed(seed)``: reseed (also drops a pending normal value, as Lua)."""
    torch.manual_seed(int(seed) & _U64)
    lua_random.forget_pending_normal()


def seed() -> int:
    """``torch.seed()``: reseed from /dev/urandom; returns the seed."""
    s = int.from_bytes(os.urandom(8), "little")
    manualSeed(s)
    return s


def initialSeed() -> int:
    """``torch.initialSeed()``: the last seed given."""
    return torch.default_generator.initial_seed()


def getRNGState() -> torch.Tensor:
    """``torch.getRNGState()``: a ByteTensor holding the whole generator state (torch's
    state followed by the pending Box-Muller value), for :func:`setRNGState`."""
    state, pending, _ = lua_random.get_state()
    extra = torch.tensor([1.0, *pending] if pending else [0.0, 0.0, 0.0], dtype=torch.float64)
    return torch.cat([state, extra.view(torch.uint8)])


def setRNGState(state: torch.Tensor) -> torch.Tensor:
    """``torch.setRNGState(state)``: restore what :func:`getRNGState` returned."""
    if not isinstance(state, torch.Tensor) or state.dtype != torch.uint8 or state.dim() != 1:
        raise TypeError(f"setRNGState: expected the ByteTensor getRNGState returned, got {state!r:.60}")
    gen_state, extra = state[:-24].clone(), state[-24:].clone().view(torch.float64).tolist()
    torch.default_generator.set_state(gen_state)
    pending = (extra[1], extra[2]) if extra[0] else None
    lua_random.set_state((gen_state, pending, torch.default_generator.get_state()))
    return state


# ------------------------------------------------------------------ helpers
def _uniform01(n: int) -> list[float]:
    return lua_random._lua_uniform01(n).tolist()


def _real(t: torch.Tensor, v: float) -> float:
    """An argument declared ``real`` in TensorMath.lua is converted to the tensor's type
    before the C function sees it (a FloatTensor's ``uniform(a, b)`` uses float a, b)."""
    if t.dtype in (torch.float32, torch.float16):
        return float(torch.tensor(float(v), dtype=t.dtype))
    return float(v)


@torch.no_grad()
def _fill(t: torch.Tensor, values) -> torch.Tensor:
    """Store ``values`` (double, in element order) into ``t`` as Torch's C cast does."""
    vals = values if isinstance(values, torch.Tensor) else torch.tensor(values, dtype=torch.float64)
    if not t.is_floating_point():
        vals = vals.trunc()  # (real) cast of a double truncates toward zero
    t.copy_(vals.view(t.shape))
    return t


def _check_tensor(t, fname: str) -> torch.Tensor:
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{fname}: expected a torch tensor, got {type(t).__name__}")
    return t


# ------------------------------------------------------------------ scalars (torch.*)
def random(a: int | None = None, b: int | None = None) -> int:
    """``torch.random([a], [b])``: a raw 32-bit draw; ``random(b)`` in [1, b];
    ``random(a, b)`` in [a, b]."""
    r = int(lua_random._lua_draws(1)[0])
    if a is None:
        return r
    if b is None:
        if not a > 0:
            raise ValueError(f"random: upper bound must be strictly positive, got {a}")
        return r % int(a) + 1
    a, b = int(a), int(b)
    if not b >= a:
        raise ValueError(f"random: upper bound must be larger than lower bound, got [{a}, {b}]")
    return r % (b + 1 - a) + a


def uniform(a: float = 0.0, b: float = 1.0) -> float:
    """``torch.uniform([a], [b])``: ``u * (b - a) + a``."""
    return _uniform01(1)[0] * (float(b) - float(a)) + float(a)


def normal(mean: float = 0.0, stdv: float = 1.0) -> float:
    """``torch.normal([mean], [stdv])`` (Box-Muller, the second value kept for the next call)."""
    return float(lua_random.normal_values(1, mean, stdv)[0])


def _exponential(u: float, lam: float) -> float:
    return -1.0 / lam * math.log(1 - u)


def _cauchy(u: float, median: float, sigma: float) -> float:
    return median + sigma * math.tan(math.pi * (u - 0.5))


def _geometric(u: float, p: float) -> float:
    return float(int(math.log(1 - u) / math.log(p)) + 1)


def _check_geometric(p: float) -> None:
    if not 0 < p < 1:
        raise ValueError(f"geometric: p must be > 0 and < 1, got {p}")


def _check_bernoulli(p: float) -> None:
    if not 0 <= p <= 1:
        raise ValueError(f"bernoulli: p must be >= 0 and <= 1, got {p}")


def exponential(lam: float) -> float:
    """``torch.exponential(lambda)``: ``-1/lambda * log(1 - u)``."""
    return _exponential(_uniform01(1)[0], float(lam))


def cauchy(median: float = 0.0, sigma: float = 1.0) -> float:
    """``torch.cauchy([median], [sigma])``: ``median + sigma * tan(pi (u - 1/2))``."""
    return _cauchy(_uniform01(1)[0], float(median), float(sigma))


def logNormal(mean: float = 1.0, stdv: float = 2.0) -> float:
    """``torch.logNormal([mean], [stdv])``: ``exp(normal(mean, stdv))``."""
    return math.exp(normal(mean, stdv))


def geometric(p: float) -> float:
    """``torch.geometric(p)``: ``floor(log(1 - u) / log(p)) + 1``."""
    _check_geometric(p)
    return _geometric(_uniform01(1)[0], float(p))


def bernoulli(p: float = 0.5) -> int:
    """``torch.bernoulli([p])``: 1 if ``u <= p`` else 0."""
    _check_bernoulli(p)
    return int(_uniform01(1)[0] <= p)


# ------------------------------------------------------------------ tensor fills
def random_(t: torch.Tensor, a: int | None = None, b: int | None = None) -> torch.Tensor:
    """``t:random([a], [b])``: raw draws (reduced per type), or in [1, a], or in [a, b]."""
    _check_tensor(t, "random")
    r = lua_random._lua_draws(t.numel()).long()
    if a is None:
        mod = _RANDOM_MOD.get(t.dtype)
        vals = r if mod is None else torch.remainder(r, mod)
    elif b is None:
        if not a > 0:
            raise ValueError(f"random: upper bound must be strictly positive, got {a}")
        vals = torch.remainder(r, int(a)) + 1
    else:
        a, b = int(a), int(b)
        if not b >= a:
            raise ValueError(f"random: upper bound must be larger than lower bound, got [{a}, {b}]")
        vals = torch.remainder(r, b + 1 - a) + a
        if a < 0 and t.is_floating_point():
            # Torch7 adds a negative bound in unsigned long arithmetic before storing into
            # a floating tensor: draws below -a wrap around to about 1.8e19
            vals = torch.where(vals < 0, vals.double() + 18446744073709551616.0, vals.double())
    with torch.no_grad():
        t.copy_(vals.view(t.shape))
    return t


def uniform_(t: torch.Tensor, a: float = 0.0, b: float = 1.0) -> torch.Tensor:
    """``t:uniform([a], [b])``."""
    _check_tensor(t, "uniform")
    a, b = _real(t, a), _real(t, b)
    return _fill(t, lua_random._lua_uniform01(t.numel()) * (b - a) + a)


def normal_(t: torch.Tensor, mean: float = 0.0, stdv: float = 1.0) -> torch.Tensor:
    """``t:normal([mean], [stdv])``."""
    _check_tensor(t, "normal")
    for v in (mean, stdv):
        if isinstance(v, (torch.Tensor, bool)) or not isinstance(v, (int, float)):
            raise TypeError(f"normal: mean and stdv must be numbers, got {type(v).__name__}")
    return _fill(t, lua_random.normal_values(t.numel(), _real(t, mean), _real(t, stdv)))


def exponential_(t: torch.Tensor, lam: float = 1.0) -> torch.Tensor:
    """``t:exponential(lambda)``."""
    _check_tensor(t, "exponential")
    lam = _real(t, lam)
    return _fill(t, [_exponential(u, lam) for u in _uniform01(t.numel())])


def cauchy_(t: torch.Tensor, median: float = 0.0, sigma: float = 1.0) -> torch.Tensor:
    """``t:cauchy([median], [sigma])``."""
    _check_tensor(t, "cauchy")
    median, sigma = _real(t, median), _real(t, sigma)
    return _fill(t, [_cauchy(u, median, sigma) for u in _uniform01(t.numel())])


def logNormal_(t: torch.Tensor, mean: float = 1.0, stdv: float = 2.0) -> torch.Tensor:
    """``t:logNormal([mean], [stdv])``."""
    _check_tensor(t, "logNormal")
    vals = lua_random.normal_values(t.numel(), _real(t, mean), _real(t, stdv))
    return _fill(t, [math.exp(v) for v in vals.tolist()])


def geometric_(t: torch.Tensor, p: float) -> torch.Tensor:
    """``t:geometric(p)``."""
    _check_tensor(t, "geometric")
    _check_geometric(p)
    return _fill(t, [_geometric(u, float(p)) for u in _uniform01(t.numel())])


def bernoulli_(t: torch.Tensor, p=0.5) -> torch.Tensor:
    """``t:bernoulli([p])``: ``p`` a number or a tensor of probabilities (one per element)."""
    _check_tensor(t, "bernoulli")
    if isinstance(p, torch.Tensor):
        if p.numel() != t.numel():
            raise ValueError(f"bernoulli: the probability tensor has {p.numel()} elements, the tensor {t.numel()}")
        probs = p.double().reshape(-1)
        if probs.numel() and not bool(((probs >= 0) & (probs <= 1)).all()):
            raise ValueError("bernoulli: every probability must be >= 0 and <= 1")
        return _fill(t, (lua_random._lua_uniform01(t.numel()) <= probs).double())
    _check_bernoulli(p)
    return _fill(t, (lua_random._lua_uniform01(t.numel()) <= float(p)).double())


# ------------------------------------------------------------------ sampling
def multinomial(prob: torch.Tensor, n: int, replacement: bool = False) -> torch.Tensor:
    """``torch.multinomial(prob, n, [replacement])``: a LongTensor of ``n`` 1-based
    category indices per row of ``prob`` (a vector or a matrix of non-negative weights,
    not necessarily normalised), drawn by Torch7's inverse-CDF binary search; without
    replacement each drawn category's mass is removed before the next draw."""
    _check_tensor(prob, "multinomial")
    if prob.dim() not in (1, 2):
        raise ValueError(f"multinomial: prob must be a vector or a matrix, got a {prob.dim()}-D tensor")
    rows = prob.double().reshape(-1, prob.shape[-1]).tolist()
    n = int(n)
    ncat = len(rows[0])
    if n <= 0:
        raise ValueError(f"multinomial: cannot sample n_sample <= 0 samples (got {n})")
    if not replacement and n > ncat:
        raise ValueError(
            f"multinomial: cannot sample {n} > prob:size({prob.dim()}) = {ncat} samples without replacement"
        )
    out = []
    for row in rows:
        cum, total = [], 0.0
        for w in row:
            total += w
            cum.append(total)
        if not total > 0:
            raise ValueError("multinomial: invalid distribution (sum of probabilities <= 0)")
        cum = [c / total for c in cum]
        samples = []
        for _ in range(n):
            u = _uniform01(1)[0]
            cum[-1] = 1.0
            lo, hi = 0, ncat
            while hi - lo > 0:
                mid = lo + (hi - lo) // 2
                if cum[mid] < u:
                    lo = mid + 1
                else:
                    hi = mid
            samples.append(lo + 1)
            if not replacement:
                diff = cum[lo] - (cum[lo - 1] if lo else 0.0)
                rest = 1.0 - diff
                cum = [_ieee_div((c - diff) if k >= lo else c, rest) for k, c in enumerate(cum)]
        out.append(samples)
    res = torch.tensor(out, dtype=torch.int64)
    return res[0] if prob.dim() == 1 else res


def _ieee_div(a: float, b: float) -> float:
    """C's double division (x/0 is inf or nan, as when the last category is drawn)."""
    if b == 0:
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def randperm(n: int, dtype: torch.dtype | None = None) -> torch.Tensor:
    """``torch.randperm(n)``: a random permutation of 1..n (default tensor type), by
    Torch7's swaps: for i = 0..n-2 swap i with i + draw % (n - i)."""
    n = int(n)
    if n <= 0:
        raise ValueError(f"randperm: n must be strictly positive, got {n}")
    perm = list(range(n))
    draws = lua_random._lua_draws(n - 1).long().tolist()
    for i, r in enumerate(draws):
        z = r % (n - i) + i
        perm[i], perm[z] = perm[z], perm[i]
    return torch.tensor(perm, dtype=dtype or tensor_types.default_dtype()).add_(1)


def _sizes(sizes) -> list[int]:
    if len(sizes) == 1 and isinstance(sizes[0], (list, tuple, torch.Size)):
        sizes = sizes[0]
    elif len(sizes) == 1 and hasattr(sizes[0], "totable"):
        sizes = sizes[0].totable()
    return [int(s) for s in sizes]


def rand(*sizes) -> torch.Tensor:
    """``torch.rand(n1, n2, ...)``: uniform in [0, 1), default tensor type."""
    return uniform_(torch.empty(_sizes(sizes), dtype=tensor_types.default_dtype()))


def randn(*sizes) -> torch.Tensor:
    """``torch.randn(n1, n2, ...)``: normal(0, 1), default tensor type."""
    return normal_(torch.empty(_sizes(sizes), dtype=tensor_types.default_dtype()))
