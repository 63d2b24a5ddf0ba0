"""Lua's buffer semantics for the Lua idiom (pygraphnn.buffers): outputs and gradInputs refilled in
place, and a backward that reads its input as it is at backward time.

The truths are Lua nn's formulas (nn/Linear.lua: gradWeight += gradOutput^T * input, read at
backward; nn/Sigmoid.lua: gradInput = gradOutput * output * (1 - output), from the output of the
forward; nn/CMulTable.lua: gradInput[i] = gradOutput * input[j]), written out with plain torch.
The whole-program truth is real Lua's char-rnn run (tests/test_charrnn_program.py).
"""

import pytest
import torch

import pygraphnn as ng
from pygraphnn import nn


@pytest.fixture
def lua_mode():
    with ng.lua_buffers():
        yield


def test_off_by_default_each_forward_returns_a_new_tensor():
    assert not ng.lua_buffers_enabled()
    m = nn.Tanh()
    a = m.forward(torch.zeros(3))
    b = m.forward(torch.ones(3))
    assert a is not b and a.abs().sum() == 0


def test_output_is_one_buffer_refilled_in_place(lua_mode):
    m = nn.Linear(3, 2).double()
    x1, x2 = torch.randn(4, 3, dtype=torch.double), torch.randn(4, 3, dtype=torch.double)
    a = m.forward(x1)
    kept = a.clone()
    b = m.forward(x2)
    assert a is b is m.output
    torch.testing.assert_close(a, m(x2).detach())
    assert not torch.equal(a, kept)
    c = m.forward(torch.randn(7, 3, dtype=torch.double))  # another size: resized, as Lua's resizeAs
    assert c is a and c.shape == (7, 2)


def test_dtype_change_gives_a_new_buffer_and_the_switch_restores(lua_mode):
    m = nn.Tanh()
    a = m.forward(torch.zeros(2, dtype=torch.double))
    b = m.forward(torch.zeros(2, dtype=torch.float32))
    assert b is not a and b.dtype == torch.float32
    with ng.lua_buffers(False):
        assert not ng.lua_buffers_enabled()
    assert ng.lua_buffers_enabled()


def test_identity_returns_its_input_itself(lua_mode):
    x = torch.randn(3, dtype=torch.double)
    out = nn.Identity().forward(x)
    x.add_(1)  # Lua's Identity output *is* the input: a later write shows through
    torch.testing.assert_close(out, x)
    y = nn.View(3, 1).forward(x)
    assert y.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()


def test_grad_input_is_one_buffer_refilled(lua_mode):
    m = nn.Linear(3, 2).double()
    x = torch.randn(4, 3, dtype=torch.double)
    m.forward(x)
    g1 = m.backward(x, torch.ones(4, 2, dtype=torch.double))
    m.forward(x)
    g2 = m.backward(x, torch.full((4, 2), 2.0, dtype=torch.double))
    assert g1 is g2 is m.gradInput
    torch.testing.assert_close(g2, torch.full((4, 2), 2.0, dtype=torch.double) @ m.weight.detach())


def test_linear_backward_reads_the_input_as_it_is_at_backward(lua_mode):
    m = nn.Linear(3, 2).double()
    m.zeroGradParameters()
    x = torch.randn(4, 3, dtype=torch.double)
    go = torch.randn(4, 2, dtype=torch.double)
    m.forward(x)
    x.copy_(torch.randn(4, 3, dtype=torch.double))  # the program overwrites the input in place
    gi = m.backward(x, go)
    torch.testing.assert_close(m.weight.grad, go.t() @ x)  # Lua: gradWeight:addmm(gradOutput^T, input)
    torch.testing.assert_close(m.bias.grad, go.sum(0))
    torch.testing.assert_close(gi, go @ m.weight.detach())


def test_sigmoid_backward_uses_its_forward_output_not_the_new_input(lua_mode):
    m = nn.Sigmoid()
    x = torch.randn(5, dtype=torch.double)
    y = torch.sigmoid(x)
    m.forward(x)
    x.fill_(3.0)
    go = torch.randn(5, dtype=torch.double)
    torch.testing.assert_close(m.backward(x, go), go * y * (1 - y))


def test_dropout_keeps_the_noise_drawn_at_forward(lua_mode):
    m = nn.Dropout(0.5).double()
    x = torch.rand(200, dtype=torch.double) + 1
    out = m.forward(x).clone()
    noise = m.noise.clone()
    torch.testing.assert_close(out, x * noise)
    x.mul_(3)
    go = torch.randn(200, dtype=torch.double)
    torch.testing.assert_close(m.backward(x, go), go * noise)


def cell():
    """h' = tanh(W x + U h) * h: a Linear and a CMulTable read the carried state h."""
    x, h = nn.Identity()(), nn.Identity()()
    s = nn.CAddTable()([nn.Linear(3, 4)(x), nn.Linear(4, 4)(h)])
    out = nn.CMulTable()([nn.Tanh()(s), h])
    return nn.gModule([x, h], [out]).double()


