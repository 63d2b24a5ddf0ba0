"""Shape modules (Reshape, View, Narrow, Select, Transpose, Replicate, Squeeze, Unsqueeze):
Lua fixtures, the module contract against plain torch, and Lua's batch rules.

This file also holds the small helpers that replay ``nn_modules.t7`` cases (used by the
other ``test_nn_*`` files too): building a module from its Lua ``ctor`` string and
running Lua-style forward/backward against the saved results.
"""

import os
import re
import sys
from functools import lru_cache
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))

import pytest
import torch
from contract import check_module

import pygraphnn.nn as nn
from pygraphnn.tables import flatten

# --------------------------------------------------------------------------- fixtures


def data_dir() -> Path:
    env = os.environ.get("PYGRAPHNN_DATA")
    return Path(env) if env else Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def fixture_path() -> Path:
    return data_dir() / "t7" / "lua" / "nn_modules.t7"


@lru_cache(maxsize=1)
def _load_cases():
    from pygraphnn.lua.format.t7 import load_t7_raw

    raw = load_t7_raw(str(fixture_path()))
    return [lua_value(raw[i]) | {"id": i} for i in sorted(raw)]


def lua_value(v):
    """A loaded Lua value with array tables as lists (tensors, numbers, strings unchanged)."""
    from pygraphnn.lua.format.t7 import LuaTable

    if isinstance(v, LuaTable):
        keys = list(v.keys())
        if keys and all(isinstance(k, int) for k in keys) and sorted(keys) == list(range(1, len(keys) + 1)):
            return [lua_value(v[k]) for k in range(1, len(keys) + 1)]
        return {k: (lua_value(x) if k != "module" else x) for k, x in v.items()}
    return v


def lua_cases(class_names, kind="module"):
    """Fixture cases whose ctor starts with ``nn.<one of class_names>``, as pytest params.
    Collected lazily: when the data is absent there is one skipped parameter."""
    if not fixture_path().is_file():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no Lua fixtures at {fixture_path()}"))]
    out = []
    for c in _load_cases():
        m = re.match(r"nn\.(\w+)", c["ctor"])
        if c["kind"] == kind and m and m.group(1) in class_names:
            out.append(pytest.param(c, id=f"{c['id']}-{c['ctor']}"))
    assert out, f"no fixture case for {class_names}"
    return out


class _TorchShim:
    """What a ctor string may use of Lua's ``torch``: ``torch.Tensor({...})``."""

    @staticmethod
    def Tensor(values):  # Lua name
        return torch.tensor(values, dtype=torch.float64)

    LongTensor = staticmethod(lambda values: torch.tensor(values, dtype=torch.long))


def lua_ctor(src: str):
    """Evaluate a Lua constructor expression such as ``nn.View(3, 4):setNumInputDims(2)``."""
    py = src.replace(":", ".").replace("{", "[").replace("}", "]")
    py = re.sub(r"\btrue\b", "True", py)
    py = re.sub(r"\bfalse\b", "False", py)
    py = re.sub(r"\bnil\b", "None", py)
    return eval(py, {"nn": nn, "torch": _TorchShim, "__builtins__": {}})  # test data


def assert_same(got, want, atol=1e-10, what="value"):
    if isinstance(want, list):
        assert isinstance(got, (list, tuple)), f"{what}: expected a table, got {type(got).__name__}"
        assert len(got) == len(want), f"{what}: table of {len(got)} entries, Lua has {len(want)}"
        for k, (g, w) in enumerate(zip(got, want), 1):
            assert_same(g, w, atol, f"{what}[{k}]")
        return
    assert isinstance(got, torch.Tensor), f"{what}: expected a tensor, got {type(got).__name__}"
    assert tuple(got.shape) == tuple(want.shape), f"{what}: shape {tuple(got.shape)} != Lua {tuple(want.shape)}"
    torch.testing.assert_close(got.double(), want.double(), atol=atol, rtol=0, msg=lambda m: f"{what}: {m}")


def run_module_case(case):
    """Lua-style forward/backward of the ctor's module on the saved input; compare everything."""
    m = lua_ctor(case["ctor"]).double()
    params = case.get("params")
    if params is not None:
        flat, flat_grad = m.getParameters()
        assert flat.numel() == params.numel(), "parameter count differs from Lua's"
        with torch.no_grad():
            flat.copy_(params)
    m.zeroGradParameters()
    out = m.forward(case["input"])
    assert_same(out, case["output"], what="output")
    gi = m.backward(case["input"], case["gradOutput"])
    assert_same(gi, case["gradInput"], what="gradInput")
    if params is not None:
        torch.testing.assert_close(flat_grad, case["gradParams"], atol=1e-10, rtol=0)
    return m


