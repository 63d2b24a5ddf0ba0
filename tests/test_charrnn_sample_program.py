"""karpathy/char-rnn's sample.lua, ported whole by `pygraphnn port`, prints what real Lua's printed.

* From the checkpoints real Lua's train.lua wrote (tests/fixtures/lua_programs/charrnn_*: LSTM
  with and without dropout, GRU, RNN, and the state-cloned LSTM) the ported sample.lua prints
  Lua's text byte for byte, greedy (``-sample 0``) and sampled at temperature 0.8 with
  Torch's RNG (``-sample 1 -temperature 0.8 -seed 123``).
* The other direction (fixtures/lua_programs/charrnn_ported_checkpoint, see record.py there):
  a checkpoint the *ported* train.lua wrote loaded in real Lua's sample.lua, which printed
  sample.txt and sample_t0.8.txt; the ported sample.lua prints the same from it, and the
  ported train.lua run again here writes the same parameters and prints Lua's numbers.

The char-rnn sources are not committed (/work/.mirror/karpathy+char-rnn): the tests that port
them skip where they are absent, as tests/test_charrnn_program.py does.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import shared_data_dir

REPO = Path(__file__).resolve().parent.parent
PROGRAMS = REPO / "tests" / "fixtures" / "lua_programs"
PORTED_CKPT = PROGRAMS / "charrnn_ported_checkpoint"
MIRROR = Path("/work/.mirror")
RUNS = ["charrnn_lstm", "charrnn_lstm_dropout", "charrnn_gru", "charrnn_rnn", "charrnn_lstm_state_cloned"]
OUTPUTS = ["sample.txt", "sample_t0.8.txt"]
# torch with one thread, as the Lua recordings ran (and no thread pool contending on a busy machine)
ONE_THREAD = {**os.environ, "OMP_NUM_THREADS": "1"}
# one training line of train.lua, without its time/batch
TRAIN_LINE = re.compile(r"^\d+/\d+ \(epoch [\d.]+\), train_loss = [\d.]+, grad/param norm = \S+,", re.M)


def _recorded_flags(run: str, output: str) -> list[str]:
    """The flags of the recorded ``th sample.lua CKPT ...`` line that wrote ``output``."""
    for line in (PROGRAMS / run / "command.txt").read_text().splitlines():
        if line.startswith("$ th sample.lua ") and f"-> {output}," in line:
            return shlex.split(line[2:].split("    # ->")[0])[3:]
    raise AssertionError(f"{run}/command.txt has no sample.lua line for {output}")


def _record_script():
    spec = importlib.util.spec_from_file_location("record_ported_checkpoint", PORTED_CKPT / "record.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Runs the ported sample.lua once per case in one process (torch imported once): the entry point
# of `python -m sample_py` is this, run again for each command line.
DRIVER = """
import contextlib, json, runpy, sys
from pygraphnn.lua import runtime as lua
lua.torch.setdefaulttensortype("torch.DoubleTensor")
for argv, out in json.loads(sys.argv[1]):
    sys.argv = ["sample.lua", *argv]
    with open(out, "w", encoding="latin-1", newline="") as f, contextlib.redirect_stdout(f):
        runpy.run_module("sample_py.sample", run_name="sample_py.sample")
