"""GPU-stack class names (``cudnn.*``, ``nn.SpatialConvolutionMM``, ``inn.*``, ``fbnn.*``)
load as the ``nn`` modules they stand for (pygraphnn/lua/classes/aliases.py)."""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import pytest
import torch

from pygraphnn import nn
from pygraphnn.convert import convert
from pygraphnn.lua.classes.aliases import ALIASES, as_target
from pygraphnn.lua.classes.cudnn import InstanceSoftMax
from pygraphnn.lua.classes.load import LOADERS, load_t7
from pygraphnn.lua.classes.save import to_lua
from pygraphnn.lua.format.t7 import LuaTable, Storage, T7Error, TorchObject, load_t7_raw
from pygraphnn.lua.format.t7 import save_t7 as save_raw

DATA = Path(os.environ.get("PYGRAPHNN_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data")) / "t7"


def _renamed(obj: TorchObject, names: dict) -> TorchObject:
    """``obj`` (recursively through ``modules``) with its class names rewritten, as if it
    had been saved from a GPU stack; cudnn-style backend fields added."""
    if not isinstance(obj, TorchObject):
        return obj
    state = LuaTable()
    for k, v in obj.state.items():
        if k == "modules" and isinstance(v, (list, LuaTable)):
            v = [_renamed(m, names) for m in (v.to_list() if isinstance(v, LuaTable) else v)]
        dict.__setitem__(state, k, v)
    new = names.get(obj.class_name, obj.class_name)
    if new.startswith("cudnn."):
        state["iSize"] = Storage(torch.zeros(4, dtype=torch.int64))
        mode = {
            "cudnn.ReLU": "CUDNN_ACTIVATION_RELU",
            "cudnn.Tanh": "CUDNN_ACTIVATION_TANH",
            "cudnn.SoftMax": "CUDNN_SOFTMAX_MODE_INSTANCE",
            "cudnn.LogSoftMax": "CUDNN_SOFTMAX_MODE_INSTANCE",
        }.get(new)  # what cudnn.torch writes
        if mode is not None:
            state["mode"] = mode
        state["workspace_limit"] = 1024.0
    return TorchObject(new, state)


def _load(obj) -> object:
    buf = io.BytesIO()
    save_raw(obj, buf)
    buf.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # backend fields are ignored silently
        return load_t7(buf)


def test_cudnn_names_load_as_nn_modules():
    torch.manual_seed(0)
    seq = (
        nn.Sequential()
        .add(nn.Linear(4, 5))
        .add(nn.Tanh())
        .add(nn.LeakyReLU(0.2))
        .add(nn.Linear(5, 3))
        .add(nn.ReLU())
        .add(nn.Sigmoid())
        .add(nn.LogSoftMax())
        .double()
    )
    raw = _renamed(to_lua(seq), {"nn.Tanh": "cudnn.Tanh", "nn.ReLU": "cudnn.ReLU", "nn.Sigmoid": "cudnn.Sigmoid"})
    assert [m.class_name for m in raw.modules][1:3] == ["cudnn.Tanh", "nn.LeakyReLU"]
    back = _load(raw)
    assert [type(m).__name__ for m in back] == [
        "Linear",
        "Tanh",
        "LeakyReLU",
        "Linear",
        "ReLU",
        "Sigmoid",
        "LogSoftMax",
    ]
    x = torch.randn(6, 4, dtype=torch.float64)
    torch.testing.assert_close(back(x), seq(x), atol=0, rtol=0)


def test_clipped_relu_is_a_hardtanh():
    raw = TorchObject("cudnn.ClippedReLU", LuaTable(ceiling=6.0, inplace=False, mode="CUDNN_ACTIVATION_CLIPPED_RELU"))
    m = _load(raw)
    assert isinstance(m, nn.HardTanh) and (m.min_val, m.max_val) == (0.0, 6.0)
    torch.testing.assert_close(m(torch.tensor([-1.0, 3.0, 9.0])), torch.tensor([0.0, 3.0, 6.0]))


def test_alias_fields_fixed_and_renamed():
    pool = as_target(
        TorchObject("inn.SpatialMaxPooling", LuaTable(kW=3.0, kH=3.0, dW=2.0, dH=2.0)), ALIASES["inn.SpatialMaxPooling"]
    )
    assert pool.class_name == "nn.SpatialMaxPooling" and pool.ceil_mode is True and pool.kW == 3.0
    w = torch.zeros(4, 3, 3, 3)
    conv = as_target(
        TorchObject(
            "fbnn.SpatialConvolution",
            LuaTable(inputPlanes=3.0, outputPlanes=4.0, kW=3.0, padLeft=1.0, padUp=0.0, weight=w),
        ),
        ALIASES["fbnn.SpatialConvolution"],
    )
    assert (conv.nInputPlane, conv.nOutputPlane, conv.padW, conv.padH) == (3.0, 4.0, 1.0, 0.0)
    assert conv.weight is w  # values are shared, not copied


