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
