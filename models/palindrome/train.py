"""Train one cell on the palindrome task (one seed), recording a training curve.

The cell (from :mod:`models.classic_cells`, with its output projection ``p_t``) is called
once per time step in a Python loop, on a batch of sequences; the loss is the
cross-entropy of ``p`` at the last step only (Lua's ``CrossEntropyCriterion``, 1-based
targets). Adam (or RMSProp), gradient-norm clipping.
Accuracy is measured on fresh samples from a generator of its own, never seen in training.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import torch

from models import classic_cells
from pygraphnn import nn

from .data import task

CELLS = {
    "rnn": classic_cells.rnn,
    "lstm": classic_cells.lstm,
    "peephole": classic_cells.peephole_lstm,
    "gru": classic_cells.gru,
    "charrnn_lstm": classic_cells.charrnn_lstm,
}
INPUTS = ("onehot", "embedding", "scalar")
STATE_KIND = {"rnn": "rnn", "lstm": "lstm_gates", "peephole": "peephole", "gru": "gru", "charrnn_lstm": "lstm"}


@dataclass
class Config:
    cell: str = "lstm"
    length: int = 20
    symbols: int = 10
    hidden: int = 64
    inputs: str = "onehot"  # "embedding" (a LookupTable of size `embedding`) or "scalar" (the digit's value)
    embedding: int = 16
    optimizer: str = "adam"  # or "rmsprop"
    lr: float = 3e-3
    batch: int = 64
    steps: int = 2000
    clip: float = 5.0
    forget_bias: float = 1.0  # initial forget-gate bias of lstm / peephole (as char-rnn's 1)
    eval_every: int = 100
    eval_samples: int = 500
    final_samples: int = 2000
    threads: int = 1

    def asdict(self) -> dict:
        return asdict(self)


class PalindromeNet(torch.nn.Module):
    """Encoder (one-hot or LookupTable) + a recurrent cell; ``forward`` returns the logits of the last step."""

    def __init__(self, cfg: Config):
        super().__init__()
        if cfg.cell not in CELLS:
            raise ValueError(f"unknown cell {cfg.cell!r}; expected one of {sorted(CELLS)}")
        if cfg.inputs not in INPUTS:
            raise ValueError(f"unknown inputs {cfg.inputs!r}; expected one of {INPUTS}")
        self.cfg = cfg
        self.lookup = nn.LookupTable(cfg.symbols, cfg.embedding) if cfg.inputs == "embedding" else None
        n_in = {"onehot": cfg.symbols, "embedding": cfg.embedding, "scalar": 1}[cfg.inputs]
        self.cell = CELLS[cfg.cell](n_in, cfg.hidden, cfg.symbols)
        self.n_state = len(classic_cells.STATE[STATE_KIND[cfg.cell]])
        self._init_forget_bias(cfg.forget_bias)

    @torch.no_grad()
    def _init_forget_bias(self, value: float) -> None:
        # A forget gate near 0.5 halves the memory every step: the first symbol's gradient
        # vanishes over T steps before the gate can learn to keep it.
        H = self.cfg.hidden
        for n in self.cell.graph.nodes:
            if n.name == "f_1_x":  # lstm / peephole: W_fx x + b_f
                n.module.bias.fill_(value)
            elif n.name == "i2h_1":  # charrnn_lstm: gates i, f, o, g
                n.module.bias[H : 2 * H] = value

    def forward(self, seq: torch.Tensor) -> torch.Tensor:  # seq: B x (T-1), 0-based symbols
        B = seq.shape[0]
        if self.lookup is not None:
            xs = self.lookup(seq + 1)  # B x (T-1) x embedding (1-based ids)
        elif self.cfg.inputs == "scalar":  # the UvA assignment's input_dim = 1
            xs = seq.unsqueeze(-1).float()  # B x (T-1) x 1: the digit's value
        else:
            xs = torch.nn.functional.one_hot(seq, self.cfg.symbols).float()
        state = [xs.new_zeros(B, self.cfg.hidden) for _ in range(self.n_state)]
        for t in range(seq.shape[1]):
            out = self.cell(xs[:, t], *state)
            state, p = out[: self.n_state], out[-1]
        return p


@dataclass
class RunResult:
    config: dict
    seed: int
    steps: list = field(default_factory=list)  # step numbers of the curve points
    loss: list = field(default_factory=list)  # mean training loss since the previous point
    accuracy: list = field(default_factory=list)  # accuracy on fresh samples
    final_accuracy: float = 0.0
    seconds: float = 0.0
    n_params: int = 0

    def asdict(self) -> dict:
        return asdict(self)


@torch.no_grad()
def accuracy(net: PalindromeNet, n: int, generator: torch.Generator) -> float:
    net.eval()
    x, y = task(n, net.cfg.length, net.cfg.symbols, generator)
    acc = float((net(x).argmax(1) == y).double().mean())
    net.train()
    return acc


def run(cfg: Config, seed: int, *, verbose: bool = False) -> RunResult:
    """Train from ``seed`` (weights and training data) and return the curve and final accuracy."""
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(seed)
    net = PalindromeNet(cfg)
    train_gen = torch.Generator().manual_seed(seed)
    eval_gen = torch.Generator().manual_seed(10_000 + seed)
    params = list(net.parameters())
    if cfg.optimizer == "adam":
        opt = torch.optim.Adam(params, lr=cfg.lr)
    elif cfg.optimizer == "rmsprop":
        opt = torch.optim.RMSprop(params, lr=cfg.lr, alpha=0.95)
    else:
        raise ValueError(f"unknown optimizer {cfg.optimizer!r}")
    crit = nn.CrossEntropyCriterion()
    res = RunResult(cfg.asdict(), seed, n_params=sum(p.numel() for p in params))
    start = time.perf_counter()
    window = []
    for step in range(1, cfg.steps + 1):
        x, y = task(cfg.batch, cfg.length, cfg.symbols, train_gen)
        loss = crit(net(x), y + 1)
        opt.zero_grad()
        loss.backward()
        grads = [p.grad for p in params]
        norm = float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads])))
        if norm > cfg.clip:
            for g in grads:
                g.mul_(cfg.clip / norm)
        opt.step()
        window.append(loss.item())
        if step % cfg.eval_every == 0 or step == cfg.steps:
            res.steps.append(step)
            res.loss.append(sum(window) / len(window))
            res.accuracy.append(accuracy(net, cfg.eval_samples, eval_gen))
            window = []
            if verbose:
                print(
                    f"  {cfg.cell} T={cfg.length} seed {seed} step {step}: loss {res.loss[-1]:.4f}, "
                    f"accuracy {res.accuracy[-1]:.3f}",
                    flush=True,
                )
    res.final_accuracy = accuracy(net, cfg.final_samples, eval_gen)
    res.seconds = time.perf_counter() - start
    return res
