"""Torch7's tensor type names (``torch.DoubleTensor``...) and the default tensor type.

Lua Torch's default tensor type is **double**: ``torch.Tensor(3)`` is a
``torch.DoubleTensor``. Ported code creates tensors through the runtime, which keeps
that default (independently of torch's own default dtype) until
``torch.setdefaulttensortype`` changes it.

Example::

    >>> import torch
    >>> from pygraphnn.lua.runtime import tensor_types
    >>> tensor_types.typename(torch.zeros(2, dtype=torch.int64))
    'torch.LongTensor'
    >>> tensor_types.default_dtype()
    torch.float64
"""

from __future__ import annotations

import torch

__all__ = ["DTYPES", "default_dtype", "dtype_of", "is_tensor", "set_default_type", "typename"]

#: Lua tensor type name -> torch dtype
DTYPES: dict[str, torch.dtype] = {
    "torch.DoubleTensor": torch.float64,
    "torch.FloatTensor": torch.float32,
    "torch.LongTensor": torch.int64,
    "torch.IntTensor": torch.int32,
    "torch.ShortTensor": torch.int16,
    "torch.CharTensor": torch.int8,
    "torch.ByteTensor": torch.uint8,
    "torch.HalfTensor": torch.float16,
    # cutorch's names; on a CPU-only machine they are the CPU types (see runtime.cuda)
    "torch.CudaTensor": torch.float32,
    "torch.CudaDoubleTensor": torch.float64,
    "torch.CudaLongTensor": torch.int64,
    "torch.CudaByteTensor": torch.uint8,
    "torch.CudaIntTensor": torch.int32,
    "torch.CudaHalfTensor": torch.float16,
}
_NAMES = {dt: name for name, dt in reversed(list(DTYPES.items())) if "Cuda" not in name}
_CUDA_NAMES = {
    torch.float32: "torch.CudaTensor",
    torch.float64: "torch.CudaDoubleTensor",
    torch.int64: "torch.CudaLongTensor",
    torch.uint8: "torch.CudaByteTensor",
    torch.int32: "torch.CudaIntTensor",
    torch.float16: "torch.CudaHalfTensor",
}

_default = "torch.DoubleTensor"


def is_tensor(obj) -> bool:
    """Lua's ``torch.isTensor(obj)``."""
    return isinstance(obj, torch.Tensor)


def typename(t: torch.Tensor) -> str:
    """Lua's ``t:type()`` / ``torch.typename(t)``: ``'torch.DoubleTensor'`` etc."""
    if t.dtype == torch.bool:  # comparisons give ByteTensors in Lua; a bool reads as one
        return "torch.ByteTensor"
    if t.is_cuda:
        return _CUDA_NAMES.get(t.dtype, "torch.CudaTensor")
    try:
        return _NAMES[t.dtype]
    except KeyError:
        raise TypeError(f"no Torch7 tensor type for dtype {t.dtype}") from None


def dtype_of(name: str) -> torch.dtype:
    """The dtype of a Lua tensor type name (``'torch.FloatTensor'`` -> float32)."""
    try:
        return DTYPES[name]
    except KeyError:
        raise ValueError(f"unknown Torch tensor type {name!r}; expected one of {sorted(DTYPES)}") from None


def default_dtype() -> torch.dtype:
    """The dtype of ``torch.Tensor`` (float64 unless ``setdefaulttensortype`` changed it)."""
    return DTYPES[_default]


def default_type() -> str:
    """Lua's ``torch.getdefaulttensortype()``."""
    return _default


def set_default_type(name: str) -> None:
    """Lua's ``torch.setdefaulttensortype(name)``: the type of ``torch.Tensor`` from now
    on. For a floating type torch's own default dtype follows, so ``nn`` modules
    created afterwards get the same type, as in Lua."""
    global _default
    dtype = dtype_of(name)
    _default = name
    if dtype in (torch.float32, torch.float64):
        torch.set_default_dtype(dtype)
