"""models/classic_cells.py: each cell against torch's cells (weights mapped) or a hand-written
formula, values and gradients in float64; parameter counts; multi-layer stacks."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from models import cells  # noqa: E402
from models import classic_cells as cc  # noqa: E402

B, NX, NH, NOUT = 5, 7, 6, 4


def linears(g) -> dict[str, torch.nn.Module]:
    return {n.name: n.module for n in g.graph.nodes if type(n.module).__name__ == "Linear"}


def leaves(*shapes):
    torch.manual_seed(0)
    return [torch.randn(*s, dtype=torch.float64, requires_grad=True) for s in shapes]


def blocks(t: torch.Tensor, order: str, to: str) -> torch.Tensor:
    """Permute the 4 row blocks of a fused gate tensor from gate ``order`` to gate ``to``."""
    chunks = dict(zip(order, t.chunk(4, 0)))
    return torch.cat([chunks[g] for g in to], 0)


def assert_same(ours, theirs, wrt):
    """Same values, and the same gradients of a random projection of the outputs w.r.t. ``wrt``."""
    for o, t in zip(ours, theirs):
        torch.testing.assert_close(o, t)
    weights = [torch.randn_like(o) for o in ours]
    g1 = torch.autograd.grad(sum((o * w).sum() for o, w in zip(ours, weights)), wrt, allow_unused=True)
    g2 = torch.autograd.grad(sum((t * w).sum() for t, w in zip(theirs, weights)), wrt, allow_unused=True)
    for a, b in zip(g1, g2):
        torch.testing.assert_close(a, b)


def torch_lstmcell(w_ih, w_hh, b_ih, b_hh) -> torch.nn.LSTMCell:
    ref = torch.nn.LSTMCell(NX, NH).double()
    with torch.no_grad():
        ref.weight_ih.copy_(w_ih)
        ref.weight_hh.copy_(w_hh)
        ref.bias_ih.copy_(b_ih)
        ref.bias_hh.copy_(b_hh)
    return ref


def test_rnn_matches_rnncell_and_projection():
    g = cc.rnn(NX, NH, NOUT).double()
    lin = linears(g)
    x, h = leaves((B, NX), (B, NH))
    next_h, p = g(x, h)
    ref = torch.nn.RNNCell(NX, NH).double()
    with torch.no_grad():
        ref.weight_ih.copy_(lin["hidden_1_x"].weight)
        ref.bias_ih.copy_(lin["hidden_1_x"].bias)
        ref.weight_hh.copy_(lin["hidden_1_h"].weight)
        ref.bias_hh.zero_()
    ref_h = ref(x, h)
    ref_p = torch.nn.functional.linear(ref_h, lin["prediction"].weight, lin["prediction"].bias)
    assert_same([next_h, p], [ref_h, ref_p], [x, h])


def test_four_gate_lstm_matches_lstmcell():
    g = cc.lstm(NX, NH).double()
    lin = linears(g)
    x, c, h = leaves((B, NX), (B, NH), (B, NH))
    next_c, next_h = g(x, c, h)
    order = "ifgo"  # torch's
    ref = torch_lstmcell(
        torch.cat([lin[f"{k}_1_x"].weight for k in order]),
        torch.cat([lin[f"{k}_1_h"].weight for k in order]),
        torch.cat([lin[f"{k}_1_x"].bias for k in order]),
        torch.zeros(4 * NH, dtype=torch.float64),
    )
    ref_h, ref_c = ref(x, (h, c))
    assert_same([next_c, next_h], [ref_c, ref_h], [x, c, h])


def test_charrnn_lstm_matches_lstmcell_and_zaremba():
    g = cc.charrnn_lstm(NX, NH).double()
    lin = linears(g)
    x, c, h = leaves((B, NX), (B, NH), (B, NH))
    next_c, next_h = g(x, c, h)
    # char-rnn's gate order is i, f, o, g; torch's i, f, g, o.
    ref = torch_lstmcell(
        *(
            blocks(t, "ifog", "ifgo")
            for t in (lin["i2h_1"].weight, lin["h2h_1"].weight, lin["i2h_1"].bias, lin["h2h_1"].bias)
        )
    )
    ref_h, ref_c = ref(x, (h, c))
    assert_same([next_c, next_h], [ref_c, ref_h], [x, c, h])
    # ... and Zaremba's (models/cells.py, order i, g, f, o) is the same function.
    z = cells.lstm(NX, NH).double()
    zl = linears(z)
    with torch.no_grad():
        for name in ("i2h", "h2h"):
            zl[name].weight.copy_(blocks(lin[f"{name}_1"].weight, "ifog", "igfo"))
            zl[name].bias.copy_(blocks(lin[f"{name}_1"].bias, "ifog", "igfo"))
    assert_same(z(x, c, h), g(x, c, h), [x, c, h])


def test_peephole_lstm_matches_its_equations():
    g = cc.peephole_lstm(NX, NH, NOUT).double()
    W = linears(g)
    x, c = leaves((B, NX), (B, NH))
    next_c, next_h, p = g(x, c)

    def gate(k):
        return torch.sigmoid(x @ W[f"{k}_1_x"].weight.T + W[f"{k}_1_x"].bias + c @ W[f"{k}_1_c"].weight.T)

    f, i, o = gate("f"), gate("i"), gate("o")
    ref_c = torch.sigmoid(x @ W["c_x_1"].weight.T + W["c_x_1"].bias) * i + c * f
    ref_h = torch.tanh(ref_c) * o
    ref_p = ref_h @ W["prediction"].weight.T + W["prediction"].bias
    assert_same([next_c, next_h, p], [ref_c, ref_h, ref_p], [x, c, W["f_1_c"].weight])


def charrnn_gru_by_hand(W, x, h):
    def lin(name, v):
        return v @ W[name].weight.T + W[name].bias

    z = torch.sigmoid(lin("i2h_update_1", x) + lin("h2h_update_1", h))
    r = torch.sigmoid(lin("i2h_reset_1", x) + lin("h2h_reset_1", h))
    cand = torch.tanh(lin("i2h_candidate_1", x) + lin("h2h_candidate_1", r * h))  # reset *before* h2h
    return z * cand + (1 - z) * h


def gru_to_torch(W, *, diagonal: bool) -> torch.nn.GRUCell:
    """torch's GRUCell (gates r, z, n) from char-rnn's weights: z' = 1 - z (negate the update
    gate), and the candidate's h2h bias moved into b_in (exact when its weight is diagonal)."""
    ref = torch.nn.GRUCell(NX, NH).double()
    with torch.no_grad():
        ref.weight_ih.copy_(
            torch.cat([W["i2h_reset_1"].weight, -W["i2h_update_1"].weight, W["i2h_candidate_1"].weight])
        )
        ref.weight_hh.copy_(
            torch.cat([W["h2h_reset_1"].weight, -W["h2h_update_1"].weight, W["h2h_candidate_1"].weight])
        )
        ref.bias_ih.copy_(
            torch.cat(
                [W["i2h_reset_1"].bias, -W["i2h_update_1"].bias, W["i2h_candidate_1"].bias + W["h2h_candidate_1"].bias]
            )
        )
        ref.bias_hh.copy_(
            torch.cat([W["h2h_reset_1"].bias, -W["h2h_update_1"].bias, torch.zeros(NH, dtype=torch.float64)])
        )
    return ref


