"""The Torch-numerics runtime (pygraphnn.lua.runtime) against real Lua Torch7.

tests/fixtures/lua_diff/torch/cases.json holds small programs (tensors, then steps
``x:method(...)`` / ``torch.fn(...)``); recorded.txt is what real Lua printed for them
(run_cases.lua). Here the same steps run through TENSOR_METHODS / TORCH_FUNCTIONS and
every returned value, the identity of returned tensors (``@x``: the call returned ``x``
itself) and every tensor's final contents must match: bit for bit for random streams,
to 1e-12 relative elsewhere (summation order may differ in the last bit).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
import torch

from pygraphnn.lua.runtime import random as lrandom
from pygraphnn.lua.runtime import tensor_types
from pygraphnn.lua.runtime.storage import LongStorage, Storage
from pygraphnn.lua.runtime.tensor_methods import TENSOR_METHODS
from pygraphnn.lua.runtime.torch_functions import TORCH_FUNCTIONS

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "lua_diff" / "torch"
CASES = json.loads((FIXTURES / "cases.json").read_text())

# the Lua function arguments of cases.json, written in Python
LUA_FUNCTIONS = {
    "function(v) return v * 2 end": lambda v: v * 2,
    "function(a, b) return a * b + 1 end": lambda a, b: a * b + 1,
    "function(a, b, c) return a * b + c end": lambda a, b, c: a * b + c,
}


def _recorded() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    current = None
    for line in (FIXTURES / "recorded.txt").read_text().splitlines():
        line = line.strip()
        if line.startswith("@"):
            current = out.setdefault(line[1:], [])
        elif current is not None and line:
            current.append(line)
    return out


RECORDED = _recorded()


# ------------------------------------------------------------------ serialising like run_cases.lua
def _fmt(v) -> str:
    return f"{float(v):.17g}"


def _ser_tensor(t: torch.Tensor) -> str:
    values = ",".join(_fmt(v) for v in t.reshape(-1).tolist()) if t.numel() else ""
    sizes = "" if t.numel() == 0 else ",".join(str(s) for s in t.shape)
    return f"t{tensor_types.typename(t)}[{sizes}]{{{values}}}"


def _ser(v, variables) -> str:
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return "n" + _fmt(v)
    if isinstance(v, str):
        return "s" + v
    if isinstance(v, (torch.Size, Storage)):
        return "S[" + ",".join(_fmt(x) for x in (v.totable() if isinstance(v, Storage) else v)) + "]"
    if isinstance(v, torch.Tensor):
        s = _ser_tensor(v)
        for name, w in variables.items():
            if w is v:
                s += "@" + name
        return s
    if isinstance(v, list):
        return "T(" + " ".join(_ser(x, variables) for x in v) + ")"
    return "?" + type(v).__name__


def _tensor(spec) -> torch.Tensor:
    dtype = tensor_types.dtype_of(f"torch.{spec['T']}Tensor")
    if not spec["s"]:
        return torch.empty(0, dtype=dtype)
    data = torch.tensor(spec["d"], dtype=torch.float64).to(dtype)
    if spec["nc"]:
        rows, cols = spec["s"]
        return data.view(rows, cols).t().contiguous().t()
    return data.view(spec["s"]).clone()


def _arg(a, variables):
    if not isinstance(a, dict):
        return a
    if "var" in a:
        return variables[a["var"]]
    if "tensor" in a:
        return _tensor(a["tensor"])
    if "isnil" in a:
        return None
    if "ls" in a:
        return LongStorage(a["ls"])
    if "sizeof" in a:
        return TENSOR_METHODS["size"](variables[a["sizeof"]])
    if "fn" in a:
        return LUA_FUNCTIONS[a["fn"]]
    if "tbl" in a:
        return [_arg(x, variables) for x in a["tbl"]]
    raise ValueError(f"bad argument {a}")


def run_case(case) -> list[str]:
    """The lines run_cases.lua prints for ``case``, computed by the runtime."""
    if case["seed"] is not None:
        lrandom.manualSeed(case["seed"])
    variables = {name: _tensor(spec) for name, spec in case["vars"]}
    lines = []
    for k, step in enumerate(case["steps"], 1):
        if "m" in step:
            fn = TENSOR_METHODS[step["m"]]  # a missing method fails the test
        else:
            fn = TORCH_FUNCTIONS[step["f"]]
        try:
            args = [_arg(a, variables) for a in step["args"]]
            res = fn(variables[step["on"]], *args) if "m" in step else fn(*args)
        except Exception:
            lines.append(f"{k} ERR")
            continue
        # a tuple is several Lua results (torch.Size is one value); None is no result
        values = res if isinstance(res, tuple) and not isinstance(res, torch.Size) else () if res is None else (res,)
        if step.get("quiet"):
            lines.append(f"{k} -")
        else:
            lines.append(f"{k} " + " ; ".join(_ser(v, variables) for v in values))
        for name, v in zip(step.get("out", []), values):
            variables[name] = v
    for name in sorted(variables):
        if isinstance(variables[name], torch.Tensor) and not name.startswith("_"):
            lines.append(f"= {name} {_ser_tensor(variables[name])}")
    return [line.strip() for line in lines]


# ------------------------------------------------------------------ comparing
_NUM = re.compile(r"-?(?:inf|nan|\d+(?:\.\d*)?(?:e[+-]?\d+)?)")


def _split(line: str):
    """(skeleton with numbers replaced, numbers, identity marks)"""
    marks = tuple(sorted(re.findall(r"@(\w+)", line)))
    line = re.sub(r"@\w+", "", line)
    nums = [float(x) for x in _NUM.findall(line)]
    return _NUM.sub("#", line), nums, marks


def _close(a: float, b: float, exact: bool) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if exact or a == b:
        return a == b
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b)) + 1e-15


def _compare(case, got: list[str], want: list[str]) -> None:
    assert len(got) == len(want), (
        f"{case['id']}: {len(got)} lines, Lua printed {len(want)}:\n"
        + "\n".join(got)
        + "\n--- Lua:\n"
        + "\n".join(want)
    )
    for g, w in zip(got, want):
        gs, gn, gm = _split(g)
        ws, wn, wm = _split(w)
        ok = gs == ws and gm == wm and len(gn) == len(wn) and all(_close(a, b, case["exact"]) for a, b in zip(gn, wn))
        assert ok, f"{case['id']}:\n  runtime: {g}\n  Lua:     {w}"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_runtime_matches_lua(case):
    _compare(case, run_case(case), RECORDED[case["id"]])


def test_every_case_was_recorded():
    assert set(RECORDED) == {c["id"] for c in CASES}
    assert sum(len(c["steps"]) for c in CASES) >= 700


# ------------------------------------------------------------------ nn and the runtime share Lua's stream
def test_nn_init_and_runtime_draws_interleave_as_in_lua():
    """nn.LookupTable leaves half a Box-Muller pair pending; Lua keeps it across the
    uniform draws of nn.Linear and hands it to the next normal() (nn_rng_interleave.lua)."""
    from pygraphnn import nn

    want = {}
    for line in (FIXTURES / "nn_rng_interleave.txt").read_text().splitlines():
        name, values = line.split()
        want[name] = [float(v) for v in values.split(",")]
    before = torch.get_default_dtype()
    TORCH_FUNCTIONS["setdefaulttensortype"]("torch.DoubleTensor")  # Lua's modules are double
    try:
        lrandom.manualSeed(1)
        lt = nn.LookupTable(3, 3)
        lin = nn.Linear(2, 2)
        got = {
            "lookup": lt.weight,
            "linear_w": lin.weight,
            "linear_b": lin.bias,
            "normal3": TENSOR_METHODS["normal"](TORCH_FUNCTIONS["Tensor"](3)),
            "uniform2": TENSOR_METHODS["uniform"](TORCH_FUNCTIONS["Tensor"](2), -0.08, 0.08),
            "lookup2": nn.LookupTable(1, 1).weight,
            "randn1": TORCH_FUNCTIONS["randn"](1),
        }
    finally:
        torch.set_default_dtype(before)
    for name, values in want.items():
        assert got[name].detach().double().reshape(-1).tolist() == values, name


# ------------------------------------------------------------------ errors say what was wrong
@pytest.mark.parametrize(
    "call, message",
    [
        (lambda x: TENSOR_METHODS["narrow"](x, 3, 1, 1), r"Tensor:narrow: dimension 3 out of range for a 2-D tensor"),
        (
            lambda x: TENSOR_METHODS["sub"](x, 1, 3),
            r"Tensor:sub: range \[1, 3\] out of bounds for dimension 1 of size 2",
        ),
        (lambda x: TENSOR_METHODS["select"](x, 1, 0), r"Tensor:select: index 0 out of range \[1, 2\]"),
        (lambda x: TENSOR_METHODS["index"](x, 1, torch.tensor([3])), r"Tensor:index: index out of range"),
        (
            lambda x: TENSOR_METHODS["index"](x, 1, torch.tensor([1.0])),
            r"the index must be a torch.LongTensor, "
            r"got torch.FloatTensor",
        ),
        (lambda x: TENSOR_METHODS["add"](x, "a"), r"Tensor:add: expected \(.*\), got \(str 'a'\)"),
        (
            lambda x: TENSOR_METHODS["add"](x, torch.ones(4, dtype=torch.float64)),
            r"inconsistent tensor size: torch.DoubleTensor of size 2x3 and torch.DoubleTensor of size 4",
        ),
        (
            lambda x: TENSOR_METHODS["addmm"](x, torch.ones(3), torch.ones(3)),
            r"Tensor:addmm: expected 2-D, 2-D and 2-D",
        ),
        (lambda x: TENSOR_METHODS["type"](x, "torch.Foo"), r"unknown Torch tensor type 'torch.Foo'"),
        (lambda x: TENSOR_METHODS["maskedFill"](x, torch.ones(2, 3), 1), r"the mask must be a torch.ByteTensor"),
        (lambda x: TENSOR_METHODS["__index"](x, [1, 1, 1]), r"3 dimensions given for a 2-D tensor"),
    ],
)
def test_bad_arguments_are_named(call, message):
    x = torch.zeros(2, 3, dtype=torch.float64)
    with pytest.raises((ValueError, TypeError), match=message):
        call(x)


def test_random_argument_errors_are_named():
    with pytest.raises(ValueError, match="normal: standard deviation must be strictly positive, got 0"):
        lrandom.normal_(torch.zeros(2, dtype=torch.float64), 0, 0)
    with pytest.raises(ValueError, match=r"multinomial: cannot sample 3 > .* = 2 samples without replacement"):
        lrandom.multinomial(torch.tensor([1.0, 1.0]), 3)


def test_default_tensor_type_is_double_until_changed():
    assert TORCH_FUNCTIONS["getdefaulttensortype"]() == "torch.DoubleTensor"
    assert TORCH_FUNCTIONS["Tensor"](2).dtype == torch.float64
    before = torch.get_default_dtype()
    try:
        TORCH_FUNCTIONS["setdefaulttensortype"]("torch.FloatTensor")
        assert TORCH_FUNCTIONS["zeros"](2).dtype == torch.float32
        assert torch.get_default_dtype() == torch.float32  # nn modules follow, as in Lua
    finally:
        TORCH_FUNCTIONS["setdefaulttensortype"]("torch.DoubleTensor")
        torch.set_default_dtype(before)


def test_save_load_round_trip_through_t7(tmp_path):
    x = TORCH_FUNCTIONS["Tensor"]([[1, 2], [3, 4]])
    path = tmp_path / "x.t7"
    TORCH_FUNCTIONS["save"](str(path), {"x": x, "n": 3})
    back = TORCH_FUNCTIONS["load"](str(path))
    assert torch.equal(back["x"], x) and back["n"] == 3


def test_in_place_methods_work_on_parameters():
    """Lua has no autograd: params:uniform() / :zero() must work on leaf parameters."""
    p = torch.nn.Parameter(torch.zeros(3, dtype=torch.float64))
    assert TENSOR_METHODS["uniform"](p, -0.1, 0.1) is p
    assert TENSOR_METHODS["add"](p, 1) is p and p.requires_grad


def test_cuda_calls_run_on_cpu_only_machines():
    from pygraphnn.lua.runtime import cuda

    if cuda.available():
        pytest.skip("a CUDA device is present")
    x = TORCH_FUNCTIONS["Tensor"]([1, 2])
    y = TENSOR_METHODS["cuda"](x)  # x:cuda() on the CPU: a copy of the same type (the CPU patch's numbers)
    assert y.dtype == torch.float64 and y.device.type == "cpu" and y.tolist() == [1.0, 2.0] and y is not x
    assert TENSOR_METHODS["cuda"](y) is y
    assert TORCH_FUNCTIONS["CudaTensor"](2, 2).dtype == torch.float32
    assert cuda.CUTORCH["getDeviceCount"]() == 0 and cuda.CUTORCH["getDevice"]() == 1
    cuda.CUTORCH["setDevice"](1)
    cuda.CUTORCH["synchronize"]()
    cuda.CUTORCH["manualSeed"](3)
    with pytest.raises(ValueError, match=r"cutorch.setDevice: device 2 out of range \[1, 1\]"):
        cuda.CUTORCH["setDevice"](2)


def test_timer_reports_lua_fields():
    from pygraphnn.lua import runtime as lua

    timer = TORCH_FUNCTIONS["Timer"]()
    t = timer.stop().time()
    fields = {k: v for k, v in lua.pairs(t)}
    assert set(fields) == {"real", "user", "sys"} and all(v >= 0 for v in fields.values())
    assert t.real == t["real"]  # char-rnn reads timer:time().real
    assert {k: v for k, v in lua.pairs(timer.time())} == fields  # stopped: no time passes
    assert timer.resume() is timer and timer.reset() is timer


def test_new_is_a_constructor_of_the_same_type():
    """``x.new(...)`` (a dot call in Lua: no receiver argument) builds a tensor of x's type."""
    x = TORCH_FUNCTIONS["FloatTensor"](2)
    assert TENSOR_METHODS["new"](x).dtype == torch.float32 and TENSOR_METHODS["new"](x).numel() == 0
    assert TENSOR_METHODS["new"](x, 2, 3).shape == (2, 3)
    assert TENSOR_METHODS["new"](x, TENSOR_METHODS["size"](x)).shape == (2,)
    assert TENSOR_METHODS["new"](x, [1, 2]).tolist() == [1.0, 2.0]


