"""Tests for pygraphnn.lua.format.t7: the Torch7 .t7 reader/writer.

Real fixtures come from <shared>/data/t7 (written by Lua Torch7); set PYGRAPHNN_DATA to the
``data`` folder to point elsewhere. Tests that need them are skipped when they are absent.
"""

import contextlib
import io
import math
import os
import random
import struct
from pathlib import Path

import pytest
import torch

from pygraphnn.lua.format.t7 import (
    LuaFunction,
    LuaKey,
    LuaTable,
    Storage,
    T7Error,
    TorchObject,
    load_t7_raw,
    save_t7,
)

DATA = Path(os.environ.get("PYGRAPHNN_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
T7 = DATA / "t7"
LUA = T7 / "lua"
SMALL = [
    "doubletensor.t7",
    "floattensor.t7",
    "hello=123.t7",
    "list_table.t7",
    "map_table1.t7",
    "recursive_class.t7",
    "nngraph_node.t7",
    "gmodule_with_linear_identity.t7",
]


def fixture(name):
    p = T7 / name
    if not p.exists():
        pytest.skip(f"fixture {p} not found (set PYGRAPHNN_DATA)")
    return p


def roundtrip(obj, mode="binary"):
    buf = io.BytesIO()
    save_t7(obj, buf, mode=mode)
    return load_t7_raw(io.BytesIO(buf.getvalue()), mode=mode), buf.getvalue()


def assert_same(a, b, path="", seen=None):
    """Structural equality that also checks dtypes and that sharing has the same shape."""
    seen = {} if seen is None else seen
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor), path
        assert a.dtype == b.dtype and a.shape == b.shape, path
        assert torch.equal(a, b) or (a.is_floating_point() and torch.allclose(a, b, equal_nan=True)), path
        return
    if isinstance(a, (LuaTable, TorchObject, LuaFunction, Storage)):
        if id(a) in seen:
            assert seen[id(a)] is b, f"sharing differs at {path}"
            return
        seen[id(a)] = b
    if isinstance(a, TorchObject):
        assert isinstance(b, TorchObject) and a.class_name == b.class_name, path
        assert a.version == b.version, path
        return assert_same(a.state, b.state, path, seen)
    if isinstance(a, Storage):
        assert isinstance(b, Storage), path
        return assert_same(a.tensor, b.tensor, path + ".<storage>", seen)
    if isinstance(a, LuaFunction):
        assert isinstance(b, LuaFunction) and a.bytecode == b.bytecode and a.type_tag == b.type_tag
        return assert_same(a.upvalues, b.upvalues, path + ".<upvalues>", seen)
    if isinstance(a, LuaTable):
        assert isinstance(b, LuaTable) and len(a) == len(b), path
        bkeys = list(b)
        for i, (k, v) in enumerate(a.items()):  # writer and reader keep the order
            kb = bkeys[i]
            if isinstance(k, LuaKey):
                assert isinstance(kb, LuaKey), path
                assert_same(k.obj, kb.obj, f"{path}[key {i}]", seen)
            else:
                assert k == kb and type(k) is type(kb), (path, k, kb)
            assert_same(v, dict.__getitem__(b, kb), f"{path}[{k!r}]", seen)
        return
    if isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b), path
        return
    assert type(a) is type(b) and a == b, (path, a, b)


# ---------------------------------------------------------------------------------------
# Small fixtures: values
# ---------------------------------------------------------------------------------------


def test_doubletensor():
    t = load_t7_raw(fixture("doubletensor.t7"))
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float64
    assert t.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.9]]
    assert t.stride() == (3, 1)


def test_floattensor():
    t = load_t7_raw(fixture("floattensor.t7"))
    assert t.dtype == torch.float32 and t.shape == (2, 3, 4) and t.stride() == (12, 4, 1)
    flat = t.flatten().tolist()
    assert flat[:3] == [0.8635311722755432, 0.5361218452453613, 0.4820634126663208]
    assert flat[-1] == 0.13664843142032623
    assert t.min() > 0 and t.max() < 1  # torch.rand


