"""``cutorch`` / ``cunn`` / ``fbcunn`` for ported programs: the CUDA device when there is
one, else CPU stand-ins, so ``require 'fbcunn'; x = x:cuda(); cutorch.setDevice(1)`` runs
anywhere.

On a CPU-only machine ``x:cuda()`` and ``module:cuda()`` do what the usual hand patch of a
GPU program does (``return x``): tensors keep their type (Lua's default Double), so the
program prints the numbers Lua prints when run on the CPU with its ``:cuda()`` calls
removed. A tensor ``:cuda()`` copied is still cutorch's for random draws: its
``uniform()``/``normal()``... come from the CUDA generator that ``cutorch.manualSeed``
seeds (here a Torch7 stream of its own, on the GPU too), never from Torch's CPU stream,
as in Lua, where ``torch.zeros(1, 1):cuda():uniform()`` leaves ``torch.uniform()``'s
numbers unchanged.

Example::

    >>> import torch
    >>> from pygraphnn.lua.runtime import cuda
    >>> cuda.CUTORCH["getDevice"]()
    1
    >>> cuda.to_device(torch.zeros(2)).shape
    torch.Size([2])
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable

import torch

from ... import lua_random
from .table import LuaTable

__all__ = ["CUTORCH", "available", "cuda_copy", "cuda_module", "device", "on_cuda_generator", "to_device"]

_device_index = [0]


def available() -> bool:
    """Whether a CUDA device can be used."""
    return torch.cuda.is_available()


def device() -> torch.device:
    """The device ``:cuda()`` moves tensors to: the selected GPU, or the CPU."""
    return torch.device("cuda", _device_index[0]) if available() else torch.device("cpu")


def to_device(obj):
    """A tensor or module on :func:`device` (unchanged on a CPU-only machine)."""
    if not available():
        return obj
    return obj.to(device())


# marks a tensor `:cuda()` made on a CPU-only machine (a CudaTensor for random draws)
_CPU_CUDA_TENSOR = "_pygraphnn_lua_cuda"


def cuda_copy(t: torch.Tensor) -> torch.Tensor:
    """``t:cuda()``: with a GPU, a float32 copy there (``t`` itself when already one); on a
    CPU-only machine a copy of the same type (the CPU patch's numbers), ``t`` itself when
    ``:cuda()`` made it."""
    if available():
        return t if t.is_cuda and t.dtype == torch.float32 else t.to(device(), torch.float32)
    if getattr(t, _CPU_CUDA_TENSOR, False):
        return t
    copy = torch.empty(t.shape, dtype=t.dtype).copy_(t)  # contiguous, as cutorch's copy
    setattr(copy, _CPU_CUDA_TENSOR, True)
    return copy


def cuda_module(module):
    """``module:cuda()``: the module itself, its tensors float32 on the GPU if there is
    one, unchanged on a CPU-only machine (as ``:cuda()`` of a tensor there)."""
    if available():
        module.to(device(), torch.float32)
    return module


def _is_cuda_tensor(t) -> bool:
    return isinstance(t, torch.Tensor) and (t.is_cuda or getattr(t, _CPU_CUDA_TENSOR, False))


_generator: list = [None]  # lua_random state of the CUDA generator (None: not seeded yet)


def _seeded_state(seed: int) -> tuple:
    """The state of a Torch7 stream seeded with ``seed``, leaving the CPU stream as it was."""
    saved = lua_random.get_state()
    try:
        torch.default_generator.manual_seed(seed & ((1 << 64) - 1))
        lua_random.forget_pending_normal()
        return lua_random.get_state()
    finally:
        lua_random.set_state(saved)


def on_cuda_generator(fn: Callable) -> Callable:
    """``fn(t, ...)``, a random fill, drawing from the CUDA generator when ``t`` is a
    CudaTensor (on the GPU, or ``:cuda()``'s copy on the CPU), else from Torch's stream."""

    @functools.wraps(fn)
    def draw(t, *args, **kwargs):
        if not _is_cuda_tensor(t):
            return fn(t, *args, **kwargs)
        if _generator[0] is None:  # cutorch seeds itself from the clock: any seed will do
            _generator[0] = _seeded_state(int.from_bytes(os.urandom(8), "little"))
        saved = lua_random.get_state()
        lua_random.set_state(_generator[0])
        try:
            return fn(t, *args, **kwargs)
        finally:
            _generator[0] = lua_random.get_state()
            lua_random.set_state(saved)

    return draw


def _device_properties(n=None) -> LuaTable:
    """``cutorch.getDeviceProperties(n)``: the GPU's name, compute capability, memory and
    multiprocessors; on a CPU-only machine capability 0.0 and no memory (programs read
    ``major + minor / 10`` to choose a kernel)."""
    if not available():
        return LuaTable(
            {
                "name": "cpu (no CUDA device)",
                "major": 0,
                "minor": 0,
                "totalGlobalMem": 0,
                "freeGlobalMem": 0,
                "multiProcessorCount": 0,
            }
        )
    index = int(n) - 1 if n is not None else _device_index[0]
    p = torch.cuda.get_device_properties(index)
    free, _ = torch.cuda.mem_get_info(index)
    return LuaTable(
        {
            "name": p.name,
            "major": p.major,
            "minor": p.minor,
            "totalGlobalMem": p.total_memory,
            "freeGlobalMem": free,
            "multiProcessorCount": p.multi_processor_count,
        }
    )


def _set_device(n) -> None:
    """``cutorch.setDevice(n)`` (1-based)."""
    n = int(n)
    count = torch.cuda.device_count() if available() else 1
    if not 1 <= n <= count:
        raise ValueError(f"cutorch.setDevice: device {n} out of range [1, {count}]")
    _device_index[0] = n - 1
    if available():
        torch.cuda.set_device(n - 1)


def _synchronize(*_args) -> None:
    if available():
        torch.cuda.synchronize()


def _manual_seed(seed) -> None:
    """``cutorch.manualSeed(seed)``: the CUDA generator's (never Torch's CPU stream)."""
    _generator[0] = _seeded_state(int(seed))
    if available():
        torch.cuda.manual_seed(int(seed))


def _manual_seed_all(seed) -> None:
    _generator[0] = _seeded_state(int(seed))
    if available():
        torch.cuda.manual_seed_all(int(seed))


def _memory_usage(n=None):
    """``cutorch.getMemoryUsage([n])`` -> (free, total) bytes (0, 0 without a GPU)."""
    if not available():
        return 0, 0
    free, total = torch.cuda.mem_get_info(int(n) - 1 if n else _device_index[0])
    return free, total


#: ``cutorch.<name>`` -> function
CUTORCH: dict[str, Callable] = {
    "setDevice": _set_device,
    "getDevice": lambda: _device_index[0] + 1,
    "getDeviceCount": lambda: torch.cuda.device_count() if available() else 0,
    "synchronize": _synchronize,
    "synchronizeAll": _synchronize,
    "manualSeed": _manual_seed,
    "manualSeedAll": _manual_seed_all,
    "getMemoryUsage": _memory_usage,
    "isAvailable": available,
    "getDeviceProperties": _device_properties,
}
