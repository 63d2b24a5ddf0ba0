"""``ng.to_torch`` on the misc zoo: activations, Bilinear, Lua's Dropout variants and the
table modules become plain ``torch.nn`` modules (or small generated GraphModules) whose
output equals ours in double, and a Sequential of them goes through ``torch.export``.

Our modules are the truth here: each is checked against real-Lua recordings in
tests/test_nn_zoo2_misc.py, so equal output means Lua's output.
"""

from __future__ import annotations

import pytest
import torch

import pygraphnn as ng
from pygraphnn import nn
from pygraphnn.convert import GraphModule, convert


def _x(*shape, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(*shape, generator=g, dtype=torch.float64) * 3
    x.view(-1)[:4] = torch.tensor([0.0, 0.5, -0.5, 20.0], dtype=torch.float64)  # kinks, shrink edges
    return x


def _prelu(n):
    m = nn.PReLU(n).double()
    with torch.no_grad():
        m.weight.copy_(torch.linspace(-0.5, 0.7, max(n, 1), dtype=torch.float64))
    return m


# (our module, plain class it must become, input)
POINTWISE = [
    (lambda: nn.LeakyReLU(0.2), torch.nn.LeakyReLU),
    (lambda: nn.LeakyReLU(), torch.nn.LeakyReLU),
    (lambda: nn.ELU(0.7), torch.nn.ELU),
    (lambda: _prelu(0), torch.nn.PReLU),
    (lambda: _prelu(3), torch.nn.PReLU),
    (lambda: nn.SoftPlus(), torch.nn.Softplus),
    (lambda: nn.SoftPlus(3), torch.nn.Softplus),
    (lambda: nn.SoftSign(), torch.nn.Softsign),
    (lambda: nn.SoftShrink(0.5), torch.nn.Softshrink),
    (lambda: nn.HardShrink(0.5), torch.nn.Hardshrink),
    (lambda: nn.Threshold(0.5, -2), torch.nn.Threshold),
    (lambda: nn.Clamp(-0.5, 2), torch.nn.Hardtanh),
    (lambda: nn.HardTanh(-2, 1), torch.nn.Hardtanh),
    (lambda: nn.LogSigmoid(), torch.nn.LogSigmoid),
    (lambda: nn.ReLU6(), torch.nn.ReLU6),
    (lambda: nn.TanhShrink(), torch.nn.Tanhshrink),
    (lambda: nn.SoftMin(), torch.nn.Softmin),
    (lambda: nn.GatedLinearUnit(), torch.nn.GLU),
    (lambda: nn.GatedLinearUnit(2), torch.nn.GLU),
    (lambda: nn.CReLU(3), GraphModule),
]


@pytest.mark.parametrize("make,plain_cls", POINTWISE, ids=[f"{i}-{c.__name__}" for i, (_, c) in enumerate(POINTWISE)])
@pytest.mark.parametrize("shape", [(4, 6), (2, 4, 4, 6)])
def test_pointwise_equal_after_conversion(make, plain_cls, shape):
    m = make().double()
    if isinstance(m, nn.CReLU):
        m = nn.CReLU(len(shape) - 1)
    if isinstance(m, nn.PReLU) and m.nOutputPlane:
        shape = (shape[0], 3) + shape[2:]
    x = _x(*shape)
    plain, kept = convert(m)
    assert kept == [] and type(plain) is plain_cls
    assert not any(type(c).__module__.startswith("pygraphnn.nn") for c in plain.modules())
    torch.testing.assert_close(plain(x), m(x), atol=1e-12, rtol=0)


def test_softplus_threshold_is_lua_s():
    """Lua's SoftPlus switches to x where beta*x > 20; torch's Softplus too, and the
    converted one carries the module's threshold."""
    m = nn.SoftPlus(2).double()
    p = ng.to_torch(m)
    assert p.threshold == 20 == torch.nn.Softplus().threshold and p.beta == 2
    x = torch.tensor([9.99, 10.0, 10.01, 30.0], dtype=torch.float64)
    torch.testing.assert_close(p(x), m(x), atol=0, rtol=0)
    assert p(x)[2] == x[2]  # linear beyond the threshold, as Lua


def test_glu_dim_is_lua_s_one_based_dim():
    m = nn.GatedLinearUnit(1).double()
    p = ng.to_torch(m)
    assert p.dim == 0
    x = _x(4, 3)
    torch.testing.assert_close(p(x), m(x), atol=0, rtol=0)


def test_prelu_copies_the_slopes():
    m = _prelu(3)
    p = ng.to_torch(m)
    assert p.weight.data_ptr() != m.weight.data_ptr()
    torch.testing.assert_close(p.weight, m.weight, atol=0, rtol=0)


def test_bilinear_same_weights_and_output():
    torch.manual_seed(0)
    for bias in (True, False):
        m = nn.Bilinear(3, 4, 5, bias).double()
        plain, kept = convert(m)
        assert kept == []
        assert type(plain.bilinear) is torch.nn.Bilinear and (plain.bilinear.bias is None) == (not bias)
        a, b = _x(6, 3), _x(6, 4, seed=1)
        torch.testing.assert_close(plain([a, b]), m([a, b]), atol=1e-12, rtol=0)


@pytest.mark.parametrize("p", [0.3, 0.0])
def test_lua_v1_dropout(p):
    """``nn.Dropout(p, true)``: times 1-p in evaluate mode, an unscaled mask in training,
    drawn from the same random stream as ours."""
    m = nn.Dropout(p, True).double()
    plain, kept = convert(m.evaluate())
    assert kept == [] and type(plain) is (GraphModule if p else torch.nn.Identity) and not plain.training
    x = _x(5, 7)
    torch.testing.assert_close(plain(x), m(x), atol=0, rtol=0)
    if p:
        torch.testing.assert_close(plain(x), x * (1 - p), atol=0, rtol=0)
    m.train()
    plain.train()
    torch.manual_seed(3)
    ours = m(x)
    torch.manual_seed(3)
    torch.testing.assert_close(plain(x), ours, atol=0, rtol=0)
    y = plain(x)
    assert ((y == 0) | (y == x)).all() and (y == 0).any()  # unscaled kept elements


def test_dropout_variants():
    assert type(ng.to_torch(nn.Dropout(0.4))) is torch.nn.Dropout
    m = nn.Dropout(0.4, stochasticInference=True).evaluate()
    plain = ng.to_torch(m)
    x = _x(50, 40)
    torch.manual_seed(1)
    ours = m(x)
    torch.manual_seed(1)
    torch.testing.assert_close(plain(x), ours, atol=0, rtol=0)  # drops in evaluate mode too
    assert (ours == 0).any()


TABLES = [
    (lambda: nn.SelectTable(2), lambda x: [x, 2 * x, 3 * x]),
    (lambda: nn.SelectTable(-1), lambda x: [x, 2 * x, 3 * x]),
    (lambda: nn.NarrowTable(2, 2), lambda x: [x, 2 * x, 3 * x]),
    (lambda: nn.JoinTable(2), lambda x: [x, 2 * x]),
    (lambda: nn.JoinTable(-1), lambda x: [x, 2 * x]),
    (lambda: nn.JoinTable(1, 2), lambda x: [x, 2 * x]),  # a batch of 2-D samples: joins dim 2
    (lambda: nn.SplitTable(2), lambda x: x),
    (lambda: nn.SplitTable(1, 2), lambda x: x),  # batch rule: splits dim 2
    (lambda: nn.SplitTable(-2), lambda x: x),
]


@pytest.mark.parametrize("make,inp", TABLES)
def test_table_modules_equal_after_conversion(make, inp):
    m = make()
    x = inp(_x(2, 3, 4))
    plain, kept = convert(m)
    assert kept == [] and type(plain) is GraphModule
    out, ref = plain(x), m(x)
    if isinstance(ref, torch.Tensor):
        ref, out = [ref], [out]
    assert len(out) == len(ref)
    for o, r in zip(out, ref):
        torch.testing.assert_close(o, r, atol=0, rtol=0)


def test_batch_rule_follows_the_input():
    """``SplitTable(1, 2)`` splits dim 1 of a single 2-D sample and dim 2 of a batch, as Lua."""
    m = nn.SplitTable(1, 2)
    plain = ng.to_torch(m)
    for x in (_x(3, 4), _x(2, 3, 4)):
        assert len(plain(x)) == len(m(x)) == 3


def test_still_kept_and_named():
    """Modules with no exact plain counterpart stay ours, listed in the warning."""
    torch.manual_seed(0)
    net = nn.Sequential().add(nn.Cosine(4, 3)).add(nn.RReLU()).add(nn.Dropout(0.1, True)).double()
    with pytest.warns(UserWarning, match=r"kept 2 pygraphnn module\(s\).*Cosine.*RReLU"):
        plain = ng.to_torch(net)
    x = _x(5, 4)
    torch.testing.assert_close(plain.eval()(x), net.evaluate()(x), atol=1e-12, rtol=0)


def test_export_a_sequential_of_them():
    torch.manual_seed(0)
    net = (
        nn.Sequential()
        .add(nn.Linear(6, 8))
        .add(nn.PReLU(8))
        .add(nn.LeakyReLU(0.1))
        .add(nn.ELU())
        .add(nn.SoftPlus(2))
        .add(nn.SoftShrink(0.1))
        .add(nn.HardShrink(0.05))
        .add(nn.Threshold(0.01, -1))
        .add(nn.Clamp(-0.8, 3))
        .add(nn.SoftSign())
        .add(nn.TanhShrink())
        .add(nn.ReLU6())
        .add(nn.CReLU(1))
        .add(nn.GatedLinearUnit(2))
        .add(nn.LogSigmoid())
        .add(nn.SoftMin())
        .add(nn.Dropout(0.25, True))
        .add(nn.ConcatTable().add(nn.Identity()).add(nn.MulConstant(2)))
        .add(nn.JoinTable(2))
        .add(nn.SplitTable(1, 1))
        .add(nn.NarrowTable(2, 5))
        .add(nn.SelectTable(-1))
        .double()
        .evaluate()
    )
    plain, kept = convert(net)
    assert kept == []
    x = _x(4, 6)
    with torch.no_grad():
        ref = net(x)
        torch.testing.assert_close(plain(x), ref, atol=1e-12, rtol=0)
        exported = torch.export.export(plain, (x,))
        torch.testing.assert_close(exported.module()(x), ref, atol=1e-12, rtol=0)
    a, b = _x(3, 2), _x(3, 5, seed=1)
    bil = nn.Sequential().add(nn.Bilinear(2, 5, 4)).add(nn.Tanh()).double()
    exported = torch.export.export(ng.to_torch(bil), ([a, b],))
    with torch.no_grad():
        torch.testing.assert_close(exported.module()([a, b]), bil([a, b]), atol=1e-12, rtol=0)
