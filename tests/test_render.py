"""pygraphnn.render: nngraph's fg/bg diagrams, debug SVGs, paper-style cells, the CLI.

DOT text is checked without graphviz; tests that lay out a drawing need the ``dot``
program and skip without it.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import pygraphnn as ng  # noqa: E402
from models import cells, nngraph_readme  # noqa: E402
from pygraphnn import nn, render  # noqa: E402
from pygraphnn.cli import main  # noqa: E402

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz `dot` program not installed")


# ---------------------------------------------------------------- nngraph README graphs
readme_mlp = nngraph_readme.mlp
readme_two_in_two_out = nngraph_readme.two_in_two_out
readme_more_fun_annotated = nngraph_readme.more_fun_annotated


README = {"mlp": readme_mlp, "two_in_two_out": readme_two_in_two_out, "more_fun_annotated": readme_more_fun_annotated}


def lua_dot(path: Path) -> tuple[dict[int, str], set[tuple[int, int]]]:
    """Node id -> label and the edges of a .dot file written by Lua's graph.dot."""
    text = path.read_text().replace("\\\n", "")
    labels = {int(i): lab for i, lab in re.findall(r'^\tn(\d+)\t\[.*?label="(.*?)",\n', text, re.M | re.S)}
    edges = {(int(a), int(b)) for a, b in re.findall(r"^\tn(\d+) -> n(\d+)", text, re.M)}
    return labels, edges


def field(label: str, key: str) -> str | None:
    m = re.search(rf"(?:^|\\l|\\n){key} = (.*?)(?:\\l|$)", label)
    return m.group(1) if m else None


@pytest.mark.parametrize("name", sorted(README))
def test_fg_matches_lua_graph_dot_structure(name, shared_data):
    labels, edges = lua_dot(shared_data / "t7" / "lua" / f"readme_{name}_fg.dot")
    fg = render.forward_graph(README[name]())
    assert fg.number_of_nodes() == len(labels)
    assert fg.number_of_edges() == len(edges)
    assert set(fg.edges()) == edges  # same ids too: Lua numbers breadth first from the output
    ours = {i: dict((k, v) for k, v, _ in d["fields"]).get("module") for i, d in fg.nodes(data=True)}
    assert ours == {i: field(lab, "module") for i, lab in labels.items()}
    for i, lab in labels.items():
        assert fg.nodes[i]["title"] == lab.split("\\n")[0]  # Node7 / L1 (5)
        for key in ("mapindex", "selectindex", "nSplitOutputs"):
            assert dict((k, v) for k, v, _ in fg.nodes[i]["fields"]).get(key) == field(lab, key), (i, key)


def test_fg_labels_show_sizes_after_lua_forward_and_explicit_backward():
    g = readme_two_in_two_out()
    x = [torch.rand(20), torch.rand(10)]
    g.forward(x)  # Lua idiom: recorded inputs
    fg = render.forward_graph(g)
    text = render.to_dot_source(fg, "two")
    assert "input = {Tensor[20],Tensor[10]}" in text  # the dummy input node
    assert "module = nn.Linear(20 -> 20)\\linput = {Tensor[20]}\\loutput = Tensor[20]" in text
    assert "gradOutput" not in text  # no gradOutput recorded
    fg = render.forward_graph(g, x, [torch.rand(1), torch.rand(1)])
    add = next(
        d for _, d in fg.nodes(data=True) if d["gnode"] is not None and type(d["gnode"].module).__name__ == "CAddTable"
    )
    fields = dict((k, v) for k, v, _ in add["fields"])
    assert fields["gradOutput"] == "{Tensor[1],Tensor[1]}"  # one per consumer, as nngraph keeps them
    assert fields["gradOutputBuffer"] == "Tensor[1]"
    assert fields["mapindex"] == "{Node5,Node6}"
    dummy_out = fg.nodes[2]
    assert dict((k, v) for k, v, _ in dummy_out["fields"])["gradOutput"] == "{{Tensor[1],Tensor[1]}}"


