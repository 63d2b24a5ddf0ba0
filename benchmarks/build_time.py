"""Graph build + compile time for graphs of 1k, 10k and 100k nodes (must grow linearly).

    python -m benchmarks.build_time [--sizes 1000 10000 100000]

Each graph is a chain of blocks ``h = CAddTable(Tanh(h), Sigmoid(h))`` (3 nodes a
block, so every node has fan-out and the DAG is not a plain chain). Reports
declare, validate+compile and total times, and the time per node.
"""

from __future__ import annotations

import argparse
import sys
import time

sys.setrecursionlimit(10000)

import pygraphnn as ng  # noqa: E402
from pygraphnn import nn  # noqa: E402


def build(n_nodes: int) -> tuple[float, float, ng.gModule]:
    t0 = time.perf_counter()
    x = nn.Identity()()
    h = x
    for _ in range(max(1, (n_nodes - 1) // 3)):
        h = nn.CAddTable()([nn.Tanh()(h), nn.Sigmoid()(h)])
    t1 = time.perf_counter()
    g = ng.gModule([x], [h])
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, g


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    args = ap.parse_args(argv)
    build(300)  # warm-up
    print(f"{'nodes':>8} {'declare s':>10} {'build+compile s':>16} {'total s':>8} {'us/node':>8}")
    for n in args.sizes:
        d, c, g = build(n)
        nodes = len(g.graph.nodes)
        print(f"{nodes:>8} {d:>10.3f} {c:>16.3f} {d + c:>8.3f} {(d + c) / nodes * 1e6:>8.1f}", flush=True)


if __name__ == "__main__":
    main()
