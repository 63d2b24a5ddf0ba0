"""Training throughput (words/s) of the PTB language model, several ways, same batches.

    python -m benchmarks.ptb_throughput [--config small] [--threads 1,2] [--rounds 7] [--steps 5]

One process; the variants run interleaved, in a new random order every round (seeded,
printed), each on the same windows of the training data, so load from other processes
hits them alike. Per variant: the median and the best round (words/s), the ratio to
``torch.nn.LSTM`` (medians) and the share of the FLOP limit: the step's matrix-product
FLOPs (3x the forward's: forward, input gradients, weight gradients) at the sgemm rate
measured in the same rounds on the decoder's product (its fastest call in all the rounds;
the same product through oneDNN is reported beside it). On a shared machine the words per
CPU-second of the process (``time.process_time``) are steadier than words per second: they
leave out the time other processes held the cores (with 2 threads they count both threads'
CPU time).

* ``lua``   -- pygraphnn, Lua idiom: T clones, forward 1..T, backward T..1 (``LuaTrainer``)
* ``torch`` -- pygraphnn, PyTorch idiom: the gModule called T times, autograd (``TorchTrainer``)
* ``torch_step`` -- as ``torch`` with ``batched_head=False``: the core gModule (softmax and
  criterion included) called at every step
* ``hand``  -- the same network hand-written in plain PyTorch (no pygraphnn), structured like
  ``torch``: cell steps, then one output layer over the window; flat parameters
* ``hand_step`` -- the same, structured like ``torch_step``/``lua`` (one softmax a step)
* ``nnlstm`` -- ``torch.nn.Embedding`` + ``torch.nn.LSTM`` over the whole
  window + one ``Linear``/``cross_entropy`` over all T*B positions
* ``window`` -- pygraphnn, ``ng.compile_window`` of the core network (``--trainer window``)
* ``window_autograd`` -- the window with its loops recorded by autograd step by step
  (``generated_backward=False``), as before the generated backward; not in the default list
* ``products`` -- only the step's matrix products at the window's shapes (:class:`Products`):
  the floor of any trainer built on torch's BLAS
* ``floor`` -- ``products`` plus the least else a step must do (embedding, softmax and the
  loss's gradient, bias gradient, clip and update: :class:`Floor`), no LSTM pointwise work
* ``window_compile`` -- the same under ``torch.compile`` (``--trainer window-compile``; its
  first step compiles, which the warm-up absorbs; not in the default list)

Every step is forward + backward + clip by norm + SGD.

``--malloc reuse`` (the default, as the training commands run) keeps glibc's freed large
blocks for the next step (:func:`pygraphnn.reuse_freed_memory`); ``--malloc glibc`` leaves
the C library's defaults, under which every step faults in fresh pages for its large
tensors (all variants pay it, unequally: it depends on each one's allocation pattern).
The page faults a step of each variant are reported.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import resource
import statistics
import time

import torch
import torch.nn.functional as F

if __package__ in (None, ""):  # run as a script (python benchmarks/x.py): make the repo importable
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.ptb.model import CONFIGS, Config, create_network
from models.ptb.train import DataState, LuaTrainer, TorchTrainer, WindowTrainer


class HandWritten:
    """Zaremba's network in plain PyTorch, one time step at a time, flat parameters."""

    def __init__(self, cfg: Config, V: int, batched_head: bool = False):
        self.batched_head = batched_head
        H, L = cfg.rnn_size, cfg.layers
        shapes = [(V, H)] + [(4 * H, H), (4 * H,), (4 * H, H), (4 * H,)] * L + [(V, H), (V,)]
        total = sum(torch.Size(s).numel() for s in shapes)
        self.flat = torch.empty(total).uniform_(-cfg.init_weight, cfg.init_weight)
        self.grad = torch.zeros(total)
        self.params, off = [], 0
        for s in shapes:
            n = torch.Size(s).numel()
            p = self.flat[off : off + n].view(s).requires_grad_(False)
            p = torch.nn.Parameter(p)
            p.grad = self.grad[off : off + n].view(s)
            self.params.append(p)
            off += n
        self.cfg, self.H = cfg, H
        self.state = [torch.zeros(cfg.batch_size, H) for _ in range(2 * L)]

    def step(self, x: torch.Tensor, y: torch.Tensor) -> float:
        cfg, H, p = self.cfg, self.H, self.params
        emb, h2y_w, h2y_b = p[0], p[-2], p[-1]
        s = self.state
        errs = []
        for t in range(x.shape[0]):
            i = F.embedding(x[t] - 1, emb)
            new_s = []
            for layer in range(cfg.layers):
                w_ih, b_ih, w_hh, b_hh = p[1 + 4 * layer : 5 + 4 * layer]
                prev_c, prev_h = s[2 * layer], s[2 * layer + 1]
                i = F.dropout(i, cfg.dropout, True)
                gates = F.linear(i, w_ih, b_ih) + F.linear(prev_h, w_hh, b_hh)
                in_g, in_t, f_g, o_g = gates.view(-1, 4, H).unbind(1)
                next_c = torch.sigmoid(f_g) * prev_c + torch.sigmoid(in_g) * torch.tanh(in_t)
                next_h = torch.sigmoid(o_g) * torch.tanh(next_c)
                new_s += [next_c, next_h]
                i = next_h
            i = F.dropout(i, cfg.dropout, True)
            if self.batched_head:
                errs.append(i)
            else:
                errs.append(F.nll_loss(torch.log_softmax(F.linear(i, h2y_w, h2y_b), 1), y[t] - 1))
            s = new_s
        if self.batched_head:
            log_probs = torch.log_softmax(F.linear(torch.stack(errs), h2y_w, h2y_b), -1)
            loss = F.nll_loss(log_probs.view(-1, log_probs.shape[-1]), (y - 1).reshape(-1)) * x.shape[0]
        else:
            loss = torch.stack(errs).sum()
        self.grad.zero_()
        loss.backward()
        norm = float(self.grad.norm())
        if norm > cfg.max_grad_norm:
            self.grad.mul_(cfg.max_grad_norm / norm)
        self.flat.add_(self.grad, alpha=-cfg.lr)
        self.state = [t.detach() for t in s]
        return loss.item() / x.shape[0]


