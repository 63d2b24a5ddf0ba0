"""Port recorded legacy Lua programs with `pygraphnn port`, run them, and compare with real Lua's output.

    python scripts/lua_reference/check_ported_programs.py [RUN ...] [--work DIR] [--mirror /work/.mirror]
        [--data ../shared/data] [--timeout 3600]

For each RUN (a folder of tests/fixtures/lua_programs; default: the five runs of issue #12) this
prepares the Lua sources exactly as they were recorded (run_reference.py --prepare: the snapshot,
its runtime patches, the data links), ports every script the recording ran (``th X.lua`` ->
``DIR/RUN/ported_X/``), runs each with the recorded command-line flags and working directory
(seeded like the recording's wrapper where it seeded Torch's RNG), and compares what it printed
with the recorded output. Printed per run: the flagged lines of each port, port and run times,
how many lines are identical, and per printed quantity (a line's text with its numbers taken out,
and the number's position) the largest relative difference from Lua. Timing lines are left out.
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
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "lua_programs"
RUNS = ["linear_regression", "practical6", "torch_ntm_copy", "learning_to_execute", "lstm_char_cnn"]

# lines whose numbers are timings (they differ from run to run, in Lua too)
TIMING = re.compile(r"time/batch|wps|since beginning|^t = [\d.]+s|^timer:|Done in time")
# a timing inside a line that also prints results (learning_to_execute's accuracies): only that number is left out
TIMED_NUMBER = re.compile(r"(characters per sec\.=)[\d.]+")
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")

LAUNCHER = """\
import runpy, sys
import torch
torch.set_num_threads(1)
from pygraphnn.lua import runtime as lua
seed = {seed!r}
if seed is not None:
    lua.torch.manualSeed(seed)  # what the recording's wrapper did before running the program
sys.argv = [{package!r}] + sys.argv[1:]
runpy.run_module({package!r}, run_name="__main__", alter_sys=True)
"""


def recorded_commands(run: str) -> tuple[list[tuple[str, list[str], str]], int | None]:
    """[(script, flags, output file)] of the recorded ``$ th`` lines, and the wrapper's seed."""
    text = (FIXTURES / run / "command.txt").read_text()
    commands = []
    for line in text.splitlines():
        if line.startswith("$ th "):
            cmd, _, note = line[2:].partition("    # -> ")
            words = shlex.split(cmd)
            commands.append((words[1], words[2:], note.split(",")[0].strip()))
    seed = re.search(r"wrapper .*torch\.manualSeed\((\d+)\)", text)
    return commands, int(seed.group(1)) if seed else None


def prepare(run: str, work: Path, mirror: Path, data: Path) -> Path:
    subprocess.run(
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
            str(work),
            run,
        ],
        check=True,
        capture_output=True,
    )
    return work / run


def port(src: Path, script: str) -> tuple[str, int, float, str]:
    """Port ``script`` (relative to the program folder) as the package ``ported_<stem>``."""
    package = "ported_" + re.sub(r"\W", "_", Path(script).stem)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pygraphnn", "port", script, "-o", package + "/"],
        cwd=src,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    flagged = [ln for ln in proc.stderr.splitlines() if re.match(r"\S+:\d+: ", ln) and "warning:" not in ln]
    if proc.returncode not in (0, 1, 3):
        raise RuntimeError(f"pygraphnn port {script} failed ({proc.returncode}):\n{proc.stderr}")
    return package, len(flagged), seconds, "\n".join(flagged)


def run_ported(
    src: Path, package: str, flags: list[str], seed: int | None, timeout: float
) -> tuple[str, str, int, float]:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join([str(src), str(ROOT)]))
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", LAUNCHER.format(seed=seed, package=package), *flags],
        cwd=src,
        capture_output=True,
        text=True,
        encoding="latin-1",
        env=env,
        timeout=timeout,
    )
    return proc.stdout, proc.stderr, proc.returncode, time.perf_counter() - start


