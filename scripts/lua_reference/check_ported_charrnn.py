"""Port karpathy/char-rnn's original ``train.lua`` whole and compare its training losses with real Lua's.

    python scripts/lua_reference/check_ported_charrnn.py [--iterations 100] [--workdir DIR] \
        [--mirror /work/.mirror] [--data ../shared/data] [RUN ...]

For each recorded run (default: ``charrnn_lstm``, ``charrnn_lstm_dropout``, ``charrnn_gru``,
``charrnn_rnn`` under ``tests/fixtures/lua_programs/``) it writes the Lua sources exactly as they
were run (``run_reference.py --prepare``: the program is unpatched, the data linked), ports
``train.lua`` with ``pygraphnn port``, runs the port with the recorded flags (from
``command.txt``) until its ``--iterations``-th training line (``--iterations 500``: the whole
recorded run, whose validation loss is in its checkpoint's name, compared too), and prints, per
iteration, the ported and the recorded ``train_loss`` and their relative difference; then the
largest relative difference and whether every printed line is identical. Exits 1 if a run's
printed numbers differ from Lua's.

Needs the char-rnn snapshot (``<mirror>/karpathy+char-rnn``) and the tinyshakespeare text; no Lua.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "lua_programs"
RUNS = ["charrnn_lstm", "charrnn_lstm_dropout", "charrnn_gru", "charrnn_rnn"]
LOSS = re.compile(r"^(\d+)/\d+ \(epoch [\d.]+\), train_loss = ([\d.]+),", re.M)


def recorded_flags(run: str) -> list[str]:
    """The flags of the recorded ``th train.lua`` command."""
    command = next(
        line for line in (FIXTURES / run / "command.txt").read_text().splitlines() if line.startswith("$ th train.lua")
    )
    return shlex.split(command[len("$ th train.lua") :].split("#")[0])


def port_and_run(run: str, iterations: int, workdir: Path, mirror: Path, data: Path) -> tuple[str, float]:
    """The ported program's output, stopped after its ``iterations``-th training line (run to
    its end, validation and checkpoint included, when that is the whole recorded run)."""
    prep = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "lua_reference" / "run_reference.py"),
            "--mirror",
            str(mirror),
            "--th",
            "th",
            "--data",
            str(data),
            "--prepare",
            str(workdir),
            run,
        ],
        capture_output=True,
        text=True,
    )
    if prep.returncode:
        raise SystemExit(f"{run}: run_reference.py --prepare failed:\n{prep.stderr}")
    src = workdir / run
    ported = subprocess.run(
        [sys.executable, "-m", "pygraphnn", "port", "train.lua", "-o", "ported/"],
        cwd=src,
        capture_output=True,
        text=True,
    )
    if ported.returncode:
        raise SystemExit(f"{run}: pygraphnn port failed:\n{ported.stdout}\n{ported.stderr}")
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ported", *recorded_flags(run)],
        cwd=src,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out: list[str] = []
    seen = 0
    try:
        for line in proc.stdout:
            out.append(line)
            seen += bool(LOSS.match(line))
            if seen == iterations and not line.startswith(f"{iterations}/{iterations} "):
                break  # the recorded run goes on (and validates at its end): enough
    finally:
        if proc.poll() is None:
            proc.kill()
        err = proc.communicate()[1]
    if seen < iterations:
        raise SystemExit(f"{run}: the ported train.lua stopped early:\n{''.join(out)[-2000:]}\n{err[-3000:]}")
    return "".join(out), time.perf_counter() - start


def compare(run: str, stdout: str, iterations: int) -> bool:
    ours = LOSS.findall(stdout)
    lua = LOSS.findall((FIXTURES / run / "stdout.txt").read_text())[:iterations]
    worst, same = 0.0, len(ours) == len(lua)
    for (i, a), (_, b) in zip(ours, lua):
        rel = abs(float(a) / float(b) - 1)
        worst = max(worst, rel)
        same &= a == b
        print(f"{run} {i:>4}: pygraphnn {a} | Lua {b} | rel {rel:.1e}{'' if a == b else '  DIFFERENT'}")
    print(
        f"{run}: {len(ours)} iterations (Lua recorded {len(lua)}), max relative difference {worst:.2e}, "
        f"{'every printed loss identical' if same else 'printed losses DIFFER'}"
    )
    saved = [line for line in stdout.splitlines() if line.startswith("saving checkpoint to")]
    if saved:  # the whole run: its validation loss is in the checkpoint's name
        lua_saved = [
            line for line in (FIXTURES / run / "stdout.txt").read_text().splitlines() if line.startswith("saving")
        ]
        print(f"{run}: pygraphnn {saved[-1].strip()} | Lua {lua_saved[-1].strip()}")
        same &= saved[-1].strip() == lua_saved[-1].strip()
    return same


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("runs", nargs="*", default=RUNS, help=f"recorded runs (default: {' '.join(RUNS)})")
    ap.add_argument("--iterations", type=int, default=100)
    ap.add_argument("--workdir", type=Path, help="where the Lua sources and the port go (default: a temp folder)")
    ap.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    ap.add_argument(
        "--data", type=Path, default=Path(os.environ.get("PYGRAPHNN_DATA", ROOT.parent / "shared" / "data"))
    )
    args = ap.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ported_charrnn_"))
    ok = True
    for run in args.runs:
        stdout, seconds = port_and_run(run, args.iterations, workdir, args.mirror, args.data.resolve())
        ok &= compare(run, stdout, args.iterations)
        print(f"{run}: ported program ran {seconds:.0f} s (in {workdir / run})", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