def test_storage_is_a_window_on_the_tensor():
    x = TORCH_FUNCTIONS["Tensor"]([[1, 2], [3, 4]])
    s = TENSOR_METHODS["storage"](x)
    s[4] = 9  # Lua: x:storage()[4] = 9
    assert x[1, 1].item() == 9 and s.size() == 4 and s.totable() == [1.0, 2.0, 3.0, 9.0]
    row = TENSOR_METHODS["select"](x, 1, 2)
    assert TENSOR_METHODS["storage"](row) == s  # the same storage, as isSetTo would say
    sizes = TORCH_FUNCTIONS["LongStorage"]([4, 1])
    assert TENSOR_METHODS["view"](x, sizes).shape == (4, 1)
    assert TORCH_FUNCTIONS["LongTensor"](sizes).tolist() == [4, 1]  # a LongTensor over that storage
    with pytest.raises(IndexError, match=r"storage index 5 out of range \[1, 4\]"):
        s[5]


# Torch7 tensor methods the runtime leaves out, and why
NOT_PROVIDED = {
    "cdata": "a C pointer",
    "data": "a C pointer (FFI)",
    "free": "memory management",
    "retain": "memory management",
    "read": "serialisation internals (use torch.load)",
    "write": "serialisation internals (use torch.save)",
    "real": "internal",
    "match": "internal",
    "conv2": "2-D convolution helper, not used by ported programs",
    "conv3": "as conv2",
    "xcorr2": "as conv2",
    "xcorr3": "as conv2",
    "bhistc": "batched histc",
    "multinomial": "the method form needs a LongTensor result and a float distribution at once (use torch.multinomial)",
    "multinomialAliasSetup_": "alias-method internals",
    "multinomialAlias_": "alias-method internals",
}


