"""Torch7 storages: ``x:storage()``, ``torch.LongStorage{2, 3}``, ``torch.DoubleStorage(n)``.

A :class:`Storage` is a flat, 1-based window on a tensor's memory (or a fresh buffer):
writing ``s[i]`` writes the tensor that shares it, as in Lua. Size arguments written as
``torch.LongStorage{...}`` are accepted wherever the runtime takes sizes.

Example::

    >>> import torch
    >>> from pygraphnn.lua.runtime.storage import Storage
    >>> x = torch.zeros(2, 2, dtype=torch.float64)
    >>> s = Storage.of(x)
    >>> s[4] = 7          # 1-based, as Lua's s[4] = 7
    >>> x[1, 1].item(), s.size()
    (7.0, 4)
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

__all__ = ["LongStorage", "Storage", "as_sizes"]

_STORAGE_NAMES = {
    torch.float64: "torch.DoubleStorage",
    torch.float32: "torch.FloatStorage",
    torch.int64: "torch.LongStorage",
    torch.int32: "torch.IntStorage",
    torch.int16: "torch.ShortStorage",
    torch.int8: "torch.CharStorage",
    torch.uint8: "torch.ByteStorage",
    torch.float16: "torch.HalfStorage",
}


def _lua_list(obj) -> list:
    """The array part of a Lua table given as a list, tuple or 1-based mapping."""
    if isinstance(obj, (list, tuple)):
        return list(obj)
    if isinstance(obj, Mapping):
        out, i = [], 1
        while obj.get(i) is not None:
            out.append(obj.get(i))
            i += 1
        return out
    raise TypeError(f"expected a Lua table, got {type(obj).__name__}")


class Storage:
    """A Torch7 storage: ``size()``, 1-based ``s[i]``, ``fill``, ``copy``, ``resize``,
    ``totable``. ``Storage.of(tensor)`` shares the tensor's whole memory."""

    def __init__(self, init=0, dtype: torch.dtype = torch.float64):
        if isinstance(init, torch.Tensor):
            self._flat = init
        elif isinstance(init, (int, float)) and not isinstance(init, bool):
            self._flat = torch.zeros(int(init), dtype=dtype)
        else:
            self._flat = torch.tensor([float(v) for v in _lua_list(init)], dtype=torch.float64).to(dtype)

    @classmethod
    def of(cls, tensor: torch.Tensor) -> Storage:
        """The storage under ``tensor`` (all of it, from its first element)."""
        n = tensor.untyped_storage().nbytes() // tensor.element_size()
        flat = torch.empty(0, dtype=tensor.dtype, device=tensor.device)
        flat.set_(tensor.untyped_storage(), 0, (n,), (1,))
        return cls(flat)

    # -- Lua API
    def size(self) -> int:
        return self._flat.numel()

    def __len__(self) -> int:
        return self._flat.numel()

    def _check(self, i) -> int:
        i = int(i)
        if not 1 <= i <= self._flat.numel():
            raise IndexError(f"storage index {i} out of range [1, {self._flat.numel()}]")
        return i - 1

    def __getitem__(self, i):
        v = self._flat[self._check(i)].item()
        return v

    def __setitem__(self, i, value) -> None:
        self._flat[self._check(i)] = value

    def fill(self, value) -> Storage:
        self._flat.fill_(value)
        return self

    def copy(self, src) -> Storage:
        data = src._flat if isinstance(src, Storage) else src
        self._flat.copy_(data.reshape(-1))
        return self

    def resize(self, n: int) -> Storage:
        old = self._flat
        self._flat = torch.zeros(int(n), dtype=old.dtype)
        k = min(int(n), old.numel())
        self._flat[:k] = old[:k]
        return self

    def totable(self) -> list:
        return self._flat.tolist()

    def type(self) -> str:
        return _STORAGE_NAMES.get(self._flat.dtype, "torch.Storage")

    def tensor(self) -> torch.Tensor:
        """The storage as a 1-D tensor sharing its memory."""
        return self._flat

    def __iter__(self):
        return iter(self._flat.tolist())

    def __eq__(self, other) -> bool:
        # Lua compares storages by identity; two windows on one memory are the same storage
        return (
            isinstance(other, Storage)
            and self._flat.data_ptr() == other._flat.data_ptr()
            and self._flat.numel() == other._flat.numel()
        )

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"{self.type()}({self._flat.tolist()})"


def LongStorage(init=0) -> Storage:
    """``torch.LongStorage(n)`` or ``torch.LongStorage{2, 3}``."""
    return Storage(init, torch.int64)


def as_sizes(args) -> list[int]:
    """Size arguments as Lua accepts them: ``(2, 3)``, ``(LongStorage{2, 3},)``,
    ``(torch.Size,)`` or a Lua table of sizes."""
    if len(args) == 1:
        a = args[0]
        if isinstance(a, Storage):
            return [int(v) for v in a.totable()]
        if isinstance(a, torch.Size):
            return list(a)
        if isinstance(a, (list, tuple, Mapping)):
            return [int(v) for v in _lua_list(a)]
    out = []
    for a in args:
        if isinstance(a, bool) or not isinstance(a, (int, float)):
            raise TypeError(f"expected sizes (numbers or a LongStorage), got {type(a).__name__} in {args!r:.80}")
        out.append(int(a))
    return out
