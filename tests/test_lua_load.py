"""``load_t7`` / ``save_t7`` for modules, against the Lua Torch7 fixtures.

Fixtures come from ``$PYGRAPHNN_DATA/t7`` (default ``<repo>/../shared/data/t7``), written by
Lua Torch7 / nn / nngraph (see its lua/README.md); tests needing them skip when absent.
Values are compared to 1e-10 (double) or 1e-5 (float).
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
import torch

import pygraphnn as ng
from pygraphnn import nn
from pygraphnn.lua.classes.charrnn import OneHot
from pygraphnn.lua.classes.load import load_t7, parse_debug_label
from pygraphnn.lua.classes.save import SaveError, save_t7, to_torch_object
from pygraphnn.lua.format.t7 import LuaFunction, LuaTable, T7Error, TorchObject, load_t7_raw
from pygraphnn.lua.format.t7 import save_t7 as save_raw
from pygraphnn.site import Site

DATA = Path(os.environ.get("PYGRAPHNN_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data")) / "t7"


def fixture(name: str) -> Path:
    p = DATA / name
    if not p.exists():
        pytest.skip(f"fixture {p} not found (set PYGRAPHNN_DATA)")
    return p


def plain(v):
    """LuaTables (lists) -> Python lists, recursively; other values unchanged."""
    if isinstance(v, LuaTable):
        return [plain(x) for x in v.to_list()]
    return v


def assert_close(got, want, tol, what=""):
    if isinstance(want, (list, tuple)):
        assert isinstance(got, (list, tuple)) and len(got) == len(want), f"{what}: {got!r:.80} vs {len(want)} entries"
        for i, (g, w) in enumerate(zip(got, want), 1):
            assert_close(g, w, tol, f"{what}[{i}]")
        return
    if isinstance(want, torch.Tensor):
        assert isinstance(got, torch.Tensor), f"{what}: got {type(got).__name__}"
        assert tuple(got.shape) == tuple(want.shape), f"{what}: shape {tuple(got.shape)} vs {tuple(want.shape)}"
        if not want.is_floating_point():
            assert torch.equal(got.to(want.dtype), want), what
            return
        diff = (got.to(torch.float64) - want.to(torch.float64)).abs().max().item() if want.numel() else 0.0
        assert diff <= tol, f"{what}: max abs diff {diff:.3g} > {tol}"
        return
    assert abs(float(got) - float(want)) <= tol * max(1.0, abs(float(want))), f"{what}: {got} vs {want}"


def roundtrip(obj):
    buf = io.BytesIO()
    save_t7(obj, buf)
    return buf.getvalue()


# ----------------------------------------------------------------------------------------
# small graphs
# ----------------------------------------------------------------------------------------


def test_gmodule_with_linear_identity_math():
    g = load_t7(fixture("gmodule_with_linear_identity.t7"))
    assert isinstance(g, ng.gModule)
    lin = [m for m in g.modules() if isinstance(m, nn.Linear)]
    assert len(lin) == 1 and lin[0].weight.shape == (2, 1)
    raw = load_t7_raw(fixture("gmodule_with_linear_identity.t7"))
    w = raw.modules[3].weight
    b = raw.modules[3].bias
    assert torch.equal(lin[0].weight.detach(), w) and torch.equal(lin[0].bias.detach(), b)
    a, bb = torch.randn(4, 1, dtype=torch.float64), torch.randn(4, 2, dtype=torch.float64)
    out = g(a, bb)  # inputs {a, b}; output CAddTable{b, Linear(a)}
    assert_close(out, bb + a @ w.t() + b, 1e-12)
    assert_close(g.forward([a, bb]), bb + a @ w.t() + b, 1e-12)
    # sites come from the Lua _debugLabel
    sites = {type(n.module).__name__: n.site for n in g.graph.nodes if n.module is not None}
    assert sites["Linear"] == Site('[string "c = nn.Linear(1,2)(a)"]', 1, "?")
    assert sites["CAddTable"].short.endswith(":1")


def test_bare_nngraph_node():
    n = load_t7(fixture("nngraph_node.t7"))
    assert isinstance(n, ng.Node)
    assert n.module is None and n.inputs == ()
    assert n.annotations == {"hello": 123.0}
    assert n.site.filename.endswith("trepl/init.lua") and n.site.lineno == 588


def test_parse_debug_label():
    assert parse_debug_label("[./model/LSTM.lua]:30_") == Site("./model/LSTM.lua", 30, "?")
    assert parse_debug_label("[[C]]:-1_") == Site("[C]", -1, "?")
    assert parse_debug_label("[x.lua]:3_build") == Site("x.lua", 3, "build")
    assert parse_debug_label("nonsense") == Site("nonsense", 0, "?")


# ----------------------------------------------------------------------------------------
# LSTM cell (double) and char-rnn's LSTM (float)
# ----------------------------------------------------------------------------------------


def test_lstm_cell_forward_backward_params():
    cell = load_t7(fixture("lua/lstm_cell.t7"))
    io_ = load_t7_raw(fixture("lua/lstm_io.t7"))
    params, grads = cell.getParameters()
    assert_close(params, io_.params, 0, "params")  # getParameters() order = Lua's
    cell.zeroGradParameters()
    x = [io_.x, io_.prev_c, io_.prev_h]
    next_c, next_h = cell.forward(x)
    assert_close(next_c, io_.next_c, 1e-10, "next_c")
    assert_close(next_h, io_.next_h, 1e-10, "next_h")
    gi = cell.backward(x, [io_.gradOutput_c, io_.gradOutput_h])
    assert_close(gi, plain(io_.gradInput), 1e-10, "gradInput")
    assert_close(grads, io_.gradParams, 1e-10, "gradParams")
    assert "torch.unbind" in cell.code and "torch.sigmoid" in cell.code


def _node_tooltips(dot: str) -> list[str]:
    """Node tooltips of a DOT text, without the graph's own and the gModule input split's
    (that one names where the gModule was built: nngraph's gmodule.lua in Lua)."""
    tips = re.findall(r'^\s*"?n\d+"?\s*\[.*?tooltip="([^"]*)"', dot, re.M | re.S)
    return sorted(t for t in tips if not t.startswith("[[C]]:-1_ split at"))


@pytest.mark.parametrize(
    "t7_name, dot_name",
    [
        ("lua/lstm_cell.t7", "lua/lstm_fg.dot"),
        ("lua/readme_graphs.t7", "lua/readme_{}_fg.dot"),
    ],
)
def test_diagram_tooltips_are_the_lua_ones(t7_name, dot_name):
    obj = load_t7(fixture(t7_name))
    graphs = (
        [(c.module, dot_name.format(c.name)) for c in obj.to_list()] if isinstance(obj, LuaTable) else [(obj, dot_name)]
    )
    for g, dname in graphs:
        lua_dot = fixture(dname).read_text()
        lua_tips = sorted(
            t
            for t in re.findall(r'tooltip="([^"]*)"', lua_dot)
            if t.startswith("[") and not t.startswith("[[C]]:-1_ split at")
        )
        assert _node_tooltips(ng.render.to_dot_source(g)) == lua_tips, dname


def test_charrnn_lstm_float():
    g = load_t7(fixture("lua/charrnn_lstm.t7"))
    io_ = load_t7_raw(fixture("lua/charrnn_io.t7"))
    params, grads = g.getParameters()
    assert params.dtype == torch.float32
    assert_close(params, io_.params, 0, "params")
    names = [n.name for n in g.graph.nodes if n.name]
    assert names == ["i2h_1", "h2h_1", "i2h_2", "h2h_2", "decoder"]
    g.zeroGradParameters()
    inputs = plain(io_.inputs)
    outs = g.forward(inputs)
    assert_close(outs, plain(io_.outputs), 1e-5, "outputs")
    gi = g.backward(inputs, plain(io_.gradOutputs))
    assert_close(gi, plain(io_.gradInputs), 1e-5, "gradInputs")
    assert_close(grads, io_.gradParams, 1e-5, "gradParams")


def test_code_and_diagram_show_lua_sites():
    ckpt = load_t7(fixture("lua/charrnn_lstm_checkpoint.t7"))
    g = ckpt.protos.rnn
    assert isinstance(g, ng.gModule) and isinstance(ckpt.protos.criterion, nn.ClassNLLCriterion)
    assert isinstance(ckpt.vocab, LuaTable) and ckpt.opt.rnn_size == 64
    assert any(isinstance(m, OneHot) for m in g.modules())
    code = g.code
    assert "def forward" in code and "i2h_1" in code
    dot = ng.render.to_dot_source(g)
    assert "[LSTM.lua]:30_" in dot  # the tooltip of i2h_1, declared at model/LSTM.lua:30
    assert "i2h_1" in dot
    i2h = next(n for n in g.graph.nodes if n.name == "i2h_1")
    assert i2h.site == Site("./model/LSTM.lua", 30, "?")
    split = next(n for n in g.graph.nodes if n.n_split is not None)
    assert split.n_split == 4 and split.site.filename == "./model/LSTM.lua"


# ----------------------------------------------------------------------------------------
# README graphs
# ----------------------------------------------------------------------------------------


def _readme_cases():
    p = DATA / "lua" / "readme_graphs.t7"
    if not p.exists():
        return []
    return [c.name for c in load_t7_raw(p).to_list()]


@pytest.fixture(scope="module")
def readme():
    raw = load_t7_raw(fixture("lua/readme_graphs.t7"))
    return {c.name: c for c in raw.to_list()}, {c.name: c for c in load_t7(fixture("lua/readme_graphs.t7")).to_list()}


@pytest.mark.parametrize("name", _readme_cases() or ["mlp"])
def test_readme_graph(readme, name):
    raw, loaded = readme
    case, g = raw[name], loaded[name].module
    assert isinstance(g, ng.gModule)
    params, grads = g.getParameters()
    assert_close(params, case.params, 0, "params")
    g.zeroGradParameters()
    x = plain(case.input)
    assert_close(g.forward(x), plain(case.output), 1e-10, "output")
    assert_close(g.backward(x, plain(case.gradOutput)), plain(case.gradInput), 1e-10, "gradInput")
    assert_close(grads, case.gradParams, 1e-10, "gradParams")
    # the saved and reloaded graph computes the same
    g2 = load_t7(io.BytesIO(roundtrip(g)))
    assert_close(g2(*x) if isinstance(x, list) else g2(x), plain(case.output), 1e-10, "reloaded output")


def test_readme_annotations(readme):
    _, loaded = readme
    g = loaded["more_fun_annotated"].module
    named = {n.name: n.annotations for n in g.graph.nodes if n.name}
    assert set(named) >= {"L1", "L2", "L3"}
    assert all(isinstance(a.get("graphAttributes", {}), dict) for a in named.values())
    assert any(a.get("graphAttributes") for a in named.values())
    assert any("description" in a for a in named.values())


# ----------------------------------------------------------------------------------------
# every zoo module, from nn_modules.t7
# ----------------------------------------------------------------------------------------


def _n_cases():
    p = DATA / "lua" / "nn_modules.t7"
    return len(load_t7_raw(p)) if p.exists() else 1


@pytest.fixture(scope="module")
def nn_cases():
    return load_t7_raw(fixture("lua/nn_modules.t7")).to_list(), load_t7(fixture("lua/nn_modules.t7")).to_list()


def _run_case(case, m):
    """Lua-style forward/backward of ``m`` on ``case``: (output, gradInput, params, gradParams)."""
    if case.kind == "criterion":
        out = m.forward(case.input, case.target)
        gi = m.backward(case.input, case.target)
        return out, gi, None, None
    params, grads = m.getParameters()
    m.zeroGradParameters()
    x = plain(case.input)
    out = m.forward(x)
    gi = m.backward(x, plain(case.gradOutput))
    return out, gi, params, grads


def _check_case(case, m, what):
    out, gi, params, grads = _run_case(case, m)
    if case.module.class_name == "nn.Dropout" and case.train and case.module.p > 0:
        # training mode is random: check the structure (output = input * noise, gradInput = gradOutput * noise)
        p = case.module.p
        scale = 1 / (1 - p) if case.module.v2 else 1.0
        noise = m.noise
        assert torch.all((noise == 0) | (noise == scale)), what
        assert_close(out, case.input * noise, 1e-12, what + " output")
        assert_close(gi, case.gradOutput * noise, 1e-12, what + " gradInput")
        return
    assert_close(out, plain(case.output), 1e-10, what + " output")
    assert_close(gi, plain(case.gradInput), 1e-10, what + " gradInput")
    if case.get("params") is not None:
        assert_close(params, case.params, 0, what + " params")
        assert_close(grads, case.gradParams, 1e-10, what + " gradParams")
    elif params is not None:
        assert params.numel() == 0, what


@pytest.mark.parametrize("i", range(_n_cases()))
def test_nn_module_case(nn_cases, i):
    raw, loaded = nn_cases
    case, m = raw[i], loaded[i].module
    what = f"case {i + 1} {case.ctor}"
    assert isinstance(m, torch.nn.Module), what
    expected = case.module.class_name.split(".")[-1]
    assert type(m).__name__ == expected, what
    assert m.training == (case.module.get("train", True) is not False), what
    _check_case(case, m, what)
    # save -> load gives a module computing the same
    m2 = load_t7(io.BytesIO(roundtrip(m)))
    assert type(m2) is type(m), what
    _check_case(case, m2, what + " (saved and reloaded)")


def test_nn_modules_cover_the_zoo(nn_cases):
    raw, _ = nn_cases
    seen = set()
    stack = [c.module for c in raw]
    while stack:
        o = stack.pop()
        seen.add(o.class_name)
        stack.extend(x for x in (o.get("modules") or {}).values() if isinstance(x, TorchObject))
    zoo = {n for n in dir(nn) if isinstance(getattr(nn, n), type) and issubclass(getattr(nn, n), torch.nn.Module)}
    # classes checked against nn_zoo2.t7 and the recordings in tests/fixtures/lua
    # (test_nn_zoo2_misc.py, test_nn_zoo_misc.py)
    seen |= {c.module.class_name for c in load_t7_raw(fixture("lua/nn_zoo2.t7")).to_list()}
    extra = load_t7_raw(Path(__file__).resolve().parent / "fixtures" / "lua" / "zoo_misc_extra.t7")
    seen |= {c.module.class_name for c in extra.cases.to_list()}
    zoo -= {
        "Module",
        "Container",
        "Criterion",
        "gModule",
        "JustElement",
        "JustTable",
        "ModuleFromCriterion",
        "OneHot",
    }  # char-rnn's class, not nn's: covered by the char-rnn checkpoint tests
    from test_nn_zoo2_spatial import COVERED_ELSEWHERE  # the convolutional zoo: nn_zoo2.t7 + its own fixtures

    seen |= COVERED_ELSEWHERE
    from test_nn_zoo_finish import (
        COVERED,  # SpatialConvolutionLocal, VolumetricReplicationPadding, ...FractionalMaxPooling
    )

    seen |= COVERED
    assert {"nn." + n for n in zoo} <= seen


# ----------------------------------------------------------------------------------------
# errors, sharing, modes, rng
# ----------------------------------------------------------------------------------------


def _buf(obj) -> io.BytesIO:
    b = io.BytesIO()
    save_raw(obj, b)
    b.seek(0)
    return b


def test_unknown_class_names_class_and_place():
    obj = {"protos": {"rnn": TorchObject("nn.MyCustomLayer", LuaTable(nInputPlane=3.0))}}
    with pytest.raises(T7Error) as e:
        load_t7(_buf(obj))
    assert "nn.MyCustomLayer" in str(e.value) and e.value.path == "protos.rnn"
    kept = load_t7(_buf(obj), strict=False)
    assert isinstance(kept.protos.rnn, TorchObject)


def test_unknown_class_inside_a_gmodule():
    raw = load_t7_raw(fixture("gmodule_with_linear_identity.t7"))
    i = next(
        k
        for k, n in enumerate(raw.forwardnodes.to_list(), 1)
        if n.data.get("module") is not None and n.data.module.class_name == "nn.Linear"
    )
    raw.forwardnodes[i].data.module = TorchObject("nn.MyCustomLayer", LuaTable())
    with pytest.raises(T7Error) as e:
        load_t7(_buf({"protos": {"rnn": raw}}))
    assert "nn.MyCustomLayer" in str(e.value)
    assert e.value.path == f"protos.rnn.forwardnodes[{i}].data.module"


def test_lua_function_override_and_bad_shapes():
    lin = TorchObject(
        "nn.Linear", LuaTable(weight=torch.zeros(2, 3), bias=torch.zeros(2), updateOutput=LuaFunction(b"\x1bLJ"))
    )
    with pytest.raises(T7Error, match="overrides its method 'updateOutput'") as e:
        load_t7(_buf([lin]))
    assert e.value.path == "[1].updateOutput"
    bad = TorchObject("nn.Linear", LuaTable(weight=torch.zeros(2, 3), bias=torch.zeros(5)))
    with pytest.raises(T7Error, match=r"bias has shape \(5,\), expected \(2,\)"):
        load_t7(_buf(bad))
    with pytest.raises(T7Error, match="lacks its field 'weight'"):
        load_t7(_buf(TorchObject("nn.Linear", LuaTable())))
    with pytest.raises(T7Error, match="should be an integer"):
        load_t7(_buf(TorchObject("nn.SelectTable", LuaTable(index="x"))))


def test_tied_weights_share_a_parameter_and_modes():
    w = torch.randn(3, 3, dtype=torch.float64)
    a = TorchObject("nn.Linear", LuaTable(weight=w, bias=torch.zeros(3, dtype=torch.float64), train=False))
    b = TorchObject("nn.Linear", LuaTable(weight=w, bias=torch.ones(3, dtype=torch.float64)))
    d = TorchObject("nn.Dropout", LuaTable(p=0.5, v2=True, train=False))
    seq = load_t7(_buf(TorchObject("nn.Sequential", LuaTable(modules=[a, b, d, a]))))
    assert seq[0] is seq[3]  # one Lua object -> one module
    assert seq[0].weight is seq[1].weight  # same storage view -> one Parameter
    assert seq[0].bias is not seq[1].bias
    assert not seq[0].training and seq[1].training and not seq[2].training
    assert isinstance(seq.forward(torch.randn(3, dtype=torch.float64)), torch.Tensor)


def test_loading_leaves_the_rng_alone():
    torch.manual_seed(5)
    before = torch.rand(3)
    torch.manual_seed(5)
    load_t7(fixture("lua/lstm_cell.t7"))
    assert torch.equal(torch.rand(3), before)


# ----------------------------------------------------------------------------------------
# save
# ----------------------------------------------------------------------------------------


def test_saved_gmodule_has_nngraph_layout():
    g = load_t7(fixture("gmodule_with_linear_identity.t7"))
    raw = load_t7_raw(io.BytesIO(roundtrip(g)))
    orig = load_t7_raw(fixture("gmodule_with_linear_identity.t7"))
    assert raw.class_name == "nn.gModule"
    assert set(orig.keys()) <= set(raw.keys())
    assert raw.nInputs == 2 and raw.fg.class_name == raw.bg.class_name == "graph.Graph"
    fwd = raw.forwardnodes.to_list()
    assert [n.id for n in fwd] == [n.id for n in orig.forwardnodes.to_list()]
    assert raw.innode is fwd[0] and raw.outnode.data is fwd[-1].data
    assert [m.class_name for m in raw.modules.to_list()] == [m.class_name for m in orig.modules.to_list()]
    mnode = fwd[1].data
    assert mnode.nSplitOutputs == 2 and mnode.mapindex[1] is raw.innode.data
    for n in fwd:
        d = n.data
        assert d.forwardNodeId == n.id and "_debugLabel" in d.annotations
        for i in range(1, 1 + sum(1 for k in d.mapindex if isinstance(k, int))):
            assert d.mapindex[d.mapindex[i]] == i  # nngraph's reverse map
    lin = next(n.data for n in fwd if n.data.get("module") is not None and n.data.module.class_name == "nn.Linear")
    assert lin.annotations._debugLabel == '[[string "c = nn.Linear(1,2)(a)"]]:1_'
    assert set(lin.module.keys()) >= {"weight", "bias", "gradWeight", "gradBias", "output", "gradInput", "_type"}


def test_save_declared_graph_roundtrip(tmp_path):
    torch.manual_seed(0)
    x = nn.Identity()()
    h = nn.Dropout(0.3)(nn.Tanh()(nn.Linear(4, 6)(x))).annotate(name="hidden", graphAttributes={"color": "red"})
    a, b = nn.SplitTable(2)(nn.Reshape(2, 3)(h)).split(2)
    y = nn.CAddTable()([nn.CMulTable()([a, b]), a])
    g = nn.gModule([x], [y, h]).double()
    g.evaluate()
    path = tmp_path / "g.t7"
    save_t7({"model": g, "note": "hi"}, str(path))
    back = load_t7(str(path))
    assert back.note == "hi"
    g2 = back.model
    assert not g2.training and not any(m.training for m in g2.modules() if isinstance(m, nn.Dropout))
    inp = torch.randn(5, 4, dtype=torch.float64)
    assert_close(g2(inp), g(inp), 1e-15)
    hidden = next(n for n in g2.graph.nodes if n.name == "hidden")
    assert hidden.annotations["graphAttributes"] == {"color": "red"}
    assert hidden.site.filename == __file__ and hidden.site.function == "test_save_declared_graph_roundtrip"
    assert torch.equal(g2.getParameters()[0], g.getParameters()[0])


def test_save_refuses_what_nngraph_cannot_express():
    x = nn.Identity()()
    g = nn.gModule([x], [nn.CAddTable()([x])])
    with pytest.raises(SaveError, match="one-entry list"):
        to_torch_object(g)
    with pytest.raises(SaveError, match="cannot save"):
        to_torch_object(torch.nn.GELU())


def test_onehot_roundtrip():
    m = OneHot(5)
    t = to_torch_object(m)
    assert t.class_name == "OneHot" and t.outputSize == 5
    m2 = load_t7(io.BytesIO(roundtrip(m)))
    assert isinstance(m2, OneHot) and torch.equal(m2(torch.tensor([1, 5])), m(torch.tensor([1, 5])))