def test_every_torch7_tensor_method_is_provided_or_listed():
    """tensor_method_names.txt lists what real Lua's tensor classes have."""
    missing = set()
    for line in (FIXTURES / "tensor_method_names.txt").read_text().splitlines():
        _, *methods = line.split()
        missing |= {name for name in methods if name not in TENSOR_METHODS}
    assert missing == set(NOT_PROVIDED), sorted(missing ^ set(NOT_PROVIDED))


# torch.* functions the runtime leaves out: the Lua language side (branch `port`:
# classes, metatables, files, command lines, serialisation, environment) or not provided
LANGUAGE_SIDE = {
    "class",
    "CmdLine",
    "File",
    "PipeFile",
    "Tester",
    "TestSuite",
    "include",
    "getmetatable",
    "setmetatable",
    "newmetatable",
    "getconstructortable",
    "isTypeOf",
    "metatype",
    "factory",
    "version",
    "packageLuaPath",
    "getenv",
    "setenv",
    "isatty",
    "serialize",
    "deserialize",
    "serializeToStorage",
    "deserializeFromStorage",
    "saveobj",
    "loadobj",
    "pointer",
    "pushudata",
    "test",
    "updateerrorhandlers",
    "updatethreadlocals",
    "setheaptracking",
    "Allocator",
}
NOT_PROVIDED_FUNCTIONS = {
    "Generator": "separate generators (programs use the default one)",
    "gels": "least squares (not used by programs)",
    "geqrf": "QR internals",
    "orgqr": "QR internals",
    "ormqr": "QR internals",
    "pstrf": "pivoted Cholesky",
    "bhistc": "batched histc",
    "cdata": "a C pointer",
    "data": "a C pointer",
    "match": "internal",
    "conv2": "convolution helper",
    "conv3": "convolution helper",
    "xcorr2": "convolution helper",
    "xcorr3": "convolution helper",
    "multinomialAlias": "alias method",
    "multinomialAliasSetup": "alias method",
    "multinomialAlias_": "alias method",
    "multinomialAliasSetup_": "alias method",
}