def test_gru_matches_hand_written_charrnn_formula():
    g = cc.gru(NX, NH).double()
    W = linears(g)
    x, h = leaves((B, NX), (B, NH))
    next_h = g(x, h)  # a single output is returned as a tensor, as in Lua
    assert_same([next_h], [charrnn_gru_by_hand(W, x, h)], [x, h, W["h2h_candidate_1"].weight])
    # models/cells.py's GRU is the same graph (annotated differently).
    ref = cells.gru(NX, NH).double()
    rl = linears(ref)
    with torch.no_grad():
        for theirs, ours in [
            ("i2h_update", "i2h_update_1"),
            ("h2h_update", "h2h_update_1"),
            ("i2h_reset", "i2h_reset_1"),
            ("h2h_reset", "h2h_reset_1"),
            ("i2h_candidate", "i2h_candidate_1"),
            ("h2h_candidate", "h2h_candidate_1"),
        ]:
            rl[theirs].weight.copy_(W[ours].weight)
            rl[theirs].bias.copy_(W[ours].bias)
    torch.testing.assert_close(ref(x, h), next_h)


def test_gru_vs_torch_grucell_where_they_coincide_and_where_not():
    g = cc.gru(NX, NH).double()
    W = linears(g)
    x, h = leaves((B, NX), (B, NH))
    # In general they differ: torch resets after the candidate's h2h, r * (W h + b), char-rnn before, W (r * h) + b.
    next_h = g(x, h)  # a single output is returned as a tensor, as in Lua
    assert not torch.allclose(gru_to_torch(W, diagonal=False)(x, h), next_h)
    # With a diagonal candidate h2h they are one function (values and gradients).
    with torch.no_grad():
        W["h2h_candidate_1"].weight.copy_(torch.diag(torch.randn(NH, dtype=torch.float64)))
    next_h = g(x, h)  # a single output is returned as a tensor, as in Lua
    ref = gru_to_torch(W, diagonal=True)
    assert_same([next_h], [ref(x, h)], [x, h])


