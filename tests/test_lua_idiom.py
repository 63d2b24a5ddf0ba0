"""The Lua idiom (forward/backward/getParameters/...) agrees with autograd."""

import pytest
import torch

import pygraphnn as ng
from pygraphnn import nn


def mlp():
    torch.manual_seed(3)
    x = nn.Identity()()
    h = x - nn.Linear(6, 5) - nn.Tanh() - nn.Linear(5, 2)
    return nn.gModule([x], [h]).double()


def test_forward_backward_match_autograd_and_accumulate():
    g = mlp()
    x = torch.randn(4, 6, dtype=torch.double)
    go = torch.randn(4, 2, dtype=torch.double)
    g.zeroGradParameters()
    out = g.forward(x)
    assert out is g.output and not out.requires_grad
    gi = g.backward(x, go)
    assert gi is g.gradInput
    xr = x.clone().requires_grad_(True)
    ref = g(xr)
    torch.testing.assert_close(out, ref.detach())
    grads = torch.autograd.grad(ref, [xr, *g.parameters()], go)
    torch.testing.assert_close(gi, grads[0])
    for p, gr in zip(g.parameters(), grads[1:]):
        torch.testing.assert_close(p.grad, gr)
    g.backward(x, go, 0.5)  # accumulates, scaled
    for p, gr in zip(g.parameters(), grads[1:]):
        torch.testing.assert_close(p.grad, 1.5 * gr)


def test_update_grad_input_and_acc_grad_parameters_separately():
    g = mlp()
    x = torch.randn(3, 6, dtype=torch.double)
    go = torch.randn(3, 2, dtype=torch.double)
    g.zeroGradParameters()
    g.forward(x)
    gi = g.updateGradInput(x, go)
    assert all(not p.grad.any() for p in g.parameters())
    g.accGradParameters(x, go, 2.0)
    xr = x.clone().requires_grad_(True)
    grads = torch.autograd.grad(g(xr), [xr, *g.parameters()], go)
    torch.testing.assert_close(gi, grads[0])
    for p, gr in zip(g.parameters(), grads[1:]):
        torch.testing.assert_close(p.grad, 2 * gr)


def test_get_parameters_gives_flat_views_like_lua():
    g = mlp()
    params, grads = g.getParameters()
    assert params.numel() == 6 * 5 + 5 + 5 * 2 + 2 == grads.numel()
    # parameters are views: writing the flat tensor changes the modules
    params.fill_(0.25)
    assert torch.all(g.linear.weight == 0.25) and torch.all(g.linear_2.bias == 0.25)
    g.zeroGradParameters()
    x = torch.randn(2, 6, dtype=torch.double)
    g.forward(x)
    g.backward(x, torch.ones(2, 2, dtype=torch.double))
    assert grads.abs().sum() > 0
    torch.testing.assert_close(grads[:30].view(5, 6), g.linear.weight.grad)
    # autograd's accumulation also lands in the flat gradient
    g.zeroGradParameters()
    g(x).sum().backward()
    assert grads.data_ptr() == g.linear.weight.grad.data_ptr()
    assert grads.abs().sum() > 0
    before = params.clone()
    g.updateParameters(0.1)
    torch.testing.assert_close(params, before - 0.1 * grads)


def test_lua_parameters_and_evaluate():
    g = mlp()
    ps, gs = g.luaParameters()
    assert len(ps) == len(gs) == 4 and all(gr.shape == p.shape for p, gr in zip(ps, gs))
    assert g.evaluate() is g and not g.training


def test_backward_without_forward_is_a_clear_error():
    g = mlp()
    with pytest.raises(ng.LuaIdiomError, match="backward called without a recorded forward"):
        g.backward(torch.zeros(1, 6), torch.zeros(1, 2))
    with torch.no_grad():
        g.forward(torch.zeros(1, 6, dtype=torch.double))
    with pytest.raises(ng.LuaIdiomError, match=r"torch.no_grad"):
        g.backward(torch.zeros(1, 6), torch.zeros(1, 2))


def test_gradoutput_structure_is_checked():
    g = mlp()
    g.forward(torch.zeros(1, 6, dtype=torch.double))
    with pytest.raises(ng.LuaIdiomError, match=r"gradOutput of shape \(1, 3\) for an output of shape \(1, 2\)"):
        g.backward(torch.zeros(1, 6), torch.zeros(1, 3, dtype=torch.double))


def test_clone_shares_named_parameters_like_lua():
    lin = nn.Linear(3, 3)
    twin = lin.clone("weight", "bias", "gradWeight", "gradBias")
    assert twin.weight is lin.weight and twin.bias is lin.bias
    other = lin.clone()
    assert other.weight is not lin.weight
    torch.testing.assert_close(other.weight, lin.weight)


def test_multi_input_forward_takes_a_table():
    a, b = nn.Identity()(), nn.Identity()()
    g = nn.gModule([a, b], [nn.CAddTable()([nn.Tanh()(a), b])])
    x, y = torch.randn(3), torch.randn(3)
    out = g.forward([x, y])
    gi = g.backward([x, y], torch.ones(3))
    assert isinstance(gi, list) and len(gi) == 2
    torch.testing.assert_close(gi[0], 1 - torch.tanh(x) ** 2)
    torch.testing.assert_close(gi[1], torch.ones(3))
    torch.testing.assert_close(out, torch.tanh(x) + y)


def test_calling_forward_with_nodes_explains_itself():
    x = nn.Identity()()
    with pytest.raises(ng.GraphError, match=r"call the module itself to declare a node"):
        nn.Tanh().forward(x)