class NNLSTM:
    """``torch.nn.LSTM`` over the window, one output projection over all positions."""

    def __init__(self, cfg: Config, V: int):
        H = cfg.rnn_size
        self.emb = torch.nn.Embedding(V, H)
        self.lstm = torch.nn.LSTM(H, H, cfg.layers, dropout=cfg.dropout)
        self.h2y = torch.nn.Linear(H, V)
        self.drop = torch.nn.Dropout(cfg.dropout)
        self.params = [*self.emb.parameters(), *self.lstm.parameters(), *self.h2y.parameters()]
        with torch.no_grad():
            for q in self.params:
                q.uniform_(-cfg.init_weight, cfg.init_weight)
        self.cfg = cfg
        self.state = (torch.zeros(cfg.layers, cfg.batch_size, H), torch.zeros(cfg.layers, cfg.batch_size, H))

    def step(self, x: torch.Tensor, y: torch.Tensor) -> float:
        cfg = self.cfg
        out, (h, c) = self.lstm(self.drop(self.emb(x - 1)), self.state)
        logits = self.h2y(self.drop(out))
        loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), (y - 1).reshape(-1)) * x.shape[0]
        for q in self.params:
            q.grad = None
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, cfg.max_grad_norm)
        with torch.no_grad():
            torch._foreach_add_(self.params, [q.grad for q in self.params], alpha=-cfg.lr)
        self.state = (h.detach(), c.detach())
        return loss.item() / x.shape[0]