def test_every_torch7_function_is_provided_or_listed():
    """torch_function_names.txt lists the functions of real Lua's `torch` table."""
    names = set((FIXTURES / "torch_function_names.txt").read_text().split())
    missing = {n for n in names if n not in TORCH_FUNCTIONS}
    assert missing == (LANGUAGE_SIDE | set(NOT_PROVIDED_FUNCTIONS)) & names, sorted(
        missing ^ ((LANGUAGE_SIDE | set(NOT_PROVIDED_FUNCTIONS)) & names)
    )


def test_decompositions_reconstruct_their_matrix():
    """Eigenvector and singular-vector signs are LAPACK's choice: check what they mean."""
    a = TORCH_FUNCTIONS["Tensor"]([[4.0, 2.0, 0.6], [2.0, 5.0, 1.0], [0.6, 1.0, 3.0]])
    e, v = TORCH_FUNCTIONS["symeig"](a, "V")
    torch.testing.assert_close(v @ torch.diag(e) @ v.t(), a)
    u, s, w = TORCH_FUNCTIONS["svd"](TORCH_FUNCTIONS["Tensor"]([[3.0, 1.0], [1.0, 3.0], [0.0, 2.0]]))
    torch.testing.assert_close(
        u @ torch.diag(s) @ w.t(), TORCH_FUNCTIONS["Tensor"]([[3.0, 1.0], [1.0, 3.0], [0.0, 2.0]])
    )
    q, r = TORCH_FUNCTIONS["qr"](a)
    torch.testing.assert_close(q @ r, a)
    ev, vecs = TORCH_FUNCTIONS["eig"](a, "V")
    torch.testing.assert_close(a @ vecs, vecs @ torch.diag(ev[:, 0]))


