"""What ``.t7`` types become: tds containers, CUDA tensor classes, and ``load_t7``'s
``dtype=``/``device=`` (Lua's tensor type is kept by default).

Ground truth: files written by Lua Torch7 (``fixtures/t7/small/``, made by
``make_small.lua`` and ``make_tds.lua`` there, with torch/tds built for that Torch), and
for CUDA classes, which cannot be written here, our writer's output with the class names
rewritten (cutorch writes a Cuda storage through the CPU ``Storage.c`` code path with the
same element type, so only the names differ).
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
import torch

from pygraphnn.gmodule import gModule
from pygraphnn.lua.classes.charrnn import generate
from pygraphnn.lua.classes.load import load_t7
from pygraphnn.lua.format.t7 import (
    STORAGE_CLASSES,
    TENSOR_CLASSES,
    LuaKey,
    LuaTable,
    Storage,
    TdsHash,
    TdsVec,
    TorchObject,
    load_t7_raw,
    save_t7,
)

SMALL = Path(__file__).resolve().parent / "fixtures" / "t7" / "small"


def I(v):  # noqa: E743 - int32, as THFile writes it
    return struct.pack("<i", v)


def L(v):
    return struct.pack("<q", v)


def S(s):
    b = s.encode()
    return I(len(b)) + b


def t7bytes(obj, mode="binary"):
    buf = io.BytesIO()
    save_t7(obj, buf, mode=mode)
    return buf.getvalue()


# ----------------------------------------------------------------------------------------
# tds.Hash / tds.Vec
# ----------------------------------------------------------------------------------------


def test_tds_containers_written_by_lua():
    raw = (SMALL / "tds_containers.t7").read_bytes()
    t = load_t7_raw(io.BytesIO(raw))
    h, v = t.hash, t.vec
    assert type(h) is TdsHash and type(v) is TdsVec and type(t.plain) is LuaTable
    assert h.name == "hash" and h[3] == 2.5 and h[True] == "yes"
    assert torch.equal(h.weights, torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64))
    assert v[:2] == ["first", 42.0] and v[2] is h  # the same hash, referenced twice
    assert type(v[3]) is TdsVec and v[3][0].dtype == torch.int32 and v[3][0].tolist() == [7, 8, 9]
    assert type(t.empty) is TdsHash and len(t.empty) == 0
    assert t7bytes(t) == raw  # written back exactly as Lua wrote it
    # and through load_t7 (the converter keeps the container types)
    c = load_t7(io.BytesIO(raw))
    assert type(c.hash) is TdsHash and type(c.vec) is TdsVec and c.vec[2] is c.hash


def test_tds_layout_by_hand():
    # tds's __write: a torch object "tds.Vec"/"tds.Hash", version 0, a long count, the entries
    vec = I(4) + I(1) + S("V 0") + S("tds.Vec") + L(2) + I(1) + struct.pack("<d", 1.5) + I(2) + S("x")
    assert load_t7_raw(io.BytesIO(vec)) == [1.5, "x"]
    assert t7bytes(TdsVec([1.5, "x"])) == vec
    h = I(4) + I(1) + S("V 0") + S("tds.Hash") + L(1) + I(2) + S("k") + I(5) + I(1)
    got = load_t7_raw(io.BytesIO(h))
    assert type(got) is TdsHash and got == {"k": True}
    assert t7bytes(TdsHash({"k": True})) == h


def test_tds_cycles_and_ascii():
    h = TdsHash({"n": 1.0})
    v = TdsVec([h, "s"])
    h["vec"] = v  # a cycle through both containers
    for mode in ("binary", "ascii"):
        back = load_t7_raw(io.BytesIO(t7bytes(h, mode)), mode=mode)
        assert back.vec[0] is back and back.vec[1] == "s" and back.n == 1.0


def test_tds_counter_is_refused():
    raw = I(4) + I(1) + S("V 0") + S("tds.AtomicCounter") + L(3)
    with pytest.raises(ValueError, match=r"tds.AtomicCounter"):
        load_t7_raw(io.BytesIO(raw))


# ----------------------------------------------------------------------------------------
# CUDA classes
# ----------------------------------------------------------------------------------------

# cutorch's names: the float type is plain "Cuda"
CUDA_NAMES = {
    "Double": "CudaDouble",
    "Float": "Cuda",
    "Half": "CudaHalf",
    "Byte": "CudaByte",
    "Char": "CudaChar",
    "Short": "CudaShort",
    "Int": "CudaInt",
    "Long": "CudaLong",
}
DTYPES = {
    "Double": torch.float64,
    "Float": torch.float32,
    "Half": torch.float16,
    "Byte": torch.uint8,
    "Char": torch.int8,
    "Short": torch.int16,
    "Int": torch.int32,
    "Long": torch.int64,
}


def as_cuda_file(data: bytes) -> bytes:
    """The file a cutorch program would have written: every CPU tensor/storage class name
    replaced by its Cuda name (each name is a length-prefixed string)."""
    for cpu, cuda in CUDA_NAMES.items():
        for kind in ("Tensor", "Storage"):
            data = data.replace(S(f"torch.{cpu}{kind}"), S(f"torch.{cuda}{kind}"))
    return data


@pytest.mark.parametrize("elem", list(CUDA_NAMES))
def test_cuda_classes_load_as_cpu_tensors(elem):
    dtype = DTYPES[elem]
    x = (
        (torch.arange(6).reshape(2, 3) * 3 - 5).to(dtype)
        if dtype != torch.uint8
        else torch.arange(6).reshape(2, 3).to(dtype)
    )
    data = t7bytes({"t": x, "view": x.t(), "s": Storage(x.reshape(-1).clone())})
    cuda = as_cuda_file(data)
    assert f"torch.{CUDA_NAMES[elem]}Tensor".encode() in cuda and cuda != data
    assert TENSOR_CLASSES[f"torch.{CUDA_NAMES[elem]}Tensor"] == dtype
    assert STORAGE_CLASSES[f"torch.{CUDA_NAMES[elem]}Storage"] == dtype
    got = load_t7_raw(io.BytesIO(cuda))
    assert got.t.dtype == dtype and got.t.device.type == "cpu" and torch.equal(got.t, x)
    assert torch.equal(got.view, x.t()) and got.view.untyped_storage().data_ptr() == got.t.untyped_storage().data_ptr()
    assert got.s.dtype == dtype and torch.equal(got.s.tensor, x.reshape(-1))


def test_cuda_module_file_loads_as_float_module():
    raw = load_t7_raw(SMALL / "small_gmodule.t7")
    inputs, lua_out = raw.input.to_list(), raw.output.to_list()
    # the file as Lua would have saved it after `g:cuda()`: every tensor a CudaTensor
    data = as_cuda_file(_doubles_to_floats(raw))
    assert S("torch.CudaTensor") in data and b"Double" not in data
    g = load_t7(io.BytesIO(data)).module
    params = list(g.parameters())
    assert params and all(p.dtype == torch.float32 and p.device.type == "cpu" for p in params)
    out = g(*[x.float() for x in inputs])
    for got, want in zip(out, lua_out):
        assert got.dtype == torch.float32 and torch.allclose(got.double(), want, atol=1e-5)


def _doubles_to_floats(raw):
    """``raw`` with every float64 tensor made float32 and every module's ``_type`` the float
    type (what ``:float()`` then ``:cuda()`` would hold), written as a file."""
    seen, stack = set(), [raw]
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        d = o.state if isinstance(o, TorchObject) else o
        if isinstance(d, dict):
            for k, v in list(dict.items(d)):
                if isinstance(v, torch.Tensor) and v.dtype == torch.float64:
                    dict.__setitem__(d, k, v.float())
                elif k == "_type" and v == "torch.DoubleTensor":
                    dict.__setitem__(d, k, "torch.FloatTensor")
                else:
                    stack.append(v)
                if isinstance(k, LuaKey):
                    stack.append(k.obj)
    return t7bytes(raw)


# ----------------------------------------------------------------------------------------
# load_t7: Lua's tensor type by default, dtype= / device= on request
# ----------------------------------------------------------------------------------------


def test_load_keeps_lua_types_by_default():
    f = load_t7(SMALL / "small_gmodule.t7")
    g = f.module
    assert isinstance(g, gModule) and all(p.dtype == torch.float64 for p in g.parameters())
    assert f.input[1].dtype == torch.float64
    out = g(*f.input.to_list())  # Lua's own output, to the last bit in double
    for got, want in zip(out, f.output.to_list()):
        assert got.dtype == torch.float64 and torch.allclose(got, want, rtol=0, atol=1e-12)


def test_dtype_converts_floating_point_only_and_keeps_sharing():
    f = load_t7(SMALL / "small_gmodule.t7", dtype=torch.float32)
    g = f.module
    assert all(p.dtype == torch.float32 for p in g.parameters())
    assert f.input[1].dtype == torch.float32 and f.flags[4] == 1.5  # numbers stay numbers
    out = g(*f.input.to_list())
    for got, want in zip(out, f.output.to_list()):
        assert got.dtype == torch.float32 and torch.allclose(got.double(), want.double(), atol=1e-5)
    shared = torch.arange(5, dtype=torch.float64)
    obj = LuaTable({"a": shared, "b": shared, "idx": torch.arange(3), "s": Storage(torch.zeros(2))})
    back = load_t7(io.BytesIO(t7bytes(obj)), dtype=torch.float16)
    assert back.a.dtype == torch.float16 and back.a is back.b
    assert back.idx.dtype == torch.int64 and back.s.dtype == torch.float16


def test_device_moves_everything():
    f = load_t7(SMALL / "small_charrnn.t7", device="meta")
    assert all(p.device.type == "meta" for p in f.protos.rnn.parameters())
    c = load_t7(SMALL / "small_charrnn.t7", dtype=torch.float32)
    onehot_out = [m for m in c.protos.rnn.modules() if type(m).__name__ == "OneHot"][0](torch.tensor([2]))
    assert onehot_out.dtype == torch.float32  # OneHot's output type follows the module


@pytest.mark.parametrize("bad", [torch.int64, torch.bool, "float32"])
def test_dtype_must_be_floating_point(bad):
    with pytest.raises(ValueError, match="floating-point"):
        load_t7(SMALL / "tds_containers.t7", dtype=bad)


def test_ascii_storages_longer_than_one_parse_chunk():
    # ASCII numbers are parsed in chunks of 65536 into one tensor; the values, and what
    # follows the storage, must come out as from one read
    x = torch.randn(3 * 65536 + 5, dtype=torch.float64)
    n = torch.arange(65536 + 1, dtype=torch.int32) - 7
    obj = LuaTable({1: x, 2: n, 3: x[:4].float(), 4: "after"})
    back = load_t7_raw(io.BytesIO(t7bytes(obj, "ascii")), mode="ascii")
    assert torch.equal(back[1], x) and torch.equal(back[2], n) and back[4] == "after"
    assert torch.equal(back[3], x[:4].float())


def test_checkpoint_saved_from_gpu_samples_on_cpu():
    # char-rnn checkpoints trained with -gpuid 0 hold CudaTensors: they sample here as float32
    raw = load_t7_raw(SMALL / "small_charrnn.t7")
    ckpt = load_t7(io.BytesIO(as_cuda_file(_doubles_to_floats(raw))))
    assert all(p.dtype == torch.float32 for p in ckpt.protos.rnn.parameters())
    text = b"".join(generate(ckpt, length=40, primetext="ab", sample=False))
    # Lua's greedy text from the double checkpoint: the float copy makes the same choices
    assert text == (SMALL / "small_charrnn_greedy.txt").read_bytes()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_device_cuda():
    f = load_t7(SMALL / "small_gmodule.t7", device="cuda", dtype=torch.float32)
    out = f.module(*f.input.to_list())
    assert out[0].is_cuda and all(p.is_cuda for p in f.module.parameters())