# ------------------------------------------------------------------------ Lua cases

SHAPE = ["Reshape", "View", "Narrow", "Select", "Transpose", "Replicate", "Squeeze", "Unsqueeze"]


@pytest.mark.parametrize("case", lua_cases(SHAPE))
def test_lua_fixture(case):
    run_module_case(case)


# ------------------------------------------------------------------------ contract


def _r(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.mark.parametrize(
    "module, x, ref",
    [
        (nn.Reshape(4, 3), _r(12), lambda x, m: x.view(4, 3)),
        (nn.Reshape(4, 3), _r(5, 12), lambda x, m: x.view(5, 4, 3)),
        (nn.Reshape(4, 3), _r(1, 12), lambda x, m: x.view(1, 4, 3)),
        (nn.Reshape(12), _r(3, 2, 6), lambda x, m: x.view(3, 12)),
        (nn.Reshape(6, True), _r(2, 3, 2), lambda x, m: x.view(2, 6)),
        (nn.Reshape(2, 6, False), _r(3, 4), lambda x, m: x.view(2, 6)),
        (nn.View(12), _r(4, 3), lambda x, m: x.view(12)),
        (nn.View(12), _r(2, 4, 3), lambda x, m: x.view(2, 12)),
        (nn.View(-1, 3), _r(3, 4, 3), lambda x, m: x.view(12, 3)),
        (nn.View(3, 4).setNumInputDims(2), _r(5, 4, 3), lambda x, m: x.view(5, 3, 4)),
        (nn.View(3, 4).setNumInputDims(2), _r(4, 3), lambda x, m: x.view(3, 4)),
        (nn.View(-1).setNumInputDims(2), _r(2, 3, 4, 3), lambda x, m: x.view(6, 12)),
        (nn.Narrow(1, 2, 2), _r(4, 5), lambda x, m: x[1:3]),
        (nn.Narrow(2, 3), _r(4, 5), lambda x, m: x[:, 2:3]),
        (nn.Narrow(-1, 2, 3), _r(2, 4, 5), lambda x, m: x[..., 1:4]),
        (nn.Narrow(2, 2, -1), _r(3, 6), lambda x, m: x[:, 1:6]),
        (nn.Narrow(2, 2, -2), _r(3, 6), lambda x, m: x[:, 1:5]),
        (nn.Narrow(2, -1), _r(3, 6), lambda x, m: x[:, 0:5]),
        (nn.Select(1, 2), _r(4, 5), lambda x, m: x[1]),
        (nn.Select(2, -1), _r(3, 5), lambda x, m: x[:, 4]),
        (nn.Select(-1, 3), _r(2, 3, 4), lambda x, m: x[:, :, 2]),
        (nn.Transpose([1, 2]), _r(3, 4), lambda x, m: x.t()),
        (nn.Transpose([1, 2], [2, 3]), _r(2, 3, 4), lambda x, m: x.permute(1, 2, 0)),
        (nn.Transpose([1, 2]).setNumInputDims(2), _r(5, 3, 4), lambda x, m: x.permute(0, 2, 1)),
        (nn.Transpose([1, 2]).setNumInputDims(2), _r(3, 4), lambda x, m: x.t()),
        (nn.Replicate(3), _r(4), lambda x, m: torch.stack([x, x, x])),
        (nn.Replicate(3, 2), _r(4, 5), lambda x, m: torch.stack([x, x, x], 1)),
        (nn.Replicate(2, 1, 1), _r(3, 4), lambda x, m: torch.stack([x, x], 1)),
        (nn.Replicate(2, 1, 1), _r(4), lambda x, m: torch.stack([x, x])),
        (nn.Squeeze(), _r(3, 1, 4, 1), lambda x, m: x[:, 0, :, 0]),
        (nn.Squeeze(2), _r(3, 1, 4), lambda x, m: x[:, 0]),
        (nn.Squeeze(1, 2), _r(3, 1, 4), lambda x, m: x[:, 0]),
        (nn.Squeeze(1, 2), _r(1, 4), lambda x, m: x[0]),
        (nn.Squeeze(None, 2), _r(1, 1, 4), lambda x, m: x[:, 0]),
        (nn.Squeeze(), _r(1, 1), lambda x, m: x.reshape(1)),
        (nn.Unsqueeze(1), _r(3, 4), lambda x, m: x[None]),
        (nn.Unsqueeze(3), _r(3, 4), lambda x, m: x[:, :, None]),
        (nn.Unsqueeze(1, 1), _r(3, 4), lambda x, m: x[:, None]),
        (nn.Unsqueeze(2, 1), _r(4), lambda x, m: x[:, None]),
    ],
    ids=lambda v: v.lua_label() if isinstance(v, torch.nn.Module) else "",
)
def test_contract(module, x, ref):
    check_module(module, x, ref)


# ------------------------------------------------------------------- Lua details


def test_reshape_batch_rule():
    m = nn.Reshape(4, 3)
    assert m(torch.zeros(12)).shape == (4, 3)  # nElement matches, size(1) ~= 1
    assert m(torch.zeros(2, 12)).shape == (2, 4, 3)  # batch
    assert m(torch.zeros(1, 12)).shape == (1, 4, 3)  # size(1) == 1: batch of one
    assert m(torch.zeros(4, 3)).shape == (4, 3)  # same elements: a sample
    assert nn.Reshape(1, 12)(torch.zeros(1, 12)).shape == (1, 1, 12)


def test_reshape_explicit_batch_mode():
    assert nn.Reshape(4, True)(torch.zeros(3, 2, 2)).shape == (3, 4)
    assert nn.Reshape(4, batchMode=True)(torch.zeros(1, 4)).shape == (1, 4)
    assert nn.Reshape(2, 2, False)(torch.zeros(1, 4)).shape == (2, 2)
    assert nn.Reshape(2, 2, batchMode=False).batchMode is False


def test_labels():
    assert nn.Reshape(4, 200).lua_label() == "nn.Reshape(4x200)"
    assert nn.Reshape(4, 3, True).lua_label() == "nn.Reshape(4x3)"
    assert nn.View(3, 4).setNumInputDims(2).lua_label() == "nn.View(3, 4)"
    assert nn.View(-1).lua_label() == "nn.View(-1)"
    assert nn.Unsqueeze(2).lua_label() == "nn.Unsqueeze(dim 2)"
    for m in (nn.Narrow(1, 2), nn.Select(1, 1), nn.Transpose([1, 2]), nn.Replicate(2), nn.Squeeze()):
        assert m.lua_label() == f"nn.{type(m).__name__}"


def test_view_errors_and_batch():
    with pytest.raises(RuntimeError, match="do not match"):
        nn.View(5)(torch.zeros(3, 4))
    with pytest.raises(ValueError):
        nn.View(-1, -1)
    assert nn.View(4)(torch.zeros(3, 4)).shape == (3, 4)  # a multiple: the rest is the batch
    assert nn.View(2, 2)(torch.zeros(2, 2, 2)).shape == (2, 2, 2)
    assert nn.View(6).setNumInputDims(2)(torch.zeros(2, 3)).shape == (6,)


def test_views_of_non_contiguous_input():
    x = torch.randn(3, 4).t()  # as after nn.Transpose
    assert torch.equal(nn.View(12)(x), x.reshape(12))
    assert torch.equal(nn.Reshape(12)(x), x.reshape(12))


def test_lua_squeeze_keeps_one_dimension():
    assert nn.Squeeze()(torch.zeros(1, 1)).shape == (1,)
    assert nn.Squeeze(1)(torch.zeros(1)).shape == (1,)
    assert nn.Squeeze(1)(torch.zeros(2, 3)).shape == (2, 3)  # not a singleton: unchanged
    assert nn.Squeeze(None, 2)(torch.zeros(1, 1, 1)).shape == (1, 1)


def test_unsqueeze_errors():
    with pytest.raises(ValueError):
        nn.Unsqueeze(0)
    with pytest.raises(ValueError):
        nn.Unsqueeze(4)(torch.zeros(2, 3))
    with pytest.raises(ValueError):
        nn.Unsqueeze(1, 3)(torch.zeros(2, 3))


def test_inline_matches_forward():
    """The expressions Reshape/View offer the code generator compute what forward does."""
    for m in (
        nn.Reshape(4, 3),
        nn.Reshape(4, 3, True),
        nn.Reshape(12, False),
        nn.View(3, 4),
        nn.View(-1).setNumInputDims(2),
    ):
        for x in (torch.randn(12), torch.randn(1, 12), torch.randn(2, 12), torch.randn(2, 4, 3)):
            try:
                want = m(x)
            except RuntimeError:
                continue
            expr = m._inline("m", ["x"], False)
            got = eval(expr, {"torch": torch, "m": m, "x": x})
            assert torch.equal(got, want), (m.lua_label(), tuple(x.shape))


def test_graph_node_and_flatten_helpers():
    x = nn.Identity()()
    y = nn.Reshape(2, 6)(x)
    g = nn.gModule([x], [y])
    assert g(torch.zeros(3, 12)).shape == (3, 2, 6)
    assert flatten([g(torch.zeros(12))])[0].shape == (2, 6)
