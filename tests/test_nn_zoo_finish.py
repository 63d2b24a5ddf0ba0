"""SpatialConvolutionLocal and VolumetricReplicationPadding against real Lua Torch7.

``tests/fixtures/lua_zoo_finish/cases.t7`` (nn_zoo2.t7's layout, recorded by
``record_cases.lua`` next to it): each case replayed Lua-style (forward, backward) on
the loaded module and on a saved-and-reloaded copy, output / gradInput / params /
gradParams to 1e-10 in double. ``init.t7``: Lua's default ``reset()`` after
``torch.manualSeed(123)``, reproduced bit for bit.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import torch
from test_nn_zoo2_spatial import _check

import pygraphnn as ng
from pygraphnn import nn
from pygraphnn.convert import convert
from pygraphnn.lua.classes.load import load_t7
from pygraphnn.lua.classes.save import save_t7
from pygraphnn.lua.format.t7 import LuaTable, T7Error, TorchObject, load_t7_raw
from pygraphnn.lua.format.t7 import save_t7 as save_raw

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "lua_zoo_finish"

CLASSES = {"SpatialConvolutionLocal", "VolumetricReplicationPadding", "SpatialFractionalMaxPooling"}
#: for test_lua_load's check that every zoo class has Lua cases somewhere
COVERED = {"nn." + n for n in CLASSES}


def _roundtrip(m):
    buf = io.BytesIO()
    save_t7(m, buf)
    buf.seek(0)
    return load_t7(buf)


def test_lua_cases():
    p = FIXTURES / "cases.t7"
    raw, loaded = load_t7_raw(p).to_list(), load_t7(p).to_list()
    assert len(raw) == 8 and {c.module.class_name[3:] for c in raw} == CLASSES
    for i, (case, entry) in enumerate(zip(raw, loaded), 1):
        what = f"case {i} {case.ctor} ({case.note})"
        m = entry.module
        assert type(m).__name__ == case.module.class_name[3:], what
        again = _roundtrip(m)  # before the forward: a fractional pooling keeps its samples
        assert type(again) is type(m), what
        for module, how in ((m, what), (again, what + " (saved and reloaded)")):
            if case.get("seed") is not None:  # Lua drew the pooling windows right after this seed
                torch.manual_seed(int(case.seed))
            _check(case, module, how)
            if case.get("randomSamples") is not None:
                assert torch.equal(module.randomSamples, case.randomSamples), how


INIT = {
    "nn.SpatialConvolutionLocal(2, 3, 6, 5, 3, 3)": lambda: nn.SpatialConvolutionLocal(2, 3, 6, 5, 3, 3),
    "nn.SpatialConvolutionLocal(3, 2, 7, 6, 3, 2, 2, 1, 1, 0)": lambda: nn.SpatialConvolutionLocal(
        3, 2, 7, 6, 3, 2, 2, 1, 1, 0
    ),
}


def test_lua_default_initialisation():
    records = load_t7_raw(FIXTURES / "init.t7").to_list()
    assert [r.ctor for r in records] == list(INIT)
    for rec in records:
        torch.manual_seed(123)
        m = INIT[rec.ctor]()  # default float32: Lua's double draws rounded once
        assert torch.equal(m.weight.detach(), rec.weight.to(m.weight.dtype)), rec.ctor
        assert torch.equal(m.bias.detach(), rec.bias.to(m.bias.dtype)), rec.ctor


def test_local_convolution_is_a_convolution_per_position():
    """Independent truth: with the same filters at every position it is SpatialConvolution."""
    torch.manual_seed(0)
    conv = nn.SpatialConvolution(2, 3, 3, 2, 2, 1, 1, 1).double()
    local = nn.SpatialConvolutionLocal(2, 3, 7, 5, 3, 2, 2, 1, 1, 1).double()
    with torch.no_grad():
        local.weight.copy_(conv.weight.expand(local.oH, local.oW, 3, 2, 2, 3))
        local.bias.copy_(conv.bias.view(3, 1, 1).expand(3, local.oH, local.oW))
    x = torch.randn(4, 2, 5, 7, dtype=torch.float64)
    torch.testing.assert_close(local(x), conv(x), atol=1e-12, rtol=0)
    torch.testing.assert_close(local(x[0]), conv(x[0]), atol=1e-12, rtol=0)


def test_gradients():
    m = nn.SpatialConvolutionLocal(1, 2, 3, 3, 2, 2, 2, 2, 1).double()
    x = torch.randn(2, 1, 3, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda x, w, b: torch.func.functional_call(m, {"weight": w, "bias": b}, (x,)),
        (x, m.weight.detach().clone().requires_grad_(), m.bias.detach().clone().requires_grad_()),
    )
    pad = nn.VolumetricReplicationPadding(1, 0, 2, 1, 0, 1)
    assert torch.autograd.gradcheck(pad, (torch.randn(1, 2, 2, 2, dtype=torch.float64, requires_grad=True),))


def test_errors_name_the_module():
    with pytest.raises(ValueError, match=r"nn.SpatialConvolutionLocal\(2 -> 3, 6x5.*expects images of 5x6"):
        nn.SpatialConvolutionLocal(2, 3, 6, 5, 3, 3)(torch.randn(2, 6, 6))
    with pytest.raises(ValueError, match="expects 2 input planes, got 3"):
        nn.SpatialConvolutionLocal(2, 3, 6, 5, 3, 3)(torch.randn(3, 5, 6))
    with pytest.raises(ValueError, match="output width or height less than 1"):
        nn.SpatialConvolutionLocal(2, 3, 2, 2, 3, 3)
    with pytest.raises(ValueError, match=r"VolumetricReplicationPadding.*expects a 4-D"):
        nn.VolumetricReplicationPadding(1)(torch.randn(3, 4, 5))
    bad = TorchObject(
        "nn.SpatialConvolutionLocal",
        LuaTable(
            nInputPlane=2.0,
            nOutputPlane=3.0,
            iW=6.0,
            iH=5.0,
            kW=3.0,
            kH=3.0,
            dW=1.0,
            dH=1.0,
            padW=0.0,
            padH=0.0,
            oW=4.0,
            oH=3.0,
            weight=torch.zeros(3, 4, 3, 2, 3),
            bias=torch.zeros(3, 3, 4),
        ),
    )
    buf = io.BytesIO()
    save_raw({"net": bad}, buf)
    buf.seek(0)
    with pytest.raises(T7Error, match=r"weight has shape \(3, 4, 3, 2, 3\), expected \(3, 4, 3, 2, 3, 3\)"):
        load_t7(buf)


def test_to_torch():
    """The padding becomes ReplicationPad3d; the local convolution has no torch.nn class and is kept."""
    pad = nn.VolumetricReplicationPadding(1, 2, 0, 1, 2, 1)
    plain, kept = convert(pad)
    assert type(plain) is torch.nn.ReplicationPad3d and kept == []
    x = torch.randn(2, 2, 3, 4, 5, dtype=torch.float64)
    torch.testing.assert_close(plain(x), pad(x), atol=0, rtol=0)
    with pytest.warns(UserWarning, match="SpatialConvolutionLocal"):
        ng.to_torch(nn.SpatialConvolutionLocal(2, 3, 6, 5, 3, 3))


@pytest.mark.parametrize("name", ["conv_local", "pooling_fractional"])
def test_docstring_example(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"pygraphnn.nn.{name}"))
    assert result.attempted and not result.failed


def test_fractional_pooling_redraws_unless_fixed():
    torch.manual_seed(0)
    m = nn.SpatialFractionalMaxPooling(2, 2, 3, 3).double()
    x = torch.randn(2, 2, 7, 7, dtype=torch.float64)
    m(x)
    first = m.randomSamples
    m(x)
    assert not torch.equal(first, m.randomSamples)  # new windows each forward
    m.fixPoolingRegions()
    kept, y = m.randomSamples, m(x)
    torch.testing.assert_close(m(x), y, atol=0, rtol=0)
    assert m.randomSamples is kept
    m(x[:1])  # another batch size: new samples
    assert m.randomSamples.shape == (1, 2, 2)
    with pytest.raises(ValueError, match=r"SpatialFractionalMaxPooling.*needs a larger input"):
        nn.SpatialFractionalMaxPooling(3, 3, 6, 6)(torch.randn(1, 7, 7))
    with pytest.raises(ValueError, match=r"output size .* or reduction ratios"):
        nn.SpatialFractionalMaxPooling(2, 2, 0.5, 2)
