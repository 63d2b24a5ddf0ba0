"""Overlay the training losses of char-rnn's ``train.lua`` in real Lua and ported by ``pygraphnn port``.

    python scripts/lua_reference/plot_charrnn.py [--ported-stdout FILE] [--save-ported FILE] \
        [--mirror /work/.mirror] [--data /work/shared/data] [--out docs/charrnn_loss.png]

Lua's side is the recording ``tests/fixtures/lua_programs/charrnn_lstm/stdout.txt`` (500 iterations,
rnn_size 32, 2 layers, seq 20, batch 10, no dropout). The ported side is, with ``--ported-stdout``,
a saved output of the ported program; without it this script prepares char-rnn's sources as the
recorded run used them (``run_reference.py --prepare``, needs the fetched snapshot under
``--mirror``), ports train.lua and runs it with the recorded flags (several minutes on one core),
keeping its output in ``--save-ported`` when given.

The plot has the two loss curves over each other and, below, the relative difference per
iteration against the original recording and against ``charrnn_lstm_state_cloned`` (the Lua run
whose carried state is a copy); the maximum of each is printed. Needs matplotlib (the ``plots``
extra).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = ROOT / "tests" / "fixtures" / "lua_programs"
LINE = re.compile(r"^(\d+)/\d+ \(epoch [\d.]+\), train_loss = ([\d.]+),", re.M)


def losses(stdout: str) -> dict[int, float]:
    """``{iteration: train_loss}`` of every training line train.lua printed."""
    return {int(i): float(loss) for i, loss in LINE.findall(stdout)}


def recorded_train_flags(run: str = "charrnn_lstm") -> list[str]:
    """The flags of the recorded ``th train.lua ...`` command line (command.txt)."""
    for line in (PROGRAMS / run / "command.txt").read_text().splitlines():
        if line.startswith("$ th train.lua "):
            return shlex.split(line[2:].split("    # ->")[0])[2:]
    raise SystemExit(f"{run}/command.txt has no train.lua line")


def run_ported(mirror: Path, data: Path) -> str:
    """Port train.lua and run it with the recorded flags; its stdout."""
    scratch = Path(tempfile.mkdtemp(prefix="plot-charrnn-"))
    subprocess.run(
        [sys.executable, str(ROOT / "scripts/lua_reference/run_reference.py"), "--mirror", str(mirror),
         "--th", "th", "--data", str(data), "--prepare", str(scratch), "charrnn_lstm"],
        check=True,
    )  # fmt: skip
    src = scratch / "charrnn_lstm"
    subprocess.run([sys.executable, "-m", "pygraphnn", "port", "train.lua", "-o", "ported/"], cwd=src, check=True)
    print("running the ported train.lua (500 iterations) ...", file=sys.stderr)
    # one thread, as the Lua run was recorded (torch's thread pool also slows these small matrices down)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "ported", *recorded_train_flags()], cwd=src, capture_output=True, text=True, env=env
    )
    if run.returncode != 0:
        raise SystemExit(f"the ported train.lua failed:\n{run.stderr[-3000:]}")
    return run.stdout


def max_relative_difference(a: dict[int, float], b: dict[int, float]) -> tuple[float, int]:
    """The largest ``|a - b| / |b|`` over the iterations both have, and where."""
    worst = max(((abs(a[i] - b[i]) / abs(b[i]), i) for i in a.keys() & b.keys()), default=(0.0, 0))
    return worst


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ported-stdout", type=Path, help="a saved output of the ported train.lua (else it is run)")
    p.add_argument("--save-ported", type=Path, help="where to keep the ported run's output")
    p.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    p.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "charrnn_loss.png")
    args = p.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ported_text = args.ported_stdout.read_text() if args.ported_stdout else run_ported(args.mirror, args.data)
    if args.save_ported:
        args.save_ported.write_text(ported_text)
    ported = losses(ported_text)
    lua = losses((PROGRAMS / "charrnn_lstm" / "stdout.txt").read_text())
    cloned = losses((PROGRAMS / "charrnn_lstm_state_cloned" / "stdout.txt").read_text())
    if not ported:
        raise SystemExit("no training lines in the ported output")

    vs_lua, at_lua = max_relative_difference(ported, lua)
    vs_cloned, at_cloned = max_relative_difference(ported, cloned)
    n = max(ported)
    print(f"iterations: ported {len(ported)}, Lua {len(lua)}")
    print(f"max relative difference, ported vs Lua original:     {vs_lua:.3e} (iteration {at_lua})")
    print(f"max relative difference, ported vs Lua state cloned: {vs_cloned:.3e} (iteration {at_cloned})")

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6.5), sharex=True, height_ratios=[3, 2])
    its = sorted(lua)
    top.plot(its, [lua[i] for i in its], color="tab:blue", linewidth=2.5, alpha=0.6, label="Lua Torch7 (th train.lua)")
    its = sorted(ported)
    top.plot(its, [ported[i] for i in its], color="tab:orange", linewidth=0.9, label="ported (python -m ported)")
    top.set_ylabel("train_loss")
    top.set_title("char-rnn train.lua: LSTM, rnn_size 32, 2 layers, seq 20, batch 10, seed 123")
    top.legend()
    for ref, label, color in [
        (lua, "vs Lua original", "tab:red"),
        (cloned, "vs Lua with the carried state cloned", "tab:green"),
    ]:
        common = sorted(ported.keys() & ref.keys())
        # a difference of 0 (all printed digits equal) is drawn at half the print resolution (%6.8f)
        rel = [max(abs(ported[i] - ref[i]) / ref[i], 0.5e-8 / ref[i]) for i in common]
        if all(ported[i] == ref[i] for i in common):
            label += ": every printed digit equal"
        bottom.semilogy(common, rel, color=color, linewidth=0.9, label=label)
    shown = f"iteration (1..{n})" if len(ported) >= len(lua) else f"iteration (the ported run: 1..{n} of {max(lua)})"
    bottom.set_xlabel(shown)
    bottom.set_ylabel("|ported - Lua| / Lua")
    bottom.set_ylim(top=0.1)  # room for the legend above the curves
    bottom.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=100)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
