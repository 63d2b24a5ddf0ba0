"""models/cells.py: each cell against a hand-written torch computation (values and gradients, float64)."""

from __future__ import annotations

import sys
from pathlib import Path

import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # allow plain `pytest` as well as `python -m pytest`
    sys.path.insert(0, str(REPO_ROOT))

import pygraphnn as ng  # noqa: E402
from models import cells  # noqa: E402

B, NX, NH = 5, 7, 6


def linears(g) -> dict[str, torch.nn.Module]:
    """The Linear modules of a cell, by annotation name."""
    return {n.name: n.module for n in g.graph.nodes if type(n.module).__name__ == "Linear"}


def leaves(*shapes):
    torch.manual_seed(0)
    return [torch.randn(*s, dtype=torch.float64, requires_grad=True) for s in shapes]


def assert_same_values_and_grads(ours, theirs, inputs, params):
    for o, t in zip(ours, theirs):
        torch.testing.assert_close(o, t)
    weights = [torch.randn_like(o) for o in ours]
    loss_ours = sum((o * w).sum() for o, w in zip(ours, weights))
    loss_theirs = sum((t * w).sum() for t, w in zip(theirs, weights))
    g_ours = torch.autograd.grad(loss_ours, inputs + params)
    g_theirs = torch.autograd.grad(loss_theirs, inputs + params, allow_unused=True)
    for a, b in zip(g_ours, g_theirs):
        torch.testing.assert_close(a, b if b is not None else torch.zeros_like(a))


def test_lstm_matches_torch_lstmcell():
    g = cells.lstm(NX, NH).double()
    lin = linears(g)
    x, c, h = leaves((B, NX), (B, NH), (B, NH))
    next_c, next_h = g(x, c, h)

    # Zaremba's gate order is (in, transform, forget, out) = i, g, f, o; torch's is i, f, g, o.
    def reorder(t):
        i, gg, f, o = t.chunk(4, 0)
        return torch.cat([i, f, gg, o], 0)

    ref = torch.nn.LSTMCell(NX, NH).double()
    with torch.no_grad():
        ref.weight_ih.copy_(reorder(lin["i2h"].weight))
        ref.weight_hh.copy_(reorder(lin["h2h"].weight))
        ref.bias_ih.copy_(reorder(lin["i2h"].bias))
        ref.bias_hh.copy_(reorder(lin["h2h"].bias))
    ref_h, ref_c = ref(x, (h, c))
    torch.testing.assert_close(next_c, ref_c)
    torch.testing.assert_close(next_h, ref_h)
    # gradients w.r.t. the inputs: the same function, so the same gradients
    gw = [torch.randn_like(next_c), torch.randn_like(next_h)]
    ours = torch.autograd.grad([next_c, next_h], [x, c, h], gw)
    theirs = torch.autograd.grad([ref_c, ref_h], [x, c, h], gw)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b)


def test_lstm_written_out():
    g = cells.lstm(NX, NH).double()
    lin = linears(g)
    x, c, h = leaves((B, NX), (B, NH), (B, NH))
    pre = lin["i2h"](x) + lin["h2h"](h)
    i, t, f, o = pre.view(B, 4, NH).unbind(1)
    ref_c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(t)
    ref_h = torch.sigmoid(o) * torch.tanh(ref_c)
    params = list(g.parameters())
    assert_same_values_and_grads(g(x, c, h), [ref_c, ref_h], [x, c, h], params)


def test_gru_matches_charrnn_equations():
    g = cells.gru(NX, NH).double()
    lin = linears(g)
    x, h = leaves((B, NX), (B, NH))
    z = torch.sigmoid(lin["i2h_update"](x) + lin["h2h_update"](h))
    r = torch.sigmoid(lin["i2h_reset"](x) + lin["h2h_reset"](h))
    cand = torch.tanh(lin["i2h_candidate"](x) + lin["h2h_candidate"](r * h))
    ref = z * cand + (1 - z) * h
    assert_same_values_and_grads([g(x, h)], [ref], [x, h], list(g.parameters()))


def test_rnn_matches_tanh_recurrence():
    g = cells.rnn(NX, NH).double()
    lin = linears(g)
    x, h = leaves((B, NX), (B, NH))
    ref = torch.tanh(x @ lin["i2h"].weight.T + lin["i2h"].bias + h @ lin["h2h"].weight.T + lin["h2h"].bias)
    assert_same_values_and_grads([g(x, h)], [ref], [x, h], list(g.parameters()))


def test_factories_have_defaults_and_names():
    for factory in (cells.lstm, cells.gru, cells.rnn, cells.cell):
        g = factory()
        assert isinstance(g, ng.gModule)
        assert all(m.weight.shape[0] in (cells.DEFAULT_SIZE, 4 * cells.DEFAULT_SIZE) for m in linears(g).values())
    assert cells.cell is cells.lstm
    names = {n.name for n in cells.lstm().graph.nodes}
    assert {
        "x",
        "prev_c",
        "prev_h",
        "i2h",
        "h2h",
        "in_gate",
        "in_transform",
        "forget_gate",
        "out_gate",
        "next_c",
        "next_h",
    } <= names


def test_lstm_lua_idiom_forward_backward():
    g = cells.lstm(NX, NH).double()
    x, c, h = (t.detach() for t in leaves((B, NX), (B, NH), (B, NH)))
    next_c, next_h = g.forward([x, c, h])
    gc, gh = torch.randn_like(next_c), torch.randn_like(next_h)
    gx, gcp, ghp = g.backward([x, c, h], [gc, gh])
    xs = [t.clone().requires_grad_(True) for t in (x, c, h)]
    out = g(*xs)
    ref = torch.autograd.grad(out, xs, [gc, gh])
    for a, b in zip((gx, gcp, ghp), ref):
        torch.testing.assert_close(a, b)
