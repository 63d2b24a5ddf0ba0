"""The classic recurrent cells, declared the nngraph way, and multi-layer stacks of them.

Every cell is a ``gModule`` whose inputs are ``{x, *prev_state}`` and whose outputs are
``{*next_state[, prediction]}`` (char-rnn's convention: the state first, the prediction
last); the peephole cell, whose state is ``{c}`` alone, also returns ``next_h`` before the
prediction. The equations, with ``⊙`` the element-wise product:

* :func:`rnn` (Elman): ``h_t = tanh(W_hx x + W_hh h + b_h)``, ``p_t = W_ph h_t + b_p``.
* :func:`lstm` (four gates, one equation each, in the order of the classic write-up):
  ``g = tanh(W_gx x + W_gh h + b_g)``, ``i = σ(W_ix x + W_ih h + b_i)``,
  ``f = σ(W_fx x + W_fh h + b_f)``, ``o = σ(W_ox x + W_oh h + b_o)``,
  ``c_t = g ⊙ i + c ⊙ f``, ``h_t = tanh(c_t) ⊙ o``, ``p_t = W_ph h_t + b_p``.
  One bias per gate, so one layer with its projection has
  ``4 (N_h N_in + N_h N_h + N_h) + N_out N_h + N_out`` parameters (:func:`lstm_parameter_count`).
* :func:`charrnn_lstm`: char-rnn's ``model/LSTM.lua`` (same function as Zaremba's cell in
  :mod:`models.cells`): one ``i2h`` and one ``h2h`` Linear of width ``4 N_h`` (both with a
  bias), ``Reshape(4, N_h)`` + ``SplitTable(2)``, gate order **i, f, o, g**. Zaremba's order
  is i, g, f, o and ``torch.nn.LSTMCell``'s is i, f, g, o: the three are one function once
  the row blocks are permuted (see ``tests/test_classic_cells.py``).
* :func:`peephole_lstm` (the exercise's peephole cell: the gates look at the previous
  *cell*, not at the previous output; ``h_t`` is not fed back):
  ``f, i, o = σ(W_*x x + W_*c c_{t-1} + b_*)``, ``c_t = σ(W_cx x + b_c) ⊙ i + c_{t-1} ⊙ f``,
  ``h_t = tanh(c_t) ⊙ o``. State ``{c}``.
* :func:`gru`: char-rnn's ``model/GRU.lua``: ``z = σ(..)``, ``r = σ(..)``,
  ``h̃ = tanh(W_x x + b_x + W_h (r ⊙ h) + b_h)``, ``h_t = z ⊙ h̃ + (1 − z) ⊙ h``
  (``1 − z`` as ``AddConstant(1)(MulConstant(-1)(z))``).

  **Relation to ``torch.nn.GRUCell``** (which computes ``n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))``,
  ``h' = (1 − z') ⊙ n + z' ⊙ h``): two differences. (1) The update gate plays the opposite
  role: ``z' = 1 − z``, which is exactly ``σ(−a)``, so negating the update gate's weights and
  biases maps one onto the other. (2) char-rnn (like Cho et al. 2014) applies the reset
  gate *before* the candidate's h2h, ``W_h (r ⊙ h)``; torch (like cuDNN) applies it after,
  ``r ⊙ (W_hn h + b_hn)``. These differ unless ``W_h`` is diagonal and its bias is moved to
  ``b_in`` (or ``r`` is all ones), so the GRU is tested against a hand-written formula in
  general and against ``GRUCell`` in the cases where they coincide. ``gru(..., reset="after")``
  declares torch's variant (``CMulTable({r, h2h(h)})``), which equals ``GRUCell`` for any weights
  once the update gate's weights and biases are negated.

Stacks (:func:`stack`) follow char-rnn: optional ``OneHot`` input, dropout on the input of
every layer above the first and on the top ``h`` before the decoder, a ``decoder`` Linear and
an optional ``LogSoftMax``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from pygraphnn import nn
from pygraphnn.nn import OneHot

__all__ = [
    "STATE",
    "OneHot",
    "charrnn_lstm",
    "count_parameters",
    "gru",
    "lstm",
    "lstm_parameter_count",
    "peephole_lstm",
    "rnn",
    "stack",
]

# The per-layer state of each kind, in the order the cells take and return it.
STATE: dict[str, tuple[str, ...]] = {
    "rnn": ("h",),
    "gru": ("h",),
    "lstm": ("c", "h"),
    "lstm_gates": ("c", "h"),
    "peephole": ("c",),
}


# --------------------------------------------------------------- one layer
def _sum(x, h, input_size: int, rnn_size: int, name: str, *, h_name: str = "h", group: str | None = None, h_bias=False):
    """``W_x x + W_h h + b``: one bias (on the x side), as in the equations; ``h_bias`` gives
    the h side its own bias too (char-rnn's ``h2h``)."""
    ann = {"group": group} if group else {}
    wx = nn.Linear(input_size, rnn_size)(x).annotate(name=f"{name}_x", **ann)
    wh = nn.Linear(rnn_size, rnn_size, h_bias)(h).annotate(name=f"{name}_{h_name}", **ann)
    return nn.CAddTable()([wx, wh]).annotate(name=f"{name}_sum", **ann)


def rnn_layer(x, prev_h, input_size: int, rnn_size: int, L: int = 1, *, h_bias: bool = False):
    """``h_t = tanh(W_hx x + W_hh h + b_h)`` (with ``h_bias``, char-rnn's ``RNN.lua``: a second bias, on ``W_hh h``)."""
    return nn.Tanh()(_sum(x, prev_h, input_size, rnn_size, f"hidden_{L}", h_bias=h_bias)).annotate(name=f"next_h_{L}")


def lstm_layer(x, prev_c, prev_h, input_size: int, rnn_size: int, L: int = 1):
    """The LSTM with its four gates written out; returns ``(next_c, next_h)``."""
    g = nn.Tanh()(_sum(x, prev_h, input_size, rnn_size, f"g_{L}", group="gates")).annotate(
        name=f"in_transform_{L}", group="gates"
    )
    i = nn.Sigmoid()(_sum(x, prev_h, input_size, rnn_size, f"i_{L}", group="gates")).annotate(
        name=f"in_gate_{L}", group="gates"
    )
    f = nn.Sigmoid()(_sum(x, prev_h, input_size, rnn_size, f"f_{L}", group="gates")).annotate(
        name=f"forget_gate_{L}", group="gates"
    )
    o = nn.Sigmoid()(_sum(x, prev_h, input_size, rnn_size, f"o_{L}", group="gates")).annotate(
        name=f"out_gate_{L}", group="gates"
    )
    next_c = nn.CAddTable()([nn.CMulTable()([g, i]), nn.CMulTable()([prev_c, f])]).annotate(name=f"next_c_{L}")
    next_h = nn.CMulTable()([nn.Tanh()(next_c), o]).annotate(name=f"next_h_{L}")
    return next_c, next_h


def charrnn_lstm_layer(x, prev_c, prev_h, input_size: int, rnn_size: int, L: int = 1):
    """char-rnn's fused LSTM layer (gate order i, f, o, g); returns ``(next_c, next_h)``."""
    i2h = nn.Linear(input_size, 4 * rnn_size)(x).annotate(name=f"i2h_{L}")
    h2h = nn.Linear(rnn_size, 4 * rnn_size)(prev_h).annotate(name=f"h2h_{L}")
    all_input_sums = nn.CAddTable()([i2h, h2h])
    reshaped = nn.Reshape(4, rnn_size)(all_input_sums)  # batch x 4 x rnn_size
    n1, n2, n3, n4 = nn.SplitTable(2)(reshaped).split(4)
    in_gate = nn.Sigmoid()(n1).annotate(name=f"in_gate_{L}")
    forget_gate = nn.Sigmoid()(n2).annotate(name=f"forget_gate_{L}")
    out_gate = nn.Sigmoid()(n3).annotate(name=f"out_gate_{L}")
    in_transform = nn.Tanh()(n4).annotate(name=f"in_transform_{L}")
    next_c = nn.CAddTable()(
        [
            nn.CMulTable()([forget_gate, prev_c]),
            nn.CMulTable()([in_gate, in_transform]),
        ]
    ).annotate(name=f"next_c_{L}")
    next_h = nn.CMulTable()([out_gate, nn.Tanh()(next_c)]).annotate(name=f"next_h_{L}")
    return next_c, next_h


def peephole_layer(x, prev_c, input_size: int, rnn_size: int, L: int = 1):
    """The peephole LSTM of the exercise; returns ``(next_c, next_h)``."""
    f = nn.Sigmoid()(_sum(x, prev_c, input_size, rnn_size, f"f_{L}", h_name="c", group="gates")).annotate(
        name=f"forget_gate_{L}", group="gates"
    )
    i = nn.Sigmoid()(_sum(x, prev_c, input_size, rnn_size, f"i_{L}", h_name="c", group="gates")).annotate(
        name=f"in_gate_{L}", group="gates"
    )
    o = nn.Sigmoid()(_sum(x, prev_c, input_size, rnn_size, f"o_{L}", h_name="c", group="gates")).annotate(
        name=f"out_gate_{L}", group="gates"
    )
    write = nn.Sigmoid()(nn.Linear(input_size, rnn_size)(x).annotate(name=f"c_x_{L}")).annotate(
        name=f"in_transform_{L}"
    )
    next_c = nn.CAddTable()([nn.CMulTable()([write, i]), nn.CMulTable()([prev_c, f])]).annotate(name=f"next_c_{L}")
    next_h = nn.CMulTable()([nn.Tanh()(next_c), o]).annotate(name=f"next_h_{L}")
    return next_c, next_h


def gru_layer(x, prev_h, input_size: int, rnn_size: int, L: int = 1, reset: str = "before"):
    """char-rnn's GRU layer; returns ``next_h``.

    ``reset="before"`` (char-rnn, Cho et al.): the candidate's h2h sees ``r ⊙ h``.
    ``reset="after"`` (torch / cuDNN): the reset gate scales the h2h output, ``r ⊙ (W_h h + b_h)``;
    this form equals ``torch.nn.GRUCell`` exactly once the update gate's weights are negated.
    """
    if reset not in ("before", "after"):
        raise ValueError(f"gru: reset must be 'before' (char-rnn) or 'after' (torch.nn.GRUCell), got {reset!r}")

    def new_input_sum(name):
        i2h = nn.Linear(input_size, rnn_size)(x).annotate(name=f"i2h_{name}_{L}")
        h2h = nn.Linear(rnn_size, rnn_size)(prev_h).annotate(name=f"h2h_{name}_{L}")
        return nn.CAddTable()([i2h, h2h])

    update_gate = nn.Sigmoid()(new_input_sum("update")).annotate(name=f"update_gate_{L}")
    reset_gate = nn.Sigmoid()(new_input_sum("reset")).annotate(name=f"reset_gate_{L}")
    if reset == "before":
        gated_hidden = nn.CMulTable()([reset_gate, prev_h]).annotate(name=f"gated_hidden_{L}")
        p2 = nn.Linear(rnn_size, rnn_size)(gated_hidden).annotate(name=f"h2h_candidate_{L}")
    else:
        h2h = nn.Linear(rnn_size, rnn_size)(prev_h).annotate(name=f"h2h_candidate_{L}")
        p2 = nn.CMulTable()([reset_gate, h2h]).annotate(name=f"gated_hidden_{L}")
    p1 = nn.Linear(input_size, rnn_size)(x).annotate(name=f"i2h_candidate_{L}")
    hidden_candidate = nn.Tanh()(nn.CAddTable()([p1, p2])).annotate(name=f"hidden_candidate_{L}")
    zh = nn.CMulTable()([update_gate, hidden_candidate])
    zhm1 = nn.CMulTable()([nn.AddConstant(1, False)(nn.MulConstant(-1, False)(update_gate)), prev_h])
    return nn.CAddTable()([zh, zhm1]).annotate(name=f"next_h_{L}")


def _layer(kind: str, x, state: list, input_size: int, rnn_size: int, L: int, **opts) -> tuple[list, object]:
    """One layer of ``kind``: returns ``(next_state, output_h)``."""
    if kind == "rnn":
        h = rnn_layer(x, state[0], input_size, rnn_size, L, **opts)
        return [h], h
    if kind == "gru":
        h = gru_layer(x, state[0], input_size, rnn_size, L, **opts)
        return [h], h
    if kind == "lstm":
        c, h = charrnn_lstm_layer(x, state[0], state[1], input_size, rnn_size, L)
        return [c, h], h
    if kind == "lstm_gates":
        c, h = lstm_layer(x, state[0], state[1], input_size, rnn_size, L)
        return [c, h], h
    if kind == "peephole":
        c, h = peephole_layer(x, state[0], input_size, rnn_size, L)
        return [c], h
    raise ValueError(f"unknown cell kind {kind!r}; expected one of {sorted(STATE)}")


def _cell(kind: str, input_size: int, rnn_size: int, output_size: int | None, name: str, **opts) -> nn.gModule:
    x = nn.Identity()().annotate(name="x")
    state = [nn.Identity()().annotate(name=f"prev_{s}") for s in STATE[kind]]
    next_state, h = _layer(kind, x, state, input_size, rnn_size, 1, **opts)
    outputs = list(next_state)
    if kind == "peephole":  # h is not part of its state, but it is the cell's output
        outputs.append(h)
    if output_size is not None:
        outputs.append(nn.Linear(rnn_size, output_size)(h).annotate(name="prediction"))
    return nn.gModule([x, *state], outputs, name=name)


# ------------------------------------------------------------------- cells
def rnn(
    input_size: int = 10, rnn_size: int = 20, output_size: int | None = None, *, h_bias: bool = False
) -> nn.gModule:
    """Elman RNN: ``{x, prev_h} -> {next_h[, p]}`` (``h_bias``: a bias on ``W_hh h`` too, as char-rnn's).

    >>> cell = rnn(10, 64, 10); next_h, p = cell(x, h)
    """
    return _cell("rnn", input_size, rnn_size, output_size, "rnn", h_bias=h_bias)


def lstm(input_size: int = 10, rnn_size: int = 20, output_size: int | None = None) -> nn.gModule:
    """LSTM with one equation per gate: ``{x, prev_c, prev_h} -> {next_c, next_h[, p]}``.

    >>> cell = lstm(10, 64, 10); next_c, next_h, p = cell(x, c, h)
    """
    return _cell("lstm_gates", input_size, rnn_size, output_size, "lstm")


def charrnn_lstm(input_size: int = 10, rnn_size: int = 20, output_size: int | None = None) -> nn.gModule:
    """char-rnn's fused LSTM (gates i, f, o, g): ``{x, prev_c, prev_h} -> {next_c, next_h[, p]}``."""
    return _cell("lstm", input_size, rnn_size, output_size, "charrnn_lstm")


def peephole_lstm(input_size: int = 10, rnn_size: int = 20, output_size: int | None = None) -> nn.gModule:
    """Peephole LSTM: ``{x, prev_c} -> {next_c, next_h[, p]}``.

    >>> cell = peephole_lstm(10, 64, 10); next_c, next_h, p = cell(x, c)
    """
    return _cell("peephole", input_size, rnn_size, output_size, "peephole_lstm")


def gru(
    input_size: int = 10, rnn_size: int = 20, output_size: int | None = None, *, reset: str = "before"
) -> nn.gModule:
    """char-rnn's GRU: ``{x, prev_h} -> {next_h[, p]}``.

    ``reset="after"`` builds the variant of ``torch.nn.GRUCell`` (reset gate applied to the
    h2h product; same parameters, same graph shape otherwise).
    """
    return _cell(
        "gru", input_size, rnn_size, output_size, "gru" if reset == "before" else "gru_reset_after", reset=reset
    )


# ------------------------------------------------------------------ stacks
def stack(
    kind: str,
    input_size: int,
    rnn_size: int,
    num_layers: int = 1,
    dropout: float = 0.0,
    output_size: int | None = None,
    *,
    one_hot: bool = False,
    log_softmax: bool = False,
    make_dropout: Callable[[float], Any] = nn.Dropout,
) -> nn.gModule:
    """``num_layers`` cells of ``kind`` stacked as in char-rnn's ``model/*.lua``.

    Inputs ``{x, layer 1 state, ..., layer n state}``, outputs ``{next states..., prediction}``.
    With ``one_hot`` the input is a vector of 1-based indices below ``input_size``.
    ``make_dropout(p)`` makes the dropout modules (multi-process training passes one that
    draws the whole batch's mask, see :mod:`models.charrnn.distributed`).

    >>> net = stack("lstm", 65, 128, 2, 0.5, 65, one_hot=True, log_softmax=True)
    """
    if num_layers < 1:
        raise ValueError(f"a stack needs at least one layer, got num_layers={num_layers}")
    inputs = [nn.Identity()().annotate(name="x")]
    outputs: list = []
    h = None
    for L in range(1, num_layers + 1):
        state = [nn.Identity()().annotate(name=f"prev_{s}_{L}") for s in STATE[kind]]
        inputs.extend(state)
        if L == 1:
            x = OneHot(input_size)(inputs[0]) if one_hot else inputs[0]
            size_L = input_size
        else:
            x = make_dropout(dropout)(h) if dropout > 0 else h
            size_L = rnn_size
        # char-rnn's RNN.lua gives its h2h a bias of its own (its LSTM and GRU layers are built to match already)
        next_state, h = _layer(kind, x, state, size_L, rnn_size, L, **({"h_bias": True} if kind == "rnn" else {}))
        outputs.extend(next_state)
    if output_size is not None:
        top_h = make_dropout(dropout)(h) if dropout > 0 else h
        proj = nn.Linear(rnn_size, output_size)(top_h).annotate(name="decoder")
        outputs.append(nn.LogSoftMax()(proj) if log_softmax else proj)
    return nn.gModule(inputs, outputs, name=f"{kind}_x{num_layers}")


# ------------------------------------------------------------- bookkeeping
def count_parameters(module: torch.nn.Module) -> int:
    """Number of scalar parameters (Lua's ``params:nElement()`` after ``getParameters()``)."""
    return sum(p.numel() for p in module.parameters())


def lstm_parameter_count(n_in: int, n_h: int, n_out: int) -> int:
    """``4 (N_h N_in + N_h N_h + N_h) + N_out N_h + N_out``: one LSTM layer (one bias per gate)
    with its output projection."""
    return 4 * (n_h * n_in + n_h * n_h + n_h) + n_out * n_h + n_out
