"""The convolutional zoo (convolutions, pooling, padding, up-sampling, batch and local
normalisation, SpatialDropout, LRN, SpatialSoftMax, Normalize, DepthConcat) against
real Lua Torch7 recordings.

* ``../shared/data/t7/lua/nn_zoo2.t7``: every case of these classes is loaded from the
  file and replayed Lua-style (forward, backward): output, gradInput, params, gradParams
  and the updated running statistics (``moduleAfter``) to 1e-10 in double.
* ``tests/fixtures/lua_spatial/extra_cases.t7`` (same layout, recorded by
  ``record_cases.lua`` next to it): the classes nn_zoo2 lacks and old field layouts.
* ``tests/fixtures/lua_spatial/init.t7``: Lua's default ``reset()`` after
  ``torch.manualSeed(123)``, reproduced bit for bit.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import torch
from test_lua_load import DATA, _run_case, assert_close, plain

from pygraphnn import nn
from pygraphnn.errors import LuaIdiomError
from pygraphnn.lua.classes.load import load_t7
from pygraphnn.lua.classes.save import save_t7
from pygraphnn.lua.format.t7 import load_t7_raw

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "lua_spatial"

#: nn_zoo2.t7's classes that this part of the zoo implements
SPATIAL = {
    "SpatialConvolution",
    "SpatialConvolutionMM",
    "SpatialFullConvolution",
    "SpatialDilatedConvolution",
    "TemporalConvolution",
    "VolumetricConvolution",
    "SpatialMaxPooling",
    "SpatialAveragePooling",
    "SpatialAdaptiveMaxPooling",
    "SpatialUpSamplingNearest",
    "SpatialZeroPadding",
    "SpatialReflectionPadding",
    "SpatialReplicationPadding",
    "TemporalMaxPooling",
    "VolumetricMaxPooling",
    "SpatialBatchNormalization",
    "BatchNormalization",
    "SpatialDropout",
    "SpatialCrossMapLRN",
    "SpatialSoftMax",
    "Normalize",
    "SpatialSubtractiveNormalization",
    "SpatialContrastiveNormalization",
}
#: classes recorded in tests/fixtures/lua_spatial/extra_cases.t7 only
EXTRA = {
    "VolumetricAveragePooling",
    "VolumetricFullConvolution",
    "SpatialUpSamplingBilinear",
    "SpatialAdaptiveAveragePooling",
    "SpatialMaxUnpooling",
    "DepthConcat",
    "SpatialDivisiveNormalization",
    "SpatialConvolutionMap",
    "SpatialSubSampling",
    "TemporalSubSampling",
    "SpatialLPPooling",
    "SpatialDilatedMaxPooling",
    "VolumetricDilatedMaxPooling",
    "VolumetricDilatedConvolution",
}
#: for test_lua_load's check that every zoo class has Lua cases somewhere
COVERED_ELSEWHERE = {"nn." + n for n in SPATIAL | EXTRA}

ZOO2 = DATA / "lua" / "nn_zoo2.t7"


def _zoo2_indices() -> list[int]:
    if not ZOO2.exists():
        return [-1]
    return [
        i
        for i, c in enumerate(load_t7_raw(ZOO2).to_list())
        if c.kind == "module" and c.module.class_name[3:] in SPATIAL
    ]


@pytest.fixture(scope="module")
def zoo2():
    if not ZOO2.exists():
        pytest.skip(f"fixture {ZOO2} not found (set PYGRAPHNN_DATA)")
    return load_t7_raw(ZOO2).to_list(), load_t7(ZOO2, strict=False).to_list()


@pytest.fixture(scope="module")
def extra():
    p = FIXTURES / "extra_cases.t7"
    return load_t7_raw(p).to_list(), load_t7(p).to_list()


def _check(case, m, what):
    if case.get("backwardError") is not None:
        out = m.forward(plain(case.input))
        assert_close(out, case.output, 1e-10, what + " output")
        with pytest.raises(LuaIdiomError, match="backprop only defined while training"):
            m.backward(plain(case.input), case.gradOutput)
        return
    out, gi, params, grads = _run_case(case, m)
    assert_close(out, plain(case.output), 1e-10, what + " output")
    assert_close(gi, plain(case.gradInput), 1e-10, what + " gradInput")
    if case.get("params") is not None:
        assert_close(params, case.params, 0, what + " params")
        assert_close(grads, case.gradParams, 1e-10, what + " gradParams")
    else:
        assert params is None or params.numel() == 0, what
    after = case.get("moduleAfter")
    if after is not None:
        assert_close(m.running_mean, after.running_mean, 1e-10, what + " running_mean")
        assert_close(m.running_var, after.running_var, 1e-10, what + " running_var")


def _roundtrip(m):
    buf = io.BytesIO()
    save_t7(m, buf)
    buf.seek(0)
    return load_t7(buf)


@pytest.mark.parametrize("i", _zoo2_indices())
def test_zoo2_case(zoo2, i):
    raw, loaded = zoo2
    case, m = raw[i], loaded[i].module
    what = f"nn_zoo2 case {i + 1} {case.ctor}"
    assert type(m).__name__ == case.module.class_name[3:], what
    assert m.training == (case.module.get("train", True) is not False), what
    fresh = _roundtrip(m)
    _check(case, m, what)
    assert type(fresh) is type(m), what
    _check(case, fresh, what + " (saved and reloaded)")


def test_zoo2_covers_every_spatial_class(zoo2):
    raw, _ = zoo2
    assert {c.module.class_name[3:] for c in raw if c.kind == "module"} >= SPATIAL


def test_extra_cases(extra):
    raw, loaded = extra
    assert len(raw) == 27
    classes = set()
    for case in raw:
        stack = [case.module]
        while stack:
            o = stack.pop()
            classes.add(o.class_name[3:])
            stack.extend(x for x in (o.get("modules") or {}).values() if hasattr(x, "class_name"))
    assert classes >= EXTRA
    for i, (case, entry) in enumerate(zip(raw, loaded), 1):
        what = f"extra case {i} {case.ctor} ({case.note})"
        m = entry.module
        _check(case, m, what)
        _check(case, _roundtrip(m), what + " (saved and reloaded)")


#: init.t7's Lua constructors, written in Python (nothing read from a file is executed)
INIT = {
    "nn.SpatialConvolution(3, 4, 3, 3)": lambda: nn.SpatialConvolution(3, 4, 3, 3),
    "nn.SpatialConvolutionMM(2, 3, 2, 2)": lambda: nn.SpatialConvolutionMM(2, 3, 2, 2),
    "nn.SpatialDilatedConvolution(2, 3, 3, 3, 1, 1, 2, 2, 2, 2)": lambda: nn.SpatialDilatedConvolution(
        2, 3, 3, 3, 1, 1, 2, 2, 2, 2
    ),
    "nn.SpatialFullConvolution(3, 2, 3, 3)": lambda: nn.SpatialFullConvolution(3, 2, 3, 3),
    "nn.TemporalConvolution(4, 3, 2)": lambda: nn.TemporalConvolution(4, 3, 2),
    "nn.VolumetricConvolution(2, 3, 2, 2, 2)": lambda: nn.VolumetricConvolution(2, 3, 2, 2, 2),
    "nn.VolumetricFullConvolution(2, 3, 2, 2, 2)": lambda: nn.VolumetricFullConvolution(2, 3, 2, 2, 2),
    "nn.BatchNormalization(5)": lambda: nn.BatchNormalization(5),
    "nn.SpatialBatchNormalization(3)": lambda: nn.SpatialBatchNormalization(3),
    "nn.SpatialConvolutionMap(torch.Tensor({{1, 1}, {2, 1}, {3, 2}, {1, 3}, {3, 3}}), 3, 3)": lambda: (
        nn.SpatialConvolutionMap(torch.tensor([[1, 1], [2, 1], [3, 2], [1, 3], [3, 3]]), 3, 3)
    ),
    "nn.SpatialSubSampling(3, 2, 2)": lambda: nn.SpatialSubSampling(3, 2, 2),
    "nn.TemporalSubSampling(4, 3)": lambda: nn.TemporalSubSampling(4, 3),
}


def test_lua_default_initialisation():
    records = load_t7_raw(FIXTURES / "init.t7").to_list()
    assert [r.ctor for r in records] == list(INIT)
    for rec in records:
        torch.manual_seed(123)
        m = INIT[rec.ctor]()
        assert torch.equal(m.weight.detach().double(), rec.weight.to(m.weight.dtype).double()), rec.ctor
        assert torch.equal(m.bias.detach().double(), rec.bias.to(m.bias.dtype).double()), rec.ctor


# ------------------------------------------------------------------ errors name the module


def test_wrong_dimensions_and_planes_are_named():
    with pytest.raises(ValueError, match=r"nn.SpatialConvolution\(3 -> 4, 3x3\): expects a 3-D .* got a 2-D"):
        nn.SpatialConvolution(3, 4, 3, 3)(torch.randn(5, 5))
    with pytest.raises(ValueError, match="expects 3 input planes, got 2"):
        nn.SpatialConvolution(3, 4, 3, 3)(torch.randn(2, 5, 5))
    with pytest.raises(ValueError, match="frames of size 4, got 5"):
        nn.TemporalConvolution(4, 3, 2)(torch.randn(7, 5))
    with pytest.raises(ValueError, match="only mini-batch supported"):
        nn.BatchNormalization(5)(torch.randn(5))  # a single sample only in evaluate mode
    with pytest.raises(ValueError, match="got 4-feature tensor, expected 5"):
        nn.BatchNormalization(5)(torch.randn(3, 4))
    with pytest.raises(ValueError, match=r"adjW .* must be smaller"):
        nn.SpatialFullConvolution(3, 2, 3, 3, 1, 1, 0, 0, 1, 0)
    with pytest.raises(ValueError, match="odd"):
        nn.SpatialCrossMapLRN(4)


def test_batch_norm_single_sample_uses_running_stats_in_training():
    """Lua: a batch of one in training mode is normalised with the running statistics,
    which stay untouched (THNN is called with train = false)."""
    bn = nn.BatchNormalization(3).double()
    bn.running_mean.copy_(torch.tensor([1.0, 2.0, 3.0]))
    x = torch.randn(1, 3, dtype=torch.float64)
    y = bn(x)
    want = (x - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps) * bn.weight + bn.bias
    torch.testing.assert_close(y, want, atol=1e-12, rtol=0)
    assert bn.running_mean.tolist() == [1.0, 2.0, 3.0]


# ------------------------------------------------------------- gradients, loader errors

GRADCHECK = [
    (lambda: nn.SpatialConvolution(2, 3, 3, 2, 2, 1, 1, 0), (2, 2, 5, 4)),
    (lambda: nn.SpatialFullConvolution(2, 1, 3, 3, 2, 2, 1, 1, 1, 1), (1, 2, 3, 3)),
    (lambda: nn.TemporalConvolution(3, 2, 2, 2), (2, 5, 3)),
    (lambda: nn.SpatialConvolutionMap(torch.tensor([[1, 1], [2, 1], [2, 2]]), 2, 2), (2, 4, 4)),
    (lambda: nn.SpatialSubSampling(2, 2, 2, 2, 2), (2, 4, 4)),
    (lambda: nn.SpatialAveragePooling(3, 3, 2, 2, 1, 1).ceil().setCountExcludePad(), (2, 5, 5)),
    (lambda: nn.SpatialBatchNormalization(2), (3, 2, 2, 2)),
    (lambda: nn.SpatialCrossMapLRN(3, 0.1, 0.75, 1), (1, 4, 2, 2)),
    (lambda: nn.Normalize(1), (2, 4)),
    (lambda: nn.Normalize(float("inf")), (2, 4)),
    (lambda: nn.SpatialContrastiveNormalization(2, torch.tensor([0.25, 0.5, 0.25])), (2, 4, 4)),
    (lambda: nn.SpatialUpSamplingBilinear(2), (1, 3, 3)),
    (
        lambda: nn.DepthConcat(1).add(nn.SpatialConvolution(2, 1, 1, 1)).add(nn.SpatialConvolution(2, 2, 3, 3)),
        (2, 4, 4),
    ),
]


@pytest.mark.parametrize("k", range(len(GRADCHECK)))
def test_gradcheck(k):
    """Autograd through each module (parameters included) agrees with finite differences
    in float64, and the Lua-style backward gives the same gradInput."""
    make, shape = GRADCHECK[k]
    torch.manual_seed(k)
    m = make().double()
    x = torch.randn(shape, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda inp: m(inp), (x,), eps=1e-6, atol=1e-5, fast_mode=True)
    names = [n for n, _ in m.named_parameters()]
    if names:

        def with_params(*ps):
            return torch.func.functional_call(m, dict(zip(names, ps)), (x.detach(),))

        ps = tuple(p.detach().clone().requires_grad_(True) for p in m.parameters())
        assert torch.autograd.gradcheck(with_params, ps, eps=1e-6, atol=1e-5, fast_mode=True)
    out = m(x)
    go = torch.randn_like(out)
    (want,) = torch.autograd.grad(out, x, go)
    m.forward(x.detach())
    torch.testing.assert_close(m.backward(x.detach(), go), want, atol=1e-12, rtol=0)


def test_loader_names_bad_weights_and_fields():
    from pygraphnn.lua.format.t7 import LuaTable, T7Error, TorchObject
    from pygraphnn.lua.format.t7 import save_t7 as save_raw

    def load(obj):
        buf = io.BytesIO()
        save_raw({"model": obj}, buf)
        buf.seek(0)
        return load_t7(buf)

    fields = dict(nInputPlane=3.0, nOutputPlane=4.0, kW=3.0, kH=3.0, dW=1.0, dH=1.0, padW=0.0, padH=0.0)
    bad = TorchObject("nn.SpatialConvolution", LuaTable(weight=torch.zeros(4, 3, 3, 2), bias=torch.zeros(4), **fields))
    with pytest.raises(T7Error, match=r"weight has shape \(4, 3, 3, 2\), expected \(4, 3, 3, 3\)") as e:
        load(bad)
    assert e.value.path == "model.weight"
    no_kw = TorchObject("nn.SpatialMaxPooling", LuaTable(kH=2.0))
    with pytest.raises(T7Error, match=r"nn.SpatialMaxPooling object lacks its field 'kW'"):
        load(no_kw)
    bn = TorchObject("nn.BatchNormalization", LuaTable(running_mean=torch.zeros(3), running_var=torch.ones(4)))
    with pytest.raises(T7Error, match=r"running_var has shape \(4,\), expected \(3,\)"):
        load(bn)
    lrn = TorchObject("nn.SpatialCrossMapLRN", LuaTable(size=4.0))
    with pytest.raises(T7Error, match="even size"):
        load(lrn)


def test_grouped_convolution_field():
    """cudnn.SpatialConvolution's ``groups`` field (AlexNet-style grouped convolutions):
    each group of planes convolved with its own slice of the weight."""
    from pygraphnn.lua.format.t7 import LuaTable, TorchObject
    from pygraphnn.lua.format.t7 import save_t7 as save_raw

    torch.manual_seed(0)
    w, b = torch.randn(6, 2, 3, 3, dtype=torch.float64), torch.randn(6, dtype=torch.float64)
    obj = TorchObject(
        "nn.SpatialConvolution",
        LuaTable(
            nInputPlane=4.0,
            nOutputPlane=6.0,
            kW=3.0,
            kH=3.0,
            dW=1.0,
            dH=1.0,
            padW=1.0,
            padH=1.0,
            groups=2.0,
            weight=w,
            bias=b,
        ),
    )
    buf = io.BytesIO()
    save_raw(obj, buf)
    buf.seek(0)
    m = load_t7(buf)
    x = torch.randn(2, 4, 5, 5, dtype=torch.float64)
    want = torch.cat(
        [
            torch.nn.functional.conv2d(x[:, :2], w[:3], b[:3], padding=1),
            torch.nn.functional.conv2d(x[:, 2:], w[3:], b[3:], padding=1),
        ],
        1,
    )
    torch.testing.assert_close(m(x), want, atol=1e-12, rtol=0)
    torch.testing.assert_close(_roundtrip(m)(x), want, atol=1e-12, rtol=0)
    from pygraphnn import to_torch

    torch.testing.assert_close(to_torch(m)(x), want, atol=1e-12, rtol=0)
    with pytest.raises(ValueError, match="multiples of groups"):
        nn.SpatialConvolution(4, 6, 3, 3, 1, 1, 0, 0, 4)
