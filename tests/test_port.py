"""`pygraphnn port`: Lua model files translated to Python build the same graphs."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("luaparser")

from pygraphnn import nn
from pygraphnn.cli import main
from pygraphnn.lua.translator.emit import PortSyntaxError, port_file, port_source

SOURCES = Path(__file__).parent / "lua_sources"


def run_port(name: str) -> dict:
    """Translate tests/lua_sources/NAME.lua, check it is clean, run it, return its globals."""
    result = port_file(SOURCES / f"{name}.lua")
    assert result.issues == [], [i.format(result.filename) for i in result.issues]
    namespace: dict = {"__name__": f"ported_{name}"}
    exec(compile(result.code, f"<ported {name}>", "exec"), namespace)
    return namespace


def signature(g: nn.gModule) -> list:
    """Per node in topological order: (what it is, its argument nodes), plus parameter shapes."""
    nodes = []
    for n in g.graph.nodes:
        if n.module is not None:
            what = type(n.module).__name__
        elif n.n_split is not None:
            what = f"split{n.n_split}"
        else:
            what = f"select{n.select_index}"
        nodes.append((what, n.args, n.annotations.get("name")))
    return [nodes, g.graph.inputs, g.graph.outputs, [tuple(p.shape) for p in g.parameters()]]


# ------------------------------------------------- hand-written equivalents
def lstm_by_hand(input_size, rnn_size, n, dropout=0):
    inputs = [nn.Identity()()]
    for _ in range(n):
        inputs.append(nn.Identity()())
        inputs.append(nn.Identity()())
    outputs = []
    for L in range(1, n + 1):
        prev_h, prev_c = inputs[2 * L], inputs[2 * L - 1]
        if L == 1:
            x, size = inputs[0], input_size
        else:
            x, size = outputs[2 * (L - 1) - 1], rnn_size
            if dropout > 0:
                x = nn.Dropout(dropout)(x)
        i2h = nn.Linear(size, 4 * rnn_size)(x).annotate(name=f"i2h_{L}")
        h2h = nn.Linear(rnn_size, 4 * rnn_size)(prev_h).annotate(name=f"h2h_{L}")
        sums = nn.CAddTable()([i2h, h2h])
        n1, n2, n3, n4 = nn.SplitTable(2)(nn.Reshape(4, rnn_size)(sums)).split(4)
        in_gate, forget_gate, out_gate = nn.Sigmoid()(n1), nn.Sigmoid()(n2), nn.Sigmoid()(n3)
        in_transform = nn.Tanh()(n4)
        next_c = nn.CAddTable()([nn.CMulTable()([forget_gate, prev_c]), nn.CMulTable()([in_gate, in_transform])])
        next_h = nn.CMulTable()([out_gate, nn.Tanh()(next_c)])
        outputs += [next_c, next_h]
    top_h = outputs[-1]
    if dropout > 0:
        top_h = nn.Dropout(dropout)(top_h)
    proj = nn.Linear(rnn_size, input_size)(top_h).annotate(name="decoder")
    outputs.append(nn.LogSoftMax()(proj))
    return nn.gModule(inputs, outputs)


def zaremba_by_hand(layers=2, rnn_size=200, vocab=100):
    def cell(x, prev_c, prev_h):
        gates = nn.CAddTable()([nn.Linear(rnn_size, 4 * rnn_size)(x), nn.Linear(rnn_size, 4 * rnn_size)(prev_h)])
        sliced = nn.SplitTable(2)(nn.Reshape(4, rnn_size)(gates))
        in_gate = nn.Sigmoid()(nn.SelectTable(1)(sliced))
        in_transform = nn.Tanh()(nn.SelectTable(2)(sliced))
        forget_gate = nn.Sigmoid()(nn.SelectTable(3)(sliced))
        out_gate = nn.Sigmoid()(nn.SelectTable(4)(sliced))
        next_c = nn.CAddTable()([nn.CMulTable()([forget_gate, prev_c]), nn.CMulTable()([in_gate, in_transform])])
        return next_c, nn.CMulTable()([out_gate, nn.Tanh()(next_c)])

    x, y, prev_s = nn.Identity()(), nn.Identity()(), nn.Identity()()
    below = nn.LookupTable(vocab, rnn_size)(x)
    split = prev_s.split(2 * layers)
    next_s = []
    for layer in range(layers):
        next_c, next_h = cell(nn.Dropout(0)(below), split[2 * layer], split[2 * layer + 1])
        next_s += [next_c, next_h]
        below = next_h
    h2y = nn.Linear(rnn_size, vocab)
    pred = nn.LogSoftMax()(h2y(nn.Dropout(0)(below)))
    err = nn.ClassNLLCriterion()([pred, y])
    return nn.gModule([x, y, prev_s], [err, nn.Identity()(next_s)])


def rnn_by_hand(input_size, rnn_size, n, dropout, gru):
    inputs = [nn.Identity()() for _ in range(n + 1)]
    outputs = []

    def input_sum(size, xv, hv):
        return nn.CAddTable()([nn.Linear(size, rnn_size)(xv), nn.Linear(rnn_size, rnn_size)(hv)])

    for L in range(1, n + 1):
        prev_h = inputs[L]
        if L == 1:
            x, size = inputs[0], input_size
        else:
            x, size = outputs[L - 2], rnn_size
            if dropout > 0:
                x = nn.Dropout(dropout)(x)
        if gru:
            update_gate = nn.Sigmoid()(input_sum(size, x, prev_h))
            reset_gate = nn.Sigmoid()(input_sum(size, x, prev_h))
            p2 = nn.Linear(rnn_size, rnn_size)(nn.CMulTable()([reset_gate, prev_h]))
            p1 = nn.Linear(size, rnn_size)(x)
            candidate = nn.Tanh()(nn.CAddTable()([p1, p2]))
            zh = nn.CMulTable()([update_gate, candidate])
            zhm1 = nn.CMulTable()([nn.AddConstant(1, False)(nn.MulConstant(-1, False)(update_gate)), prev_h])
            next_h = nn.CAddTable()([zh, zhm1])
        else:
            next_h = nn.Tanh()(input_sum(size, x, prev_h))
        outputs.append(next_h)
    top_h = outputs[-1]
    if dropout > 0:
        top_h = nn.Dropout(dropout)(top_h)
    outputs.append(nn.LogSoftMax()(nn.Linear(rnn_size, input_size)(top_h)))
    return nn.gModule(inputs, outputs)


# ------------------------------------------------------------------ graphs
@pytest.mark.parametrize("n, dropout", [(1, 0), (2, 0.5), (3, 0)])
def test_char_rnn_lstm_builds_the_same_graph(n, dropout):
    ported = run_port("char_rnn_lstm")["exports"]
    assert signature(ported.lstm(10, 8, n, dropout)) == signature(lstm_by_hand(10, 8, n, dropout))


def test_char_rnn_lstm_default_dropout_is_optional_like_lua():
    ported = run_port("char_rnn_lstm")["exports"]
    assert signature(ported.lstm(5, 4, 2)) == signature(lstm_by_hand(5, 4, 2))


@pytest.mark.parametrize("gru", [True, False])
def test_char_rnn_gru_and_rnn(gru):
    ported = run_port("char_rnn_gru_rnn")["exports"]
    g = ported["gru"].gru(7, 6, 2, 0.25) if gru else ported["rnn"].rnn(7, 6, 2, 0.25)
    assert signature(g) == signature(rnn_by_hand(7, 6, 2, 0.25, gru))


def test_zaremba_create_network():
    ns = run_port("zaremba_ptb")
    g = ns["create_network"]()
    assert signature(g) == signature(zaremba_by_hand())
    # the flat getParameters() view was initialised in [-init_weight, init_weight]
    assert all(float(p.detach().abs().max()) <= 0.1 for p in g.parameters())


def test_readme_examples():
    ns = run_port("readme_examples")
    h1 = nn.Linear(20, 10)()
    h2 = nn.Linear(10, 1)(nn.Tanh()(nn.Linear(10, 10)(nn.Tanh()(h1))))
    assert signature(ns["mlp"]) == signature(nn.gModule([h1], [h2]))
    in1, in2 = -nn.Linear(20, 20), -nn.Linear(10, 10)
    madd = [in1 - nn.Tanh() - nn.Linear(20, 1), in2 - nn.Tanh() - nn.Linear(10, 1)] - nn.CAddTable()
    assert signature(ns["gmod"]) == signature(nn.gModule([in1, in2], [madd - nn.Sigmoid(), madd - nn.Tanh()]))
    inp = nn.Identity()()
    a, b = inp.split(2)
    expected = nn.gModule([inp], [nn.CAddTable()([nn.Linear(5, 3)(a), nn.Linear(5, 3)(b)])])
    assert signature(ns["split_mod"]) == signature(expected)


def test_mlp_with_annotations():
    ns = run_port("mlp_annotate")
    g = ns["model"]
    x = nn.Identity()().annotate(name="input")
    h = x
    sizes = [784, 256, 64, 10]
    colors = ["red", "green", "black"]
    for i in range(1, 4):
        h = nn.Linear(sizes[i - 1], sizes[i])(h).annotate(
            name=f"fc{i}", description=f"layer {i + 1}", graphAttributes={"color": colors[i - 1]}
        )
        if i < 3:
            h = nn.ReLU()(h)  # annotateNodes names what locals hold at the end: not these
    out = nn.LogSoftMax()(h).annotate(name="out")
    assert signature(g) == signature(nn.gModule([x], [out]))
    assert [n.annotations.get("graphAttributes") for n in g.graph.nodes if n.name and n.name.startswith("fc")] == [
        {"color": "red"},
        {"color": "green"},
        {"color": "black"},
    ]


def test_constructs_keep_lua_semantics():
    ns = run_port("constructs")
    r = vars(ns["results"])
    assert r["swap"] == [2, 1, True]
    assert r["up"] == [1, 4, 7, 10, 5, 3, 1]  # inclusive bounds, steps 3 and -2
    assert r["down"] == [1, 2, 3]  # table.insert(t, 1, v)
    assert r["total"] == 140 and r["nkeys"] == 2
    assert r["steps"] == 6 and r["k"] == 8
    assert r["truth"] == ["yes", "yes", 2, "f"]  # 0 and "" are true in Lua
    assert r["default"] == 7
    assert r["arr"] == "ac" and r["zero_based"] == "zonetwo" and r["mixed"] == "2xten"
    assert r["inserted"] == "a,B,b,c" and r["removed"] == "c"
    assert r["name"] == "layer_007/xxx/LAYER_007" and r["sub"] == "ell"
    assert r["minmax"] == [1, 5, 3] and r["count"] == 3 and r["tick"] == 2
    assert r["methods"] == [8, 15]
    x = nn.Identity()()
    h = nn.Sequential().add(nn.Linear(4, 3)).add(nn.Tanh())(x)
    a, b = nn.ConcatTable().add(nn.Identity()).add(nn.Identity())(h).split(2)
    y = [a, b] - nn.CAddTable() - nn.MulConstant(0.5)
    assert signature(ns["graph_module"]) == signature(nn.gModule([x], [y]))


# ------------------------------------------------------------- emitted text
GOLDEN_LUA = """\
require 'nngraph'

