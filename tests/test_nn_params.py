"""Modules with parameters (Linear, LookupTable, CMul, Mul, Add) and MM.

Contract checks against plain-torch expressions, Lua's recorded forward/backward
(nn_modules.t7), Lua's default initialisation reproduced bit for bit from torch's
generator (nn_init_stats.t7), and the ``_inline`` expressions in generated code.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import math
import re

import pytest
import torch
from contract import check_module

import pygraphnn as ng
from pygraphnn import nn
from pygraphnn.nn.linear import lua_normal_, lua_random32, lua_uniform_


def _data_file(name):
    env = os.environ.get("PYGRAPHNN_DATA")
    root = env or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data")
    path = os.path.join(root, "t7", "lua", name)
    return path if os.path.exists(path) else None


def _load(name):
    path = _data_file(name)
    if path is None:
        pytest.skip(f"{name} not found (set PYGRAPHNN_DATA)")
    from pygraphnn.lua.format.t7 import load_t7_raw

    return load_t7_raw(path)


def _randn(*shape, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=torch.float64)


# ------------------------------------------------------------------ contract
def test_linear_contract():
    for shape in [(5,), (3, 5)]:
        check_module(nn.Linear(5, 3), _randn(*shape), lambda x, m: x @ m.weight.t() + m.bias)
        check_module(nn.Linear(5, 3, False), _randn(*shape), lambda x, m: x @ m.weight.t())


def test_linear_labels_and_parameter_order():
    assert nn.Linear(20, 10).lua_label() == "nn.Linear(20 -> 10)"
    assert nn.Linear(20, 10, False).lua_label() == "nn.Linear(20 -> 10) without bias"
    assert nn.Linear(4, 2).noBias().bias is None
    assert [n for n, _ in nn.Linear(4, 2).named_parameters()] == ["weight", "bias"]
    flat, _ = nn.Linear(4, 2).getParameters()
    assert flat.numel() == 10


def _embed_ref(x, m):
    return m.weight[x.long() - 1]


@pytest.mark.parametrize(
    "idx",
    [
        torch.tensor([1, 3, 10, 3, 2]),
        torch.tensor([[1, 2, 3], [10, 9, 1]]),
        torch.tensor([[4.0, 2.0, 4.0], [1.0, 10.0, 5.0]], dtype=torch.float64),
    ],
    ids=["vector", "batch", "float-indices"],
)
def test_lookup_contract(idx):
    # gradcheck would nudge float indices off their integers (1 - eps truncates to 0)
    check_module(nn.LookupTable(10, 4), idx, _embed_ref, gradcheck=not idx.is_floating_point())


def test_lookup_gradinput_is_zeros_of_the_input_type():
    m = nn.LookupTable(10, 3)
    for idx in (torch.tensor([[1, 2], [3, 4]]), torch.tensor([2.0, 7.0], dtype=torch.float64)):
        out = m.forward(idx)
        gi = m.backward(idx, torch.ones_like(out))
        assert gi.dtype == idx.dtype and gi.shape == idx.shape and not gi.any()


def test_lookup_padding_freq_and_maxnorm():
    torch.manual_seed(0)
    m = nn.LookupTable(6, 3, 2).double()
    idx = torch.tensor([2, 1, 2, 5])
    m.zeroGradParameters()
    out = m.forward(idx)
    torch.testing.assert_close(out, m.weight.detach()[idx - 1])  # forward still looks up row 2
    m.backward(idx, torch.ones(4, 3, dtype=torch.float64))
    assert not m.weight.grad[1].any() and m.weight.grad[0].eq(1).all()  # padding row: no gradient
    f = nn.LookupTable(6, 3).scaleGradByFreq().double()
    f.zeroGradParameters()
    f.forward(idx)
    f.backward(idx, torch.ones(4, 3, dtype=torch.float64))
    assert f.weight.grad[1].eq(1).all()  # 2 uses, scaled by 1/2
    r = nn.LookupTable(6, 3).setMaxNorm(0.5).double()
    with torch.no_grad():
        r.weight.copy_(torch.arange(18, dtype=torch.float64).view(6, 3))
    before = r.weight.detach().clone()
    out = r(torch.tensor([3, 1]))
    norms = out.norm(dim=1)
    assert (norms <= 0.5 + 1e-6).all()
    assert torch.equal(r.weight[1], before[1])  # untouched rows stay
    with pytest.raises(ValueError):
        nn.LookupTable(3, 2)(torch.ones(1, 1, 1, dtype=torch.long))


CMUL = [((5,), (5,)), ((5,), (3, 5)), ((1, 5), (3, 5)), ((2, 3), (3, 2, 3)), ((2, 3), (2, 3)), ((6,), (4, 2, 3))]


@pytest.mark.parametrize("size, shape", CMUL, ids=[f"{s}-{x}" for s, x in CMUL])
def test_cmul_contract(size, shape):
    def ref(x, m):
        w = m.weight.reshape(-1)
        if x.numel() == w.numel():
            return (x.reshape(-1) * w).reshape(x.shape)
        return torch.einsum("bi,i->bi", x.reshape(x.shape[0], -1), w).reshape(x.shape)

    check_module(nn.CMul(*size), _randn(*shape), ref)
    check_module(nn.CMul(torch.Size(size)), _randn(*shape), ref)


@pytest.mark.parametrize("shape", [(5,), (3, 5)])
def test_mul_contract(shape):
    check_module(nn.Mul(), _randn(*shape), lambda x, m: m.weight[0] * x)


ADD = [((5,), False, (5,)), ((5,), False, (3, 5)), ((5,), True, (3, 5)), ((6,), False, (4, 2, 3)), ((1,), True, (2,))]


@pytest.mark.parametrize("size, scalar, shape", ADD, ids=[f"{s}-{b}-{x}" for s, b, x in ADD])
def test_add_contract(size, scalar, shape):
    def ref(x, m):
        if scalar:
            return x + m.bias[0]
        flat = x.reshape(-1, size[0]) if x.numel() != size[0] else x.reshape(1, -1)
        return (flat + torch.ones(flat.shape[0], 1, dtype=x.dtype) @ m.bias.reshape(1, -1)).reshape(x.shape)

    check_module(nn.Add(size[0], scalar), _randn(*shape), ref)


@pytest.mark.parametrize("ta, tb", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("batch", [False, True])
def test_mm_contract(ta, tb, batch):
    a = _randn(3, 4, seed=1)
    b = _randn(4, 5, seed=2)
    if ta:
        a = a.t().contiguous()
    if tb:
        b = b.t().contiguous()
    if batch:
        a = torch.stack([a, 2 * a])
        b = torch.stack([b, -b])

    def ref(x, m):
        A, B = x
        A = A.transpose(-1, -2) if ta else A
        B = B.transpose(-1, -2) if tb else B
        return torch.einsum("...ij,...jk->...ik", A, B)

    check_module(nn.MM(ta, tb), [a, b], ref)
    with pytest.raises(ValueError):
        nn.MM()([_randn(2, 2), _randn(2, 2, 2)])


# ------------------------------------------------------------- Lua's RNG
def test_raw_draws_match_mt19937():
    # the first outputs of MT19937 seeded with 5489 (the reference seed) are well known
    torch.manual_seed(5489)
    assert lua_random32(3).tolist() == [3499211612, 581869302, 3890346734]


def test_lua_rng_streams():
    rng = _load("nn_init_stats.t7")["rng"]
    torch.manual_seed(int(rng["seed"]))
    assert torch.equal(lua_uniform_(torch.empty(10, dtype=torch.float64)), rng["uniform01"])
    torch.manual_seed(int(rng["seed"]))
    assert torch.equal(lua_normal_(torch.empty(10, dtype=torch.float64)), rng["normal01"])
    # odd-sized draws: the second of a Box-Muller pair carries over to the next call, as in Lua
    torch.manual_seed(int(rng["seed"]))
    a = lua_normal_(torch.empty(3, dtype=torch.float64))
    b = lua_normal_(torch.empty(7, dtype=torch.float64))
    assert torch.equal(torch.cat([a, b]), rng["normal01"])
    # a reseed discards the pending half
    torch.manual_seed(int(rng["seed"]))
    lua_normal_(torch.empty(3, dtype=torch.float64))
    torch.manual_seed(int(rng["seed"]))
    assert torch.equal(lua_normal_(torch.empty(10, dtype=torch.float64)), rng["normal01"])


def test_large_normal_is_within_ulps_of_the_exact_path():
    torch.manual_seed(3)
    big = lua_normal_(torch.empty((1 << 17) + 10, dtype=torch.float64))
    torch.manual_seed(3)
    small = lua_normal_(torch.empty(2000, dtype=torch.float64))
    torch.testing.assert_close(big[:2000], small, rtol=1e-14, atol=1e-15)


def test_default_init_is_luas_exactly():
    exact = _load("nn_init_stats.t7")["exact"].to_list()
    assert {e["ctor"] for e in exact} >= {
        "nn.Linear(5, 3)",
        "nn.LookupTable(10, 4)",
        "nn.CMul(5)",
        "nn.Mul()",
        "nn.Add(5)",
        "nn.Add(5, true)",
    }
    for e in exact:
        torch.manual_seed(123)
        m = lua_ctor(e["ctor"])
        for field in ("weight", "bias"):
            if field in e:
                got = getattr(m, field).detach()
                assert got.dtype == torch.get_default_dtype()
                lua = e[field].to(got.dtype)
                assert torch.equal(got, lua), (e["ctor"], field)
        # in float64 the values are Lua's doubles bit for bit
        torch.manual_seed(123)
        prev = torch.get_default_dtype()
        torch.set_default_dtype(torch.float64)
        try:
            m = lua_ctor(e["ctor"])
        finally:
            torch.set_default_dtype(prev)
        for field in ("weight", "bias"):
            if field in e:
                assert torch.equal(getattr(m, field).detach(), e[field]), (e["ctor"], field)


def test_reset_stdv_is_scaled_by_sqrt3_like_lua():
    m = nn.Linear(4, 3).double()
    torch.manual_seed(9)
    m.reset(0.1)
    bound = 0.1 * math.sqrt(3)
    torch.manual_seed(9)
    expect = lua_uniform_(torch.empty(15, dtype=torch.float64), -bound, bound)
    assert torch.equal(torch.cat([m.weight.detach().reshape(-1), m.bias.detach()]), expect)
    for mod in (nn.CMul(3, 4), nn.Add(7), nn.Mul()):
        mod.reset(0.2)
        assert all(p.abs().max() <= 0.2 * math.sqrt(3) for p in mod.parameters())
    lt = nn.LookupTable(50, 40)
    lt.reset(0.01)
    assert abs(lt.weight.std().item() - 0.01) < 0.001


def test_default_init_distributions_match_luas_statistics():
    stats = _load("nn_init_stats.t7")["stats"].to_list()
    for s in stats:
        ctor, field, lua = s["ctor"], s["field"], s["stats"]
        if "fresh" in ctor:  # "nn.Mul() x 100000 fresh instances": one draw each, same stream
            base = ctor.split(" x ")[0]
            mods = [lua_ctor(base) for _ in range(400)]
            vals = torch.cat([getattr(m, field).detach().reshape(-1) for m in mods]).double()
        else:
            vals = getattr(lua_ctor(ctor), field).detach().reshape(-1).double()
        n = vals.numel()
        std = lua["std"]
        if "bound" in lua:
            bound = lua["bound"]
            assert vals.abs().max() <= bound
            assert abs(vals.std().item() - lua["uniform_std"]) < 6 * lua["uniform_std"] / math.sqrt(n) + 1e-12
            assert abs(lua["std"] - lua["uniform_std"]) < 6 * lua["uniform_std"] / math.sqrt(lua["n"]) + 0.05
        else:  # normal(0, 1)
            assert abs(vals.std().item() - 1.0) < 0.01 and abs(std - 1.0) < 0.01
        assert abs(vals.mean().item()) < 6 * std / math.sqrt(n) + 1e-12


# --------------------------------------------------- _inline vs the interpreter
@pytest.mark.parametrize(
    "make",
    [lambda: nn.Linear(5, 4), lambda: nn.Linear(5, 4, False), nn.Mul, lambda: nn.Add(5, True)],
    ids=["Linear", "Linear-nobias", "Mul", "Add-scalar"],
)
def test_inline_matches_interpreter(make):
    x_in = nn.Identity()()
    m = make()
    h = m(x_in)
    y = nn.Tanh()(h)
    g = nn.gModule([x_in], [y])
    assert m._inline("self.m", ["v"], False) is not None
    assert re.search(r"self\.\w+\(", g.code.split("try:")[1]) is None, g.code
    for shape in ((5,), (3, 5)):
        x = _randn(*shape).float()
        torch.testing.assert_close(g(x), ng.interpret(g.graph, [x]), rtol=0, atol=0)


# ------------------------------------------------------------ Lua fixtures
_MINE = {"Linear", "LookupTable", "CMul", "Mul", "Add", "MM"}


def lua_ctor(ctor):
    """Build a module from a Lua constructor expression such as ``nn.Add(5, true)``."""
    py = re.sub(r"\bnil\b", "None", re.sub(r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", ctor)))
    return eval(py.replace(":", "."), {"nn": nn})  # our fixture's own ctor strings


def _lua_cases():
    path = _data_file("nn_modules.t7")
    if path is None:
        return []
    from pygraphnn.lua.format.t7 import load_t7_raw

    out = []
    for c in load_t7_raw(path).to_list():
        name = re.match(r"nn\.(\w+)", c["ctor"]).group(1)
        if c["kind"] == "module" and name in _MINE:
            shape = list(c["input"].shape) if isinstance(c["input"], torch.Tensor) else "table"
            out.append(pytest.param(c, id=f"{c['ctor']}-{shape}"))
    return out


def _tbl(v):
    return [_tbl(x) for x in v.to_list()] if isinstance(v, dict) else v


def _assert_close(a, b):
    if isinstance(b, list):
        assert isinstance(a, list) and len(a) == len(b)
        for x, y in zip(a, b):
            _assert_close(x, y)
        return
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
    torch.testing.assert_close(a, b, rtol=0, atol=1e-10)


@pytest.mark.parametrize("case", _lua_cases())
def test_against_lua(case):
    m = lua_ctor(case["ctor"]).double()
    flat, flat_grad = m.getParameters()
    if case.get("params") is not None:
        flat.copy_(case["params"])
    m.zeroGradParameters()
    inp, go = _tbl(case["input"]), _tbl(case["gradOutput"])
    _assert_close(m.forward(inp), _tbl(case["output"]))
    _assert_close(m.backward(inp, go), _tbl(case["gradInput"]))
    if case.get("gradParams") is not None:
        _assert_close(flat_grad, case["gradParams"])