def test_hello_123():
    t = load_t7_raw(fixture("hello=123.t7"))
    assert isinstance(t, LuaTable) and dict(t) == {"hello": 123.0}
    assert type(t["hello"]) is float and t.hello == 123.0


def test_list_table():
    t = load_t7_raw(fixture("list_table.t7"))
    assert list(t) == [1, 2, 3, 4] and all(type(k) is int for k in t)
    assert t.is_list() and t.to_list() == ["hello", "world", "third item", 123.0]
    assert t[1.0] == "hello"  # Lua: t[1] and t[1.0] are the same slot


def test_map_table():
    t = load_t7_raw(fixture("map_table1.t7"))
    assert t[0] == "zero" and t[4] == 123.0 and len(t) == 5
    assert not t.is_list()
    with pytest.raises(ValueError):
        t.to_list()


def test_recursive_class():
    obj = load_t7_raw(fixture("recursive_class.t7"))
    assert isinstance(obj, TorchObject) and obj.class_name == "A" and obj.version == 1
    assert obj.a is obj and obj["a"] is obj


def test_nngraph_node():
    n = load_t7_raw(fixture("nngraph_node.t7"))
    assert n.class_name == "nngraph.Node"
    assert set(n.keys()) == {"data", "id", "children", "visited", "marked"}
    assert n.id == 0.0 and n.visited is False and n.marked is False
    assert n.children == {} and n.data.mapindex == {}
    assert n.data.annotations.hello == 123.0
    assert n.data.annotations._debugLabel.endswith("init.lua]:588_")


def test_gmodule_with_linear_identity():
    g = load_t7_raw(fixture("gmodule_with_linear_identity.t7"))
    assert isinstance(g, TorchObject) and g.class_name == "nn.gModule"
    assert {"forwardnodes", "backwardnodes", "fg", "bg", "innode", "outnode", "modules"} <= set(g.keys())
    assert g.nInputs == 2.0 and g.verbose is False
    assert [m.class_name for m in g.modules.to_list()] == ["nn.Identity", "nn.Identity", "nn.Linear", "nn.CAddTable"]
    lin = g.modules[3]
    assert lin.weight.dtype == torch.float64 and lin.weight.shape == (2, 1)
    assert lin.weight.flatten().tolist() == [-0.024837296921759844, 0.17503953725099564]
    assert lin.bias.tolist() == [0.05159847717732191, -0.2536714617162943]
    assert lin.output.numel() == 0  # nDimension 0 in the file

    fw = g.forwardnodes.to_list()
    assert len(fw) == 9 and all(n.class_name == "nngraph.Node" for n in fw)
    assert fw[0] is g.innode  # shared references resolve to one object
    assert any(n is g.outnode for n in g.backwardnodes.to_list())
    assert [n for n in fw if n.data.get("module") is lin][0].data.module is lin
    # forward and backward nodes are distinct objects sharing the same data tables
    assert {id(n.data) for n in fw} == {id(n.data) for n in g.backwardnodes.to_list()}
    # graph.Node children / graph.Graph nodes are lists plus a reverse map node -> index
    for n in fw:
        kids = [k for k in n.children if type(k) is int]
        for i in kids:
            assert n.children[n.children[i]] == i  # LuaKey lookup done by LuaTable
        mi = n.data.mapindex
        for i in (k for k in mi if type(k) is int):
            assert mi[mi[i]] == i
    assert g.fg.class_name == "graph.Graph" and g.fg.edges[1].class_name == "graph.Edge"
    assert {id(v) for k, v in g.fg.nodes.items() if type(k) is int} == {id(n) for n in fw}
    cadd = [n for n in fw if n.data.get("module") is g.modules[4]][0]
    ins = cadd.data.mapindex
    assert [ins[1].forwardNodeId, ins[2].forwardNodeId] == [3.0, 4.0]


# ---------------------------------------------------------------------------------------
# Big fixtures written by Lua Torch
# ---------------------------------------------------------------------------------------


