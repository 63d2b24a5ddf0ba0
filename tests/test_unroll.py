"""pygraphnn.unroll: clones sharing parameters, truncated-BPTT helpers, Unroll."""

from __future__ import annotations

import math

import pytest
import torch

import pygraphnn as ng
from models.cells import lstm
from pygraphnn import nn


def small_net(p: float = 0.0) -> nn.gModule:
    x = nn.Identity()()
    h = nn.Tanh()(nn.Linear(4, 6)(nn.Dropout(p)(x)))
    return nn.gModule([x], [nn.Linear(6, 3)(h)])


def test_clones_share_parameter_storage():
    net = small_net().double()
    clones = ng.clone_many_times(net, 5)
    assert len(clones) == 5 and all(c is not net for c in clones)
    for c in clones:
        for p, q in zip(net.parameters(), c.parameters()):
            assert p is q and p.untyped_storage().data_ptr() == q.untyped_storage().data_ptr()
    with torch.no_grad():
        next(net.parameters()).add_(1.0)  # visible from every clone
    assert all(torch.equal(next(c.parameters()), next(net.parameters())) for c in clones)


def test_clone_many_times_rejects_bad_counts():
    for bad in (0, -1, 2.0, True):
        with pytest.raises(ng.GraphError):
            ng.clone_many_times(small_net(), bad)
    assert ng.g_cloneManyTimes is ng.clone_many_times


def test_get_parameters_before_cloning_stays_valid():
    net = small_net().double()
    flat, grad = net.getParameters()
    clones = ng.clone_many_times(net, 3)
    flat.fill_(0.5)
    assert all(torch.all(p == 0.5) for c in clones for p in c.parameters())
    x = torch.randn(2, 4, dtype=torch.float64)
    grad.zero_()
    for c in clones:
        c.forward(x)
        c.backward(x, torch.ones(2, 3, dtype=torch.float64))
    # three backward passes accumulated into the one flat gradient
    one = small_net().double()
    one.getParameters()[0].fill_(0.5)
    one.zeroGradParameters()
    one.forward(x)
    one.backward(x, torch.ones(2, 3, dtype=torch.float64))
    assert torch.allclose(grad, 3 * one.getParameters()[1])


def test_get_parameters_after_cloning():
    net = small_net().double()
    clones = ng.clone_many_times(net, 3)
    flat, grad = net.getParameters()  # re-homes the shared Parameter objects
    flat.fill_(-0.25)
    assert all(torch.all(p == -0.25) for c in clones for p in c.parameters())
    x = torch.randn(2, 4, dtype=torch.float64)
    grad.zero_()
    clones[1].forward(x)
    clones[1].backward(x, torch.ones(2, 3, dtype=torch.float64))
    assert grad.abs().sum() > 0
    assert all(p.grad.untyped_storage().data_ptr() == grad.untyped_storage().data_ptr() for p in clones[2].parameters())


def test_dropout_masks_differ_per_clone_and_train_eval_per_clone():
    x = nn.Identity()()
    net = nn.gModule([x], [nn.Tanh()(nn.Dropout(0.5)(x))]).double()
    clones = ng.clone_many_times(net, 4)
    ones = torch.ones(8, 4, dtype=torch.float64)
    torch.manual_seed(0)
    masks = [(c.forward(ones) != 0) for c in clones]  # tanh(0) = 0: dropped entries
    assert all(not torch.equal(masks[0], m) for m in masks[1:])
    # backward T..1: each clone back-propagates through its own mask
    for c, m in reversed(list(zip(clones, masks))):
        g = c.backward(ones, torch.ones(8, 4, dtype=torch.float64))
        assert torch.equal(g != 0, m)
    ng.set_training(clones, False)
    assert all(not m.training for c in clones for m in c.modules())
    assert net.training  # the prototype is not touched
    evals = [c.forward(ones) for c in clones]
    assert all(torch.equal(evals[0], e) for e in evals[1:]) and torch.all(evals[0] != 0)
    ng.set_training(clones, True)
    assert all(m.training for c in clones for m in c.modules())


def test_clip_gradient_norm_is_the_shrink_factor():
    g = torch.tensor([3.0, 4.0], dtype=torch.float64)
    assert ng.clip_gradient_norm(g, 10.0) == 5.0 and torch.equal(g, torch.tensor([3.0, 4.0], dtype=torch.float64))
    assert ng.clip_gradient_norm(g, 1.0) == 5.0
    assert torch.allclose(g, torch.tensor([0.6, 0.8], dtype=torch.float64))
    bad = torch.tensor([math.inf, 1.0])
    assert math.isinf(ng.clip_gradient_norm(bad, 1.0))  # left alone, reported


def test_detach_state():
    a = torch.ones(2, requires_grad=True) * 2
    s = ng.detach_state([a, [a, a]])
    assert not s[0].requires_grad and not s[1][1].requires_grad and torch.equal(s[1][0], a.detach())


def _lstm_step_net(H: int = 5):
    """{x, c, h} -> {next_c, next_h}, x already an embedding: the LSTM cell of models.cells."""
    return lstm(3, H).double()


def test_unroll_matches_clones_forward_and_gradients():
    T, B, H = 4, 2, 5
    torch.manual_seed(1)
    cell = _lstm_step_net(H)
    _flat, grad = cell.getParameters()
    xs = [torch.randn(B, 3, dtype=torch.float64) for _ in range(T)]
    c0, h0 = torch.randn(B, H, dtype=torch.float64), torch.randn(B, H, dtype=torch.float64)
    gh = [torch.randn(B, H, dtype=torch.float64) for _ in range(T)]  # dLoss/dh_t

    # PyTorch idiom: Unroll; the cell maps [x, c, h] -> [next_c, next_h] (state first: n_state=2)
    unroll = ng.Unroll(cell, T, n_step_inputs=1, n_state=2)
    outs, (cT, hT) = unroll(xs, [c0, h0])
    assert len(outs) == T
    loss = sum((o[1] * g).sum() for o, g in zip(outs, gh))
    grad.zero_()
    loss.backward()
    autograd_grad = grad.clone()

    # Lua idiom: clones, forward 1..T, backward T..1
    clones = ng.clone_many_times(cell, T)
    s = [[c0, h0]]
    for t in range(T):
        s.append(list(clones[t].forward([xs[t], *s[t]])))
    assert torch.allclose(s[T][1], hT) and torch.allclose(s[T][0], cT)
    grad.zero_()
    dc, dh = torch.zeros(B, H, dtype=torch.float64), torch.zeros(B, H, dtype=torch.float64)
    for t in reversed(range(T)):
        gi = clones[t].backward([xs[t], *s[t]], [dc, dh + gh[t]])
        dc, dh = gi[1], gi[2]
    assert torch.allclose(grad, autograd_grad, atol=1e-12)


def test_unroll_checks_the_number_of_steps():
    unroll = ng.Unroll(_lstm_step_net(), 3, n_state=2)
    with pytest.raises(ng.GraphError):
        unroll([torch.zeros(1, 3, dtype=torch.float64)] * 2, [torch.zeros(1, 5, dtype=torch.float64)] * 2)
