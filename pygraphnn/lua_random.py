"""Torch7's random stream, bit for bit, read from torch's default CPU generator.

torch's default CPU generator is the same MT19937 as Torch7's and is seeded the same
way by ``torch.manual_seed``, so the raw 32-bit draws are Torch7's ``THRandom_random``
ones; this module turns them into numbers the way Torch7's ``THRandom.c`` does
(``uniform``, Box-Muller ``normal`` with its carried-over second value). Both the
``nn`` zoo (default initialisation) and the Lua runtime (``pygraphnn.lua.runtime``)
draw from here, so a ported program's ``torch.manualSeed(1); nn.Linear(3, 2);
x:normal()`` gives Lua's numbers.

Example::

    >>> import torch
    >>> from pygraphnn.lua_random import lua_random32
    >>> _ = torch.manual_seed(5489)
    >>> lua_random32(1).item()
    3499211612
"""

from __future__ import annotations

import math

import torch

__all__ = [
    "forget_pending_normal",
    "get_state",
    "lua_bernoulli_",
    "lua_normal_",
    "lua_random32",
    "lua_uniform_",
    "module_draws",
    "normal_values",
    "set_module_draws",
    "set_state",
]

_TWO31 = float(1 << 31)
_F32_MOD = float((1 << 24) + 1)  # torch's float32 random_() returns draw % (2**24 + 1)
_INV_TWO32 = 1.0 / 4294967296.0  # Torch7: uniform = random() * (1 / 2**32)
_EXACT_NORMAL_MAX = 1 << 17  # above this many values, normal() uses vectorised libm

# Torch7's normal() makes values in Box-Muller pairs and keeps the second of a pair
# (``normal_is_valid``) for the next call, across any other draws, until a reseed. The
# pending pair is kept here with the generator state our last draw left: if the state
# is not that one any more, something else moved the generator (a reseed, or a draw by
# plain torch code) and the pending value is dropped, as Lua's reseed drops it.
_pending_normal: tuple[float, float] | None = None  # (rho, x) of the half-used pair
_state_after_last_draw: torch.Tensor | None = None


def _lua_draws(n: int) -> torch.Tensor:
    """The next ``n`` raw 32-bit MT19937 outputs of torch's default CPU generator, as
    float64 (exact integers).

    torch exposes no 32-bit draw directly: ``int32.random_()`` gives ``draw % 2**31`` and
    ``float32.random_()`` gives ``draw % (2**24 + 1)``, each consuming one draw per element.
    Drawing both from the same state recovers the missing top bit exactly (2**31 is not
    a multiple of 2**24 + 1); the generator ends where one pass leaves it. All the
    arithmetic below is exact in float64.
    """
    global _state_after_last_draw
    gen = torch.default_generator
    if n == 0:
        return torch.empty(0, dtype=torch.float64)
    state = gen.get_state()
    keep = (
        _pending_normal is not None
        and _state_after_last_draw is not None
        and torch.equal(state, _state_after_last_draw)
    )
    low = torch.empty(n, dtype=torch.int32, device="cpu").random_(generator=gen).double()
    gen.set_state(state)
    alt = torch.empty(n, dtype=torch.float32, device="cpu").random_(generator=gen).double()
    high = torch.remainder(low + _TWO31, _F32_MOD) == alt
    if not keep:
        forget_pending_normal()
    _state_after_last_draw = gen.get_state()
    return low.add_(high.double().mul_(_TWO31))


def lua_random32(n: int) -> torch.Tensor:
    """The next ``n`` raw 32-bit outputs of torch's default CPU generator (Torch7's
    ``THRandom_random``), as int64."""
    return _lua_draws(n).long()


def _lua_uniform01(n: int) -> torch.Tensor:
    """``n`` of Torch7's ``__uniform__``: draw / 2**32, in [0, 1), float64."""
    return _lua_draws(n).mul_(_INV_TWO32)


def forget_pending_normal() -> None:
    """Drop the carried-over Box-Muller value (what Torch7's ``manualSeed`` does)."""
    global _pending_normal
    _pending_normal = None


def _take_pending() -> tuple[float, float] | None:
    """The pending (rho, x) if the generator has only moved by our draws since."""
    global _pending_normal
    pend = _pending_normal
    _pending_normal = None
    if pend is None or _state_after_last_draw is None:
        return None
    if not torch.equal(torch.default_generator.get_state(), _state_after_last_draw):
        return None
    return pend