def test_lstm_io_values_and_lstm_math():
    io_ = load_t7_raw(fixture("lua/lstm_io.t7"))
    cell = load_t7_raw(fixture("lua/lstm_cell.t7"))
    p = io_.params
    assert p.dtype == torch.float64 and p.dim() == 1 and p.numel() == 2 * (200 * 800 + 800) == 321600
    assert io_.gradParams.shape == p.shape
    assert p[:3].tolist() == [-0.011734861518883866, 0.0703125498667794, 0.03115858808740607]
    assert io_.x.shape == (20, 200) and io_.x[0, :2].tolist() == [-0.24140774506180898, -0.9547947871850623]
    assert io_.gradInput.is_list() and [t.shape for t in io_.gradInput.to_list()] == [(20, 200)] * 3

    assert cell.class_name == "nn.gModule" and cell._type == "torch.DoubleTensor"
    linears = [m for m in cell.modules.to_list() if m.class_name == "nn.Linear"]
    assert torch.equal(torch.cat([t.reshape(-1) for m in linears for t in (m.weight, m.bias)]), p)

    # Walk the graph: each Linear's input chain leads to the split input it reads (x=1, prev_h=3).
    def source(data):
        while "selectindex" not in data:
            data = data.mapindex[1]
        return int(data.selectindex)

    lin = {
        source(n.data.mapindex[1]): n.data.module
        for n in cell.forwardnodes.values()
        if n.data.get("module") is not None and n.data.module.class_name == "nn.Linear"
    }
    i2h, h2h = lin[1], lin[3]
    z = io_.x @ i2h.weight.T + i2h.bias + io_.prev_h @ h2h.weight.T + h2h.bias
    ig, it, fg, og = z.view(20, 4, 200).unbind(1)
    c = torch.sigmoid(fg) * io_.prev_c + torch.sigmoid(ig) * torch.tanh(it)
    h = torch.sigmoid(og) * torch.tanh(c)
    torch.testing.assert_close(c, io_.next_c, rtol=0, atol=1e-13)
    torch.testing.assert_close(h, io_.next_h, rtol=0, atol=1e-13)


def test_lstm_cell_node_layout():
    cell = load_t7_raw(fixture("lua/lstm_cell.t7"))
    fw = cell.forwardnodes.to_list()
    assert len(fw) == 27 and len(cell.modules) == 21
    node = [n for n in fw if n.data.get("module") is not None and n.data.module.class_name == "nn.Linear"][0]
    assert set(node.keys()) == {"data", "id", "children", "visited", "marked"}
    assert set(node.data.keys()) == {"module", "forwardNodeId", "reverseMap", "annotations", "mapindex"}
    assert node.data.annotations._debugLabel.startswith("[make_lstm_cell.lua]:")
    assert all(v is True for v in node.data.reverseMap.values())
    assert node.data.module.weight.shape == (800, 200)


def test_nn_modules():
    cases = load_t7_raw(fixture("lua/nn_modules.t7"))
    assert cases.is_list() and len(cases) == 172
    cases = cases.to_list()
    assert all(isinstance(c.ctor, str) for c in cases)
    assert {c.kind for c in cases} == {"module", "criterion"}
    assert all(isinstance(c.module, TorchObject) and c.module.class_name.startswith("nn.") for c in cases)
    lin = [c for c in cases if c.ctor == "nn.Linear(5, 3)"][0]
    assert lin.module.weight.shape == (3, 5) and lin.params.shape == (18,)
    assert torch.count_nonzero(lin.module.gradWeight) == 0  # cloned after zeroGradParameters
    view = [c for c in cases if c.ctor == "nn.View(12)"][0]
    assert isinstance(view.module.size, Storage) and view.module.size.class_name == "torch.LongStorage"
    assert view.module.size.tolist() == [12]
    drop = [c for c in cases if "mask" in c]
    assert drop and all(c.mask.dtype == torch.uint8 for c in drop)
    lookups = [c for c in cases if c.module.class_name == "nn.LookupTable"]
    assert any(c.input.dtype == torch.int64 for c in lookups)


