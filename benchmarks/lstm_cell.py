"""Forward+backward of Zaremba's LSTM cell: gModule vs the same math hand-written.

    python -m benchmarks.lstm_cell [--rnn 200 --batch 20 --rounds 30 --iters 50 --threads 1]

Both modules get identical weights and inputs, run in one process, interleaved
(the order alternates every round); the figure is the median over rounds of the
per-iteration time, and the ratio gModule / hand-written (1.00 = no overhead).
Also times the Lua idiom (``g.forward`` + ``g.backward``), the same with Lua's buffer semantics on (as
ported programs run it) and ``torch.compile``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

if __package__ in (None, ""):  # run as a script (python benchmarks/x.py): make the repo importable
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.cells import lstm
from pygraphnn import set_lua_buffers


class HandWrittenLSTMCell(torch.nn.Module):
    """The same computation as Zaremba's cell, written as a plain torch module."""

    def __init__(self, input_size: int, rnn_size: int):
        super().__init__()
        self.rnn_size = rnn_size
        self.i2h = torch.nn.Linear(input_size, 4 * rnn_size)
        self.h2h = torch.nn.Linear(rnn_size, 4 * rnn_size)

    def forward(self, x, prev_c, prev_h):
        gates = (self.i2h(x) + self.h2h(prev_h)).view(-1, 4, self.rnn_size)
        in_gate, in_transform, forget_gate, out_gate = gates.unbind(1)
        next_c = torch.sigmoid(forget_gate) * prev_c + torch.sigmoid(in_gate) * torch.tanh(in_transform)
        next_h = torch.sigmoid(out_gate) * torch.tanh(next_c)
        return [next_c, next_h]


def step_torch(m, inputs, grads):
    out = m(*inputs)
    torch.autograd.backward(out, grads)


def step_lua(g, inputs, grads):
    g.forward(list(inputs))
    g.backward(list(inputs), list(grads))


def step_lua_buffers(g, inputs, grads):
    """The Lua idiom with Lua's buffer semantics on, as a ported program runs it (pygraphnn.buffers)."""
    previous = set_lua_buffers(True)
    try:
        step_lua(g, inputs, grads)
    finally:
        set_lua_buffers(previous)


def measure(fns: dict, rounds: int, iters: int) -> dict[str, float]:
    times: dict[str, list[float]] = {k: [] for k in fns}
    names = list(fns)
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            fn = fns[name]
            t0 = time.perf_counter()
            for _ in range(iters):
                fn()
            times[name].append((time.perf_counter() - t0) / iters)
    return {k: statistics.median(v) for k, v in times.items()}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rnn", type=int, default=200)
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--compile", action="store_true", help="also time torch.compile'd versions")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    g = lstm(args.rnn, args.rnn)
    hand = HandWrittenLSTMCell(args.rnn, args.rnn)
    hand.load_state_dict({k: v for k, v in g.state_dict().items() if k.split(".")[0] in ("i2h", "h2h")})
    inputs = [torch.randn(args.batch, args.rnn) for _ in range(3)]
    inputs = [inputs[0], inputs[1], inputs[2]]
    grads = [torch.randn(args.batch, args.rnn) for _ in range(2)]
    for a, b in zip(g(*inputs), hand(*inputs)):
        torch.testing.assert_close(a, b)

    # The Lua idiom's backward also returns gradInput; compare it with the same work.
    leaf_inputs = [t.clone().requires_grad_(True) for t in inputs]
    fns = {
        "gModule": lambda: step_torch(g, inputs, grads),
        "hand-written": lambda: step_torch(hand, inputs, grads),
        "gModule, Lua idiom": lambda: step_lua(g, inputs, grads),
        "gModule, Lua buffers": lambda: step_lua_buffers(g, inputs, grads),
        "hand-written + gradInput": lambda: step_torch(hand, leaf_inputs, grads),
    }
    if args.compile:
        cg, ch = torch.compile(g), torch.compile(hand)
        fns["gModule, compiled"] = lambda: step_torch(cg, inputs, grads)
        fns["hand-written, compiled"] = lambda: step_torch(ch, inputs, grads)
    measure(fns, 2, args.iters)  # warm-up (and compilation)
    res = measure(fns, args.rounds, args.iters)
    base = res["hand-written"]
    print(
        f"Zaremba LSTM cell fwd+bwd, rnn {args.rnn}, batch {args.batch}, float32, CPU, "
        f"{args.threads} thread(s), median of {args.rounds} rounds x {args.iters} iterations"
    )
    print(f"{'variant':<26} {'us/iter':>9} {'vs hand-written':>16}   (Lua idiom vs hand-written + gradInput)")
    for name, t in res.items():
        ref = {
            "gModule, compiled": res.get("hand-written, compiled"),
            "gModule, Lua idiom": res["hand-written + gradInput"],
            "gModule, Lua buffers": res["hand-written + gradInput"],
        }.get(name, base)
        print(f"{name:<26} {t * 1e6:>9.1f} {t / ref:>15.3f}x")


if __name__ == "__main__":
    main()