class Products:
    """Only the step's matrix products, at the shapes the window runs them (the floor of
    any trainer that does them with torch's BLAS): per layer the input-side product over
    the window, ``T`` state products forward and ``T`` backward, the input gradient and the
    two weight gradients over the window; the decoder's forward, input and weight
    gradients. No embedding, activation, loss, clipping or update."""

    def __init__(self, cfg: Config, V: int):
        H, R, B = cfg.rnn_size, cfg.seq_length * cfg.batch_size, cfg.batch_size
        self.cfg, self.T = cfg, cfg.seq_length
        self.x, self.h, self.g4 = torch.randn(R, H), torch.randn(B, H), torch.randn(B, 4 * H)
        self.w_in, self.w_h, self.b4 = torch.randn(4 * H, H), torch.randn(4 * H, H), torch.randn(R, 4 * H)
        self.G4 = torch.randn(R, 4 * H)
        self.dec_w, self.dec_b, self.G = torch.randn(V, H), torch.randn(V), torch.randn(R, V)

    def step(self, x: torch.Tensor, y: torch.Tensor) -> float:
        for _ in range(self.cfg.layers):
            torch.addmm(self.b4, self.x, self.w_in.t())  # input side, once a window
            for _ in range(self.T):
                torch.addmm(self.b4[: self.h.shape[0]], self.h, self.w_h.t())
            for _ in range(self.T):
                self.g4.mm(self.w_h)
            self.G4.mm(self.w_in)  # input gradient over the window
            self.G4.t().mm(self.x)  # the two weight gradients over the window
            self.G4.t().mm(self.x)
        torch.addmm(self.dec_b, self.x, self.dec_w.t())
        self.G.mm(self.dec_w)
        self.G.t().mm(self.x)
        return 0.0


class Floor(Products):
    """:class:`Products` plus the other work every trainer of this network must do at least
    once a step, each in its cheapest form: the embedding lookup and its gradient, the
    softmax over the logits and the loss's gradient made from it in place, the decoder's
    bias gradient, the clip (one norm) and the update (one pass) over every parameter. No
    LSTM pointwise work at all: what no implementation can go below with torch's kernels."""

    def __init__(self, cfg: Config, V: int):
        super().__init__(cfg, V)
        R, H = cfg.seq_length * cfg.batch_size, cfg.rnn_size
        self.logits = torch.randn(R, V)
        self.ids = torch.randint(0, V, (R,))
        self.emb = torch.randn(V, H)
        self.params = [self.emb, self.dec_w, self.dec_b]
        for _ in range(cfg.layers):
            self.params += [torch.randn(4 * H, H), torch.randn(4 * H), torch.randn(4 * H, H), torch.randn(4 * H)]
        self.grads = [torch.randn_like(q) for q in self.params]

    def step(self, x: torch.Tensor, y: torch.Tensor) -> float:
        super().step(x, y)
        rows = self.emb.index_select(0, self.ids)  # the lookup, and its gradient into the table
        self.grads[0].index_add_(0, self.ids, rows)
        p = torch.softmax(self.logits, 1)
        p.scatter_add_(1, self.ids.unsqueeze(1), torch.full((self.ids.shape[0], 1), -1.0)).mul_(0.05)
        p.sum(0)  # the decoder's bias gradient
        norm = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(self.grads)))
        torch._foreach_add_(self.params, self.grads, alpha=-1e-9 * float(norm))
        return 0.0


def train_matrix(cfg: Config, V: int, rows: int) -> torch.Tensor:
    """PTB's training matrix when the data is around, else random ids (same cost)."""
    try:
        from models.ptb.train import load_data

        vocab, data = load_data("word", cfg.batch_size)
        if len(vocab) == V:
            return data["train"][:rows]
    except Exception:  # fall back to synthetic ids
        pass
    g = torch.Generator().manual_seed(0)
    return torch.randint(1, V + 1, (rows, cfg.batch_size), generator=g)


def step_flops(cfg: Config, V: int) -> float:
    """Matrix-product FLOPs of one training step: forward (i2h and h2h of every layer, the
    decoder) and twice that again in the backward (input and weight gradients)."""
    H, rows = cfg.rnn_size, cfg.seq_length * cfg.batch_size
    forward = rows * (cfg.layers * 2 * (2 * H * 4 * H) + 2 * H * V)
    return 3.0 * forward