def test_charrnn_checkpoint():
    ck = load_t7_raw(fixture("lua/charrnn_lstm_checkpoint.t7"))
    assert ck.protos.rnn.class_name == "nn.gModule"
    assert ck.protos.criterion.class_name == "nn.ClassNLLCriterion"
    assert ck.opt.rnn_size == 64.0 and ck.i == 300.0 and abs(ck.val_loss - 2.5412) < 1e-4
    assert len(ck.vocab) == 65 and sorted(ck.vocab.values()) == [float(i) for i in range(1, 66)]
    assert ck.train_losses.is_list() and len(ck.train_losses) == 300
    mods = [n.data.module for n in ck.protos.rnn.forwardnodes.values() if n.data.get("module") is not None]
    onehot = [m for m in mods if m.class_name == "OneHot"]
    assert len(onehot) == 1 and onehot[0].outputSize == 65.0
    # char-rnn flattened its parameters: every Linear weight is a view of one storage
    linears = [m for m in mods if m.class_name == "nn.Linear"]
    assert len(linears) == 5
    ptrs = {m.weight.untyped_storage().data_ptr() for m in linears}
    assert len(ptrs) == 1
    w = linears[0].weight
    before = linears[0].bias[0].item()
    flat = torch.as_strided(w, (w.untyped_storage().nbytes() // 8,), (1,), 0)
    flat[linears[0].bias.storage_offset()] += 1.0  # writes through the shared storage
    assert linears[0].bias[0].item() == before + 1.0


# ---------------------------------------------------------------------------------------
# Writing: byte-identical re-save of Lua's files, ASCII, synthetic round trips
# ---------------------------------------------------------------------------------------


def all_fixtures():
    if not T7.exists():
        return []
    return sorted([p.name for p in T7.glob("*.t7")] + ["lua/" + p.name for p in LUA.glob("*.t7")])


@pytest.mark.parametrize("name", all_fixtures() or [pytest.param("none", marks=pytest.mark.skip("no data"))])
def test_resave_is_byte_identical(name):
    raw = fixture(name).read_bytes()
    obj = load_t7_raw(io.BytesIO(raw))
    buf = io.BytesIO()
    save_t7(obj, buf)
    assert buf.getvalue() == raw


@pytest.mark.parametrize("name", SMALL + ["lua/nn_modules.t7", "lua/nn_init_stats.t7"])
def test_ascii_roundtrip_of_fixtures(name):
    raw = fixture(name).read_bytes()
    obj = load_t7_raw(io.BytesIO(raw))
    text = io.BytesIO()
    save_t7(obj, text, mode="ascii")
    again = load_t7_raw(io.BytesIO(text.getvalue()))  # mode auto-detected
    assert_same(obj, again)
    back = io.BytesIO()
    save_t7(again, back)
    assert back.getvalue() == raw  # %.17g / %.9g text is lossless


def test_ascii_layout():
    buf = io.BytesIO()
    save_t7(torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.9]], dtype=torch.float64), buf, mode="ascii")
    assert buf.getvalue() == (
        b"4\n1\n3\nV 1\n18\ntorch.DoubleTensor\n2\n2 3\n3 1\n1\n"
        b"4\n2\n3\nV 1\n19\ntorch.DoubleStorage\n6\n1 2 3 4 5 6.9000000000000004\n"
    )
    buf = io.BytesIO()
    save_t7(LuaTable(hello=123, s="", b=True), buf, mode="ascii")
    assert buf.getvalue() == b"3\n1\n3\n2\n5\nhello\n1\n123\n2\n1\ns\n2\n0\n2\n1\nb\n5\n1\n"
    assert load_t7_raw(io.BytesIO(buf.getvalue()), mode="ascii") == {"hello": 123.0, "s": "", "b": True}


DTYPES = [torch.float64, torch.float32, torch.float16, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64]


