"""Real Lua Torch7 convnet checkpoints load and reproduce Lua's output, and
``ng.to_torch`` / ``pygraphnn convert`` turn them into plain PyTorch that reproduces it
again (and exports with torch.export and ONNX).

Checkpoints: ``../shared/data/t7/lua/legacy_convnet{,_float}.t7`` (a VGG-style net trained
20 steps in Lua) and ``tests/fixtures/lua_spatial/*.t7`` (recorded by
``record_checkpoints.lua`` there: a ResNet basic block as fb.resnet.torch writes it, the
same block as an nngraph gModule, an Inception-style DepthConcat block, a char-level CNN),
each ``{model, input, output}`` with Lua's output in evaluate mode.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import pytest
import torch
from test_lua_load import fixture

import pygraphnn as ng
from pygraphnn import cli, nn
from pygraphnn.convert import GraphModule, convert
from pygraphnn.lua.classes.load import load_t7

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "lua_spatial"

OWN = ["resnet_block.t7", "resnet_gmodule.t7", "inception_block.t7", "char_cnn.t7"]


def _max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    assert a.shape == b.shape, f"shape {tuple(a.shape)} vs {tuple(b.shape)}"
    return (a.double() - b.double()).abs().max().item()


@pytest.fixture(scope="module")
def legacy():
    return load_t7(fixture("lua/legacy_convnet.t7"))


@pytest.fixture(scope="module")
def legacy_float():
    return load_t7(fixture("lua/legacy_convnet_float.t7"))


def test_legacy_convnet_reproduces_lua(legacy):
    m = legacy.model
    assert not m.training and all(not c.training for c in m.modules())
    assert [type(c).__name__ for c in m] == [
        "SpatialConvolution",
        "SpatialBatchNormalization",
        "ReLU",
        "SpatialMaxPooling",
        "SpatialConvolution",
        "ReLU",
        "SpatialMaxPooling",
        "View",
        "Dropout",
        "Linear",
        "LogSoftMax",
    ]
    bn = m[1]
    assert bn.running_var.min() < 0.99 or bn.running_var.max() > 1.01  # trained statistics, not the defaults
    with torch.no_grad():
        assert _max_diff(m(legacy.input), legacy.output) <= 1e-10
    assert _max_diff(m.forward(legacy.input), legacy.output) <= 1e-10  # the Lua idiom too


def test_legacy_convnet_to_torch(legacy):
    plain, kept = convert(legacy.model)
    assert kept == []
    assert [type(c).__name__ for c in plain] == [
        "Conv2d",
        "BatchNorm2d",
        "ReLU",
        "MaxPool2d",
        "Conv2d",
        "ReLU",
        "MaxPool2d",
        "Flatten",
        "Dropout",
        "Linear",
        "LogSoftmax",
    ]
    assert not any(type(c).__module__.startswith("pygraphnn") for c in plain.modules())
    assert not plain.training
    with torch.no_grad():
        assert _max_diff(plain(legacy.input), legacy.output) <= 1e-10
    exported = torch.export.export(plain, (legacy.input,))
    with torch.no_grad():
        assert _max_diff(exported.module()(legacy.input), legacy.output) <= 1e-10
    # the original is untouched: converting copies the weights
    assert plain[0].weight.data_ptr() != legacy.model[0].weight.data_ptr()


def test_legacy_convnet_float(legacy_float):
    m = legacy_float.model
    assert m[0].weight.dtype == torch.float32
    with torch.no_grad():
        assert _max_diff(m(legacy_float.input), legacy_float.output) <= 1e-5
        plain = ng.to_torch(m)
        assert _max_diff(plain(legacy_float.input), legacy_float.output) <= 1e-5


def test_legacy_convnet_float_onnx(legacy_float):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    plain = ng.to_torch(legacy_float.model)
    x = legacy_float.input
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(plain, (x,), dynamo=True, verbose=False)
    session = ort.InferenceSession(program.model_proto.SerializeToString(), providers=["CPUExecutionProvider"])
    (y,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    assert _max_diff(torch.from_numpy(y), legacy_float.output) <= 1e-5


@pytest.mark.parametrize("name", OWN)
def test_own_checkpoints(name):
    ckpt = load_t7(FIXTURES / name)
    with torch.no_grad():
        assert _max_diff(ckpt.model(ckpt.input), ckpt.output) <= 1e-10, name
    plain, kept = convert(ckpt.model)
    assert kept == []  # every module has a plain (or generated plain) counterpart
    assert not any(type(c).__module__.startswith("pygraphnn.nn") for c in plain.modules())
    with torch.no_grad():
        assert _max_diff(plain(ckpt.input), ckpt.output) <= 1e-10, name + " (to_torch)"


def test_resnet_checkpoint_structure():
    m = load_t7(FIXTURES / "resnet_block.t7").model
    block = m[4]  # basicblock(8, 16, 2): ConcatTable(residual, 1x1 conv shortcut) + CAddTable + ReLU
    assert [type(c).__name__ for c in block] == ["ConcatTable", "CAddTable", "ReLU"]
    assert [type(c).__name__ for c in block[0][1]] == ["SpatialConvolution", "SpatialBatchNormalization"]
    assert (block[0][1][0].dW, block[0][1][0].kW) == (2, 1)
    plain = ng.to_torch(m)[4]  # ConcatTable and CAddTable become generated plain modules
    assert [type(c).__name__ for c in plain] == ["GraphModule", "GraphModule", "ReLU"]
    assert "out = out + x" in plain[1].code


def test_gmodule_becomes_a_plain_graph_module():
    ckpt = load_t7(FIXTURES / "resnet_gmodule.t7")
    plain = ng.to_torch(ckpt.model)
    assert isinstance(plain, GraphModule)
    assert not any(type(c).__module__.startswith("pygraphnn") for c in plain.children())
    assert "torch.add" in plain.code or " + " in plain.code  # CAddTable inlined as plain torch
    exported = torch.export.export(plain, (ckpt.input,))
    with torch.no_grad():
        assert _max_diff(exported.module()(ckpt.input), ckpt.output) <= 1e-10
    buf = io.BytesIO()
    torch.save(plain, buf)
    buf.seek(0)
    again = torch.load(buf, weights_only=False)
    with torch.no_grad():
        assert _max_diff(again(ckpt.input), ckpt.output) <= 1e-10


def _with_kept_modules():
    """A net with two modules to_torch keeps (no exact plain counterpart)."""
    return (
        nn.Sequential()
        .add(nn.SpatialConvolution(2, 3, 3, 3))
        .add(nn.SpatialDropout(0.2))
        .add(nn.SpatialUpSamplingBilinear(2))
        .evaluate()
    )


def test_kept_modules_are_named_in_a_warning():
    net = _with_kept_modules()
    with pytest.warns(UserWarning, match=r"kept 2 pygraphnn module\(s\).*nn.SpatialDropout.*SpatialUpSamplingBilinear"):
        plain = ng.to_torch(net)
    x = torch.randn(2, 2, 5, 5)
    with torch.no_grad():
        torch.testing.assert_close(plain(x), net(x), atol=1e-6, rtol=0)
    assert type(plain[0]).__name__ == "Conv2d" and type(plain[1]) is nn.SpatialDropout


def test_inlined_modules_become_plain_expressions():
    torch.manual_seed(0)
    net = (
        nn.Sequential()
        .add(nn.Linear(4, 3))
        .add(nn.MulConstant(2.0))
        .add(nn.Square())
        .add(nn.AddConstant(1.0))
        .add(nn.Power(0.5))
        .add(nn.Mul())
        .add(nn.Add(1, True))
        .add(nn.Exp())
        .add(nn.Log())
        .add(nn.Abs())
    )
    plain, kept = convert(net)
    assert kept == []
    assert "torch.pow(input, self.pow)" in plain[4].code and plain[4].pow == 0.5
    assert [n for n, _ in plain[5].named_parameters()] == ["weight"]
    x = torch.randn(5, 4)
    torch.testing.assert_close(plain(x), net(x), atol=0, rtol=0)
    exported = torch.export.export(plain, (x,))
    torch.testing.assert_close(exported.module()(x), net(x), atol=1e-6, rtol=0)


def test_unpooling_reads_the_converted_pooling():
    pool = nn.SpatialMaxPooling(2, 2)
    net = nn.Sequential().add(pool).add(nn.Tanh()).add(nn.SpatialMaxUnpooling(pool))
    with pytest.warns(UserWarning, match="SpatialMaxPooling.*SpatialMaxUnpooling"):
        plain = ng.to_torch(net)
    assert plain[2].pooling is plain[0]
    x = torch.randn(2, 3, 4, 6)
    torch.testing.assert_close(plain(x), net(x), atol=0, rtol=0)


def test_training_mode_matches_plain_pytorch():
    """One training step: Lua's BatchNormalization (as ours computes it) and PyTorch's
    BatchNorm2d give the same output and the same running statistics."""
    torch.manual_seed(0)
    ours = nn.Sequential().add(nn.SpatialConvolution(3, 4, 3, 3, 1, 1, 1, 1)).add(nn.SpatialBatchNormalization(4))
    ours.add(nn.ReLU()).add(nn.SpatialAveragePooling(2, 2, 2, 2)).double()
    plain = ng.to_torch(ours).train()
    x = torch.randn(5, 3, 6, 6, dtype=torch.float64)
    torch.testing.assert_close(plain(x), ours(x), atol=1e-12, rtol=0)
    torch.testing.assert_close(plain[1].running_var, ours[1].running_var, atol=1e-12, rtol=0)
    torch.testing.assert_close(plain[1].running_mean, ours[1].running_mean, atol=1e-12, rtol=0)


# ----------------------------------------------------------------------------------- CLI


def test_cli_convert(tmp_path, capsys, legacy):
    out = tmp_path / "model.pt"
    assert cli.main(["convert", str(fixture("lua/legacy_convnet.t7")), "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().err
    model = torch.load(out, weights_only=False)
    assert isinstance(model, torch.nn.Sequential)
    with torch.no_grad():
        assert _max_diff(model(legacy.input), legacy.output) <= 1e-10
    sd = tmp_path / "sd.pt"
    assert cli.main(["convert", str(fixture("lua/legacy_convnet.t7")), "-o", str(sd), "--state-dict"]) == 0
    state = torch.load(sd)
    assert set(state) >= {"0.weight", "1.running_var", "9.bias"}


def test_cli_convert_key_and_kept(tmp_path, capsys):
    out = tmp_path / "cnn.pt"
    assert cli.main(["convert", str(FIXTURES / "char_cnn.t7"), "--key", "model", "-o", str(out), "--float"]) == 0
    assert "kept as" not in capsys.readouterr().err
    assert next(torch.load(out, weights_only=False).parameters()).dtype == torch.float32
    ng.save_t7({"net": _with_kept_modules()}, tmp_path / "kept.t7")
    assert cli.main(["convert", str(tmp_path / "kept.t7"), "--key", "net", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "kept as a pygraphnn module (no exact plain PyTorch equivalent): nn.SpatialDropout" in err


def test_cli_convert_errors(tmp_path, capsys):
    assert cli.main(["convert", str(tmp_path / "missing.t7"), "-o", str(tmp_path / "x.pt")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert (
        cli.main(["convert", str(FIXTURES / "char_cnn.t7"), "--key", "protos.rnn", "-o", str(tmp_path / "x.pt")]) == 2
    )
    assert "no field 'protos'" in capsys.readouterr().err
    assert cli.main(["convert", str(FIXTURES / "init.t7"), "-o", str(tmp_path / "x.pt")]) == 2
    assert "--key" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["convert", "--help"])
    assert "pygraphnn convert model.t7 -o model.pt" in capsys.readouterr().out
