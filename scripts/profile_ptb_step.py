"""Where a PTB training step's time goes: torch.profiler over a few steps of each trainer.

    python scripts/profile_ptb_step.py [--steps 5] [--threads 1] [--variants torch,window,nnlstm] [--top 12]

Prints, per variant, the ATen operator calls and the autograd nodes run a step, the
share of the matrix products (``mm``/``addmm``/``bmm``), of zero-filling (``fill_``/``zero_``) and of the softmax and
loss operators in the step's CPU time; with ``--top N`` also the N operators with the
most self time (calls a step, share). Shares are what to compare: under load the
absolute times stretch, the shares much less. ``window_autograd`` is the window with its
loops recorded by autograd (``generated_backward=False``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from torch.profiler import profile

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ptb_throughput import NNLSTM
from models.ptb.model import CONFIGS, create_network
from models.ptb.train import DataState, TorchTrainer, WindowTrainer

GROUPS = {
    "matrix products": ("aten::mm", "aten::addmm", "aten::bmm"),
    "zero-filling": ("aten::fill_", "aten::zero_"),
    "softmax + loss": (
        "aten::_log_softmax",
        "aten::_softmax",
        "aten::_log_softmax_backward_data",
        "aten::nll_loss_forward",
        "aten::nll_loss_backward",
        "aten::exp",
        "aten::scatter_add_",
        "aten::gather",
    ),
}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--variants", default="torch,window,nnlstm")
    ap.add_argument("--top", type=int, default=0, help="also list the N operators with the most self time")
    ap.add_argument(
        "--malloc",
        default="reuse",
        choices=["reuse", "glibc"],
        help="reuse: keep freed large blocks (pygraphnn.reuse_freed_memory, as training does); glibc: its defaults",
    )
    args = ap.parse_args(argv)
    if args.malloc == "reuse":
        import pygraphnn as ng

        ng.reuse_freed_memory()
    torch.set_num_threads(args.threads)
    cfg, V, T = CONFIGS["small"], 10000, CONFIGS["small"].seq_length
    data = torch.randint(1, V + 1, (1000, cfg.batch_size), generator=torch.Generator().manual_seed(0))
    makers = {
        "torch": lambda: TorchTrainer(create_network(cfg, V), cfg),
        "window": lambda: WindowTrainer(create_network(cfg, V), cfg),
        "window_autograd": lambda: WindowTrainer(create_network(cfg, V), cfg, generated_backward=False),
        "nnlstm": lambda: NNLSTM(cfg, V),
    }
    for name in args.variants.split(","):
        r, st = makers[name](), DataState(data)

        def step(r=r, st=st):  # bound now: ruff's B023 cannot see it runs in this iteration
            if isinstance(r, NNLSTM):
                r.step(st.data[st.pos : st.pos + T], st.data[st.pos + 1 : st.pos + T + 1])
                st.pos += T
            else:
                r.train_step(st)

        for _ in range(2):
            step()
        with profile() as prof:
            for _ in range(args.steps):
                step()
        ev = [e for e in prof.key_averages() if e.key.startswith("aten::")]
        total = sum(e.self_cpu_time_total for e in prof.key_averages())
        calls = sum(e.count for e in ev)
        nodes = sum(e.count for e in prof.key_averages() if e.key.startswith("autograd::engine::evaluate_function"))
        shares = {g: sum(e.self_cpu_time_total for e in ev if e.key in keys) / total for g, keys in GROUPS.items()}
        print(
            f"{name:16s} {calls / args.steps:6.0f} ATen calls and {nodes / args.steps:5.0f} autograd nodes a step, "
            f"{total / args.steps / 1e3:6.1f} ms a step; "
            + ", ".join(f"{g} {100 * s:.0f}%" for g, s in shares.items()),
            flush=True,
        )
        for e in sorted(ev, key=lambda e: e.self_cpu_time_total, reverse=True)[: args.top]:
            print(
                f"    {e.key:32s} {e.count / args.steps:6.0f} calls a step {100 * e.self_cpu_time_total / total:5.1f}%"
            )


if __name__ == "__main__":
    main()
