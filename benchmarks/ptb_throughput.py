"""Training throughput (words/s) of the PTB language model, four ways, same batches.

    python -m benchmarks.ptb_throughput [--config small] [--threads 2] [--rounds 5] [--steps 10]

One process; the variants run interleaved (round 1: a, b, c, d; round 2: ...), each on
the same windows of the training data, so load from other processes hits them alike:

* ``lua``   -- pygraphnn, Lua idiom: T clones, forward 1..T, backward T..1 (``LuaTrainer``)
* ``torch`` -- pygraphnn, PyTorch idiom: the gModule called T times, autograd (``TorchTrainer``)
* ``torch_step`` -- as ``torch`` with ``batched_head=False``: the core gModule (softmax and
  criterion included) called at every step
* ``hand``  -- the same network hand-written in plain PyTorch (no pygraphnn), structured like
  ``torch``: cell steps, then one output layer over the window; flat parameters
* ``hand_step`` -- the same, structured like ``torch_step``/``lua`` (one softmax a step)
* ``nnlstm`` -- ``torch.nn.Embedding`` + ``torch.nn.LSTM`` over the whole
  window + one ``Linear``/``cross_entropy`` over all T*B positions

Every step is forward + backward + clip by norm + SGD. Reports the median words/s of
each variant over the rounds and the ratios (hand / torch: the pygraphnn overhead).
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

if __package__ in (None, ""):        # run as a script (python benchmarks/x.py): make the repo importable
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.ptb.model import CONFIGS, Config, create_network
from models.ptb.train import DataState, LuaTrainer, TorchTrainer


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
            p = self.flat[off:off + n].view(s).requires_grad_(False)
            p = torch.nn.Parameter(p)
            p.grad = self.grad[off:off + n].view(s)
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
                w_ih, b_ih, w_hh, b_hh = p[1 + 4 * layer:5 + 4 * layer]
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


def train_matrix(cfg: Config, V: int, rows: int) -> torch.Tensor:
    """PTB's training matrix when the data is around, else random ids (same cost)."""
    try:
        from models.ptb.train import load_data
        vocab, data = load_data("word", cfg.batch_size)
        if len(vocab) == V:
            return data["train"][:rows]
    except Exception:  # noqa: BLE001 - fall back to synthetic ids
        pass
    g = torch.Generator().manual_seed(0)
    return torch.randint(1, V + 1, (rows, cfg.batch_size), generator=g)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default="small", choices=sorted(CONFIGS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=10, help="steps a variant a round")
    ap.add_argument("--variants", default="lua,torch,torch_step,hand,hand_step,nnlstm")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    cfg = CONFIGS[args.config]
    V, T = 10000, cfg.seq_length
    data = train_matrix(cfg, V, (args.rounds * args.steps + 2) * T + 1)
    torch.manual_seed(cfg.seed)
    makers = {
        "lua": lambda: LuaTrainer(create_network(cfg, V), cfg),
        "torch": lambda: TorchTrainer(create_network(cfg, V), cfg),
        "torch_step": lambda: TorchTrainer(create_network(cfg, V), cfg, batched_head=False),
        "hand": lambda: HandWritten(cfg, V, batched_head=True),
        "hand_step": lambda: HandWritten(cfg, V),
        "nnlstm": lambda: NNLSTM(cfg, V),
    }
    names = args.variants.split(",")
    runners = {n: makers[n]() for n in names}
    states = {n: DataState(data) for n in names}

    def run(name: str, steps: int) -> float:
        r, st = runners[name], states[name]
        t0 = time.perf_counter()
        for _ in range(steps):
            if isinstance(r, (LuaTrainer, TorchTrainer)):
                r.train_step(st)
            else:
                if st.pos + T >= st.data.shape[0]:
                    st.pos = 0
                r.step(st.data[st.pos:st.pos + T], st.data[st.pos + 1:st.pos + T + 1])
                st.pos += T
        return steps * T * cfg.batch_size / (time.perf_counter() - t0)

    for n in names:          # warm-up
        run(n, 2)
    wps: dict[str, list[float]] = {n: [] for n in names}
    for r in range(args.rounds):
        for n in names:
            wps[n].append(run(n, args.steps))
        print(f"round {r + 1}: " + ", ".join(f"{n} {wps[n][-1]:.0f}" for n in names), flush=True)
    med = {n: statistics.median(v) for n, v in wps.items()}
    print(f"\n{args.config} config, {args.threads} threads, batch {cfg.batch_size} x seq {T}, "
          f"{args.rounds} rounds x {args.steps} steps; median words/s:")
    for n in names:
        print(f"  {n:10s} {med[n]:8.0f} words/s   ({min(wps[n]):.0f} .. {max(wps[n]):.0f})")
    for hand, ours in (("hand", "torch"), ("hand_step", "torch_step"), ("hand_step", "lua")):
        if hand in med and ours in med:
            print(f"  hand-written ({hand}) / pygraphnn ({ours}): {med[hand] / med[ours]:.3f}x")
    if "nnlstm" in med:
        for n in ("torch", "torch_step", "lua", "hand"):
            if n in med:
                print(f"  torch.nn.LSTM / {n}: {med['nnlstm'] / med[n]:.3f}x")
    return med


if __name__ == "__main__":
    main()