@pytest.mark.parametrize("mode", ["binary", "ascii"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_tensor_roundtrip_dtypes(dtype, mode):
    g = torch.Generator().manual_seed(0)
    if dtype.is_floating_point:
        base = (torch.randn(4, 6, generator=g) * 100).to(dtype)
        base[0, 0] = float("inf")
        base[0, 1] = float("-inf")
    else:
        info = torch.iinfo(dtype)
        base = torch.randint(info.min, info.max, (4, 6), generator=g, dtype=torch.int64).to(dtype)
        base[0, 0], base[0, 1] = info.min, info.max
    views = {"full": base, "t": base.t(), "step": base[1:, ::2], "row": base[2]}
    out, _ = roundtrip(views, mode)
    for k, v in views.items():
        assert out[k].dtype == dtype and torch.equal(out[k], v), k
        assert out[k].stride() == v.stride() and out[k].storage_offset() == v.storage_offset()
    ptrs = {t.untyped_storage().data_ptr() for t in out.values()}
    assert len(ptrs) == 1  # one storage in the file, shared again after loading
    out["full"][3, 4] = 7
    assert out["step"][2, 2] == 7 and out["t"][4, 3] == 7


@pytest.mark.parametrize("mode", ["binary", "ascii"])
def test_special_tensors_and_storages(mode):
    x = torch.arange(3.0, dtype=torch.float64)
    s = Storage(torch.arange(5, dtype=torch.int64))
    obj = {
        "expanded": x.view(3, 1).expand(3, 4),  # stride 0
        "empty": torch.empty(0, dtype=torch.float32),
        "zero_dim": torch.tensor(2.5),
        "storage": s,
        "view_of_storage": torch.as_strided(s.tensor, (2, 2), (1, 2), 1),
        "same": x,
        "again": x,
        "nan": torch.tensor([float("nan")]),
        "empty_storage_1": Storage(torch.empty(0)),
        "empty_storage_2": Storage(torch.empty(0)),
    }
    out, _ = roundtrip(obj, mode)
    assert out.expanded.stride() == (1, 0) and torch.equal(out.expanded, obj["expanded"])
    assert out.empty.dtype == torch.float32 and out.empty.numel() == 0
    assert out.zero_dim.tolist() == [2.5]  # Lua has no 0-dim tensors
    assert isinstance(out.storage, Storage) and out.storage.tensor.tolist() == [0, 1, 2, 3, 4]
    assert out.view_of_storage.tolist() == [[1, 3], [2, 4]]
    assert out.view_of_storage.untyped_storage().data_ptr() == out.storage.tensor.untyped_storage().data_ptr()
    assert out.same is out.again
    assert math.isnan(out.nan.item())
    assert out.empty_storage_1 is not out.empty_storage_2 and len(out.empty_storage_1) == 0


@pytest.mark.parametrize("mode", ["binary", "ascii"])
def test_structures_roundtrip(mode):
    shared = LuaTable(x=1.5)
    mod = TorchObject("nn.Linear", LuaTable(weight=torch.ones(2, 3), bias=torch.zeros(2)))
    node = TorchObject("nngraph.Node", LuaTable(id=1, children=LuaTable()))
    node.children[1] = node  # cycle through a torch object
    node.children[node] = 1  # identity key
    t = LuaTable()
    t[t] = t  # key and value are the table itself
    fn = LuaFunction(b"\x1bLJ\x02\x00bytecode", [{"name": "x", "value": 3}], type_tag=8)
    obj = {
        "list": [1, "two", None, True, [3.25]],
        "a": shared,
        "b": shared,
        "mod": mod,
        "node": node,
        "self_keyed": t,
        "flags": LuaTable([(True, "yes"), (1, "one"), (2.5, "float key")]),  # a dict literal would merge True and 1
        "bytes": b"\xff\x00raw",
        "unicode": "h\u00e9llo \u2603",
        "fn": fn,
        "fn2": fn,
        -3: "negative key",
    }
    out, _ = roundtrip(obj, mode)
    assert out.list.to_list() == [1.0, "two", None, True, LuaTable({1: 3.25})][:2] + [None, True, out.list[5]]
    assert out.list[3] is None and out.list[4] is True and out.list[5].to_list() == [3.25]
    assert out.a is out.b and out.a.x == 1.5
    assert out.mod.class_name == "nn.Linear" and out.mod.weight.shape == (2, 3)
    assert out.node.children[1] is out.node and out.node.children[out.node] == 1
    st = out.self_keyed
    assert len(st) == 1 and st[st] is st
    assert out.flags[True] == "yes" and out.flags[1] == "one" and out.flags[2.5] == "float key"
    assert out.bytes.encode("utf-8", "surrogateescape") == b"\xff\x00raw"
    assert out.unicode == "h\u00e9llo \u2603"
    assert out[-3] == "negative key"
    assert isinstance(out.fn, LuaFunction) and out.fn is out.fn2
    assert out.fn.bytecode == fn.bytecode and out.fn.upvalues[1].name == "x"
    assert_same(load_t7_raw(io.BytesIO(roundtrip(out, mode)[1])), out)


def test_luatable_api():
    t = LuaTable()
    assert t.is_list() and t.to_list() == []
    t[1.0] = "a"
    t[2] = "b"
    assert list(t) == [1, 2] and t.to_list() == ["a", "b"]
    other = LuaTable()
    t[other] = 5
    assert other in t and t[other] == 5 and t.get(other) == 5
    assert LuaKey(other) in t and not t.is_list()
    t.field = 3
    assert t["field"] == 3 and t.field == 3
    with pytest.raises(AttributeError):
        _ = t.missing
    with pytest.raises(ValueError):
        t[None] = 1
    obj = TorchObject("nn.Tanh")
    obj.output = torch.zeros(1)
    assert obj.state.output is obj.output and "output" in obj


def test_writer_errors_name_the_path():
    with pytest.raises(TypeError, match=r"a\.b\[2\]"):
        save_t7({"a": {"b": [1, {1, 2}]}}, io.BytesIO())
    with pytest.raises(ValueError, match="exactly"):
        save_t7({"n": 2**60 + 1}, io.BytesIO())
    with pytest.raises(TypeError, match="dtype"):
        save_t7(torch.zeros(2, dtype=torch.bool), io.BytesIO())
    with pytest.raises(ValueError):
        save_t7({}, io.BytesIO(), mode="text")


def test_save_to_path(tmp_path):
    p = tmp_path / "x.t7"
    save_t7([torch.arange(4)], p)
    assert load_t7_raw(str(p))[1].tolist() == [0, 1, 2, 3]


# ---------------------------------------------------------------------------------------
# Hand-made binary layouts
# ---------------------------------------------------------------------------------------


def I(v):  # noqa: E743 - int32, as THFile writes it
    return struct.pack("<i", v)


def L(v):
    return struct.pack("<q", v)


def S(s):
    b = s.encode() if isinstance(s, str) else s
    return I(len(b)) + b


def tensor_bytes(cls, sizes, strides, offset, storage, index=1, version=True, long=L):
    head = I(4) + I(index) + (S("V 1") if version else b"") + S(cls)
    return head + I(len(sizes)) + b"".join(map(long, sizes)) + b"".join(map(long, strides)) + long(offset) + storage


def storage_bytes(cls, payload, n, index=2, long=L):
    return I(4) + I(index) + S("V 1") + S(cls) + long(n) + payload


def test_old_file_without_version_string():
    raw = tensor_bytes(
        "torch.DoubleTensor",
        [2],
        [1],
        1,
        storage_bytes("torch.DoubleStorage", struct.pack("<2d", 1.5, 2.5), 2),
        version=False,
    )
    assert load_t7_raw(io.BytesIO(raw)).tolist() == [1.5, 2.5]
    raw = I(4) + I(1) + S("nn.Tanh") + I(3) + I(2) + I(0)
    obj = load_t7_raw(io.BytesIO(raw))
    assert obj.class_name == "nn.Tanh" and obj.version == 0 and obj.state == {}


def test_long_size_4():
    L4 = lambda v: struct.pack("<i", v)  # noqa: E731
    raw = tensor_bytes(
        "torch.LongTensor",
        [3],
        [1],
        1,
        storage_bytes("torch.LongStorage", struct.pack("<3i", 7, -8, 9), 3, long=L4),
        long=L4,
    )
    t = load_t7_raw(io.BytesIO(raw), long_size=4)
    assert t.dtype == torch.int64 and t.tolist() == [7, -8, 9]


def test_cuda_classes_load_as_cpu():
    raw = tensor_bytes("torch.CudaTensor", [2], [1], 1, storage_bytes("torch.CudaStorage", struct.pack("<2f", 1, 2), 2))
    t = load_t7_raw(io.BytesIO(raw))
    assert t.dtype == torch.float32 and t.device.type == "cpu" and t.tolist() == [1.0, 2.0]
    raw = tensor_bytes(
        "torch.CudaHalfTensor", [2], [1], 1, storage_bytes("torch.CudaHalfStorage", struct.pack("<2e", 1.5, -2), 2)
    )
    t = load_t7_raw(io.BytesIO(raw))
    assert t.dtype == torch.float16 and t.device.type == "cpu" and t.tolist() == [1.5, -2.0]


def test_functions_are_inert_placeholders():
    code = b"\x1bLJ\x02print('never run')"
    raw = (
        I(3)
        + I(1)
        + I(2)
        + I(2)
        + S("old")
        + I(6)
        + S(code)
        + I(3)
        + I(2)
        + I(0)  # tag 6: no reference index
        + I(2)
        + S("new")
        + I(8)
        + I(3)
        + S(code)
        + I(3)
        + I(4)
        + I(0)
    )
    t = load_t7_raw(io.BytesIO(raw))
    assert t.old.type_tag == 6 and t.old.bytecode == code and t.new.type_tag == 8
    assert not callable(t.old)
    buf = io.BytesIO()
    save_t7(t, buf)
    assert buf.getvalue() == raw


# ---------------------------------------------------------------------------------------
# Corrupt input: always a T7Error, quickly, with a useful location
# ---------------------------------------------------------------------------------------


def expect_error(raw, match=None, mode=None, **kw):
    # (no timing assertion: on a loaded machine it fails for reasons that are not ours;
    # sizes are checked before allocating, which is what keeps these fast)
    with pytest.raises(T7Error, match=match) as ei:
        load_t7_raw(io.BytesIO(raw), mode=mode, **kw)
    return ei.value


def test_bad_layouts_are_clear_errors():
    expect_error(b"", "truncated")
    expect_error(I(2) + I(2**31 - 1) + b"x" * 92, "truncated")
    expect_error(I(2) + I(-5), "negative length")
    expect_error(I(3) + I(1) + I(2**31 - 1) + b"\0" * 88, "table size")
    expect_error(I(42), "unknown type tag 42")
    expect_error(I(3) + I(1) + I(1) + I(0) + I(0), "key is nil")
    expect_error(storage_bytes("torch.FloatStorage", b"", 2**62), "bad size")
    expect_error(storage_bytes("torch.FloatStorage", b"", -1), "negative size")
    dstore = storage_bytes("torch.DoubleStorage", struct.pack("<4d", 1, 2, 3, 4), 4)
    expect_error(tensor_bytes("torch.DoubleTensor", [1] * 1000, [1] * 1000, 1, dstore), "nDimension 1000")
    expect_error(tensor_bytes("torch.DoubleTensor", [2, 2], [2, 1], 2, dstore), "reaches past its storage")
    expect_error(tensor_bytes("torch.DoubleTensor", [5], [1], 1, dstore), "reaches past")
    expect_error(tensor_bytes("torch.DoubleTensor", [2], [-1], 2, dstore), "negative stride")
    expect_error(tensor_bytes("torch.DoubleTensor", [-2], [1], 1, dstore), "negative size")
    expect_error(tensor_bytes("torch.DoubleTensor", [2], [1], 1, I(0)), "no storage")
    expect_error(tensor_bytes("torch.FloatTensor", [2], [1], 1, dstore), "dtype")
    expect_error(tensor_bytes("torch.DoubleTensor", [2], [1], 1, I(4) + I(1)), "still being read")
    expect_error(I(4) + I(1) + S("V 1") + S("torch.Generator") + b"\0" * 64, "torch.Generator")
    expect_error(b"2\n99999999999999999999999999999999\nab\n", "out of range", mode="ascii")
    expect_error(b"2\n5\nab", "truncated", mode="ascii")
    expect_error(b"1\nfoo\n", "expected a number", mode="ascii")


def test_error_path_names_the_place():
    dstore = storage_bytes("torch.DoubleStorage", struct.pack("<4d", 1, 2, 3, 4), 4, index=5)
    bad = tensor_bytes("torch.DoubleTensor", [9], [1], 1, dstore, index=4)
    raw = (
        I(3)
        + I(1)
        + I(1)
        + I(2)
        + S("protos")
        + I(3)
        + I(2)
        + I(1)
        + I(2)
        + S("rnn")
        + I(3)
        + I(3)
        + I(1)
        + I(1)
        + struct.pack("<d", 12)
        + bad
    )
    err = expect_error(raw, "reaches past")
    assert err.path == "protos.rnn[12]" and "protos.rnn[12]" in str(err) and err.offset is not None
    # a truncated Lua checkpoint: the message points into the right parameter
    ck = fixture("lua/charrnn_lstm_checkpoint.t7").read_bytes()
    err = expect_error(ck[: len(ck) // 2])
    assert err.path.startswith("protos.rnn.") and err.path.endswith(".<storage>")


def truncation_cases(raw):
    # every offset near the start (headers, first tags), then evenly spread offsets
    return sorted(set(range(0, min(len(raw), 160))) | set(range(0, len(raw), max(1, len(raw) // 160))))


@pytest.mark.parametrize("name", SMALL)
def test_truncation_always_raises_t7error(name):
    raw = fixture(name).read_bytes()
    obj = load_t7_raw(io.BytesIO(raw))
    text = io.BytesIO()
    save_t7(obj, text, mode="ascii")
    text = text.getvalue()
    # in ASCII a cut inside the very last number leaves a shorter, valid number
    last_token = len(text.rstrip()) - len(text.split()[-1])
    for data, mode, end in ((raw, "binary", len(raw)), (text, "ascii", last_token + 1)):
        for cut in truncation_cases(data[:end]):
            with pytest.raises(T7Error):
                load_t7_raw(io.BytesIO(data[:cut]), mode=mode)


def test_truncated_big_file():
    raw = fixture("lua/nn_modules.t7").read_bytes()
    for cut in range(0, len(raw), len(raw) // 12):
        with pytest.raises(T7Error):
            load_t7_raw(io.BytesIO(raw[:cut]))


@pytest.mark.parametrize("name", SMALL + ["lua/nn_init_stats.t7"])
def test_random_corruption_never_escapes(name):
    raw = fixture(name).read_bytes()
    rng = random.Random(1234)
    text = io.BytesIO()
    save_t7(load_t7_raw(io.BytesIO(raw)), text, mode="ascii")
    text = text.getvalue()
    for trial in range(150):
        for data, mode, alphabet in ((raw, "binary", None), (text, "ascii", b"0123456789 \n-.eV")):
            d = bytearray(data)
            for _ in range(rng.randint(1, 4)):
                i = rng.randrange(len(d))
                d[i] = rng.randrange(256) if alphabet is None or rng.random() < 0.3 else rng.choice(alphabet)
            if mode == "binary" and trial % 3 == 0:  # an extreme int32 somewhere
                p = rng.randrange(max(1, len(d) - 4))
                d[p : p + 4] = I(rng.choice([-1, -(2**31), 2**31 - 1, 1 << 20, 65]))
            with contextlib.suppress(T7Error):
                load_t7_raw(io.BytesIO(bytes(d)), mode=mode)


def test_deep_nesting_is_not_recursive():
    def nested(n):
        return b"".join(I(3) + I(i + 1) + I(1) + I(1) + struct.pack("<d", 1) for i in range(n)) + I(0)

    t = load_t7_raw(io.BytesIO(nested(20000)))
    depth = 0
    while t is not None:
        t, depth = t[1], depth + 1
    assert depth == 20000
    err = expect_error(nested(2000), "nested more than 1000", max_depth=1000)
    assert "levels>" in err.path  # long paths are shortened
