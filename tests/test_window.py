"""ng.compile_window: one generated function for a BPTT window, equal to T chained cells."""
from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import pygraphnn as ng
from models import cells, classic_cells
from models.ptb.model import Config, create_network, zero_state
from pygraphnn import nn
from pygraphnn.tables import flatten, map_structure


def chained(cell, pairs, step_inputs, state0):
    """The reference: the cell called T times, each step's state fed to the next."""
    n_in, n_out = len(cell.graph.inputs), len(cell.graph.outputs)
    state_in, state_out = [a for a, _ in pairs], [b for _, b in pairs]
    T = len(step_inputs[0])
    state, outs = list(state0), []
    for t in range(T):
        it = iter(x[t] for x in step_inputs)
        args = [state[state_in.index(k)] if k in state_in else next(it) for k in range(n_in)]
        out = cell(*args)
        out = out if n_out > 1 else [out]
        state = [out[b] for b in state_out]
        rest = [out[k] for k in range(n_out) if k not in state_out]
        outs.append(rest if rest else state)
    cols = list(zip(*outs))
    stack = lambda vals: torch.stack(vals) if isinstance(vals[0], torch.Tensor) else \
        [stack([v[k] for v in vals]) for k in range(len(vals[0]))]   # noqa: E731
    stacked = [stack(list(c)) for c in cols]
    return (stacked[0] if len(stacked) == 1 else stacked), state


def assert_window_equals_chained(cell, step_inputs, state0, *, pairs=None, tol=1e-12, seed=0, **kw):
    """Forward values and the gradients of every parameter, step input and initial state."""
    win = ng.compile_window(cell, len(step_inputs[0]), state=pairs, **kw)
    pairs = win.pairs
    gen = torch.Generator().manual_seed(seed)

    def run(fn):
        ins = [x.detach().requires_grad_(x.is_floating_point()) for x in step_inputs]
        s0 = map_structure(lambda t: t.detach().requires_grad_(True), state0)
        out, final = fn(ins, s0)
        values = flatten(out) + flatten(final)
        gen.manual_seed(seed)
        loss = sum((v * torch.randn(v.shape, generator=gen, dtype=v.dtype)).sum() for v in values)
        wrt = [p for p in cell.parameters()] + [x for x in ins if x.requires_grad] + flatten(s0)
        return values, torch.autograd.grad(loss, wrt, allow_unused=True)

    ref_vals, ref_grads = run(lambda ins, s0: chained(cell, pairs, ins, s0))
    got_vals, got_grads = run(lambda ins, s0: win(ins if len(ins) > 1 else ins[0], s0))
    assert len(ref_vals) == len(got_vals)
    for a, b in zip(got_vals, ref_vals):
        torch.testing.assert_close(a, b, rtol=tol, atol=tol)
    for a, b in zip(got_grads, ref_grads):
        if b is None:
            assert a is None or float(a.abs().max()) == 0
        else:
            torch.testing.assert_close(a, b, rtol=tol, atol=tol)
    return win


def randn(*shape, dtype=torch.float64):
    return torch.randn(*shape, dtype=dtype)


@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-12), (torch.float32, 1e-6)])
def test_zaremba_lstm_cell(dtype, tol):
    torch.manual_seed(1)
    cell = cells.lstm(6, 5).to(dtype)
    win = assert_window_equals_chained(cell, [randn(7, 3, 6, dtype=dtype)],
                                       [randn(3, 5, dtype=dtype), randn(3, 5, dtype=dtype)], tol=tol)
    code = win.code
    # the input-side Linear runs once over the window, before the loop; h2h stays inside
    assert code.index("i2h_all = F.linear(x_all") < code.index("for t in range(T):") < code.index("h2h = ")
    assert code.count("for t in range(T):") == 1


def test_gru_cell():
    torch.manual_seed(2)
    cell = cells.gru(4, 6).double()
    win = assert_window_equals_chained(cell, [randn(5, 2, 4)], [randn(2, 6)])
    # the three input-side products are hoisted out of the loop
    before_loop = win.code.split("for t in range(T):")[0]
    assert sum(f"i2h_{g}_all = F.linear(x_all" in before_loop for g in ("update", "reset", "candidate")) == 3


def test_peephole_lstm_and_classic_cells_with_outputs():
    torch.manual_seed(3)
    for build, n_state in ((classic_cells.peephole_lstm, 1), (classic_cells.lstm, 2), (classic_cells.rnn, 1),
                           (classic_cells.gru, 1)):
        cell = build(4, 5, 3).double()
        state0 = [randn(2, 5) for _ in range(n_state)]
        win = assert_window_equals_chained(cell, [randn(6, 2, 4)], state0, pairs=[(1 + k, k) for k in range(n_state)])
        # the prediction layer is computed once, after the loop
        assert "prediction_all = F.linear(" in win.code.split("for t in range(T):")[-1]


def test_charrnn_two_layer_lstm_gets_a_loop_per_layer():
    torch.manual_seed(4)
    net = classic_cells.stack("lstm", 7, 5, 2, 0.0, 7, one_hot=True, log_softmax=True).double()
    x = torch.randint(1, 8, (6, 3))
    state0 = [randn(3, 5) for _ in range(4)]
    win = assert_window_equals_chained(net, [x], state0, pairs=[(k + 1, k) for k in range(4)])
    code = win.code
    assert code.count("for t in range(T):") == 2
    first, second = code.split("for t in range(T):")[1:]
    # layer 2's input product runs over the whole output of layer 1, between the loops
    assert "i2h_2_all = F.linear(" in first and "decoder_all = F.linear(" in second


def test_ptb_network_table_state_and_criterion():
    """{x, y, prev_s} -> {err, next_s}: the state is one table; the loss once a window."""
    cfg = Config(rnn_size=6, layers=2, batch_size=3, seq_length=5)
    core = create_network(cfg, 11, dtype=torch.float64)
    x = torch.randint(1, 12, (5, 3))
    y = torch.randint(1, 12, (5, 3))
    s0 = [randn(3, 6) for _ in range(4)]
    win = assert_window_equals_chained(core, [x, y], [s0], pairs=[(2, 1)])
    assert win.code.count("for t in range(T):") == 2
    assert "_log_softmax_nll(" in win.code.split("for t in range(T):")[-1]


def test_without_batched_weight_gradients_and_without_grad():
    torch.manual_seed(5)
    cell = cells.lstm(4, 4).double()
    win = assert_window_equals_chained(cell, [randn(4, 2, 4)], [randn(2, 4), randn(2, 4)],
                                       batch_weight_grads=False)
    assert "_step_linear" not in win.code
    win = ng.compile_window(cell, 4)
    with torch.no_grad():
        a, _ = win(randn(4, 2, 4), [torch.zeros(2, 4, dtype=torch.float64)] * 2)
    assert a[1].shape == (4, 2, 4)