@pytest.mark.parametrize(
    "module",
    [
        "pygraphnn.lua_random",
        "pygraphnn.lua.runtime.tensor_types",
        "pygraphnn.lua.runtime.random",
        "pygraphnn.lua.runtime.storage",
        "pygraphnn.lua.runtime.tensor_methods",
        "pygraphnn.lua.runtime.torch_functions",
        "pygraphnn.lua.runtime.optim",
        "pygraphnn.lua.runtime.cuda",
        "pygraphnn.lua.runtime.linalg",
        "pygraphnn.lua.runtime.libm",
    ],
)
def test_docstring_examples_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0


def test_memory_file_clones_are_independent_copies_as_in_clone_many_times():
    """char-rnn's clone_many_times: write a net once, read one fresh copy per step."""
    from pygraphnn import nn
    from pygraphnn.lua import runtime as lua

    net = nn.Linear(3, 2)
    mem = lua.invoke(lua.torch.MemoryFile("w"), "binary")
    lua.invoke(mem, "writeObject", net)
    clones = [
        lua.invoke(lua.invoke(lua.torch.MemoryFile(lua.invoke(mem, "storage"), "r"), "binary"), "readObject")
        for _ in range(2)
    ]
    net.weight.data.fill_(7.0)  # written before: the copies keep what was written
    assert all(c is not net and not torch.equal(c.weight, net.weight) for c in clones)
    clones[0].weight.data.fill_(1.0)
    assert not torch.equal(clones[1].weight, clones[0].weight)
    with pytest.raises(ValueError, match="cannot be written"):
        lua.invoke(lua.torch.MemoryFile(lua.invoke(mem, "storage"), "r"), "writeObject", net)


