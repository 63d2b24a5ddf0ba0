"""Table modules: Lua fixtures, the contract against plain torch, and their ``_inline``
expressions checked inside gModules (a Zaremba LSTM cell) against the interpreter and Lua."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import pytest
import torch
from contract import check_module
from test_nn_shape import data_dir, lua_cases, run_module_case

import pygraphnn
import pygraphnn.nn as nn

TABLE = [
    "CAddTable",
    "CSubTable",
    "CMulTable",
    "CDivTable",
    "SplitTable",
    "JoinTable",
    "SelectTable",
    "NarrowTable",
    "FlattenTable",
]


@pytest.mark.parametrize("case", lua_cases(TABLE))
def test_lua_fixture(case):
    run_module_case(case)


# ------------------------------------------------------------------------ contract


def _r(*shape, seed=0, positive=False):
    t = torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return t.abs() + 0.5 if positive else t


A, B, C = _r(3, 5, seed=1), _r(3, 5, seed=2), _r(3, 5, seed=3)
a, b = _r(5, seed=4), _r(5, seed=5)


@pytest.mark.parametrize(
    "module, x, ref",
    [
        (nn.CAddTable(), [a, b], lambda x, m: x[0] + x[1]),
        (nn.CAddTable(), [A, B, C], lambda x, m: torch.stack(x).sum(0)),
        (nn.CSubTable(), [a, b], lambda x, m: x[0] - x[1]),
        (nn.CSubTable(), [A, B], lambda x, m: torch.sub(x[0], x[1])),
        (nn.CMulTable(), [a, b], lambda x, m: x[0] * x[1]),
        (nn.CMulTable(), [A, B, C], lambda x, m: torch.stack(x).prod(0)),
        (nn.CDivTable(), [a, _r(5, positive=True)], lambda x, m: x[0] / x[1]),
        (nn.CDivTable(), [A, _r(3, 5, positive=True)], lambda x, m: torch.div(x[0], x[1])),
        (nn.SplitTable(1), _r(3, 4), lambda x, m: [x[i] for i in range(3)]),
        (nn.SplitTable(2), _r(2, 3, 4), lambda x, m: [x[:, i] for i in range(3)]),
        (nn.SplitTable(-1), _r(2, 3, 4), lambda x, m: [x[:, :, i] for i in range(4)]),
        (nn.SplitTable(1, 1), _r(3, 4), lambda x, m: [x[:, i] for i in range(4)]),
        (nn.SplitTable(1, 2), _r(3, 4), lambda x, m: [x[i] for i in range(3)]),
        (nn.JoinTable(1), [_r(3), _r(4)], lambda x, m: torch.hstack(x)),
        (nn.JoinTable(2), [_r(3, 3), _r(3, 4)], lambda x, m: torch.hstack(x)),
        (nn.JoinTable(1), [_r(2, 5), _r(3, 5)], lambda x, m: torch.vstack(x)),
        (nn.JoinTable(1, 1), [_r(3, 3), _r(3, 4)], lambda x, m: torch.hstack(x)),
        (nn.JoinTable(1, 1), [_r(3), _r(4)], lambda x, m: torch.hstack(x)),
        (nn.JoinTable(-1), [_r(2, 3, 3), _r(2, 3, 4)], lambda x, m: torch.dstack(x)),
        (nn.SelectTable(1), [a, A, b], lambda x, m: x[0]),
        (nn.SelectTable(-1), [a, A, b], lambda x, m: x[2]),
        (nn.SelectTable(2), [a, [b, A], C], lambda x, m: x[1]),
        (nn.NarrowTable(2, 2), [a, A, b, C], lambda x, m: [x[1], x[2]]),
        (nn.NarrowTable(2), [a, A, b], lambda x, m: [x[1]]),
        (nn.FlattenTable(), [a, [b, [A, C]], _r(4)], lambda x, m: [x[0], x[1][0], x[1][1][0], x[1][1][1], x[2]]),
        (nn.FlattenTable(), [[A], b], lambda x, m: [x[0][0], x[1]]),
    ],
    ids=lambda v: v.lua_label() if isinstance(v, torch.nn.Module) else "",
)
def test_contract(module, x, ref):
    check_module(module, x, ref)


# ------------------------------------------------------------------- Lua details


def test_select_table_gradient_zeros_elsewhere():
    m = nn.SelectTable(2)
    x = [torch.randn(2), [torch.randn(3), torch.randn(1, 2)], torch.randn(4)]
    out = m.forward(x)
    assert out is not None and len(out) == 2
    gi = m.backward(x, [torch.ones(3), torch.ones(1, 2)])
    assert torch.equal(gi[0], torch.zeros(2)) and torch.equal(gi[2], torch.zeros(4))
    assert torch.equal(gi[1][0], torch.ones(3)) and torch.equal(gi[1][1], torch.ones(1, 2))


def test_errors_and_labels():
    with pytest.raises(IndexError):
        nn.SelectTable(4)([torch.zeros(1)] * 3)
    with pytest.raises(IndexError):
        nn.NarrowTable(3, 2)([torch.zeros(1)] * 3)
    with pytest.raises(TypeError):
        nn.CAddTable()(torch.zeros(3))
    assert nn.SelectTable(-1).lua_label() == "nn.SelectTable(-1)"
    assert nn.SplitTable(2).lua_label() == "nn.SplitTable"
    assert nn.JoinTable(2).lua_label() == "nn.JoinTable"


@pytest.mark.parametrize(
    "module, table_input, arity",
    [
        (nn.CAddTable(), True, 3),
        (nn.CSubTable(), True, 2),
        (nn.CMulTable(), True, 3),
        (nn.CDivTable(), True, 2),
        (nn.JoinTable(2), True, 3),
        (nn.JoinTable(-1), True, 2),
        (nn.SelectTable(2), True, 3),
        (nn.SelectTable(-1), True, 3),
        (nn.NarrowTable(2, 2), True, 3),
        (nn.SelectTable(2), False, 3),
        (nn.SelectTable(-3), False, 3),
        (nn.SplitTable(2), False, 1),
        (nn.SplitTable(-1), False, 1),
    ],
)
def test_inline_equals_forward(module, table_input, arity):
    xs = [torch.randn(3, 4, generator=torch.Generator().manual_seed(i)) + 2 for i in range(arity)]
    env = {"torch": torch, "m": module}
    if table_input:
        names = [f"x{i}" for i in range(arity)]
        env.update(zip(names, xs))
        want = module(xs)
    else:
        names = ["t"]
        env["t"] = xs if arity > 1 else xs[0]
        want = module(env["t"])
    expr = module._inline("m", names, table_input)
    assert expr is not None
    got = eval(expr, env)
    assert type(got) is type(want)
    for g, w in zip(pygraphnn.tables.flatten(got), pygraphnn.tables.flatten(want)):
        assert torch.equal(g, w)


def test_no_inline_when_undecidable():
    assert nn.CAddTable()._inline("m", ["t"], False) is None  # one node holding a table


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4)])
def test_inline_decides_batch_rule_at_run_time(shape):
    """With nInputDims the split/join dimension depends on the input: the inline resolves it per call."""
    x = torch.randn(*shape)
    split, join = nn.SplitTable(1, 2), nn.JoinTable(1, 2)
    got = eval(split._inline("m", ["t"], False), {"torch": torch, "m": split, "t": x})
    assert all(torch.equal(g, w) for g, w in zip(got, split(x), strict=True))
    got = eval(join._inline("m", ["a", "b"], True), {"torch": torch, "m": join, "a": x, "b": x})
    assert torch.equal(got, join([x, x]))


# -------------------------------------------------------------------- LSTM cell


def zaremba_cell(rnn=200, split=True):
    """Zaremba's LSTM cell; gates via SplitTable + split(4) or via SelectTable nodes."""
    x, prev_c, prev_h = nn.Identity()(), nn.Identity()(), nn.Identity()()
    i2h = nn.Linear(rnn, 4 * rnn)(x)
    h2h = nn.Linear(rnn, 4 * rnn)(prev_h)
    gates = nn.CAddTable()([i2h, h2h])
    reshaped = nn.Reshape(4, rnn)(gates)
    sliced = nn.SplitTable(2)(reshaped)
    if split:
        n1, n2, n3, n4 = sliced.split(4)
    else:
        n1, n2, n3, n4 = (nn.SelectTable(i)(sliced) for i in range(1, 5))
    in_gate = nn.Sigmoid()(n1)
    in_transform = nn.Tanh()(n2)
    forget_gate = nn.Sigmoid()(n3)
    out_gate = nn.Sigmoid()(n4)
    next_c = nn.CAddTable()([nn.CMulTable()([forget_gate, prev_c]), nn.CMulTable()([in_gate, in_transform])])
    next_h = nn.CMulTable()([out_gate, nn.Tanh()(next_c)])
    return nn.gModule([x, prev_c, prev_h], [next_c, next_h])


