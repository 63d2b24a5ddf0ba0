"""Edges of the Python idiom at run time: wrong calls get our own clear errors, torch's
backward hooks fire on gModules, TorchScript says what replaces it."""

from __future__ import annotations

import pytest
import torch

from pygraphnn import nn
from pygraphnn.errors import GraphError, LuaIdiomError, ModuleInputError, TorchScriptUnsupported


def two_in_two_out() -> nn.gModule:
    a, b = nn.Identity()(), nn.Identity()()
    return nn.gModule([a, b], [nn.CAddTable()([a, nn.Linear(3, 3)(b)]), nn.Tanh()(a)])


def test_gmodule_called_with_too_few_inputs_raises():
    g = two_in_two_out()
    with pytest.raises(GraphError, match=r"takes 2 inputs but was called with no inputs at .*test_runtime_edges"):
        g()
    x = nn.Identity()()
    with pytest.raises(GraphError, match=r"takes 2 inputs but was called with 1 input node at"):
        g([x])
    with pytest.raises(GraphError, match=r"takes 2 inputs, got 1"):
        g(torch.randn(2, 3))
    y = nn.Identity()()
    assert len(nn.gModule([x, y], g([x, y]).split(2))(torch.ones(1, 3), torch.ones(1, 3))) == 2
    one = nn.gModule([x], [nn.Tanh()(x)])
    assert one().module is one  # one input: g() declares a graph input, as nngraph's


@pytest.mark.parametrize("call", [lambda m: m(None), lambda m: m.forward(None)], ids=["torch", "lua"])
def test_none_input_names_the_module_and_the_call_site(call):
    with pytest.raises(ModuleInputError, match=r"nn\.Tanh was called with None at .*test_runtime_edges.py:\d+"):
        call(nn.Tanh())
    with pytest.raises(TypeError):  # still a TypeError for code that catches those
        call(nn.Linear(2, 2))


@pytest.mark.parametrize("make", [two_in_two_out, lambda: nn.Linear(3, 3)], ids=["gModule", "Linear"])
def test_backward_after_a_failed_forward_is_refused(make):
    m = make()
    good = [torch.randn(2, 3), torch.randn(2, 3)] if isinstance(m, nn.gModule) else torch.randn(2, 3)
    bad = [torch.randn(2, 3), torch.randn(2, 5)] if isinstance(m, nn.gModule) else torch.randn(2, 5)
    out = m.forward(good)
    grad = [torch.ones_like(t) for t in out] if isinstance(out, list) else torch.ones_like(out)
    m.backward(good, grad)
    with pytest.raises(RuntimeError):  # a shape mismatch (GraphRuntimeError for the gModule)
        m.forward(bad)
    with pytest.raises(LuaIdiomError, match="backward called after a forward that failed"):
        m.backward(bad, grad)
    m.forward(good)  # a good forward makes backward work again
    assert m.backward(good, grad) is not None


def test_criterion_backward_after_a_failed_forward_is_refused():
    crit = nn.MSECriterion()
    x, t = torch.randn(3, 2), torch.randn(3, 2)
    crit.forward(x, t)
    crit.backward(x, t)
    with pytest.raises(RuntimeError):  # input and target sizes differ
        crit.forward(x, torch.randn(4, 7))
    with pytest.raises(LuaIdiomError, match="failed"):
        crit.backward(x, t)


@pytest.mark.parametrize("as_list", [False, True], ids=["g(x, y)", "g([x, y])"])
def test_full_backward_hooks_fire_on_gmodules(as_list):
    torch.manual_seed(0)
    g = two_in_two_out().double()
    seen = []
    g.register_full_backward_pre_hook(lambda m, go: seen.append(("pre", len(go))))
    g.register_full_backward_hook(lambda m, gi, go: seen.append(("post", [t.clone() for t in gi])))
    x = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    y = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    out = g([x, y]) if as_list else g(x, y)
    assert isinstance(out, list) and len(out) == 2  # the output stays a Lua table
    (out[0].sum() + 2 * out[1].sum()).backward()
    assert seen[0] == ("pre", 2)
    grad_x, grad_y = seen[1][1]
    torch.testing.assert_close(grad_x, x.grad)  # the hook gets the real input gradients
    torch.testing.assert_close(grad_y, y.grad)


def test_torch_jit_script_says_what_replaces_it():
    with pytest.raises(TorchScriptUnsupported, match=r"torch\.compile.*torch\.export"):
        torch.jit.script(two_in_two_out())
    with pytest.raises(TorchScriptUnsupported, match=r"nn\.Linear"):
        torch.jit.script(nn.Linear(2, 2))