-- a gated unit
local function gate(x, size, n)
  local outs = {}
  for i = 1, n do
    local h = nn.Linear(size, size)(x):annotate{name = 'g' .. i}
    table.insert(outs, nn.Sigmoid()(h))
  end
  return outs[1], outs[#outs]  -- first and last
end
"""

GOLDEN_PY = '''\
# Ported from gate.lua by `pygraphnn port`.

import pygraphnn as ng
from pygraphnn import nn


# a gated unit
def gate(x, size, n):
    outs = []
    for i in range(1, n + 1):
        h = nn.Linear(size, size)(x).annotate(name=f"g{i}")
        outs.append(nn.Sigmoid()(h))
    return outs[0], outs[len(outs) - 1]  # first and last
'''


def test_golden_text():
    result = port_source(GOLDEN_LUA, "gate.lua")
    assert result.issues == []
    assert result.code == GOLDEN_PY


@pytest.mark.parametrize(
    "lua, python",
    [
        ("local t = {}\nt[#t + 1] = 5\n", "t.append(5)"),
        ("local t = {1}\nlocal n = #t\n", "n = len(t)"),
        ("local a = x and 1 or 2\n", "a = 1 if truthy(x) else 2"),
        ("local s = 'n' .. 3\n", 's = "n3"'),
        ("local x = 0.5\nlocal s = 'n' .. x\n", 's = f"n{lua.tostring(x)}"'),
        ("local s = ('a' .. 'b') .. ('c' .. 1)\n", 's = "abc1"'),
        ("local b = 2 ~= 3\n", "b = 2 != 3"),
        ("local p = 2 ^ 10\n", "p = 2 ** 10"),
        ("local t = {a = 1}\nfor k, v in pairs(t) do print(k, v) end\n", "for k, v in t.items():"),
        ("local f = function(x) return x + 1 end\n", "def f(x):"),
        ("local t = {}\nt[3] = 1\nprint(#t)\n", "lua_set(t, 3, 1)"),
    ],
)
def test_snippets(lua, python):
    result = port_source(lua, "snippet.lua")
    assert python in result.code, result.code


# ----------------------------------------------------------- flagged / CLI
def test_flagged_constructs_are_marked_and_listed(capsys, tmp_path):
    out = tmp_path / "flagged.py"
    assert main(["port", str(SOURCES / "flagged.lua"), "-o", str(out)]) == 1
    err = capsys.readouterr().err.splitlines()
    code = out.read_text()
    for line, what in [
        (2, "string.dump"),
        (4, "math.random"),
        (7, "coroutine"),
        (8, "goto skip"),
        (10, "nn.LSTM"),
        (11, "unknown global 'opt'"),
    ]:
        assert any(e.startswith(f"flagged.lua:{line}: ") and what in e for e in err), (line, err)
    assert code.count("# TODO(port):") == len(err)
    compile(code, "flagged.py", "exec")  # still valid Python
    with pytest.raises(NotImplementedError, match=r"flagged\.lua:2"):
        exec(code, {})  # and it never runs silently wrong


def test_parse_error_exits_2_with_line(capsys, tmp_path):
    bad = tmp_path / "bad.lua"
    bad.write_text("local a = 1\nlocal function f()\n  return 1\nend end\n")
    assert main(["port", str(bad)]) == 2
    assert "bad.lua:4: Lua syntax error" in capsys.readouterr().err
    with pytest.raises(PortSyntaxError) as info:
        port_source("local x = = 1\n", "x.lua")
    assert info.value.line == 1


def test_cli_writes_file_or_stdout(capsys, tmp_path):
    out = tmp_path / "lstm.py"
    assert main(["port", str(SOURCES / "char_rnn_lstm.lua"), "-o", str(out)]) == 0
    assert capsys.readouterr().out == ""
    # a table's function: missing arguments are nil, extra ones dropped (called from other files)
    assert "def lstm(input_size=None, rnn_size=None, n=None, dropout=None, *_extra_args):" in out.read_text()
    assert main(["port", str(SOURCES / "readme_examples.lua")]) == 0
    assert "mlp = nn.gModule([h1], [h2])" in capsys.readouterr().out


def test_cli_help_and_missing_file(capsys):
    with pytest.raises(SystemExit) as info:
        main(["port", "--help"])
    assert info.value.code == 0
    assert "TODO(port)" in capsys.readouterr().out
    assert main(["port", "does/not/exist.lua"]) == 2
    assert "no such file" in capsys.readouterr().err
