"""Run original legacy Lua Torch7 programs in real Lua and record their output as fixtures.

    python scripts/lua_reference/run_reference.py --mirror /work/.mirror --th /work/luatorch/bin/th \
        [--data ../shared/data] [--out tests/fixtures/lua_programs] [--keep-scratch] [NAME ...]
    python scripts/lua_reference/run_reference.py --mirror /work/.mirror --th th --prepare DIR [NAME ...]

(``--prepare DIR`` writes each program as it is run, patches applied and data linked, to
``DIR/<run>`` without running it: the Lua sources a port must start from to reproduce a recording.)

Each program is a fetched git snapshot under ``--mirror`` (``<owner>+<name>/repo``, bare or with a
``.git`` inside; this script fetches nothing). For each run it

1. extracts the snapshot's HEAD into a scratch folder (``git archive``), untouched except for
2. the runtime patches listed below for that program (exact string replacements, each checked to
   match the stated number of times; they only make GPU-only code run on the CPU, or shorten the
   run, and are written out in ``command.txt``),
3. links the data files the program expects to ``--data`` (the project's shared data),
4. runs ``th _ref_wrapper.lua <script> <flags>``: the wrapper sets ``torch.setnumthreads(1)`` and
   then runs the program's own script as the main chunk, with ``arg`` as ``th`` would give it,
5. writes ``<out>/<run>/command.txt`` (command, flags, snapshot commit, patches), ``stdout.txt``
   (the whole output; timings such as ``time/batch`` or ``wps`` differ between runs, everything
   else is deterministic), ``stderr.txt`` when not empty, and the small artefacts listed.

Nothing of the fetched programs is kept in the repository: only what they printed and wrote.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

WRAPPER = """\
-- written by pygraphnn scripts/lua_reference/run_reference.py: one thread, then the program itself
require 'torch'
torch.setnumthreads(1)
{seed}local script = table.remove(arg, 1)
arg[0] = script
dofile(script)
"""
# For programs that never seed Torch's generator (th seeds it from the clock): a fixed seed first.
SEED_LINE = "torch.manualSeed({})  -- the program does not seed Torch's RNG itself\n"


@dataclasses.dataclass
class Patch:
    """Replace ``old`` by ``new`` in ``file`` (``count`` times exactly); ``why`` goes to command.txt."""

    file: str
    old: str
    new: str
    why: str
    count: int = 1


@dataclasses.dataclass
class Step:
    """One ``th`` invocation of a run: ``script`` with ``flags``; its stdout goes to ``stdout_name``."""

    script: str
    flags: list[str]
    stdout_name: str = "stdout.txt"
    strip_lines: int = 0  # leading lines left out of the recorded file (kept in <name>.full)


@dataclasses.dataclass
class NativeDep:
    """A Lua C module the program requires that the Torch build lacks: compiled from its snapshot
    (``repo``, C ``sources``) into ``<scratch>/_native/<module>.so``, found through ``LUA_CPATH``."""

    repo: str
    sources: list[str]
    module: str


@dataclasses.dataclass
class Run:
    name: str  # fixture folder
    repo: str  # mirror folder, owner+name
    steps: list[Step]
    links: dict[str, str] = dataclasses.field(default_factory=dict)  # scratch path -> data path
    patches: list[Patch] = dataclasses.field(default_factory=list)
    artefacts: dict[str, str] = dataclasses.field(default_factory=dict)  # glob in scratch -> fixture name
    note: str = ""
    seed: int | None = None  # the wrapper seeds Torch's RNG (programs that never do)
    ckpt: str = "cv/*.t7"  # what @CKPT in a step's flags stands for (one file)
    native: list[NativeDep] = dataclasses.field(default_factory=list)
    scope: str = ""  # folder of the snapshot the program lives in (for INVENTORY.md)
    max_bytes: int = 1_000_000


# ----------------------------------------------------------------------------------------- programs
ZAREMBA_PATCHES = [
    Patch(
        "main.lua",
        "local ok,cunn = pcall(require, 'fbcunn')\n",
        "local ok,cunn = pcall(require, 'nn')\n",
        "CPU: load nn instead of fbcunn, so the program takes its fbcunn branch (LookupTable = nn.LookupTable)",
    ),
    Patch(
        "main.lua",
        "else\n    deviceParams = cutorch.getDeviceProperties(1)\n"
        "    cudaComputeCapability = deviceParams.major + deviceParams.minor/10\n",
        "else\n",
        "CPU: no device properties to read",
    ),
    Patch("main.lua", "  return x:cuda()\n", "  return x\n", "CPU: transfer_data keeps tensors on the CPU"),
    Patch("main.lua", "cutorch.synchronize()", "", "CPU: nothing to synchronize", count=2),
    Patch("base.lua", "  cutorch.setDevice(gpuidx)\n", "", "CPU: no device to select"),
    Patch(
        "base.lua",
        "  cutorch.manualSeed(seed)\n  torch.zeros(1, 1):cuda():uniform()\n",
        "",
        "CPU: the CUDA generator is not used (torch.manualSeed(seed) just before is kept)",
    ),
    Patch(
        "main.lua",
        "  local epoch_size = torch.floor(state_train.data:size(1) / params.seq_length)\n",
        "  local epoch_size = 100\n",
        "short run: an 'epoch' of 100 steps, so validation runs after 100 training steps",
    ),
    Patch(
        "main.lua",
        "max_max_epoch=13",
        "max_max_epoch=2",
        "short run: 2 such epochs = 200 steps, validation after each (lr decay starts after max_epoch=4, not reached)",
    ),
    Patch(
        "main.lua",
        "    if step % torch.round(epoch_size / 10) == 10 then\n",
        "    if true then\n",
        "print the training perplexity every step (originally every epoch_size/10 steps)",
    ),
    Patch(
        "main.lua",
        "  local len = state_test.data:size(1)\n",
        "  local len = 1001\n",
        "short test: the first 1000 test-set predictions (originally all 82430)",
    ),
]

CHARRNN_TRAIN = [
    "-gpuid",
    "-1",
    "-rnn_size",
    "32",
    "-num_layers",
    "2",
    "-seq_length",
    "20",
    "-batch_size",
    "10",
    "-max_epochs",
    "0.0944",
    "-eval_val_every",
    "500",
    "-seed",
    "123",
    "-checkpoint_dir",
    "cv",
]
# -max_epochs 0.0944: iterations = 0.0944 * 5297 batches = 500.04, so the loop runs i = 1..500 and the
# checkpoint is written once, at the validation of i = 500 (after 100 iterations greedy sampling
# still prints only spaces; after 500 it prints words).


def _charrnn(name: str, extra: list[str], model: str = "lstm") -> Run:
    flags = CHARRNN_TRAIN + ["-model", model, "-savefile", name] + extra
    return Run(
        name=name,
        repo="karpathy+char-rnn",
        links={"data/tinyshakespeare/input.txt": "tinyshakespeare/input.txt"},
        steps=[
            Step("train.lua", flags),
            Step(
                "sample.lua",
                ["@CKPT", "-gpuid", "-1", "-sample", "0", "-primetext", "The ", "-length", "200", "-seed", "123"],
                stdout_name="sample.txt",
            ),
            Step(
                "sample.lua",
                [
                    "@CKPT",
                    "-gpuid",
                    "-1",
                    "-sample",
                    "1",
                    "-temperature",
                    "0.8",
                    "-primetext",
                    "The ",
                    "-length",
                    "200",
                    "-seed",
                    "123",
                ],
                stdout_name="sample_t0.8.txt",
            ),
        ],
        artefacts={"cv/*.t7": "checkpoint.t7", "data/tinyshakespeare/vocab.t7": "vocab.t7"},
        note="training losses of iterations 1..500 (train_loss printed with %6.8f), the validation loss at "
        "i = 500 in the checkpoint name, the checkpoint itself, and sample.lua's greedy (-sample 0) and "
        "sampled (-sample 1 -temperature 0.8, Torch RNG) text from it. @CKPT is the checkpoint train.lua wrote.",
    )


RUNS: list[Run] = [
    Run(
        name="zaremba_lstm",
        repo="wojzaremba+lstm",
        patches=ZAREMBA_PATCHES,
        links={
            "data/ptb.train.txt": "ptb/ptb.train.txt",
            "data/ptb.valid.txt": "ptb/ptb.valid.txt",
            "data/ptb.test.txt": "ptb/ptb.test.txt",
        },
        steps=[Step("main.lua", [])],
        note="defaults of main.lua's small config (rnn_size 200, 2 layers, seq 20, batch 20, dropout 0, "
        "init_weight 0.1, lr 1, max_grad_norm 5), seed torch.manualSeed(1) from g_make_deterministic; "
        "200 steps printed one per line, validation perplexity after steps 100 and 200, test perplexity "
        "over the first 1000 test words. wps and 'since beginning' are timings.",
    ),
    _charrnn("charrnn_lstm", ["-dropout", "0"]),
    _charrnn("charrnn_lstm_dropout", ["-dropout", "0.5"]),
    _charrnn("charrnn_gru", ["-dropout", "0"], model="gru"),
    _charrnn("charrnn_rnn", ["-dropout", "0"], model="rnn"),
    dataclasses.replace(
        _charrnn("charrnn_lstm_state_cloned", ["-dropout", "0"]),
        patches=[
            Patch(
                "train.lua",
                "    init_state_global = rnn_state[#rnn_state] -- NOTE",
                "    init_state_global = clone_list(rnn_state[#rnn_state]) -- NOTE",
                "diagnostic variant: carry a copy of the final state to the next batch. The original "
                "carries references to the last clone's output buffers, which that clone overwrites in "
                "the next forward, so from iteration 2 on clone 1's backward reads the new final state "
                "as its prev_c/prev_h (aliasing); a port without that aliasing prints these losses",
            )
        ],
    ),
    Run(
        name="practical6",
        repo="oxford-cs-ml-2015+practical6",
        links={"input.txt": "tinyshakespeare/input.txt"},
        steps=[
            Step(
                "data_preparation/prepare_data.lua",
                ["-txt", "input.txt", "-vocab", "vocab.t7", "-data", "train.t7"],
                stdout_name="prepare.txt",
            ),
            Step(
                "train.lua",
                [
                    "-vocabfile",
                    "vocab.t7",
                    "-datafile",
                    "train.t7",
                    "-rnn_size",
                    "64",
                    "-batch_size",
                    "16",
                    "-seq_length",
                    "16",
                    "-max_epochs",
                    "0.0689",
                    "-print_every",
                    "1",
                    "-save_every",
                    "300",
                    "-seed",
                    "123",
                ],
            ),
            Step(
                "sample.lua",
                ["-vocabfile", "vocab.t7", "-model", "@CKPT", "-primetext", "The ", "-length", "200", "-seed", "123"],
                stdout_name="sample.txt",
            ),
        ],
        ckpt="model_autosave*.t7",
        artefacts={"model_autosave*.t7": "model_autosave.t7", "vocab.t7": "vocab.t7"},
        note="the practical's own data preparation run on tinyshakespeare (its data tarball is not public any "
        "more), then train.lua: -max_epochs 0.0689 of 4357 batches = 300 iterations, every loss printed "
        "(%6.8f), the protos saved at i = 300; then sample.lua's greedy text (its -sample default is false).",
    ),
    Run(
        name="learning_to_execute",
        repo="wojciechz+learning_to_execute",
        patches=[
            Patch(
                f,
                'require "env"\n',
                "",
                "the torch 'env' package is not part of Torch7 any more; it only set up the REPL environment",
            )
            for f in ("main.lua", "data.lua", "utils/utils.lua")
        ]
        + [
            Patch("main.lua", "  params = {batch_size=100,", "  params = {batch_size=20,", "smaller batch (100 -> 20)"),
            Patch(
                "main.lua", "            rnn_size=400,", "            rnn_size=64,", "smaller LSTM (400 -> 64 units)"
            ),
            Patch(
                "main.lua",
                "  while true do\n",
                "  while step < 220 do\n",
                "short run: 220 steps (results are printed at steps 10, 110 and 210)",
            ),
            Patch(
                "data.lua",
                "  local code = {}\n  local hard, nest = hardness()\n",
                "  table.sort(names)\n  for k = 1, #names do funcs[k] = _G[names[k]] end\n"
                "  local code = {}\n  local hard, nest = hardness()\n",
                "the *_opr functions in name order: pairs(_G) lists them in LuaJIT's hash order "
                "(smallmul, equality, ifstat, pair, vars, small_loop), which a port cannot reproduce",
            ),
        ],
        steps=[Step("main.lua", ["-gpuidx", "0"])],
        note="-gpuidx 0 is the program's own CPU mode; seed 1 from its make_deterministic; curriculum 'blend'; "
        "prints train/validation/test accuracies at steps 10, 110, 210 and example predictions; "
        "'characters per sec.' is a timing.",
    ),
    Run(
        name="lstm_char_cnn",
        repo="yoonkim+lstm-char-cnn",
        native=[NativeDep("starwing+luautf8", ["lutf8lib.c"], "lua-utf8")],
        links={
            "data/ptb/train.txt": "ptb/ptb.train.txt",
            "data/ptb/valid.txt": "ptb/ptb.valid.txt",
            "data/ptb/test.txt": "ptb/ptb.test.txt",
        },
        steps=[
            Step(
                "main.lua",
                [
                    "-gpuid",
                    "-1",
                    "-rnn_size",
                    "50",
                    "-word_vec_size",
                    "50",
                    "-char_vec_size",
                    "15",
                    "-feature_maps",
                    "{10,20,30}",
                    "-kernels",
                    "{1,2,3}",
                    "-highway_layers",
                    "1",
                    "-num_layers",
                    "2",
                    "-dropout",
                    "0.5",
                    "-seq_length",
                    "20",
                    "-batch_size",
                    "20",
                    "-max_epochs",
                    "0.0431",
                    "-print_every",
                    "1",
                    "-seed",
                    "3435",
                ],
            )
        ],
        note="character-aware LM (char CNN + highway + LSTM) on PTB, small sizes: 100 iterations, every training "
        "loss printed (%6.4f), then the program's own final test-set perplexity (batch 1 over the whole "
        "test set). Its data preprocessing writes vocab.t7/data.t7/data_char.t7 next to the text files.",
    ),
    Run(
        name="torch_ntm_copy",
        repo="kaishengtai+torch-ntm",
        seed=1,
        patches=[
            Patch(
                "tasks/copy.lua",
                "local num_iters = 10000\n",
                "local num_iters = 100\n",
                "short run: 100 iterations (printed every 25)",
            )
        ],
        steps=[Step("tasks/copy.lua", [])],
        note="Neural Turing Machine, copy task (th's relative require('../') loads the package from the "
        "snapshot); random sequences from Torch's RNG, so the wrapper seeds it (torch.manualSeed(1)); "
        "its own rmsprop; prints loss and read/write head positions every 25 iterations.",
    ),
    Run(
        name="linear_regression",
        repo="torch+demos",
        seed=1,
        scope="linear-regression/",
        patches=[
            Patch(
                "linear-regression/example-linear-regression.lua",
                "   logger:plot()  \n",
                "",
                "no plot window (gnuplot); the logger still writes loss_log.txt",
            ),
            Patch(
                "linear-regression/example-linear-regression.lua",
                "for i = 1,1e4 do\n",
                "for i = 1,1e3 do\n",
                "short run: 1000 epochs of SGD instead of 10000",
            ),
        ],
        steps=[Step("linear-regression/example-linear-regression.lua", [])],
        note="torch/demos linear regression (nn.Linear + MSECriterion + optim.sgd with weight decay and "
        "momentum settings), Lua-printed losses (%.14g via tostring) each epoch and the final predictions; "
        "nn.Linear's default init draws from the RNG the wrapper seeds.",
    ),
]


# ------------------------------------------------------------------------------------------ running
def git_dir(mirror: Path, repo: str) -> Path:
    d = mirror / repo / "repo"
    return d / ".git" if (d / ".git").is_dir() else d


def extract(gd: Path, dest: Path) -> str:
    """Write the snapshot's HEAD files into ``dest``; return the commit. Blobs the snapshot lacks
    (its largest files, e.g. bundled data sets) are skipped: the data links replace them."""
    git = ["git", "--git-dir", str(gd)]
    commit = subprocess.run(git + ["rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    listing = subprocess.run(git + ["ls-tree", "-r", "-z", "HEAD"], check=True, capture_output=True).stdout
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, path = entry.split(b"\t", 1)
        mode, kind, sha = meta.split()
        if kind != b"blob":
            continue
        blob = subprocess.run(git + ["cat-file", "blob", sha.decode()], capture_output=True)
        if blob.returncode != 0:
            continue
        f = dest / path.decode()
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(blob.stdout)
        if mode == b"100755":
            f.chmod(0o755)
    return commit


def build_native(args: argparse.Namespace, dep: NativeDep, scratch: Path) -> str:
    src = scratch / "_native" / "src"
    src.mkdir(parents=True)
    commit = extract(git_dir(args.mirror, dep.repo), src)
    include = args.lua_include
    so = scratch / "_native" / f"{dep.module}.so"
    cmd = ["gcc", "-O2", "-shared", "-fPIC", f"-I{include}", *dep.sources, "-o", str(so)]
    subprocess.run(cmd, cwd=src, check=True)
    return (
        f"native module {dep.module}: {dep.repo.replace('+', '/')} at commit {commit}, built with "
        f"`{' '.join(cmd[:-2])} -o {dep.module}.so`, found through LUA_CPATH"
    )


def apply_patches(scratch: Path, patches: list[Patch]) -> None:
    for p in patches:
        f = scratch / p.file
        text = f.read_text()
        n = text.count(p.old)
        if n != p.count:
            raise SystemExit(f"patch for {p.file} ({p.why}) matches {n} times, expected {p.count}")
        f.write_text(text.replace(p.old, p.new))


def describe_patches(patches: list[Patch]) -> str:
    if not patches:
        return "runtime patches: none (the program runs unmodified)\n"
    lines = ["runtime patches (exact replacements applied to the extracted snapshot before running):"]
    for i, p in enumerate(patches, 1):
        lines.append(f"  {i}. {p.file}: {p.why}" + (f" [{p.count} occurrences]" if p.count != 1 else ""))
        lines.append("     - " + repr(p.old))
        lines.append("     + " + repr(p.new))
    return "\n".join(lines) + "\n"


def prepare(run: Run, args: argparse.Namespace, scratch: Path) -> str:
    """The program as it is run: snapshot extracted into ``scratch``, patched, data linked."""
    commit = extract(git_dir(args.mirror, run.repo), scratch)
    apply_patches(scratch, run.patches)
    for dest, src in run.links.items():
        target = (args.data / src).resolve()
        if not target.exists():
            raise SystemExit(f"{run.name}: data file {target} is missing")
        (scratch / dest).parent.mkdir(parents=True, exist_ok=True)
        if (scratch / dest).exists() or (scratch / dest).is_symlink():
            (scratch / dest).unlink()
        (scratch / dest).symlink_to(target)
    return commit


def run_one(run: Run, args: argparse.Namespace) -> None:
    out = args.out / run.name
    scratch = Path(tempfile.mkdtemp(prefix=f"luaref-{run.name}-"))
    commit = prepare(run, args, scratch)
    (scratch / "_ref_wrapper.lua").write_text(
        WRAPPER.format(seed=SEED_LINE.format(run.seed) if run.seed is not None else "")
    )
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    native_lines = []
    for dep in run.native:
        native_lines.append(build_native(args, dep, scratch))
    if run.native:
        env["LUA_CPATH"] = f"{scratch / '_native'}/?.so;" + env.get("LUA_CPATH", ";")
    out.mkdir(parents=True, exist_ok=True)
    cmd_lines = [
        f"program: {run.repo.replace('+', '/')} at commit {commit}",
        f"recorded with: {args.th} (LuaJIT + torch7/nn/nngraph/optim, see /work/luatorch/VERSIONS), "
        f"torch.setnumthreads(1), OMP_NUM_THREADS=1",
        "data links: " + (", ".join(f"{d} -> <data>/{s}" for d, s in run.links.items()) or "none"),
        "wrapper _ref_wrapper.lua: torch.setnumthreads(1)"
        + (f", torch.manualSeed({run.seed}) (the program never seeds Torch's RNG)" if run.seed is not None else "")
        + ", then dofile(<script>) with th's arg",
        *native_lines,
        "",
    ]
    for step in run.steps:
        flags = list(step.flags)
        if "@CKPT" in flags:
            ckpts = sorted(scratch.glob(run.ckpt))
            if len(ckpts) != 1:
                raise SystemExit(f"{run.name}: expected one checkpoint {run.ckpt}, found {ckpts}")
            flags = [str(ckpts[0].relative_to(scratch)) if f == "@CKPT" else f for f in flags]
        argv = [str(args.th), "_ref_wrapper.lua", step.script, *flags]
        t0 = time.time()
        res = subprocess.run(argv, cwd=scratch, env=env, capture_output=True)
        took = time.time() - t0
        (out / step.stdout_name).write_bytes(res.stdout)
        err_name = Path(step.stdout_name).stem + ".stderr.txt"
        if res.stderr:
            (out / err_name).write_bytes(res.stderr)
        elif (out / err_name).exists():
            (out / err_name).unlink()
        shown = " ".join(_quote(a) for a in ["th", step.script, *flags])
        cmd_lines.append(f"$ {shown}    # -> {step.stdout_name}, exit {res.returncode}, {took:.0f} s")
        print(f"[{run.name}] {shown}: exit {res.returncode} in {took:.0f} s", file=sys.stderr)
        if res.returncode != 0:
            sys.stderr.write(res.stderr.decode(errors="replace")[-3000:])
            break
    for pattern, name in run.artefacts.items():
        found = sorted(scratch.glob(pattern))
        if len(found) == 1 and found[0].stat().st_size <= run.max_bytes:
            shutil.copyfile(found[0], out / name)
            cmd_lines.append(f"artefact {name} <- {found[0].relative_to(scratch)} ({found[0].stat().st_size} bytes)")
        else:
            cmd_lines.append(
                f"artefact {pattern}: not kept ({len(found)} found"
                + (f", {found[0].stat().st_size} bytes" if found else "")
                + ")"
            )
    cmd_lines.append("")
    cmd_lines.append(describe_patches(run.patches))
    if run.note:
        cmd_lines.append("what it records: " + run.note + "\n")
    (out / "command.txt").write_text("\n".join(cmd_lines))
    if args.keep_scratch:
        print(f"[{run.name}] scratch kept in {scratch}", file=sys.stderr)
    else:
        shutil.rmtree(scratch)


def _quote(a: str) -> str:
    return a if a and all(c.isalnum() or c in "-_./=@:," for c in a) else repr(a)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mirror", type=Path, required=True, help="folder of fetched snapshots (<owner>+<name>/repo)")
    ap.add_argument("--th", type=Path, required=True, help="real Lua Torch's th")
    ap.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("PYGRAPHNN_DATA", ROOT.parent / "shared" / "data")),
        help="the shared data folder (default: $PYGRAPHNN_DATA or <repo>/../shared/data)",
    )
    ap.add_argument("--out", type=Path, default=ROOT / "tests" / "fixtures" / "lua_programs")
    ap.add_argument("--keep-scratch", action="store_true")
    ap.add_argument(
        "--prepare",
        type=Path,
        metavar="DIR",
        help="only write each program as it is run (extracted, patched, data linked) to DIR/<run>",
    )
    ap.add_argument(
        "--lua-include",
        default="/usr/include/luajit-2.1",
        help="Lua headers for native modules some programs need (default /usr/include/luajit-2.1)",
    )
    ap.add_argument("names", nargs="*", help="runs to record (default: all): " + ", ".join(r.name for r in RUNS))
    args = ap.parse_args(argv)
    wanted = set(args.names) or {r.name for r in RUNS}
    unknown = wanted - {r.name for r in RUNS}
    if unknown:
        ap.error(f"unknown run(s) {sorted(unknown)}")
    for run in RUNS:
        if run.name not in wanted:
            continue
        if args.prepare:
            # the Lua sources exactly as recorded (patched), e.g. to port them: nothing is run
            dest = args.prepare / run.name
            dest.mkdir(parents=True, exist_ok=False)
            prepare(run, args, dest)
            print(f"[{run.name}] prepared in {dest}", file=sys.stderr)
        else:
            run_one(run, args)


if __name__ == "__main__":
    main()