def test_gradoutput_values_are_the_real_gradients():
    from pygraphnn.render import trace

    g = readme_two_in_two_out()
    x, go = [torch.rand(20), torch.rand(10)], [torch.rand(1), torch.rand(1)]
    t = trace.run(g.graph, x, go)
    xs = [v.clone().requires_grad_(True) for v in x]
    ref = torch.autograd.grad(g(xs), xs, go)
    for a, b in zip(t.grad_inputs, ref):
        torch.testing.assert_close(a, b)


def test_nan_and_inf_are_flagged():
    g = readme_mlp()
    x = torch.rand(20)
    x[3] = float("nan")
    fg = render.forward_graph(g, x)
    assert "input = {Tensor[20]NaN}" in fg.nodes[7]["label"]
    assert fg.nodes[7]["bad_values"]
    assert 'color="darkorange"' in render.to_dot_source(fg)
    from pygraphnn.render.trace import describe

    assert describe(torch.tensor([1.0, float("inf")])) == "Tensor[2]inf"
    assert describe(torch.tensor([1.0, -float("inf")])) == "Tensor[2]-inf"
    assert describe(torch.zeros(2, 3, dtype=torch.long)) == "torch.LongTensor[2x3]"


def test_backward_graph_is_forward_graph_reversed():
    g = readme_mlp()
    fg, bg = render.forward_graph(g), render.backward_graph(g)
    assert set(bg.edges()) == {(v, u) for u, v in fg.edges()}
    assert bg.graph["direction"] == "backward"
    assert [d["label"] for _, d in fg.nodes(data=True)] == [d["label"] for _, d in bg.nodes(data=True)]


def test_annotations_graph_attributes_and_site_tooltips():
    g = readme_more_fun_annotated()
    text = render.to_dot_source(render.forward_graph(g), "annotated")
    l3 = re.search(r'"n1" \[(.*)\];', text).group(1)
    assert 'label="L3 (1)\\ndesc = Level 3 Node\\nmodule = nn.Tanh' in l3
    assert "reverseMap" not in text  # Lua's always-empty field: noise, left out ...
    lua = render.to_dot_source(render.forward_graph(g, lua_labels=True), "annotated")
    assert 'label="L3 (1)\\ndesc = Level 3 Node\\nreverseMap = {}\\lmodule = nn.Tanh' in lua  # ... unless asked
    assert 'fillcolor="yellow"' in l3 and 'style="filled"' in l3 and 'color="green"' in l3
    source = Path(nngraph_readme.__file__).read_text().splitlines()
    line = next(i for i, text in enumerate(source, 1) if text.strip().startswith("l3 = "))  # declares L3
    assert f'tooltip="[nngraph_readme.py]:{line}_"' in l3
    assert text.count('tooltip="[[C]]:-1_"') == 2  # nngraph's dummy input and output


