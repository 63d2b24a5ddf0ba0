"""Criterions: Lua fixtures (sizeAverage true/false, weights, 1-based targets, ignoreIndex),
the values and gradients against plain torch, the Lua idiom, and use in a graph."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import pytest
import torch
import torch.nn.functional as F
from contract import check_module
from test_nn_shape import assert_same, lua_cases, lua_ctor

import pygraphnn
import pygraphnn.nn as nn


@pytest.mark.parametrize(
    "case",
    lua_cases(
        ["ClassNLLCriterion", "CrossEntropyCriterion", "MSECriterion", "BCECriterion", "AbsCriterion"], kind="criterion"
    ),
)
def test_lua_fixture(case):
    crit = lua_ctor(case["ctor"]).double()
    assert crit.sizeAverage == case["sizeAverage"]
    loss = crit.forward(case["input"], case["target"])
    assert isinstance(loss, float)
    assert abs(loss - case["output"]) <= 1e-10, (loss, case["output"])
    gi = crit.backward(case["input"], case["target"])
    assert_same(gi, case["gradInput"], what="gradInput")


@pytest.mark.parametrize("case", lua_cases(["MSECriterion", "BCECriterion", "AbsCriterion"], kind="criterion"))
def test_size_average_is_a_settable_attribute(case):
    """Flipping ``sizeAverage`` after construction takes effect at the next forward, as in Lua."""
    crit = lua_ctor(case["ctor"]).double()
    x, t, n = case["input"], case["target"], case["input"].numel()
    crit.sizeAverage = not case["sizeAverage"]
    flipped = crit.forward(x, t)
    gflipped = crit.backward(x, t)
    scale = n if case["sizeAverage"] else 1 / n  # sum = mean * n
    assert abs(flipped - case["output"] * scale) <= 1e-9
    torch.testing.assert_close(gflipped, case["gradInput"] * scale, atol=1e-9, rtol=0)
    crit.sizeAverage = case["sizeAverage"]
    assert abs(crit.forward(x, t) - case["output"]) <= 1e-10


def test_size_average_attribute_class_nll_and_cross_entropy():
    x = torch.log_softmax(_r(4, 5), 1)
    for crit in (nn.ClassNLLCriterion(W), nn.CrossEntropyCriterion(W)):
        mean = crit.forward(x, T)
        crit.sizeAverage = False
        total = crit.forward(x, T)
        assert abs(total - mean * float(W[T - 1].sum())) <= 1e-10


# ----------------------------------------------------------- against plain torch


def _r(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def _u(*shape, seed=0):
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 0.9 + 0.05


W = torch.tensor([1, 2, 0.5, 1, 3], dtype=torch.float64)
T = torch.tensor([2, 5, 1, 2])  # 1-based, as in Lua


class _Loss(pygraphnn.Module):
    """A criterion with its target bound, so the module contract can run on it."""

    def __init__(self, crit, target):
        super().__init__()
        self.crit, self.target = crit, target

    def forward(self, x):
        return self.crit(x, self.target)


@pytest.mark.parametrize(
    "crit, x, target, ref",
    [
        (nn.ClassNLLCriterion(), _r(4, 5), T, lambda x, t: F.nll_loss(x, t - 1)),
        (nn.ClassNLLCriterion(None, False), _r(4, 5), T, lambda x, t: F.nll_loss(x, t - 1, reduction="sum")),
        (nn.ClassNLLCriterion(W), _r(4, 5), T, lambda x, t: F.nll_loss(x, t - 1, weight=W)),
        (nn.ClassNLLCriterion(W, False), _r(4, 5), T, lambda x, t: F.nll_loss(x, t - 1, weight=W, reduction="sum")),
        (nn.ClassNLLCriterion(None, True, 2), _r(4, 5), T, lambda x, t: F.nll_loss(x, t - 1, ignore_index=1)),
        (nn.ClassNLLCriterion(W, True, 5), _r(4, 5), T, lambda x, t: F.nll_loss(x, t - 1, weight=W, ignore_index=4)),
        (nn.ClassNLLCriterion(), _r(5), 3, lambda x, t: -x[2]),
        (nn.ClassNLLCriterion(W, False), _r(5), 5, lambda x, t: -3 * x[4]),
        (nn.ClassNLLCriterion(), _r(4, 5), T.double(), lambda x, t: F.nll_loss(x, t.long() - 1)),
        (nn.CrossEntropyCriterion(), _r(4, 5), T, lambda x, t: F.cross_entropy(x, t - 1)),
        (
            nn.CrossEntropyCriterion(W, False),
            _r(4, 5),
            T,
            lambda x, t: F.cross_entropy(x, t - 1, weight=W, reduction="sum"),
        ),
        (nn.CrossEntropyCriterion(), _r(5), 2, lambda x, t: -torch.log_softmax(x, 0)[1]),
        (nn.CrossEntropyCriterion(), _r(1, 5), torch.tensor([4]), lambda x, t: -torch.log_softmax(x[0], 0)[3]),
        (nn.MSECriterion(), _r(3, 5), _r(3, 5, seed=1), lambda x, t: F.mse_loss(x, t)),
        (nn.MSECriterion(False), _r(3, 5), _r(3, 5, seed=1), lambda x, t: F.mse_loss(x, t, reduction="sum")),
        (nn.MSECriterion(), _r(5), _r(5, seed=1), lambda x, t: F.mse_loss(x, t)),
        (nn.AbsCriterion(), _r(3, 5), _r(3, 5, seed=1), lambda x, t: F.l1_loss(x, t)),
        (nn.AbsCriterion(False), _r(5), _r(5, seed=1), lambda x, t: F.l1_loss(x, t, reduction="sum")),
        (nn.BCECriterion(), _u(3, 5), _u(3, 5, seed=1).round(), lambda x, t: F.binary_cross_entropy(x, t)),
        (
            nn.BCECriterion(None, False),
            _u(3, 5),
            _u(3, 5, seed=1),
            lambda x, t: F.binary_cross_entropy(x, t, reduction="sum"),
        ),
        (
            nn.BCECriterion(W),
            _u(3, 5),
            _u(3, 5, seed=1).round(),
            lambda x, t: F.binary_cross_entropy(x, t, weight=W.expand(3, 5)),
        ),
        (
            nn.BCECriterion(W, False),
            _u(5),
            _u(5, seed=1),
            lambda x, t: F.binary_cross_entropy(x, t, weight=W, reduction="sum"),
        ),
    ],
    ids=lambda v: v.lua_label() if isinstance(v, torch.nn.Module) else "",
)
def test_against_torch(crit, x, target, ref):
    # BCE: Lua adds eps = 1e-12 inside the logs, torch clamps them; identical to ~1e-11 here
    atol = 1e-9 if isinstance(crit, nn.BCECriterion) else 1e-10
    check_module(_Loss(crit, target), x, lambda x, m: ref(x, target), atol=atol)
    # the Lua idiom: a number, and the gradient of that number
    loss = crit.forward(x.clone(), target)
    assert isinstance(loss, float)
    assert abs(loss - float(ref(x, target))) <= atol
    xr = x.clone().requires_grad_()
    torch.testing.assert_close(
        crit.backward(x.clone(), target), torch.autograd.grad(ref(xr, target), xr)[0], atol=atol, rtol=0
    )


def test_class_nll_edge_cases():
    x = _r(3, 5)
    # every target ignored: the loss is 0 (no division by a zero total weight) and so is the gradient
    c = nn.ClassNLLCriterion(None, True, 2)
    assert c.forward(x, torch.tensor([2, 2, 2])) == 0.0
    assert torch.equal(c.backward(x, torch.tensor([2, 2, 2])), torch.zeros(3, 5, dtype=torch.float64))
    with pytest.raises(ValueError):
        nn.ClassNLLCriterion()(x, torch.tensor([1.5, 2, 3]))
    with pytest.raises(ValueError):
        nn.ClassNLLCriterion()(x, torch.tensor([1, 2]))
    with pytest.raises(ValueError):
        nn.ClassNLLCriterion(torch.ones(2, 2))
    with pytest.raises(IndexError, match=r"targets \[6\] out of range for 5 classes"):
        nn.ClassNLLCriterion()(x, torch.tensor([1, 2, 6]))  # class 6 of 5
    assert nn.ClassNLLCriterion().ignoreIndex == -100


def test_abs_gradient_at_zero_is_one_like_thnn():
    x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    c = nn.AbsCriterion(False)
    c.forward(x, x.clone())
    assert torch.equal(c.backward(x, x.clone()), torch.ones(3, dtype=torch.float64))


def test_weights_follow_dtype():
    c = nn.ClassNLLCriterion(torch.tensor([1.0, 2.0]))
    assert c.weights.dtype == torch.float32
    assert c.double().weights.dtype == torch.float64
    assert "weights" in dict(c.named_buffers())
    assert nn.ClassNLLCriterion().weights is None


def test_criterion_in_a_graph():
    torch.manual_seed(0)
    x, t = nn.Identity()(), nn.Identity()()
    logp = nn.LogSoftMax()(nn.Linear(4, 3)(x)) if hasattr(nn, "LogSoftMax") else nn.Linear(4, 3)(x)
    loss = nn.ClassNLLCriterion()([logp, t])
    g = nn.gModule([x, t], [loss])
    xs, ts = torch.randn(5, 4), torch.tensor([1, 3, 2, 3, 1])
    out = g(xs, ts)
    assert out.shape == (1,)
    lin = [m for m in g.modules() if isinstance(m, nn.Linear)][0]
    pred = lin(xs)
    if hasattr(nn, "LogSoftMax"):
        pred = torch.log_softmax(pred, 1)
    torch.testing.assert_close(out[0], F.nll_loss(pred, ts - 1))