def test_state_kept_by_reference_across_clones_reads_the_overwritten_buffer(lua_mode):
    """char-rnn's pattern: the last clone's output, kept by reference, is the first clone's
    state in the next round; the last clone's forward overwrites it before the first clone's
    backward, which then reads the new contents (Lua nn's formulas, written out here)."""
    torch.manual_seed(0)
    proto = cell()
    _params, grads = proto.getParameters()
    c1, c2 = ng.clone_many_times(proto, 2)
    x1, x2 = torch.randn(2, 3, dtype=torch.double), torch.randn(2, 3, dtype=torch.double)
    h0 = torch.randn(2, 4, dtype=torch.double)
    h1 = c1.forward([x1, h0])
    kept = c2.forward([x1, h1])  # round 1: the final state, kept by reference
    old = kept.clone()
    a = c1.forward([x2, kept])
    c2.forward([x2, a])  # overwrites `kept` in place
    assert not torch.equal(kept, old)
    grads.zero_()
    go = torch.randn(2, 4, dtype=torch.double)
    c1.backward([x2, kept], go)
    W, U = (m for m in proto.modules() if isinstance(m, nn.Linear))
    pre = x2 @ W.weight.detach().t() + W.bias.detach() + old @ U.weight.detach().t() + U.bias.detach()
    t = torch.tanh(pre)  # the forward's own values (Tanh's output, CAddTable)
    d_t = go * kept  # CMulTable: gradient of tanh's output times the *current* h
    d_pre = d_t * (1 - t * t)
    torch.testing.assert_close(W.weight.grad, d_pre.t() @ x2)
    torch.testing.assert_close(U.weight.grad, d_pre.t() @ kept)  # Linear reads the current h


def test_the_same_rounds_without_lua_buffers_see_copies():
    torch.manual_seed(0)
    proto = cell()
    c1, c2 = ng.clone_many_times(proto, 2)
    x = torch.randn(2, 3, dtype=torch.double)
    kept = c2.forward([x, torch.randn(2, 4, dtype=torch.double)])
    old = kept.clone()
    c1.forward([x, kept])
    c2.forward([x, torch.randn(2, 4, dtype=torch.double)])
    torch.testing.assert_close(kept, old)


def test_criterion_backward_reads_input_at_backward(lua_mode):
    crit = nn.MSECriterion().double()
    x, y = torch.randn(5, dtype=torch.double), torch.randn(5, dtype=torch.double)
    crit.forward(x, y)
    x.add_(1)
    gi = crit.backward(x, y)
    torch.testing.assert_close(gi, 2 * (x - y) / 5)  # Lua: gradInput = 2/n (input - target)
    assert crit.backward(x, y) is gi


def test_dropout_in_a_graph_draws_torch7s_stream_when_switched_on():
    """Ported programs make Dropout draw Torch7's noise:bernoulli(1 - p): u <= 1 - p per element,
    u = the generator's next 32-bit draw / 2^32 (THRandom.c), so masks are Lua's after manualSeed."""
    from pygraphnn import lua_random

    previous = lua_random.set_module_draws(True)
    try:
        x = nn.Identity()()
        g = nn.gModule([x], [nn.Dropout(0.3)(x)]).double()  # compiled with the switch on: not inlined
        assert "F.dropout" not in g.code
        torch.manual_seed(7)
        out = g.forward(torch.ones(4, 5, dtype=torch.double))
        torch.manual_seed(7)
        u = lua_random._lua_uniform01(20).view(4, 5)
    finally:
        lua_random.set_module_draws(previous)
    torch.testing.assert_close(out, (u <= 0.7).double() / 0.7)
    assert not lua_random.module_draws()


def test_a_replaced_forward_is_freed(lua_mode):
    """Saved tensors kept by reference must not keep their graph alive (Tanh saves its output:
    keeping that tensor itself would be a cycle through autograd's C++ nodes, leaking every step)."""
    import gc
    import weakref

    m = nn.Tanh()
    m.forward(torch.randn(3))
    old = weakref.ref(m._record().output)
    m.forward(torch.randn(3))
    gc.collect()
    assert old() is None


def test_backward_given_another_input_differentiates_at_that_input(lua_mode):
    """Lua's Linear:accGradParameters(input, gradOutput) reads the input it is handed, whatever
    the forward saw; Sigmoid's gradient still comes from its own forward output."""
    m = nn.Linear(3, 2).double()
    m.zeroGradParameters()
    x1, x2 = torch.randn(4, 3, dtype=torch.double), torch.randn(4, 3, dtype=torch.double)
    go = torch.randn(4, 2, dtype=torch.double)
    m.forward(x1)
    m.backward(x2, go)
    torch.testing.assert_close(m.weight.grad, go.t() @ x2)
    s = nn.Sigmoid()
    y1 = torch.sigmoid(x1)
    s.forward(x1)
    torch.testing.assert_close(s.backward(x2, torch.ones_like(x2)), y1 * (1 - y1))


def test_a_gmodule_differentiates_at_its_forward_inputs_as_nngraph(lua_mode):
    """nngraph's backward hands each node the input it kept at forward, not the one given."""
    x = nn.Identity()()
    lin = nn.Linear(3, 2)
    g = nn.gModule([x], [lin(x)]).double()
    g.zeroGradParameters()
    x1, x2 = torch.randn(4, 3, dtype=torch.double), torch.randn(4, 3, dtype=torch.double)
    go = torch.randn(4, 2, dtype=torch.double)
    g.forward(x1)
    g.backward(x2, go)
    torch.testing.assert_close(lin.weight.grad, go.t() @ x1)