def test_lua_optim_stays_the_optim_table_once_its_module_is_loaded():
    """Loading the submodule pygraphnn.lua.runtime.optim must not replace `lua.optim` (the
    table programs call optim.sgd on) by the module, whichever is imported first."""
    import importlib
    import subprocess
    import sys

    code = (
        "import pygraphnn.lua.runtime.optim\nfrom pygraphnn.lua import runtime as lua\n"
        "assert type(lua.optim).__name__ == '_Namespace' and lua.require('optim') is lua.optim\n"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120).returncode == 0
    from pygraphnn.lua import runtime as lua

    importlib.import_module("pygraphnn.lua.runtime.optim")
    assert lua.require("optim") is lua.optim and type(lua.optim).__name__ == "_Namespace"


def test_torch_save_writes_lua_tables_of_a_ported_program(tmp_path):
    """char-rnn: checkpoint = {}; checkpoint.protos = protos (a table); torch.save(file, checkpoint)."""
    from pygraphnn.lua import runtime as lua
    from pygraphnn.lua.classes.load import load_t7

    shared = lua.LuaTable.of(1.5, 2.5)
    checkpoint = lua.LuaTable(
        {
            "protos": lua.LuaTable({"w": torch.ones(2, dtype=torch.float64)}),
            "losses": shared,
            "again": shared,
            "name": "lstm",
        }
    )
    lua.torch.save(str(tmp_path / "c.t7"), checkpoint)
    back = load_t7(tmp_path / "c.t7")
    assert back["name"] == "lstm" and torch.equal(back["protos"]["w"], torch.ones(2, dtype=torch.float64))
    assert back["losses"] == {1: 1.5, 2: 2.5} and back["again"] is back["losses"]


def test_torch_save_writes_a_module_of_a_ported_class_as_that_lua_class(tmp_path):
    """char-rnn's OneHot (torch.class('OneHot', 'nn.Module')) inside the saved protos."""
    from pygraphnn.lua import runtime as lua
    from pygraphnn.lua.format.t7 import load_t7_raw

    cls, parent = lua.class_("E2eSavedScale", "nn.Module")

    def init(self, n):
        parent["__init"](self)
        self.size_ = n
        self._eye = torch.eye(n, dtype=torch.float64)

    cls["__init"] = init
    m = lua.new("E2eSavedScale", 3)
    lua.torch.save(str(tmp_path / "m.t7"), lua.LuaTable({"m": m}))
    raw = load_t7_raw(tmp_path / "m.t7")["m"]
    assert raw.class_name == "E2eSavedScale"
    assert raw["size_"] == 3 and torch.equal(raw["_eye"], torch.eye(3, dtype=torch.float64))
