"""Where a compiled window's recurrent loop spends its time: one LSTM layer over a window.

    python -m benchmarks.window_loop [--rnn 200 --batch 20 --steps 20 --rounds 7 --iters 10]

Forward + backward of Zaremba's cell over ``--steps`` steps (the PTB small layer), in
thread CPU time (``time.thread_time``: steadier than wall time on a shared machine), the
best of ``--rounds`` rounds in each of ``--passes`` passes (the variants in a new random
order each pass):

* ``window``: ``ng.compile_window`` (the loop's backward generated from the graph);
* ``window_autograd``: the same with ``generated_backward=False`` (autograd records the steps);
* ``nn.LSTM``: ``torch.nn.LSTM`` (oneDNN's fused kernel on CPU);
* ``matrix products only``: the same layer's products and nothing else -- the input
  product over the window, one ``addmm`` a step, in the backward one ``g @ W`` a step,
  the input gradient and the two weight gradients over the window -- the floor of any
  implementation that runs the steps one by one with the same BLAS.

The gap between a window and the floor is its pointwise work and bookkeeping.
"""

from __future__ import annotations

import argparse
import random
import time

import torch

if __package__ in (None, ""):  # run as a script (python benchmarks/x.py): make the repo importable
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pygraphnn as ng
from models.cells import lstm


def best_ms(fn, iters: int, rounds: int) -> float:
    """The best over ``rounds`` of the mean thread CPU time of ``iters`` calls (ms)."""
    fn()
    best = float("inf")
    for _ in range(rounds):
        t0 = time.thread_time()
        for _ in range(iters):
            fn()
        best = min(best, (time.thread_time() - t0) / iters * 1e3)
    return best


def variants(H: int, B: int, T: int) -> dict:
    x = torch.randn(T, B, H, requires_grad=True)
    s0 = [torch.zeros(B, H), torch.zeros(B, H)]

    def window_step(win):
        def run():
            hs, _ = win(x, s0)
            hs[1].backward(torch.ones_like(hs[1]))

        return run

    net = torch.nn.LSTM(H, H)

    def nn_lstm():
        out, _ = net(x)
        out.backward(torch.ones_like(out))

    W, W_in = torch.randn(4 * H, H), torch.randn(4 * H, H)
    X, h, g = torch.randn(T * B, H), torch.randn(B, H), torch.randn(B, 4 * H)
    G = torch.randn(T * B, 4 * H)

    def products():
        A = torch.mm(X, W_in.t()).unflatten(0, (T, B))
        for t in range(T):
            torch.addmm(A[t], h, W.t())
        for _ in range(T):
            g.mm(W)
        G.mm(W_in)  # the input gradient over the window
        G.t().mm(X)  # the two weight gradients over the window
        G.t().mm(X)

    return {
        "window": window_step(ng.compile_window(lstm(H, H), T)),
        "window_autograd": window_step(ng.compile_window(lstm(H, H), T, generated_backward=False)),
        "nn.LSTM": nn_lstm,
        "matrix products only": products,
    }


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rnn", type=int, default=200)
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--passes", type=int, default=5, help="interleaved passes, each in a new random order")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    runs = variants(args.rnn, args.batch, args.steps)
    times = {name: float("inf") for name in runs}
    order = list(runs)
    shuffle = random.Random(0).shuffle
    for _ in range(args.passes):  # interleaved, in a new order each pass: each variant's best
        shuffle(order)
        for name in order:
            times[name] = min(times[name], best_ms(runs[name], args.iters, args.rounds))
    floor = times["matrix products only"]
    print(f"one LSTM layer, {args.rnn} units, batch {args.batch}, {args.steps} steps, forward + backward, 1 thread")
    print("| variant | thread CPU ms | over the products |")
    print("|---|---|---|")
    for name, ms in times.items():
        print(f"| {name} | {ms:.2f} | {ms - floor:+.2f} |")
    return times


if __name__ == "__main__":
    main()