"""


@pytest.fixture(scope="module")
def charrnn(tmp_path_factory) -> Path:
    """char-rnn's sources as the recorded runs used them, with train.lua and sample.lua ported."""
    pytest.importorskip("luaparser")
    if not (MIRROR / "karpathy+char-rnn" / "repo").is_dir():
        pytest.skip("karpathy/char-rnn is not fetched here")
    data = shared_data_dir()
    if not (data / "tinyshakespeare" / "input.txt").is_file():
        pytest.skip(f"shared data not found at {data} (set PYGRAPHNN_DATA)")
    tmp = tmp_path_factory.mktemp("charrnn")
    prep = subprocess.run(
        [sys.executable, str(REPO / "scripts/lua_reference/run_reference.py"), "--mirror", str(MIRROR),
         "--th", "th", "--data", str(data), "--prepare", str(tmp), "charrnn_lstm"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert prep.returncode == 0, prep.stderr
    src = tmp / "charrnn_lstm"
    for script in ("sample", "train"):
        port = subprocess.run(
            [sys.executable, "-m", "pygraphnn", "port", f"{script}.lua", "-o", f"{script}_py/"],
            cwd=src, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert port.returncode == 0 and "0 flagged lines" in port.stderr + port.stdout, port.stderr
    return src


@pytest.fixture(scope="module")
def fresh_checkpoint(charrnn) -> tuple[Path, str]:
    """The ported train.lua, run with record.py's flags on its text: (checkpoint, stdout)."""
    record = _record_script()
    record.tiny_data(charrnn, shared_data_dir())
    run = subprocess.run(
        [sys.executable, "-m", "train_py", *record.TRAIN_FLAGS, "-checkpoint_dir", "cv_fresh"],
        cwd=charrnn, capture_output=True, text=True, timeout=600, env=ONE_THREAD,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    (ckpt,) = (charrnn / "cv_fresh").glob("lm_ported_*.t7")
    return ckpt, run.stdout


@pytest.fixture(scope="module")
def sampled(charrnn, fresh_checkpoint) -> dict[tuple[str, str], bytes]:
    """What the ported sample.lua printed for each (checkpoint, recorded output) case."""
    checkpoints = {run: PROGRAMS / run / "checkpoint.t7" for run in RUNS}
    checkpoints["charrnn_ported_checkpoint"] = PORTED_CKPT / "checkpoint.t7"
    checkpoints["fresh"] = fresh_checkpoint[0]
    cases, paths = [], {}
    for name, ckpt in checkpoints.items():
        for output in OUTPUTS:
            flags = _recorded_flags("charrnn_lstm" if name in ("charrnn_ported_checkpoint", "fresh") else name, output)
            paths[name, output] = charrnn / f"out_{name}_{output}"
            cases.append(([str(ckpt), *flags], str(paths[name, output])))
    run = subprocess.run(
        [sys.executable, "-c", DRIVER, json.dumps(cases)],
        cwd=charrnn,
        capture_output=True,
        text=True,
        timeout=600,
        env=ONE_THREAD,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return {case: path.read_bytes() for case, path in paths.items()}


def test_record_script_samples_as_the_recorded_runs_did():
    # the port-written checkpoint was sampled with the flags of the recorded Lua runs
    record = _record_script()
    for output in OUTPUTS:
        assert shlex.split(record.SAMPLES[output]) == _recorded_flags("charrnn_lstm", output)


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("run", RUNS)
def test_ported_sample_lua_prints_luas_text(sampled, run, output):
    assert sampled[run, output] == (PROGRAMS / run / output).read_bytes()


@pytest.mark.parametrize("output", OUTPUTS)
def test_real_luas_sample_lua_read_the_ported_train_lua_checkpoint_as_the_port_does(sampled, output):
    lua = (PORTED_CKPT / output).read_bytes()
    assert lua.startswith(b"creating an lstm...\t\nseeding with The \t\n") and len(lua) > 200
    assert sampled["charrnn_ported_checkpoint", output] == lua


@pytest.mark.parametrize("output", OUTPUTS)
def test_a_fresh_ported_train_lua_checkpoint_samples_as_lua_did(sampled, output):
    assert sampled["fresh", output] == (PORTED_CKPT / output).read_bytes()


def test_real_lua_samples_a_fresh_ported_checkpoint_where_th_is_installed(charrnn, fresh_checkpoint):
    """Live, where real Lua Torch7 is on this machine: th's sample.lua reads what the port just wrote."""
    th = Path("/work/luatorch/bin/th")
    if not th.is_file():
        pytest.skip("real Lua Torch7 (th) is not installed here")
    record = _record_script()
    (charrnn / "_wrapper.lua").write_text(record.WRAPPER)
    run = subprocess.run(
        [str(th), "_wrapper.lua", "sample.lua", str(fresh_checkpoint[0]), *shlex.split(record.SAMPLES["sample.txt"])],
        cwd=charrnn, capture_output=True, timeout=300, env=ONE_THREAD,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout == (PORTED_CKPT / "sample.txt").read_bytes()


def test_fresh_ported_train_lua_prints_luas_numbers_and_writes_the_recorded_parameters(fresh_checkpoint):
    from pygraphnn.lua import runtime as lua

    ckpt, stdout = fresh_checkpoint
    expected = (PORTED_CKPT / "lua_train_stdout.txt").read_text()
    assert TRAIN_LINE.findall(stdout) == TRAIN_LINE.findall(expected) != []
    saved = [line.split("/")[-1] for line in stdout.splitlines() if line.startswith("saving checkpoint to ")]
    assert saved == [line.split("/")[-1] for line in expected.splitlines() if line.startswith("saving checkpoint")]
    fresh, recorded = lua.torch.load(str(ckpt)), lua.torch.load(str(PORTED_CKPT / "checkpoint.t7"))
    for a, b in zip(fresh.protos.rnn.parameters(), recorded.protos.rnn.parameters(), strict=True):
        assert a.dtype == b.dtype and a.equal(b)
    assert dict(fresh.vocab.items()) == dict(recorded.vocab.items())
    assert fresh.val_loss == recorded.val_loss and fresh.i == recorded.i == 1


def test_torch_load_gives_luas_whole_numbers_as_python_ints():
    # a .t7 stores every Lua number as a double; sample.lua's `for L = 1, checkpoint.opt.num_layers`
    # is a Python range in the port, which needs an int (Lua's 2.0 and 2 are the same number)
    from pygraphnn.lua import runtime as lua

    ckpt = lua.torch.load(str(PROGRAMS / "charrnn_lstm" / "checkpoint.t7"))
    assert ckpt.opt.num_layers == 2 and type(ckpt.opt.num_layers) is int
    assert ckpt.opt.learning_rate == 0.002 and type(ckpt.opt.learning_rate) is float
    assert type(ckpt.i) is int and type(ckpt.epoch) is float
    assert all(type(i) is int for i in ckpt.vocab.values())


@pytest.mark.parametrize("case", ["help", "no_checkpoint"])
def test_ported_sample_lua_help_and_missing_checkpoint_are_luas(charrnn, case):
    expected = json.loads((PORTED_CKPT / "sample_cmdline.json").read_text())[case]
    run = subprocess.run(
        [sys.executable, "-m", "sample_py", *expected["argv"]], cwd=charrnn, capture_output=True, text=True
    )
    assert (run.returncode, run.stderr) == (expected["status"], expected["stderr"])
    # -help names arg[0] (th's own path under th, __main__.py's here)
    assert re.sub(r"^Usage: \S+ \[options\]", "Usage: <arg0> [options]", run.stdout) == expected["stdout"]


def test_plot_script_reads_the_losses_train_lua_printed():
    # scripts/lua_reference/plot_charrnn.py (docs/charrnn_loss.png) on the recordings: the numbers
    # fixtures/lua_programs/README.md quotes, and the state-cloned run leaving the original at 3
    spec = importlib.util.spec_from_file_location("plot_charrnn", REPO / "scripts/lua_reference/plot_charrnn.py")
    plot = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plot)
    lua = plot.losses((PROGRAMS / "charrnn_lstm" / "stdout.txt").read_text())
    cloned = plot.losses((PROGRAMS / "charrnn_lstm_state_cloned" / "stdout.txt").read_text())
    assert sorted(lua) == list(range(1, 501)) and (lua[1], lua[100], lua[500]) == (4.19306133, 3.21207803, 2.83655898)
    assert (cloned[1], cloned[2]) == (lua[1], lua[2]) and (cloned[3], lua[3]) == (4.07534300, 4.07530856)
    worst, at = plot.max_relative_difference({i: cloned[i] for i in (1, 2, 3)}, lua)
    assert at == 3 and worst == abs(4.07534300 - 4.07530856) / 4.07530856
    assert plot.recorded_train_flags()[:2] == ["-gpuid", "-1"] and "-eval_val_every" in plot.recorded_train_flags()