def test_gru_reset_after_equals_torch_grucell_for_any_weights():
    """torch's variant, declared node by node: r scales the candidate's h2h output. Mapped onto
    GRUCell (gates r, z, n) by negating the update gate (z' = 1 - z = sigmoid(-a)); no other change."""
    g = cc.gru(NX, NH, reset="after").double()
    W = linears(g)
    x, h = leaves((B, NX), (B, NH))
    ref = torch.nn.GRUCell(NX, NH).double()
    with torch.no_grad():
        ref.weight_ih.copy_(
            torch.cat([W["i2h_reset_1"].weight, -W["i2h_update_1"].weight, W["i2h_candidate_1"].weight])
        )
        ref.weight_hh.copy_(
            torch.cat([W["h2h_reset_1"].weight, -W["h2h_update_1"].weight, W["h2h_candidate_1"].weight])
        )
        ref.bias_ih.copy_(torch.cat([W["i2h_reset_1"].bias, -W["i2h_update_1"].bias, W["i2h_candidate_1"].bias]))
        ref.bias_hh.copy_(torch.cat([W["h2h_reset_1"].bias, -W["h2h_update_1"].bias, W["h2h_candidate_1"].bias]))
    assert_same([g(x, h)], [ref(x, h)], [x, h])
    # Same parameter count as char-rnn's GRU: only where r is applied differs.
    assert cc.count_parameters(g) == cc.count_parameters(cc.gru(NX, NH)) == sum(p.numel() for p in ref.parameters())
    # ... and it is a different function from char-rnn's (a general W_h).
    charrnn = cc.gru(NX, NH).double()
    charrnn.load_state_dict(g.state_dict())
    assert not torch.allclose(charrnn(x, h), g(x, h))
    with pytest.raises(ValueError, match="reset must be"):
        cc.gru(NX, NH, reset="middle")


def test_lstm_parameter_count_formula(capsys):
    for n_in, n_h, n_out in [(10, 64, 10), (65, 128, 65), (3, 5, 2)]:
        count = cc.count_parameters(cc.lstm(n_in, n_h, n_out))
        print(f"LSTM N_in={n_in} N_h={n_h} N_out={n_out}: {count} parameters")
        assert (
            count
            == cc.lstm_parameter_count(n_in, n_h, n_out)
            == 4 * (n_h * n_in + n_h * n_h + n_h) + n_out * n_h + n_out
        )
    # char-rnn's fused form has a second bias (h2h), 4 N_h more.
    assert cc.count_parameters(cc.charrnn_lstm(10, 64, 10)) == cc.lstm_parameter_count(10, 64, 10) + 4 * 64
    # char-rnn's default model on tinyshakespeare (65 characters): train.lua prints 240321.
    assert cc.count_parameters(cc.stack("lstm", 65, 128, 2, 0, 65, one_hot=True, log_softmax=True)) == 240321
    assert "parameters" in capsys.readouterr().out


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn", "peephole", "lstm_gates"])
def test_stack_is_the_composition_of_cells(kind):
    torch.manual_seed(1)
    V, H = 9, 6
    net = cc.stack(kind, V, H, 2, 0.3, V, one_hot=True, log_softmax=True).double().eval()
    builders = {
        "lstm": cc.charrnn_lstm,
        "gru": cc.gru,
        "rnn": lambda n_in, n_h: cc.rnn(n_in, n_h, h_bias=True),  # the stack is char-rnn's RNN.lua
        "peephole": cc.peephole_lstm,
        "lstm_gates": cc.lstm,
    }
    layers = [builders[kind](V, H).double(), builders[kind](H, H).double()]
    nl = linears(net)
    for L, cell in enumerate(layers, 1):
        for name, m in linears(cell).items():
            m.load_state_dict(nl[name.replace("_1", f"_{L}")].state_dict())
    n_state = len(cc.STATE[kind])
    state = [torch.randn(3, H, dtype=torch.float64) for _ in range(2 * n_state)]
    idx = torch.tensor([1, 5, 9])
    out = net(idx, *state)
    x = torch.nn.functional.one_hot(idx - 1, V).double()

    def as_list(out):
        return out if isinstance(out, list) else [out]

    s1 = as_list(layers[0](x, *state[:n_state]))  # {next state..., next_h} (h last)
    s2 = as_list(layers[1](s1[-1], *state[n_state:]))
    logits = torch.nn.functional.linear(s2[-1], nl["decoder"].weight, nl["decoder"].bias)
    assert len(out) == 2 * n_state + 1
    for a, b in zip(out[:-1], list(s1[:n_state]) + list(s2[:n_state])):
        torch.testing.assert_close(a, b)
    torch.testing.assert_close(out[-1], torch.log_softmax(logits, 1))


def test_stack_dropout_between_layers():
    net = cc.stack("lstm", 5, 4, 3, 0.5, 5)
    drops = [n for n in net.graph.nodes if type(n.module).__name__ == "Dropout"]
    assert len(drops) == 3  # before layers 2 and 3, and before the decoder
    net.eval()
    state = [torch.zeros(2, 4) for _ in range(6)]
    x = torch.randn(2, 5)
    torch.testing.assert_close(net(x, *state)[-1], net(x, *state)[-1])


def test_onehot_is_one_based():
    out = cc.OneHot(4)(torch.tensor([1, 4, 2]))
    torch.testing.assert_close(out, torch.eye(4)[[0, 3, 1]])