def _fastest(fn, repeats: int) -> float:
    """Seconds of the fastest of ``repeats`` calls (after one warm-up call): the rate the
    CPU gives when nothing interrupts it, so the limit is not lowered by a busy moment."""
    fn()
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def sgemm_rate(cfg: Config, V: int, repeats: int = 5) -> float:
    """FLOP/s of the decoder's product (T*B x H times H x V) at the current thread count, the
    fastest of ``repeats`` calls."""
    a = torch.randn(cfg.seq_length * cfg.batch_size, cfg.rnn_size)
    b = torch.randn(cfg.rnn_size, V)
    return 2.0 * a.shape[0] * a.shape[1] * b.shape[1] / _fastest(lambda: torch.mm(a, b), repeats)


def onednn_sgemm_rate(cfg: Config, V: int, repeats: int = 5) -> float | None:
    """FLOP/s of the same product through oneDNN (``torch.ops.mkldnn._linear_pointwise``, the
    kernel inductor's CPU fusion calls), where torch has it: on AMD CPUs it outruns the MKL
    ``sgemm`` behind ``torch.mm``, so the FLOP limit above is torch's, not the CPU's."""
    op = getattr(getattr(torch.ops, "mkldnn", None), "_linear_pointwise", None)
    if op is None or not torch.backends.mkldnn.is_available():
        return None
    a = torch.randn(cfg.seq_length * cfg.batch_size, cfg.rnn_size)
    w = torch.randn(V, cfg.rnn_size)
    try:
        op(a, w, None, "none", [], "")
    except RuntimeError:
        return None
    return 2.0 * a.shape[0] * a.shape[1] * w.shape[0] / _fastest(lambda: op(a, w, None, "none", [], ""), repeats)


