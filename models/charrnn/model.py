"""char-rnn's models: ``LSTM.lstm``, ``GRU.gru``, ``RNN.rnn`` with a OneHot input and a LogSoftMax decoder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import torch

from models import classic_cells
from pygraphnn import nn

MODELS = ("lstm", "gru", "rnn")


@dataclass
class Config:
    """The model part of ``train.lua``'s options (char-rnn's defaults)."""

    model: str = "lstm"
    rnn_size: int = 128
    num_layers: int = 2
    dropout: float = 0.0

    def asdict(self) -> dict:
        return asdict(self)


def build(cfg: Config, vocab_size: int, make_dropout: Callable[[float], Any] = nn.Dropout):
    """The one-step graph ``{x, state...} -> {state..., log-probs}``; ``make_dropout(p)``
    makes its dropout modules.

    >>> net = build(Config(), 65)   # 240,321 parameters, as char-rnn prints
    """
    if cfg.model not in MODELS:
        raise ValueError(f"unknown model {cfg.model!r}; expected one of {MODELS}")
    return classic_cells.stack(
        cfg.model,
        vocab_size,
        cfg.rnn_size,
        cfg.num_layers,
        cfg.dropout,
        vocab_size,
        one_hot=True,
        log_softmax=True,
        make_dropout=make_dropout,
    )


def init_state(cfg: Config, batch_size: int) -> list[torch.Tensor]:
    """Zero state: ``c, h`` per layer for the LSTM, ``h`` for GRU and RNN."""
    n = len(classic_cells.STATE[cfg.model]) * cfg.num_layers
    return [torch.zeros(batch_size, cfg.rnn_size) for _ in range(n)]


@torch.no_grad()
def charrnn_init(net, cfg: Config) -> None:
    """``params:uniform(-0.08, 0.08)``, then forget-gate biases of each LSTM layer's ``i2h`` set to 1
    (gate order i, f, o, g: the second block)."""
    for p in net.parameters():
        p.uniform_(-0.08, 0.08)
    if cfg.model == "lstm":
        H = cfg.rnn_size
        for n in net.graph.nodes:
            if n.name and n.name.startswith("i2h_"):
                n.module.bias[H : 2 * H] = 1.0
