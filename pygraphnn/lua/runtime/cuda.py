"""``cutorch`` / ``cunn`` for ported programs: the CUDA device when there is one, else
CPU no-ops, so ``require 'cunn'; x = x:cuda(); cutorch.setDevice(1)`` runs anywhere.

Example::

    >>> import torch
    >>> from pygraphnn.lua.runtime import cuda
    >>> cuda.CUTORCH["getDevice"]()
    1
    >>> cuda.to_device(torch.zeros(2)).shape
    torch.Size([2])
"""

from __future__ import annotations

from collections.abc import Callable

import torch

__all__ = ["CUTORCH", "available", "device", "to_device"]

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
    if available():
        torch.cuda.manual_seed(int(seed))


def _manual_seed_all(seed) -> None:
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
}
