"""karpathy/char-rnn's original train.lua, ported whole by `pygraphnn port`, prints the losses real Lua printed.

Needs the fetched char-rnn sources (/work/.mirror/karpathy+char-rnn, never committed) and
the shared tinyshakespeare text: skipped where either is absent. The port runs the first
iterations of each recorded configuration (tests/fixtures/lua_programs/charrnn_*: LSTM, LSTM
with dropout 0.5, GRU, RNN), and its train_loss lines are compared with real Lua's, every
printed digit. The program carries references to the last clone's output tensors into the
next batch, which Lua overwrites in place before the first clone's backward reads them (see
INVENTORY.md there): from iteration 3 on, the losses are Lua's only with Lua's buffer
semantics (pygraphnn.buffers), which the ported entry point switches on (without them, iteration
3 already differs for each model: LSTM 4.07534300 vs Lua's 4.07530856, GRU 4.07755498 vs
4.07756250, RNN 4.07812044 vs 4.07838439).
`scripts/lua_reference/check_ported_charrnn.py` runs the same comparison over 100+ iterations.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("luaparser")

from pygraphnn.cli import main

REPO = Path(__file__).resolve().parent.parent
MIRROR = Path("/work/.mirror")
FIXTURES = REPO / "tests" / "fixtures" / "lua_programs"
LINE = re.compile(r"^(\d+)/\d+ \(epoch ([\d.]+)\), train_loss = ([\d.]+), grad/param norm = (\S+),", re.M)


@pytest.fixture(scope="module")
def ported(tmp_path_factory) -> Path:
    """The Lua sources as recorded (every charrnn_* run used the same unpatched ones), ported once."""
    from conftest import shared_data_dir

    if not (MIRROR / "karpathy+char-rnn" / "repo").is_dir():
        pytest.skip("karpathy/char-rnn is not fetched here")
    data = shared_data_dir()
    if not (data / "tinyshakespeare").is_dir():
        pytest.skip(f"shared data not found at {data}")
    tmp = tmp_path_factory.mktemp("charrnn")
    prep = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "lua_reference" / "run_reference.py"),
            "--mirror",
            str(MIRROR),
            "--th",
            "th",
            "--data",
            str(data),
            "--prepare",
            str(tmp),
            "charrnn_lstm",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert prep.returncode == 0, prep.stderr
    src = tmp / "charrnn_lstm"
    assert main(["port", str(src / "train.lua"), "-o", str(src / "ported") + "/"]) == 0
    return src


def first_lines(src: Path, run: str, n: int) -> list[tuple[str, ...]]:
    """The ported program run with the recorded flags, stopped after its ``n``-th training line
    (the recorded runs validate only at their end)."""
    command = next(
        line for line in (FIXTURES / run / "command.txt").read_text().splitlines() if line.startswith("$ th train.lua")
    )
    flags = shlex.split(command[len("$ th train.lua") :].split("#")[0])
    proc = subprocess.Popen(
        [sys.executable, "-m", "ported", *flags],
        cwd=src,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    got: list[tuple[str, ...]] = []
    out: list[str] = []
    try:
        for line in proc.stdout:
            out.append(line)
            got += LINE.findall(line)
            if len(got) == n:
                break
    finally:
        proc.kill()
        err = proc.communicate()[1]
    assert len(got) == n, "".join(out)[-2000:] + err[-3000:]
    return got


@pytest.mark.parametrize(
    "run, n",
    [("charrnn_lstm", 6), ("charrnn_lstm_dropout", 4), ("charrnn_gru", 4), ("charrnn_rnn", 4)],
)
def test_ported_char_rnn_prints_luas_training_losses(ported, run, n):
    expected = LINE.findall((FIXTURES / run / "stdout.txt").read_text())[:n]
    assert first_lines(ported, run, n) == expected
