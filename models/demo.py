"""The main demo: Zaremba's LSTM cell declared the nngraph way, run both ways, drawn.

    python -m models.demo [--rnn 200] [--batch 20] [--out out/demo]

Builds the cell, runs it the PyTorch way and the Lua way (forward/backward),
checks they agree, prints the generated forward code and writes the nngraph-style
and paper-style diagrams (when graphviz is installed).
"""

from __future__ import annotations

import argparse
import os

import torch

import pygraphnn as ng
from models.cells import lstm


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rnn", type=int, default=200, help="rnn_size (default 200, the tutorial's small config)")
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--out", default=os.path.join("out", "demo"), help="prefix of the diagram files")
    args = ap.parse_args(argv)

    torch.manual_seed(1)
    cell = lstm(args.rnn, args.rnn)
    print(
        f"Zaremba's LSTM cell: {len(cell.graph.nodes)} nodes, {sum(p.numel() for p in cell.parameters())} parameters\n"
    )
    print("Generated forward (g.code):\n")
    print(cell.code)

    x, prev_c, prev_h = (torch.randn(args.batch, args.rnn) for _ in range(3))
    next_c, next_h = cell(x, prev_c, prev_h)  # PyTorch idiom
    lua_c, lua_h = cell.forward([x, prev_c, prev_h])  # Lua idiom
    grads = cell.backward([x, prev_c, prev_h], [torch.ones_like(lua_c), torch.ones_like(lua_h)])
    assert torch.equal(next_c, lua_c) and torch.equal(next_h, lua_h)
    print(
        f"PyTorch and Lua idioms agree: next_c {tuple(next_c.shape)}, next_h {tuple(next_h.shape)}; "
        f"gradInput shapes {[tuple(t.shape) for t in grads]}"
    )

    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    try:
        ng.dot(cell.fg, "Zaremba LSTM cell", args.out)
        ng.render.render(cell, args.out + "_cell.svg", style="cell", rankdir="LR")
    except ng.render.GraphvizNotFound as e:
        print(f"\nNo diagram: {e}")
        return 0
    print(
        f"\nDiagrams: {args.out}.svg (nngraph style, sizes after the forward/backward), "
        f"{args.out}_cell.svg (paper style)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