@pytest.mark.parametrize("split", [True, False])
@pytest.mark.parametrize("batch", [1, 5])  # (Zaremba's SplitTable(2) needs a batch, in Lua too)
def test_lstm_cell_codegen_equals_interpreter(split, batch):
    torch.manual_seed(0)
    g = zaremba_cell(rnn=6, split=split).double()
    inputs = [torch.randn(batch, 6, dtype=torch.float64, requires_grad=True) for _ in range(3)]
    code = g.code
    # the table modules are inlined: no call of them is left in the generated code
    for attr, m in g.named_children():
        if isinstance(m, (nn.CAddTable, nn.CMulTable, nn.SplitTable, nn.SelectTable)):
            assert f"= self.{attr}(" not in code, code
    assert "torch.unbind" in code and " * " in code and " + " in code, code
    out = g(*inputs)
    ref = pygraphnn.interpret(g.graph, inputs)
    go = [torch.randn_like(o) for o in out]
    for o, r in zip(out, ref):
        assert torch.equal(o, r)
    gi = torch.autograd.grad(out, inputs, go)
    gr = torch.autograd.grad(ref, inputs, go)
    for p, q in zip(gi, gr):
        torch.testing.assert_close(p, q, atol=1e-12, rtol=0)


def _lstm_fixture():
    d = data_dir() / "t7" / "lua"
    if not (d / "lstm_cell.t7").is_file():
        pytest.skip(f"no Lua fixtures at {d}")
    from pygraphnn.lua.format.t7 import load_t7_raw

    return load_t7_raw(str(d / "lstm_cell.t7")), load_t7_raw(str(d / "lstm_io.t7"))


