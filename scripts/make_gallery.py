"""Regenerate docs/gallery/ (SVG + PNG of every diagram) and docs/gallery.md.

    .venv/bin/python scripts/make_gallery.py

Needs graphviz's ``dot``. PNGs are written at 72 dpi to keep the repository small;
the SVGs carry the tooltips (declaration sites).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import pygraphnn as ng  # noqa: E402
from models import cells, classic_cells, nngraph_readme  # noqa: E402
from pygraphnn import nn, render  # noqa: E402
from pygraphnn.render.engine import run_dot  # noqa: E402

OUT = REPO / "docs" / "gallery"
PNG_DPI = 72


# ------------------------------------------------------------ the nngraph README graphs
def mlp():
    return nngraph_readme.mlp(), torch.rand(20), torch.rand(1)


def two_in_two_out():
    return nngraph_readme.two_in_two_out(), [torch.rand(20), torch.rand(10)], [torch.rand(1), torch.rand(1)]


def containers():
    return nngraph_readme.containers(), torch.rand(2, 10), torch.rand(50)


def more_fun_annotated():
    return nngraph_readme.more_fun_annotated(), torch.rand(10), torch.rand(160)


def broken():
    x = nn.Identity()()
    h = nn.Tanh()(nn.Linear(20, 10)(x))
    y = nn.Linear(7, 3)(h).annotate(name="bad_layer")  # expects 7 features, gets 10
    return nn.gModule([x], [y], name="debug_example")


# ------------------------------------------------------------ writing
def write(name: str, source: str) -> None:
    (OUT / f"{name}.svg").write_bytes(run_dot(source, "svg"))
    small = source.replace("{\n", f"{{\n\tgraph [dpi={PNG_DPI}];\n", 1)
    (OUT / f"{name}.png").write_bytes(run_dot(small, "png"))
    print(
        f"  {name}: {(OUT / f'{name}.svg').stat().st_size // 1024} KiB svg, "
        f"{(OUT / f'{name}.png').stat().st_size // 1024} KiB png"
    )


SECTIONS: list[tuple[str, str, str]] = []  # (file stem, heading, text)


def nngraph_examples() -> None:
    blurbs = {
        "mlp": (
            "MLP (nngraph README)",
            "`ng.dot(g.fg, 'mlp', 'out/mlp')` after a forward and a backward: "
            "nngraph's dummy input (`Node7`) and output (`Node2`) nodes, module sizes and the sizes of "
            "input, output and gradOutput.",
        ),
        "two_in_two_out": (
            "Two inputs, two outputs",
            "Several inputs go through nngraph's split node "
            "(`nSplitOutputs = 2`) and one select node each; `mapindex` gives the input order.",
        ),
        "containers": (
            "Containers with split",
            "A `Sequential(SplitTable, ParallelTable)` node whose table output is `:split(2)`, then joined again.",
        ),
        "more_fun_annotated": (
            "Annotated graph",
            "`annotate{name=..., description=..., graphAttributes=...}`: "
            "the name and description head the label, graphAttributes reach graphviz.",
        ),
    }
    for name, build in [
        ("mlp", mlp),
        ("two_in_two_out", two_in_two_out),
        ("containers", containers),
        ("more_fun_annotated", more_fun_annotated),
    ]:
        g, x, gout = build()
        fg = render.forward_graph(g, x, gout)
        write(f"{name}_fg", render.to_dot_source(fg, name))
        SECTIONS.append((f"{name}_fg", *blurbs[name]))


def cell_examples() -> None:
    write("lstm_cell", render.to_dot_source(cells.lstm(), "LSTM cell (Zaremba)", style="cell"))
    SECTIONS.append(
        (
            "lstm_cell",
            "LSTM cell",
            "`pygraphnn render models.cells:lstm --style cell`. The "
            "Reshape/SplitTable/split plumbing is gone: the `+` of the gate pre-activations feeds "
            "the four gates, each edge labelled with its chunk (Zaremba's order i, g, f, o).",
        )
    )
    write("gru_cell", render.to_dot_source(cells.gru(), "GRU cell (char-rnn)", style="cell"))
    SECTIONS.append(
        (
            "gru_cell",
            "GRU cell",
            "char-rnn's `GRU.lua`; `AddConstant(1)(MulConstant(-1)(z))` is drawn as one `1−` node.",
        )
    )
    write("peephole_cell", render.to_dot_source(classic_cells.peephole_lstm(), "Peephole LSTM cell", style="cell"))
    SECTIONS.append(
        (
            "peephole_cell",
            "Peephole LSTM cell",
            "`models.classic_cells.peephole_lstm`: the gates "
            "look at the previous cell state. State names with a layer number (`next_c_1`) read as "
            "c<sub>t</sub><sup>(1)</sup>.",
        )
    )
    write("rnn_cell", render.to_dot_source(cells.rnn(), "Vanilla RNN cell", style="cell"))
    SECTIONS.append(("rnn_cell", "Vanilla RNN cell", "`h_t = tanh(W x_t + U h_{t-1})`."))
    write("lstm_unrolled", render.to_dot_source(cells.lstm(), style="cell", unroll=3))
    SECTIONS.append(
        (
            "lstm_unrolled",
            "LSTM unrolled over 3 steps",
            "`pygraphnn render models.cells:lstm "
            "--unroll 3`: the steps stack top to bottom; the state outputs of step t (red) end its row "
            "and wrap round (dashed) to the start of step t+1; Linear boxes hold weights shared by "
            "all steps.",
        )
    )
    write("lstm_fg", render.to_dot_source(render.forward_graph(cells.lstm()), "LSTM (nngraph style)"))
    SECTIONS.append(
        (
            "lstm_fg",
            "The same LSTM, nngraph style",
            "What Lua's `graph.dot(m.fg, 'LSTM', ...)` shows: every node, plumbing included.",
        )
    )


def debug_example() -> None:
    os.environ["PYGRAPHNN_DEBUG_DIR"] = str(OUT)
    ng.set_debug(True)
    try:
        broken()(torch.rand(2, 20))
    except ng.GraphRuntimeError as e:
        print("  debug:", str(e).splitlines()[-1].strip())
    finally:
        ng.set_debug(False)
    g = broken()
    bad = next(n for n in g.graph.nodes if n.name == "bad_layer")
    source = render.nngraph.dot_source(
        render.forward_graph(g, values=False), render.debug.failure_title(g, bad), highlight=bad.index
    )
    small = source.replace("{\n", f"{{\n\tgraph [dpi={PNG_DPI}];\n", 1)
    (OUT / "debug_example.png").write_bytes(run_dot(small, "png"))
    SECTIONS.append(
        (
            "debug_example",
            "Debug SVG",
            "With `ng.set_debug(True)`, a failing forward writes "
            "`<name>.svg` (here `debug_example.svg`, in `$PYGRAPHNN_DEBUG_DIR` or the current "
            "directory) with the failing node filled red, and the error message gives its path.",
        )
    )


def as_chain(seq: torch.nn.Module, name: str) -> ng.gModule:
    """A Sequential as the gModule of its chain of modules (the renderer draws graphs)."""
    x = nn.Identity()()
    h = x
    for m in seq:
        h = m(h)
    return nn.gModule([x], [h], name=name)


def loaded_convnet() -> None:
    data = Path(os.environ.get("PYGRAPHNN_DATA", REPO.parent / "shared" / "data"))
    path = data / "t7" / "lua" / "legacy_convnet.t7"
    if not path.exists():
        print(f"  legacy_convnet: skipped, {path} not found (set PYGRAPHNN_DATA)")
        return
    ckpt = ng.load_t7(path)
    g = as_chain(ckpt.model, "legacy_convnet")
    write("legacy_convnet_fg", render.to_dot_source(render.forward_graph(g, ckpt.input), "legacy_convnet.t7"))
    SECTIONS.append(
        (
            "legacy_convnet_fg",
            "A loaded Torch7 convnet",
            "`ng.load_t7('legacy_convnet.t7')`: a "
            "VGG-style classifier trained and saved by Lua Torch7, its `nn.Sequential` drawn as a chain "
            "after a forward of the batch saved with it (the sizes each layer saw).",
        )
    )


def write_markdown() -> None:
    lines = [
        "# Gallery",
        "",
        "Every picture is regenerated by `scripts/make_gallery.py`. Click a picture for its SVG "
        "(hover a node: its tooltip is the line that declared it).",
        "",
    ]
    for stem, heading, text in SECTIONS:
        lines += [f"## {heading}", "", text, "", f"[![{heading}](gallery/{stem}.png)](gallery/{stem}.svg)", ""]
    (REPO / "docs" / "gallery.md").write_text("\n".join(lines))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(123)
    nngraph_examples()
    cell_examples()
    debug_example()
    loaded_convnet()
    write_markdown()
    print(f"wrote {REPO / 'docs' / 'gallery.md'}")


if __name__ == "__main__":
    main()