def normal_values(n: int, mean: float = 0.0, stdv: float = 1.0) -> torch.Tensor:
    """The next ``n`` values of Torch7's ``THRandom_normal(mean, stdv)`` as float64.

    Box-Muller on pairs of uniforms (x, y): ``rho = sqrt(-2 log(1 - y))``, values
    ``rho cos(2 pi x)`` then ``rho sin(2 pi x)``, each ``* stdv + mean``; an unused
    ``sin`` half is carried to the next call. Bit-exact up to 2**17 values (Python's
    libm, as Lua's); more use torch's vectorised log/cos/sin (within an ulp or two).
    """
    global _pending_normal
    mean, stdv = float(mean), float(stdv)
    if not stdv > 0:
        raise ValueError(f"normal: standard deviation must be strictly positive, got {stdv}")
    if n <= 0:
        return torch.empty(0, dtype=torch.float64)
    head: list[float] = []
    pend = _take_pending()
    if pend is not None:
        head = [pend[0] * math.sin(2.0 * math.pi * pend[1]) * stdv + mean]
    m = n - len(head)
    pairs = (m + 1) // 2
    u = _lua_uniform01(2 * pairs)
    last: tuple[float, float] | None = None
    if m <= _EXACT_NORMAL_MAX:
        vals = head
        ul = u.tolist()
        for i in range(0, 2 * pairs, 2):
            x, y = ul[i], ul[i + 1]
            rho = math.sqrt(-2.0 * math.log(1.0 - y))
            vals.append(rho * math.cos(2.0 * math.pi * x) * stdv + mean)
            vals.append(rho * math.sin(2.0 * math.pi * x) * stdv + mean)
            last = (rho, x)
        out = torch.tensor(vals, dtype=torch.float64)
    else:
        xs, ys = u[0::2], u[1::2]
        rhos = torch.sqrt(-2.0 * torch.log(1.0 - ys))
        ang = 2.0 * math.pi * xs
        pair = torch.stack([rhos * torch.cos(ang) * stdv + mean, rhos * torch.sin(ang) * stdv + mean], 1)
        out = torch.cat([torch.tensor(head, dtype=torch.float64), pair.reshape(-1)])
        last = (float(rhos[-1]), float(xs[-1]))
    if m % 2:
        _pending_normal = last
    return out[:n]


@torch.no_grad()
def lua_uniform_(tensor: torch.Tensor, a: float = 0.0, b: float = 1.0) -> torch.Tensor:
    """Torch7's ``tensor:uniform(a, b)``: ``u * (b - a) + a`` for each element in order,
    ``u`` = next 32-bit draw / 2**32, computed in double. Returns ``tensor``."""
    vals = _lua_uniform01(tensor.numel()) * (float(b) - float(a)) + float(a)
    tensor.copy_(vals.view(tensor.shape))
    return tensor


@torch.no_grad()
def lua_bernoulli_(tensor: torch.Tensor, p: float = 0.5) -> torch.Tensor:
    """Torch7's ``tensor:bernoulli(p)``: 1 where the element's ``u <= p`` (``u`` as in
    :func:`lua_uniform_`), else 0, in element order. Returns ``tensor``."""
    tensor.copy_((_lua_uniform01(tensor.numel()) <= float(p)).view(tensor.shape))
    return tensor


# Whether stochastic nn modules (Dropout) draw their noise the way Torch7 does, from its stream
# (a ported program's Lua numbers), rather than with torch's faster kernels. Ported programs
# switch it on (see set_module_draws).
_module_draws = False


def set_module_draws(lua: bool) -> bool:
    """Make ``nn.Dropout`` draw its noise from Torch7's stream (bit-exact Lua masks after
    ``torch.manualSeed``) when ``lua`` is true; returns the previous setting. Set it before
    building gModules: a graph compiled with it off inlines torch's ``F.dropout``."""
    global _module_draws
    previous, _module_draws = _module_draws, bool(lua)
    return previous


def module_draws() -> bool:
    """Whether stochastic nn modules draw from Torch7's stream (see :func:`set_module_draws`)."""
    return _module_draws


@torch.no_grad()
def lua_normal_(tensor: torch.Tensor, mean: float = 0.0, stdv: float = 1.0) -> torch.Tensor:
    """Torch7's ``tensor:normal(mean, stdv)`` (see :func:`normal_values`). Returns ``tensor``."""
    tensor.copy_(normal_values(tensor.numel(), mean, stdv).view(tensor.shape))
    return tensor


def get_state() -> tuple:
    """Everything that decides the next Lua draws: torch's generator state and the
    carried-over normal value (restore with :func:`set_state`)."""
    return (torch.default_generator.get_state(), _pending_normal, _state_after_last_draw)


def set_state(state: tuple) -> None:
    """Restore what :func:`get_state` returned."""
    global _pending_normal, _state_after_last_draw
    torch.default_generator.set_state(state[0])
    _pending_normal, _state_after_last_draw = state[1], state[2]
