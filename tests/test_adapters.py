"""nngraph's adapters pass the shared module contract too."""

import torch
from contract import check_module

import pygraphnn as ng
from pygraphnn import nn


def test_just_table_and_just_element():
    a, b = torch.randn(3), torch.randn(2, 3)
    check_module(nn.JustTable(), [a, b], lambda x, m: [x[0] * 1, x[1] * 1])
    check_module(nn.JustElement(), [b], lambda x, m: x[0] * 1)


def test_module_from_criterion_gives_a_one_element_loss_and_no_target_gradient():
    pred, target = torch.randn(4, 3), torch.randn(4, 3)
    check_module(
        nn.ModuleFromCriterion(nn.MSECriterion()),
        [pred, target],
        lambda x, m: ((x[0] - x[1].detach()) ** 2).mean().reshape(1),
        gradcheck=False,
    )
    m = nn.ModuleFromCriterion(nn.MSECriterion()).double()
    t64 = target.double()
    assert torch.autograd.gradcheck(lambda p: m([p, t64]), (pred.double().requires_grad_(),))
    gi = (
        m.forward([pred.double(), target.double()]),
        m.backward([pred.double(), target.double()], torch.ones(1, dtype=torch.double)),
    )[1]
    assert not gi[1].any()  # Lua: the target gets a zero gradient


def test_criterion_called_on_nodes_declares_module_from_criterion():
    pred, target = nn.Identity()(), nn.Identity()()
    loss = nn.ClassNLLCriterion()([nn.LogSoftMax()(pred), target])
    assert isinstance(loss.module, ng.ModuleFromCriterion)
    g = nn.gModule([pred, target], [loss])
    x, t = torch.randn(5, 4), torch.tensor([1, 2, 3, 4, 1])  # 1-based classes
    expected = torch.nn.functional.nll_loss(torch.log_softmax(x, 1), t - 1).reshape(1)
    torch.testing.assert_close(g(x, t), expected)