def test_dot_text_needs_neither_graphviz_nor_dot(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # `import graphviz` fails
    monkeypatch.setenv("PATH", str(tmp_path))
    g = readme_mlp()
    assert render.to_dot_source(g).startswith('digraph "G" {')
    assert "<SUB>" in render.to_dot_source(cells.rnn(3, 4), style="cell")
    with pytest.raises(render.GraphvizNotFound, match=r"pip install graphviz") as e:
        render.dot(render.forward_graph(g), "MLP", tmp_path / "mlp")
    assert "apt-get install graphviz" in str(e.value) and "brew install graphviz" in str(e.value)
    assert (tmp_path / "mlp.dot").exists()  # the DOT text is still written
    assert main(["render", "models.cells:rnn", "--format", "dot", "-o", str(tmp_path / "rnn.dot")]) == 0


def test_missing_dot_program_says_how_to_install(monkeypatch, tmp_path):
    pytest.importorskip("graphviz")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(render.GraphvizNotFound, match=r"(?s)`dot` program was not found.*apt-get install graphviz"):
        render.to_svg(readme_mlp())
    bundle = render.mimebundle(readme_mlp())
    assert "image/svg+xml" not in bundle and "pip install graphviz" in bundle["text/plain"]


@needs_dot
def test_ng_dot_writes_dot_and_svg(tmp_path):
    g = readme_mlp()
    g.forward(torch.rand(20))
    out = render.dot(render.forward_graph(g), "MLP", tmp_path / "out" / "mlp")
    assert out == tmp_path / "out" / "mlp.svg"
    dot_text = (tmp_path / "out" / "mlp.dot").read_text()
    assert "nn.Linear(20 -> 10)" in dot_text and 'label="MLP"' in dot_text
    svg = out.read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "nn.Linear(20 &#45;&gt; 10)" in svg and "input = {Tensor[20]}" in svg
    assert svg.count('class="node"') == 7 and svg.count('class="edge"') == 6
    assert "<title>MLP</title>" in svg or ">MLP<" in svg


@needs_dot
@pytest.mark.parametrize("fmt,magic", [("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_png_and_pdf(tmp_path, fmt, magic):
    out = render.dot(readme_mlp(), "MLP", tmp_path / "mlp", format=fmt)
    assert out.suffix == f".{fmt}" and out.read_bytes().startswith(magic)
    out = render.render(cells.rnn(3, 4), tmp_path / f"rnn.{fmt}", style="cell")
    assert out.read_bytes().startswith(magic)


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"unknown diagram format 'gif'.*svg, png, pdf"):
        render.render(readme_mlp(), tmp_path / "x.gif")


def failing_graph():
    x = nn.Identity()()
    h = nn.Linear(20, 10)(x)
    y = nn.Linear(7, 3)(h).annotate(name="bad_layer")  # expects 7 features, gets 10
    return nn.gModule([x], [y], name="broken net")


@pytest.fixture
def debug_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("PYGRAPHNN_DEBUG_DIR", str(tmp_path / "debug"))
    ng.set_debug(True)
    yield tmp_path / "debug"
    ng.set_debug(False)


@needs_dot
def test_debug_svg_fills_the_failing_node_red(debug_mode):
    g = failing_graph()
    with pytest.raises(ng.GraphRuntimeError) as e:
        g(torch.rand(2, 20))
    path = debug_mode / "broken_net.svg"
    assert str(path) in str(e.value)
    svg = path.read_text()
    groups = re.findall(r'<g id="node\d+" class="node">(.*?)</g>', svg, re.S)
    red = [grp for grp in groups if 'fill="red"' in grp]
    assert len(red) == 1 and "bad_layer" in red[0] and "nn.Linear(7 &#45;&gt; 3)" in red[0]


def test_debug_writes_dot_text_without_graphviz(debug_mode, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    g = failing_graph()
    bad = next(n for n in g.graph.nodes if n.name == "bad_layer")
    path = Path(render.write_debug_svg(g, bad))
    assert path == debug_mode / "broken_net.dot"
    red = [line for line in path.read_text().splitlines() if 'fillcolor="red"' in line]
    assert len(red) == 1 and "bad_layer" in red[0]


# ---------------------------------------------------------------- cell style
def kinds(view):
    out: dict[str, list[str]] = {}
    for node in view.nodes.values():
        out.setdefault(node.kind, []).append(re.sub(r"<[^>]+>", " ", node.label).split()[0])
    return {k: sorted(v) for k, v in out.items()}


def edges_by_name(view):
    name = {k: n.name or k for k, n in view.nodes.items()}
    return {(name[a], name[b]): attrs for a, b, attrs in view.edges}


def test_lstm_cell_view_is_the_paper_drawing():
    view = render.cell_view(cells.lstm(8, 6))
    k = kinds(view)
    assert k["input"] == ["c", "h", "x"] and k["output"] == ["c", "h"]
    assert k["linear"] == ["h2h", "i2h"]
    assert k["activation"] == ["tanh", "tanh", "σ", "σ", "σ"]
    assert k["operator"] == ["+", "+", "•", "•", "•"]  # ⊙ drawn: a circle round a bullet
    assert [n.attrs["tooltip"][0] for n in view.nodes.values() if n.label == "•"] == ["⊙"] * 3
    assert set(k) == {"input", "output", "linear", "activation", "operator"}  # no plumbing left
    e = edges_by_name(view)
    assert e[("all_input_sums", "in_gate")]["label"].strip() == "1/4"  # chunks in Zaremba's order
    assert e[("all_input_sums", "in_transform")]["label"].strip() == "2/4"
    assert e[("all_input_sums", "forget_gate")]["label"].strip() == "3/4"
    assert e[("all_input_sums", "out_gate")]["label"].strip() == "4/4"
    assert {
        ("prev_c", "keep"),
        ("forget_gate", "keep"),
        ("in_gate", "write"),
        ("in_transform", "write"),
        ("keep", "next_c"),
        ("write", "next_c"),
        ("next_c", "squash"),
        ("out_gate", "next_h"),
        ("squash", "next_h"),
        ("x", "i2h"),
        ("prev_h", "h2h"),
    } <= set(e)
    assert ("next_c", "next_c") in e and ("next_h", "next_h") in e  # node -> output port
    text = render.to_dot_source(cells.lstm(8, 6), style="cell")
    assert 'subgraph "cluster_gates"' in text and 'label="gates"' in text
    assert "<I>h</I><SUB>t−1</SUB>" in text and "<I>c</I><SUB>t</SUB>" in text
    assert "Linear 8 → 24" in text and 'rankdir="LR"' in text and 'rank="source"' in text
    assert "Reshape" not in text and "SplitTable" not in text and "Identity" not in text


def test_gru_and_rnn_cell_views():
    view = render.cell_view(cells.gru(8, 6))
    k = kinds(view)
    assert k["input"] == ["h", "x"] and k["output"] == ["h"]
    assert len(k["linear"]) == 6 and k["activation"] == ["tanh", "σ", "σ"]
    assert sorted(k["operator"]) == sorted(["+", "+", "+", "+", "•", "•", "•", "1−"])  # 1 − z fused
    e = edges_by_name(view)
    assert ("reset_gate", "gated_hidden") in e and ("prev_h", "gated_hidden") in e
    assert ("gated_hidden", "h2h_candidate") in e and ("prev_h", "zhm1") in e
    view = render.cell_view(cells.rnn(8, 6))
    assert kinds(view) == {
        "input": ["h", "x"],
        "output": ["h"],
        "linear": ["h2h", "i2h"],
        "activation": ["tanh"],
        "operator": ["+"],
    }


def test_rankdir_and_title():
    text = render.to_dot_source(cells.rnn(3, 4), "RNN", style="cell", rankdir="TB")
    assert 'rankdir="TB"' in text and 'label="RNN"' in text
    assert 'rankdir="BT"' in render.to_dot_source(readme_mlp(), rankdir="BT")


def test_nested_gmodule_collapsed_or_expanded():
    inner = cells.rnn(4, 4)
    x, h = nn.Identity()().annotate(name="x"), nn.Identity()().annotate(name="prev_h")
    h1 = inner([x, h]).annotate(name="layer1")
    y = nn.Linear(4, 2)(h1).annotate(name="decoder")
    outer = nn.gModule([x, h], [h1, y], name="stack")
    collapsed = render.cell_view(outer)
    assert kinds(collapsed)["gmodule"] == ["layer1"]
    assert ("layer1", "decoder") in edges_by_name(collapsed)
    expanded = render.cell_view(outer, expand=True)
    k = kinds(expanded)
    assert "gmodule" not in k and k["linear"] == ["decoder", "h2h", "i2h"]
    e = edges_by_name(expanded)
    assert ("x", "i2h") in e and ("prev_h", "h2h") in e and ("next_h", "decoder") in e
    text = render.to_dot_source(render.cell_view(outer, expand=True))
    assert 'label="layer1 (gModule)"' in text


def test_unrolled_lstm_wires_state_between_steps_and_marks_shared_weights():
    view = render.unrolled_view(render.cell_view(cells.lstm(8, 6)), 3)
    steps = {c for c in view.clusters if len(c) == 1}
    assert steps == {("t = 1",), ("t = 2",), ("t = 3",)}
    ports = sorted(re.sub(r"<[^>]+>", "", view.nodes[k].label) for k in view.inputs)
    assert ports == ["c0", "h0", "x1", "x2", "x3"]  # state enters once
    outs = sorted(re.sub(r"<[^>]+>", "", view.nodes[k].label) for k in view.outputs)
    assert outs == ["c1", "c2", "c3", "h1", "h2", "h3"]
    wraps = [(a, b) for a, b, attrs in view.edges if attrs.get("constraint") == "false"]
    # c_t and h_t of step t wrap round to the start of step t+1 (rows stacked, not one long row)
    assert sorted(wraps) == sorted(
        [("t1_out1", "t2_in2"), ("t1_out2", "t2_in3"), ("t2_out1", "t3_in2"), ("t2_out2", "t3_in3")]
    )
    for a, b in wraps:
        assert view.nodes[a].label == view.nodes[b].label and view.nodes[b].kind == "carried"
    # ... where, as in the cell, c_{t-1} feeds the forget ⊙ and h_{t-1} feeds h2h
    assert ("t2_in2", "t2_n17") in [(a, b) for a, b, _ in view.edges]
    assert ("t2_in3", "t2_n4") in [(a, b) for a, b, _ in view.edges]
    assert view.rows == [["t1_in1", "t1_in2", "t1_in3"], ["t2_in1", "t2_in2", "t2_in3"], ["t3_in1", "t3_in2", "t3_in3"]]
    shared = [n for n in view.nodes.values() if "shared by all 3 steps" in n.label]
    assert sorted(n.name for n in shared) == ["h2h"] * 3 + ["i2h"] * 3
    text = render.to_dot_source(view)
    assert text.count('subgraph "cluster_t_1') >= 1 and 'label="step t = 2"' in text


def test_unroll_needs_to_know_the_state():
    x = nn.Identity()()
    g = nn.gModule([x], [nn.Tanh()(x), nn.Sigmoid()(x)])
    with pytest.raises(ValueError, match="annotate state inputs name='prev_h'"):
        render.to_dot_source(g, unroll=2)


@needs_dot
def test_cell_svg_and_jupyter_repr():
    svg = render.to_svg(cells.lstm(8, 6), style="cell")
    assert svg.lstrip().startswith("<?xml") or svg.lstrip().startswith("<svg")
    assert svg.count("⊙") == 3 and svg.count(">σ<") == 3
    assert render.mimebundle(cells.rnn(3, 4))["image/svg+xml"] == render.to_svg(cells.rnn(3, 4))


# ---------------------------------------------------------------- CLI
def test_cli_render_dot_text_to_stdout(capsys):
    assert main(["render", "models.cells:rnn", "--style", "cell", "--format", "dot", "-o", "-"]) == 0
    out = capsys.readouterr().out
    assert out.startswith('digraph "cell"') and "Linear 200 → 200" in out


@needs_dot
def test_cli_render_files(tmp_path):
    assert main(["render", "models.cells:lstm", "--style", "cell", "-o", str(tmp_path / "lstm.svg")]) == 0
    assert "⊙" in (tmp_path / "lstm.svg").read_text()
    assert (
        main(["render", "models.cells:cell", "--unroll", "2", "--format", "png", "-o", str(tmp_path / "unrolled")]) == 0
    )
    assert (tmp_path / "unrolled.png").read_bytes().startswith(b"\x89PNG")
    assert main(["render", "models/cells.py:gru", "--backward", "-o", str(tmp_path / "gru_bg.pdf")]) == 0
    assert (tmp_path / "gru_bg.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    "target,message",
    [
        ("models.cells", "expected MODULE:FACTORY"),
        ("models.cells:nope", "has no attribute 'nope'; callables there: cell, gru, lstm, rnn"),
        ("models.cells:DEFAULT_SIZE", "must be a gModule or a function returning one; got builtins.int"),
        ("no_such_module_xyz:f", "cannot import module 'no_such_module_xyz'"),
    ],
)
def test_cli_errors_are_clear(capsys, target, message):
    assert main(["render", target, "--format", "dot", "-o", "-"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pygraphnn render: error: ") and message in err


def test_cli_rejects_unknown_format_and_bad_unroll(capsys):
    assert main(["render", "models.cells:rnn", "--format", "gif"]) == 2
    assert "unknown format 'gif'" in capsys.readouterr().err
    assert main(["render", "models.cells:rnn", "--unroll", "0", "--format", "dot", "-o", "-"]) == 2
    assert "--unroll needs a positive number" in capsys.readouterr().err


def test_cli_help_lists_render(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0 and "render" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["render", "--help"])
    out = capsys.readouterr().out
    assert "MODULE:FACTORY" in out and "--unroll" in out and "models.cells:lstm" in out


def test_cli_render_format_dot_goes_to_stdout_and_takes_absolute_paths(capsys, tmp_path, monkeypatch):
    """``--format dot`` without ``-o`` prints DOT (it used to write rnn.dot); an absolute
    ``path.py:function`` works from any folder."""
    monkeypatch.chdir(tmp_path)
    cells_py = Path(__file__).resolve().parents[1] / "models" / "cells.py"
    assert main(["render", f"{cells_py}:rnn", "--style", "cell", "--format", "dot"]) == 0
    assert capsys.readouterr().out.startswith('digraph "cell"')
    assert list(tmp_path.iterdir()) == []
    assert main(["render", f"{tmp_path}/nothing.py:f", "--format", "dot"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_cli_render_a_t7_gmodule(capsys, tmp_path):
    from conftest import shared_data_dir

    t7 = shared_data_dir() / "t7" / "gmodule_with_linear_identity.t7"
    if not t7.is_file():
        pytest.skip(f"{t7} not found (set PYGRAPHNN_DATA)")
    assert main(["render", str(t7), "--format", "dot"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("digraph") and "Linear" in out and "CAddTable" in out
    assert main(["render", str(shared_data_dir() / "t7" / "doubletensor.t7"), "--format", "dot"]) == 2
    assert "not an nngraph gModule" in capsys.readouterr().err


@needs_dot
def test_svg_text_avoids_glyphs_common_fonts_lack():
    """cairosvg (and browsers without a math font) show ⊙ as a box: the SVG's visible text
    must be drawable with any common font; ⊙ is drawn (circle + bullet) and stays in tooltips."""
    from models import classic_cells

    for g in (cells.lstm(8, 6), cells.gru(4, 5), classic_cells.peephole_lstm(3, 4)):
        svg = render.to_svg(g, style="cell")
        visible = "".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
        assert "⊙" not in visible and "•" in visible
        assert "⊙" in svg  # the tooltip still says what it is


def test_layer_suffixed_state_names_read_as_math():
    """``next_c_1`` (layer 1 of a stack) is c with subscript t and superscript (1), not ``c_1_t``."""
    from models import classic_cells

    view = render.cell_view(classic_cells.peephole_lstm(3, 4))
    labels = [view.nodes[k].label for k in view.outputs]
    assert labels[0] == "<I>c</I><SUB>t</SUB><SUP>(1)</SUP>" and labels[1] == "<I>h</I><SUB>t</SUB><SUP>(1)</SUP>"
    assert not any("_1" in lab for lab in labels)
    assert render.cell.math_name("prev_h_12") == ("h^12", "t-1") and render.cell.math_name("next_h") == ("h", "t")


@needs_dot
def test_unrolled_diagram_is_folded_to_a_readable_size():
    """Three steps used to make a 3108 x 463 px row (tiny text once scaled to a page): the
    steps now stack, so the picture stays about one cell wide."""
    from pygraphnn.render.engine import run_dot

    one = render.to_dot_source(cells.lstm(), style="cell")
    three = render.to_dot_source(cells.lstm(), style="cell", unroll=3)
    w1, _ = png_size(run_dot(one, "png"))
    w3, h3 = png_size(run_dot(three, "png"))
    assert w3 < 1.5 * w1 and h3 > w3 / 2


def png_size(png: bytes) -> tuple[int, int]:
    import struct

    return struct.unpack(">II", png[16:24])


def test_gru_bold_names_keep_a_gap_above_the_detail_line():
    view = render.cell_view(cells.gru(4, 5))
    node = next(n for n in view.nodes.values() if n.name == "i2h_candidate")
    assert re.search(r"</B><BR/><FONT POINT-SIZE=\"3\"> </FONT><BR/>", node.label)