@pytest.mark.parametrize("split", [True, False])
def test_lstm_cell_matches_lua(split):
    cell, io = _lstm_fixture()
    linears = {}
    for n in cell.forwardnodes.values():
        m = n.data.get("module")
        if m is not None and m.class_name == "nn.Linear":
            line = n.data.annotations["_debugLabel"].split(":")[1].split("_")[0]
            linears[line] = m
    g = zaremba_cell(200, split=split).double()
    lin = [m for m in g.modules() if isinstance(m, nn.Linear)]
    assert len(lin) == 2 and set(linears) == {"9", "10"}  # make_lstm_cell.lua: i2h line 9, h2h line 10
    with torch.no_grad():
        for mine, lua in zip(lin, (linears["9"], linears["10"])):
            mine.weight.copy_(lua.weight)
            mine.bias.copy_(lua.bias)
    inputs = [io.x, io.prev_c, io.prev_h]
    next_c, next_h = g.forward(inputs)
    torch.testing.assert_close(next_c, io.next_c, atol=1e-10, rtol=0)
    torch.testing.assert_close(next_h, io.next_h, atol=1e-10, rtol=0)
    g.zeroGradParameters()
    gi = g.backward(inputs, [io.gradOutput_c, io.gradOutput_h])
    for k in range(3):
        torch.testing.assert_close(gi[k], io.gradInput[k + 1], atol=1e-10, rtol=0)
    # interpreter and generated code agree bit for bit on the Lua data
    for o, r in zip(g(inputs), pygraphnn.interpret(g.graph, inputs)):
        assert torch.equal(o, r)


def test_select_table_inline_rejects_a_tensor_like_forward():
    m = nn.SelectTable(1)
    expr = m._inline("m", ["t"], False)
    with pytest.raises(TypeError):
        eval(expr, {"m": m, "t": torch.zeros(3)})
    with pytest.raises(TypeError):
        m(torch.zeros(3))