def test_alias_targets_are_nn_classes():
    for name, alias in ALIASES.items():
        assert alias.target.startswith("nn.") and name != alias.target, name


def test_unknown_class_still_names_itself_and_its_place():
    raw = TorchObject(
        "nn.Sequential",
        LuaTable(modules=[TorchObject("nn.Tanh", LuaTable()), TorchObject("cudnn.GRU", LuaTable(hiddenSize=4.0))]),
    )
    with pytest.raises(T7Error) as e:
        _load({"model": raw})
    assert "'cudnn.GRU'" in str(e.value) and e.value.path == "model.modules[2]"


CUDNN = {
    "nn.SpatialConvolution": "cudnn.SpatialConvolution",
    "nn.SpatialBatchNormalization": "cudnn.SpatialBatchNormalization",
    "nn.ReLU": "cudnn.ReLU",
    "nn.SpatialMaxPooling": "cudnn.SpatialMaxPooling",
    "nn.LogSoftMax": "cudnn.LogSoftMax",
}


@pytest.mark.skipif(not all(c in LOADERS for c in CUDNN), reason="needs the convolution part of the zoo")
def test_legacy_convnet_saved_with_cudnn_names():
    """The real Lua convnet with its classes renamed to cudnn's: same output as Lua's."""
    p = DATA / "lua" / "legacy_convnet.t7"
    if not p.exists():
        pytest.skip(f"fixture {p} not found (set PYGRAPHNN_DATA)")
    ckpt = load_t7_raw(p)
    model = _load(_renamed(ckpt.model, CUDNN))
    torch.testing.assert_close(model(ckpt.input), ckpt.output, atol=1e-10, rtol=0)


@pytest.mark.skipif(not all(c in LOADERS for c in CUDNN), reason="needs the convolution part of the zoo")
def test_legacy_convnet_with_cudnn_names_to_torch():
    """The cudnn-named convnet converts to plain PyTorch (cudnn.LogSoftMax included) and
    still gives Lua's recorded output."""
    p = DATA / "lua" / "legacy_convnet.t7"
    if not p.exists():
        pytest.skip(f"fixture {p} not found (set PYGRAPHNN_DATA)")
    ckpt = load_t7_raw(p)
    model = _load(_renamed(ckpt.model, CUDNN))
    assert isinstance(model[-1], InstanceSoftMax)
    plain, kept = convert(model)
    assert kept == []
    assert not any(type(c).__module__.startswith("pygraphnn.nn") for c in plain.modules())
    assert [type(c).__name__ for c in plain][:4] == ["Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d"]
    with torch.no_grad():
        torch.testing.assert_close(plain(ckpt.input), ckpt.output, atol=1e-10, rtol=0)
        exported = torch.export.export(plain, (ckpt.input,))
        torch.testing.assert_close(exported.module()(ckpt.input), ckpt.output, atol=1e-10, rtol=0)


def test_cudnn_softmax_to_torch_normalises_each_sample():
    for log in (False, True):
        m = InstanceSoftMax(log)
        plain, kept = convert(m)
        assert kept == []
        for shape in ((2, 5), (2, 3, 4, 5)):
            x = torch.randn(*shape, dtype=torch.float64)
            torch.testing.assert_close(plain(x), m(x), atol=1e-15, rtol=0)


def test_cudnn_softmax_normalises_each_sample():
    for name, op in (("cudnn.SoftMax", torch.softmax), ("cudnn.LogSoftMax", torch.log_softmax)):
        i_size = Storage(torch.zeros(4, dtype=torch.int64))
        m = _load(TorchObject(name, LuaTable(mode="CUDNN_SOFTMAX_MODE_INSTANCE", iSize=i_size)))
        assert isinstance(m, InstanceSoftMax)
        x = torch.randn(2, 3, 4, 5, dtype=torch.float64)
        torch.testing.assert_close(m(x), op(x.reshape(2, 60), 1).reshape(2, 3, 4, 5), atol=1e-15, rtol=0)
        torch.testing.assert_close(m(x[0]), op(x[0].reshape(60), 0).reshape(3, 4, 5), atol=1e-15, rtol=0)
        torch.testing.assert_close(m(x[0, 0]), op(x[0, 0], 1), atol=1e-15, rtol=0)  # 2-D: like nn
        torch.testing.assert_close(m(x[0, 0, 0]), op(x[0, 0, 0], 0), atol=1e-15, rtol=0)
        buf = io.BytesIO()
        save_raw(to_lua(m), buf)
        assert load_t7_raw(io.BytesIO(buf.getvalue())).class_name == name
    with pytest.raises(T7Error, match="only CUDNN_SOFTMAX_MODE_INSTANCE"):
        _load(TorchObject("cudnn.SoftMax", LuaTable(mode="CUDNN_SOFTMAX_MODE_CHANNEL")))
