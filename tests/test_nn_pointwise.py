"""Parameter-free modules: element-wise (simple.py), Dropout, reductions (Sum/Mean/Max/Min).

Each module passes the shared contract against an independent plain-torch expression,
matches Lua's recorded forward/backward in nn_modules.t7, and its ``_inline`` expression
computes what the module computes (generated gModule code vs the reference interpreter).
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


def _data_dir():
    env = os.environ.get("PYGRAPHNN_DATA")
    return env or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data")


def _randn(*shape, seed=0, positive=False):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(*shape, generator=g, dtype=torch.float64)
    return x.abs() + 0.1 if positive else x


# ------------------------------------------------------------- contract: element-wise
POINTWISE = [
    pytest.param(lambda: nn.Identity(), lambda x, m: x.clone(), False, id='nn.Identity()'),
    pytest.param(
        lambda: nn.Tanh(), lambda x, m: (torch.exp(2 * x) - 1) / (torch.exp(2 * x) + 1), False, id='nn.Tanh()'
    ),
    pytest.param(lambda: nn.Sigmoid(), lambda x, m: 1 / (1 + torch.exp(-x)), False, id='nn.Sigmoid()'),
    pytest.param(lambda: nn.ReLU(), lambda x, m: x * (x > 0).double(), False, id='nn.ReLU()'),
    pytest.param(lambda: nn.ReLU(True), lambda x, m: x * (x > 0).double(), False, id='nn.ReLU(True)'),
    pytest.param(
        lambda: nn.HardTanh(),
        lambda x, m: torch.minimum(torch.maximum(x, torch.tensor(-1.0)), torch.tensor(1.0)),
        False,
        id='nn.HardTanh()',
    ),
    pytest.param(
        lambda: nn.HardTanh(-0.5, 0.25), lambda x, m: x.clamp(-0.5, 0.25), False, id='nn.HardTanh(-0.5, 0.25)'
    ),
    pytest.param(lambda: nn.Exp(), lambda x, m: math.e**x, False, id='nn.Exp()'),
    pytest.param(lambda: nn.Log(), lambda x, m: torch.log2(x) * math.log(2), True, id='nn.Log()'),
    pytest.param(lambda: nn.Abs(), lambda x, m: torch.sqrt(x * x), False, id='nn.Abs()'),
    pytest.param(lambda: nn.Square(), lambda x, m: x * x, False, id='nn.Square()'),
    pytest.param(lambda: nn.Sqrt(), lambda x, m: x**0.5, True, id='nn.Sqrt()'),
    pytest.param(lambda: nn.Sqrt(0.5), lambda x, m: (x + 0.5) ** 0.5, True, id='nn.Sqrt(0.5)'),
    pytest.param(lambda: nn.Power(3), lambda x, m: x * x * x, False, id='nn.Power(3)'),
    pytest.param(lambda: nn.Power(0.5), lambda x, m: torch.sqrt(x), True, id='nn.Power(0.5)'),
    pytest.param(lambda: nn.Power(-1.5), lambda x, m: 1 / (x * torch.sqrt(x)), True, id='nn.Power(-1.5)'),
    pytest.param(lambda: nn.MulConstant(2.5), lambda x, m: 2.5 * x, False, id='nn.MulConstant(2.5)'),
    pytest.param(lambda: nn.MulConstant(-0.5, True), lambda x, m: -x / 2, False, id='nn.MulConstant(-0.5, True)'),
    pytest.param(lambda: nn.AddConstant(1.5), lambda x, m: x - (-1.5), False, id='nn.AddConstant(1.5)'),
    pytest.param(lambda: nn.AddConstant(-2, True), lambda x, m: x - 2, False, id='nn.AddConstant(-2, True)'),
]


@pytest.mark.parametrize("make, ref, positive", POINTWISE)
@pytest.mark.parametrize("shape", [(5,), (3, 5)], ids=["vector", "batch"])
def test_pointwise_contract(make, ref, positive, shape):
    x = _randn(*shape, positive=positive)
    if not positive:
        x = torch.where(x.abs() < 1e-3, x + 0.01, x)  # keep gradcheck away from kinks
    check_module(make(), x, ref)


def _softmax_ref(x, dim, log=False):
    e = torch.exp(x - x.amax(dim, keepdim=True))
    s = e / e.sum(dim, keepdim=True)
    return torch.log(s) if log else s


@pytest.mark.parametrize("log", [False, True], ids=["SoftMax", "LogSoftMax"])
@pytest.mark.parametrize("shape, dim", [((5,), 0), ((3, 5), 1), ((4, 2, 3), 0), ((2, 3, 2, 2), 1)])
def test_softmax_contract(log, shape, dim):
    m = nn.LogSoftMax() if log else nn.SoftMax()
    check_module(m, _randn(*shape), lambda x, m: _softmax_ref(x, dim, log))


@pytest.mark.parametrize("cls", [nn.SoftMax, nn.LogSoftMax])
def test_softmax_rejects_5d(cls):
    with pytest.raises(ValueError, match="1D, 2D, 3D or 4D"):
        cls()(torch.zeros(1, 1, 1, 1, 2))


def test_abs_and_sqrt_gradients_at_zero_are_luas():
    # THNN Abs: gradOutput * (x >= 0 ? 1 : -1); THNN Sqrt: 0 where the output is 0
    x = torch.tensor([0.0, -2.0, 4.0], dtype=torch.float64)
    go = torch.tensor([3.0, 5.0, 7.0], dtype=torch.float64)
    a = nn.Abs()
    a.forward(x)
    assert a.backward(x, go).tolist() == [3.0, -5.0, 7.0]
    s = nn.Sqrt()
    x = torch.tensor([0.0, 4.0], dtype=torch.float64)
    assert s.forward(x).tolist() == [0.0, 2.0]
    assert s.backward(x, torch.tensor([1.0, 1.0], dtype=torch.float64)).tolist() == [0.0, 0.25]


def test_constructor_checks_and_labels():
    with pytest.raises(ValueError):
        nn.HardTanh(1, -1)
    with pytest.raises(TypeError):
        nn.ReLU(1)
    with pytest.raises(TypeError):
        nn.MulConstant("2")
    with pytest.raises(ValueError):
        nn.Dropout(1.0)
    with pytest.raises(ValueError):
        nn.Dropout(-0.1)
    assert nn.Tanh().lua_label() == "nn.Tanh"
    assert nn.ReLU().lua_label() == "nn.ReLU"
    assert nn.Dropout().lua_label() == "nn.Dropout(0.500000)"
    assert nn.Dropout(0.3, True).lua_label() == "nn.Dropout(0.300000)"
    assert nn.Sum(2).lua_label() == "nn.Sum"


# ------------------------------------------------------------------- Dropout
def test_dropout_eval_and_p0_are_identity_v2():
    x = _randn(3, 5)
    check_module(nn.Dropout(0.4).evaluate(), x, lambda x, m: x * 1.0)
    check_module(nn.Dropout(0), x, lambda x, m: x * 1.0)
    check_module(nn.Dropout(0, True).evaluate(), x, lambda x, m: x * 1.0)


def test_dropout_v1_eval_scales_by_keep_probability():
    check_module(nn.Dropout(0.3, True).evaluate(), _randn(3, 5), lambda x, m: x * 0.7)


@pytest.mark.parametrize("v1", [False, True])
def test_dropout_training_lua_idiom_keeps_noise(v1):
    torch.manual_seed(5)
    p = 0.3
    m = nn.Dropout(p, v1)
    x = _randn(40, 50) + 3.0  # no zeros in the input
    out = m.forward(x)
    scale = 1.0 if v1 else 1 / (1 - p)
    assert set(torch.unique(m.noise).tolist()) <= {0.0, scale}
    torch.testing.assert_close(out, x * m.noise, rtol=0, atol=0)
    go = _randn(40, 50, seed=1)
    torch.testing.assert_close(m.backward(x, go), go * m.noise, rtol=0, atol=0)
    kept = (m.noise != 0).double().mean().item()
    assert abs(kept - (1 - p)) < 0.05


def test_dropout_training_pytorch_idiom():
    torch.manual_seed(0)
    m = nn.Dropout(0.5)
    x = torch.ones(100, 100, dtype=torch.float64, requires_grad=True)
    y = m(x)
    assert set(torch.unique(y).tolist()) <= {0.0, 2.0}
    assert m.noise.numel() == 0  # the pure path writes nothing
    y.sum().backward()
    torch.testing.assert_close(x.grad, y.detach())
    v1 = nn.Dropout(0.25, True)
    y1 = v1(torch.ones(50, 50))
    assert set(torch.unique(y1).tolist()) <= {0.0, 1.0}


def test_dropout_stochastic_inference_and_setp():
    torch.manual_seed(1)
    m = nn.Dropout(0.5, False, False, True).evaluate()
    y = m(torch.ones(30, 30))
    assert (y == 0).any() and set(torch.unique(y).tolist()) <= {0.0, 2.0}
    m = nn.Dropout(0.5)
    m.setp(0)
    assert torch.equal(m(torch.ones(3)), torch.ones(3))


def test_dropout_compiles():
    torch._dynamo.reset()
    m = nn.Dropout(0.5).evaluate()
    f = torch.compile(m, backend="eager", fullgraph=True)
    x = torch.randn(4, 3)
    assert torch.equal(f(x), x)
    m.train()
    y = f(x)  # training mode: no graph break either
    assert ((y == 0) | (y == 2 * x)).all()
    assert m.noise.numel() == 0


# ---------------------------------------------------------------- reductions
REDUCE = [
    (lambda: nn.Sum(), (5,), lambda x: x.sum().reshape(1)),
    (lambda: nn.Sum(2), (3, 5), lambda x: x.sum(1)),
    (lambda: nn.Sum(1, 1), (3, 5), lambda x: x.sum(1)),
    (lambda: nn.Sum(1, 1), (5,), lambda x: x.sum(0, keepdim=True)),
    (lambda: nn.Sum(-1), (2, 3, 4), lambda x: x.sum(2)),
    (lambda: nn.Sum(-3), (2, 3, 4), lambda x: x.sum(0)),
    (lambda: nn.Sum(2, None, True), (3, 5), lambda x: x.sum(1) / 5),
    (lambda: nn.Sum(2, None, False, False), (3, 5), lambda x: x.sum(1, keepdim=True)),
    (lambda: nn.Sum(1).setNumInputDims(2), (4, 3, 5), lambda x: x.sum(1)),
    (lambda: nn.Mean(), (5,), lambda x: (x.sum() / 5).reshape(1)),
    (lambda: nn.Mean(2), (3, 5), lambda x: x.sum(1) / 5),
    (lambda: nn.Mean(1, 1), (3, 5), lambda x: x.sum(1) / 5),
    (lambda: nn.Mean(-1), (2, 3, 4), lambda x: x.sum(2) / 4),
]


@pytest.mark.parametrize("make, shape, ref", REDUCE, ids=[f"{i}" for i in range(len(REDUCE))])
def test_reduce_contract(make, shape, ref):
    check_module(make(), _randn(*shape), lambda x, m: ref(x))


def _select_ref(x, dim, largest):
    # sort-based reference: gradient to the first extreme element along dim
    order = torch.sort(x, stable=True, dim=dim, descending=largest).indices
    return torch.gather(x, dim, order.narrow(dim, 0, 1)).squeeze(dim)


MAXMIN = [
    ((5,), lambda: (1, None), 0, True),
    ((3, 5), lambda: (2, None), 1, False),
    ((3, 5), lambda: (1, 1), 1, False),
    ((2, 3, 4), lambda: (-1, None), 2, False),
    ((3, 4), lambda: (1, None), 0, False),
    ((2, 3, 4), lambda: (2, 2), 2, False),
]


@pytest.mark.parametrize("cls, largest", [(nn.Max, True), (nn.Min, False)], ids=["Max", "Min"])
@pytest.mark.parametrize("shape, args, dim, keep1", MAXMIN, ids=[str(i) for i in range(len(MAXMIN))])
def test_maxmin_contract(cls, largest, shape, args, dim, keep1):
    def ref(x, m):
        r = _select_ref(x, dim, largest)
        return r.reshape(1) if keep1 else r

    check_module(cls(*args()), _randn(*shape), ref)


def test_max_gradient_goes_to_first_tie():
    x = torch.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], dtype=torch.float64)
    m = nn.Max(2)
    m.forward(x)
    gi = m.backward(x, torch.tensor([1.0, 1.0], dtype=torch.float64))
    assert gi.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    m = nn.Min(1)
    m.forward(x)
    assert m.backward(x, torch.ones(3, dtype=torch.float64)).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]]


def test_reduce_dimension_out_of_range():
    with pytest.raises(IndexError):
        nn.Sum(3)(torch.zeros(2, 2))
    with pytest.raises(IndexError):
        nn.Max(-3)(torch.zeros(2, 2))


# --------------------------------------------------- _inline vs the interpreter
INLINE = [
    nn.Identity,
    nn.Tanh,
    nn.Sigmoid,
    nn.ReLU,
    nn.Exp,
    nn.Abs,
    nn.Square,
    lambda: nn.HardTanh(-0.5, 0.5),
    nn.SoftMax,
    nn.LogSoftMax,
    lambda: nn.Power(2),
    lambda: nn.MulConstant(-1.5),
    lambda: nn.AddConstant(0.25),
    lambda: nn.Dropout(0.3),
    lambda: nn.Dropout(0.3, True),
]


@pytest.mark.parametrize("make", INLINE, ids=lambda f: getattr(f, "__name__", "lambda"))
@pytest.mark.parametrize("shape", [(5,), (3, 5), (4, 2, 3), (2, 4, 2, 3)])
def test_inline_matches_interpreter(make, shape):
    x_in = nn.Identity()()
    m = make()
    y = m(x_in)
    z = nn.Tanh()(y)
    g = nn.gModule([x_in], [z])
    expr = m._inline("self.m", ["v"], False)
    called = re.search(r"self\.\w+\(", g.code.split("try:")[1]) is not None
    if expr is not None and not isinstance(m, nn.Identity):
        assert not called, g.code
    x = _randn(*shape)
    for train in (True, False):
        g.train(train)
        torch.manual_seed(7)
        a = g(x)
        torch.manual_seed(7)
        b = ng.interpret(g.graph, [x])
        torch.testing.assert_close(a, b, rtol=0, atol=0)


# ------------------------------------------------------------ Lua fixtures
_MINE = {
    "Identity",
    "Sigmoid",
    "Tanh",
    "ReLU",
    "HardTanh",
    "SoftMax",
    "LogSoftMax",
    "Exp",
    "Log",
    "Abs",
    "Square",
    "Sqrt",
    "Power",
    "Dropout",
    "Sum",
    "Mean",
    "Max",
    "Min",
    "MulConstant",
    "AddConstant",
}


def _lua_cases(names):
    path = os.path.join(_data_dir(), "t7", "lua", "nn_modules.t7")
    if not os.path.exists(path):
        return []
    from pygraphnn.lua.format.t7 import load_t7_raw

    cases = load_t7_raw(path).to_list()
    out = []
    for c in cases:
        name = re.match(r"nn\.(\w+)", c["ctor"]).group(1)
        if c["kind"] == "module" and name in names:
            out.append(pytest.param(c, id=f"{c['ctor']}-{tuple(_shape(c['input']))}"))
    return out


def _shape(v):
    return list(v.shape) if isinstance(v, torch.Tensor) else [len(v)]


def lua_ctor(ctor):
    """Build a module from a Lua constructor expression such as ``nn.Sum(2, nil, true)``."""
    py = re.sub(r"\bnil\b", "None", re.sub(r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", ctor)))
    return eval(py.replace(":", "."), {"nn": nn})  # our fixture's own ctor strings


def _tbl(v):
    if isinstance(v, dict):
        return [_tbl(x) for x in v.to_list()]
    return v


def _assert_close(a, b):
    if isinstance(b, list):
        assert isinstance(a, list) and len(a) == len(b)
        for x, y in zip(a, b):
            _assert_close(x, y)
        return
    assert a.shape == b.shape, (a.shape, b.shape)
    torch.testing.assert_close(a.double(), b.double(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("case", _lua_cases(_MINE))
def test_against_lua(case):
    m = lua_ctor(case["ctor"])
    if case.get("train") is False:
        m.evaluate()
    inp, go = _tbl(case["input"]), _tbl(case["gradOutput"])
    out = m.forward(inp)
    gi = m.backward(inp, go)
    if isinstance(m, nn.Dropout) and case.get("train") is not False and m.p > 0:
        # training-mode dropout is random: check the structure Lua recorded, and ours
        scale = 1.0 if not m.v2 else 1 / (1 - m.p)
        lua_noise = case["noise"]
        assert set(torch.unique(lua_noise).tolist()) <= {0.0, scale}
        torch.testing.assert_close(case["output"], case["input"] * lua_noise, rtol=0, atol=0)
        assert set(torch.unique(m.noise).tolist()) <= {0.0, scale}
        _assert_close(out, inp * m.noise)
        _assert_close(gi, go * m.noise)
        return
    _assert_close(out, _tbl(case["output"]))
    _assert_close(gi, _tbl(case["gradInput"]))