def _untimed(text: str) -> str:
    return TIMED_NUMBER.sub(r"\1(timing)", text)


def _quantities(text: str) -> dict[tuple[str, int], list[str]]:
    """{(line template, number position): [printed number, ...]} over the non-timing lines."""
    out: dict[tuple[str, int], list[str]] = defaultdict(list)
    for line in _untimed(text).splitlines():
        if TIMING.search(line):
            continue
        template = re.sub(r"\s+", " ", NUMBER.sub("#", line)).strip()
        for i, number in enumerate(NUMBER.findall(line)):
            out[(template, i)].append(number)
    return out


def compare(ours: str, lua: str) -> list[str]:
    """Lines saying how close ``ours`` is to ``lua``."""
    keep = [ln for ln in _untimed(lua).splitlines() if not TIMING.search(ln)]
    got = [ln for ln in _untimed(ours).splitlines() if not TIMING.search(ln)]
    same = sum(a == b for a, b in zip(got, keep))
    report = [f"identical lines {same}/{len(keep)} (ours: {len(got)} lines; timing lines left out)"]
    first = next((i for i, (a, b) in enumerate(zip(got, keep)) if a != b), None)
    if first is not None:
        report.append(f"first difference at line {first + 1}: ours {got[first]!r} | Lua {keep[first]!r}")
    q_ours, q_lua = _quantities(ours), _quantities(lua)
    rows = []
    for key, lua_values in q_lua.items():
        our_values = q_ours.get(key, [])
        n = min(len(lua_values), len(our_values))
        if not n or (len(lua_values) < 3 and len(q_lua) > 40):
            continue  # one-off numbers of long outputs (program texts) are in the line count above
        worst = 0.0
        for a, b in zip(our_values[:n], lua_values[:n]):
            x, y = float(a), float(b)
            worst = max(worst, abs(x - y) / max(abs(y), 1e-300) if x != y else 0.0)
        rows.append((len(lua_values), key, n, worst))
    rows.sort(key=lambda r: -r[0])
    for count, (template, pos), n, worst in rows[:16]:
        report.append(f"  {template[:70]!r} #{pos + 1}: {n}/{count} compared, max rel. diff {worst:.2e}")
    return report


def check(run: str, args: argparse.Namespace) -> None:
    commands, seed = recorded_commands(run)
    src = prepare(run, args.work, args.mirror, args.data)
    seeded = f" (seeded {seed} as the recording's wrapper)" if seed is not None else ""
    print(f"=== {run}: {src}{seeded}", flush=True)
    ported: dict[str, str] = {}
    for script, flags, output in commands:
        if script not in ported:
            package, n_flagged, seconds, flagged = port(src, script)
            ported[script] = package
            print(f"port {script}: {n_flagged} flagged lines, {seconds:.1f} s", flush=True)
            if flagged:
                print("  " + flagged.replace("\n", "\n  "))
        stdout, stderr, rc, seconds = run_ported(src, ported[script], flags, seed, args.timeout)
        print(f"run {ported[script]} {shlex.join(flags)}: exit {rc}, {seconds:.1f} s", flush=True)
        if rc != 0:
            print("  " + "\n  ".join(stderr.strip().splitlines()[-8:]))
        lua = (FIXTURES / run / output).read_text(encoding="latin-1")
        for line in compare(stdout, lua):
            print("  " + line, flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("runs", nargs="*", default=RUNS, metavar="RUN")
    ap.add_argument("--work", type=Path, default=None, help="where to prepare the programs (default: a temp dir)")
    ap.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    default_data = Path(os.environ.get("PYGRAPHNN_DATA", ROOT.parent / "shared" / "data"))
    ap.add_argument("--data", type=Path, default=default_data)
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per ported run")
    args = ap.parse_args()
    args.work = args.work or Path(tempfile.mkdtemp(prefix="ported_programs_"))
    args.work.mkdir(parents=True, exist_ok=True)
    for run in args.runs:
        check(run, args)


if __name__ == "__main__":
    main()