def measure(cfg: Config, V: int, names: list[str], threads: int, rounds: int, steps: int, seed: int) -> dict:
    torch.set_num_threads(threads)
    T = cfg.seq_length
    data = train_matrix(cfg, V, (rounds * steps + 4) * T + 1)
    torch.manual_seed(cfg.seed)
    makers = {
        "lua": lambda: LuaTrainer(create_network(cfg, V), cfg),
        "torch": lambda: TorchTrainer(create_network(cfg, V), cfg),
        "torch_step": lambda: TorchTrainer(create_network(cfg, V), cfg, batched_head=False),
        "window": lambda: WindowTrainer(create_network(cfg, V), cfg),
        "window_compile": lambda: WindowTrainer(create_network(cfg, V), cfg, compile=True),
        "window_autograd": lambda: WindowTrainer(create_network(cfg, V), cfg, generated_backward=False),
        "hand": lambda: HandWritten(cfg, V, batched_head=True),
        "hand_step": lambda: HandWritten(cfg, V),
        "nnlstm": lambda: NNLSTM(cfg, V),
        "products": lambda: Products(cfg, V),
        "floor": lambda: Floor(cfg, V),
    }
    runners = {n: makers[n]() for n in names}
    states = {n: DataState(data) for n in names}

    cpu: dict[str, list[float]] = {n: [] for n in names}
    faults: dict[str, list[float]] = {n: [] for n in names}

    def run(name: str, n_steps: int) -> float:
        r, st = runners[name], states[name]
        f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(n_steps):
            if isinstance(r, (LuaTrainer, TorchTrainer)):
                r.train_step(st)
            else:
                if st.pos + T >= st.data.shape[0]:
                    st.pos = 0
                r.step(st.data[st.pos : st.pos + T], st.data[st.pos + 1 : st.pos + T + 1])
                st.pos += T
        words = n_steps * T * cfg.batch_size
        cpu[name].append(words / (time.process_time() - c0))
        faults[name].append((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / n_steps)
        return words / (time.perf_counter() - t0)

    for n in names:  # warm-up (and torch.compile's first compilation)
        run(n, 2)
    order_rng = random.Random(seed)
    wps: dict[str, list[float]] = {n: [] for n in names}
    rates: list[float] = []
    onednn: list[float] = []
    for r in range(rounds):
        order = names + ["sgemm"]
        order_rng.shuffle(order)
        for n in order:
            if n == "sgemm":
                rates.append(sgemm_rate(cfg, V))
                other = onednn_sgemm_rate(cfg, V)
                if other is not None:
                    onednn.append(other)
            else:
                wps[n].append(run(n, steps))
        print(
            f"  round {r + 1} ({' '.join(order)}): "
            + ", ".join(f"{n} {wps[n][-1]:.0f}" for n in names)
            + f", sgemm {rates[-1] / 1e9:.1f} GFLOP/s",
            flush=True,
        )
    limit = max(rates) / step_flops(cfg, V) * T * cfg.batch_size
    return {
        "wps": wps,
        "sgemm": rates,
        "limit": limit,
        "cpu": {n: v[-rounds:] for n, v in cpu.items()},
        "faults": {n: v[-rounds:] for n, v in faults.items()},
        "onednn": onednn,
    }


def report(cfg: Config, V: int, threads: int, res: dict) -> list[str]:
    wps, limit = res["wps"], res["limit"]
    med = {n: statistics.median(v) for n, v in wps.items()}
    lines = [
        f"| variant ({threads} thread{'s' if threads > 1 else ''}) | words/s median | best | "
        f"/ nn.LSTM | % of FLOP limit | words per CPU-second (median) | / nn.LSTM | page faults a step |",
        "|---|---|---|---|---|---|---|---|",
    ]
    cpu = {n: statistics.median(v) for n, v in res["cpu"].items()}
    for n in sorted(med, key=med.get, reverse=True):
        ratio = f"{med[n] / med['nnlstm']:.2f}x" if "nnlstm" in med else "-"
        cpu_ratio = f"{cpu[n] / cpu['nnlstm']:.2f}x" if "nnlstm" in cpu else "-"
        lines.append(
            f"| {n} | {med[n]:,.0f} | {max(wps[n]):,.0f} | {ratio} | {100 * med[n] / limit:.0f}% | "
            f"{cpu[n]:,.0f} | {cpu_ratio} | {statistics.median(res['faults'][n]):,.0f} |"
        )
    lines.append(
        f"| FLOP limit ({step_flops(cfg, V) / 1e9:.2f} GFLOP a step at {max(res['sgemm']) / 1e9:.1f} "
        f"GFLOP/s) | {limit:,.0f} | | | 100% | | | |"
    )
    if res.get("onednn"):
        lines.append(
            f"(the same product through oneDNN: best {max(res['onednn']) / 1e9:.1f} GFLOP/s, "
            f"{max(res['onednn']) / max(res['sgemm']):.2f}x torch.mm's)"
        )
    return lines


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default="small", choices=sorted(CONFIGS))
    ap.add_argument("--threads", default="1,2", help="thread counts, comma-separated [1,2]")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--steps", type=int, default=5, help="steps a variant a round")
    ap.add_argument("--seed", type=int, default=0, help="seed of the order of the variants in each round")
    ap.add_argument(
        "--variants",
        default="lua,torch,torch_step,window,hand,hand_step,nnlstm",
        help="comma-separated; add window_compile for torch.compile of the window",
    )
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
    cfg = CONFIGS[args.config]
    V = 10000
    names = args.variants.split(",")
    print(
        f"{args.config} config, batch {cfg.batch_size} x seq {cfg.seq_length}, vocabulary {V}, "
        f"{args.rounds} rounds x {args.steps} steps; load average {os.getloadavg()[0]:.2f} on "
        f"{os.cpu_count()} CPUs; malloc: {args.malloc}",
        flush=True,
    )
    results = {}
    for threads in [int(t) for t in args.threads.split(",")]:
        print(f"{threads} thread(s):", flush=True)
        res = measure(cfg, V, names, threads, args.rounds, args.steps, args.seed)
        results[threads] = res
        print("\n".join(report(cfg, V, threads, res)), flush=True)
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return results


if __name__ == "__main__":
    main()
