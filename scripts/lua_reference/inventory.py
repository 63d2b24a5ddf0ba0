"""Grep-level inventory of the Lua/Torch APIs and constructs a legacy Lua program uses.

    python scripts/lua_reference/inventory.py --mirror /work/.mirror > tests/fixtures/lua_programs/INVENTORY.md

For every program recorded by ``run_reference.py`` it reads the ``.lua`` files of the fetched snapshot
(HEAD, read with ``git show``; nothing is run) and counts, per file, the uses of each API family: classes
and metatables, ``torch.CmdLine``, ``optim.*``, ``nn.*``/``nngraph`` modules, ``torch.*`` functions,
tensor/object methods (``:name(``), the ``string``/``table``/``math``/``os``/``io`` libraries, Lua
string patterns, ``paths``/``lfs``, serialisation, GPU calls, and language constructs the translator
must get right (``pcall``, varargs, ``[0] =`` tables, ``#``, ``..``, ``goto``). Comments are skipped;
strings are not (``'%d'`` formats are counted as patterns on purpose).
"""

from __future__ import annotations

import argparse
import re
import subprocess
from collections import Counter
from pathlib import Path

from run_reference import RUNS, git_dir

# family -> regex whose group 1 (or whole match) names the item
FAMILIES: list[tuple[str, str]] = [
    ("require / include (own modules and libraries)", r"""\b(?:require|include)\s*\(?\s*['"]([\w./-]+)['"]"""),
    (
        "classes and metatables",
        r"\b(torch\.class|setmetatable|getmetatable|__index|__call|__init|parent\.__init|"
        r"torch\.typename|torch\.type|torch\.isTensor|rawget|rawset)\b",
    ),
    (
        "torch.CmdLine",
        r"\b(torch\.CmdLine|cmd:option|cmd:parse|cmd:text|cmd:string|cmd:log|cmd:addTime|"
        r"cmd:silent)\b",
    ),
    ("optim", r"\boptim\.(\w+)"),
    ("nn modules / criterions", r"\bnn\.([A-Z]\w*)"),
    (
        "nngraph",
        r"\b(nn\.gModule|nngraph\.\w+|:split\(|:annotate\(|graph\.dot|\.forwardnodes|\.backwardnodes|"
        r"\.fg\b|\.bg\b|\.data\.module|\.data\.mapindex)",
    ),
    ("torch.* functions", r"\btorch\.(?!class\b|CmdLine\b)([a-z]\w*)"),
    ("tensor types", r"\btorch\.([A-Z]\w*Tensor|[A-Z]\w*Storage|MemoryFile|DiskFile|Timer|Generator)\b"),
    ("method calls (:name)", r":([A-Za-z_]\w*)\s*[\(\{'\"]"),
    ("string library", r"\bstring\.(\w+)"),
    ("Lua patterns in strings", r"""['"][^'"\n]*(%[adlpsuwxcgfq.%-]|%b..|\[\^?%?\w[^\]]*\])[^'"\n]*['"]"""),
    ("table library", r"\btable\.(\w+)"),
    ("math library", r"\bmath\.(\w+)"),
    ("os library", r"\bos\.(\w+)"),
    ("io library and files", r"\b(io\.\w+|:read\(|:write\(|:lines\(|:close\(|file\.\w+)"),
    ("paths / lfs / penlight", r"\b(paths\.\w+|lfs\.\w+|path\.\w+|pl\.\w+|stringx\.\w+|tablex\.\w+)"),
    ("serialisation", r"\b(torch\.save|torch\.load|writeObject|readObject|torch\.serialize|torch\.deserialize)\b"),
    (
        "GPU (cutorch/cunn/cl)",
        r"\b(cutorch\.\w+|cunn|cudnn|fbcunn|cltorch\.\w+|clnn|:cuda\(\)|:cl\(\)|"
        r"CudaTensor)\b",
    ),
    (
        "language constructs",
        r"(\bpcall\b|\bxpcall\b|\berror\s*\(|\bassert\s*\(|\bunpack\b|\bselect\s*\(|"
        r"\bipairs\b|\bpairs\b|\bnext\s*\(|\.\.\.|\[0\]\s*=|\bgoto\b|\bloadstring\b|"
        r"\bdofile\b|\bcollectgarbage\b|\btostring\b|\btonumber\b|\btype\s*\(|\bsetfenv\b|"
        r"\b_G\b|\bio\.write\b|\bprint\b)",
    ),
]

# What the recorded runs showed beyond the API counts: behaviour a port must reproduce to print the
# same bytes (checked by reading the recordings in fixtures/lua_programs).
FINDINGS = [
    "th's `print` (trepl) writes a tab after every argument: `print('x')` prints `x\\t\\n`, `print(a, b)` "
    "prints `a\\tb\\t\\n`; `io.write` adds nothing. Every stdout.txt line from `print` ends in a tab.",
    "`print(table)` pretty-prints with trepl's format (`{`, `  key : value`, `}`) in the table's `pairs` "
    "order, which for string keys is LuaJIT's hash order, not insertion order (zaremba_lstm and "
    "learning_to_execute `print(params)`; practical6's `for name, proto in pairs(protos)` prints "
    "`cloning lstm/softmax/embed/criterion`).",
    "`print(tensor)` uses Torch's tensor format (column scaling line like `0.01 *`, `[torch.DoubleTensor of "
    "size 1x10]`): torch_ntm_copy.",
    "Numbers concatenated or `tostring`ed print with `%.14g` (`current loss = 14.453702383679`); integers "
    "without a decimal point (`iter = 25`).",
    "`torch.CmdLine:string(prefix, opt, exclude)` prints `-- ignore option <name>` for each excluded option "
    "and `<name>\\t<value>\\t<default>` for each changed one, in `pairs` order (practical6).",
    "th's `require` resolves names starting with `.` relative to the calling file (`require('../')`, "
    "`require('./util')` in torch-ntm), and falls back to `require('./'..name)`; torch's global `include` "
    "runs a file relative to the caller (learning_to_execute).",
    "Programs that never call `torch.manualSeed` (torch-ntm, torch/demos) get a clock seed from th; the "
    "recordings seed Torch's RNG in the wrapper (command.txt says so), so a port needs the same seed set.",
    "Data loaders cache preprocessed `.t7` files next to the text (char-rnn `vocab.t7`/`data.t7`, "
    "lstm-char-cnn `vocab.t7`/`data.t7`/`data_char.t7`) and compare modification times with "
    "`lfs.attributes(...).modification`; the first run prints the preprocessing lines.",
    "learning_to_execute generates its data with `torch.random` (Torch's RNG, via `random = torch.random`) "
    "and formats programs with `string.format`/`gsub`; it reads a gModule's internals "
    "(`forwardnodes[#fnodes].data.mapindex[1].input[1]`).",
    "Tensor aliasing decides numbers: char-rnn's `init_state_global = rnn_state[#rnn_state]` keeps references "
    "to the last clone's output buffers, which that clone overwrites in the next batch's forward, so from "
    "iteration 2 on the first clone's backward reads the new final state as its prev_c/prev_h. A port that "
    "copies the state (or uses autograd on fresh tensors) prints losses that leave Lua's from iteration 3 "
    "(4.07534300 vs 4.07530856); with the state copied in Lua (`charrnn_lstm_state_cloned`) pygraphnn "
    "gives Lua's losses to every printed digit (scripts/lua_reference/check_charrnn.py). The same pattern "
    "(outputs kept by reference across calls) appears in Zaremba's `g_replace_table` (copies, so safe) "
    "and learning_to_execute's `copy_table` (copies).",
    "Tensor idioms beyond method calls: `#t` is a tensor's size (a LongStorage: `(#data)[1]` in torch/demos), "
    "`t[{{a, b}}]`/`t[{{}, t}]` range indexing, `t[i][j]` number reads and writes (`perps[step % n + 1] = p`).",
    "Timings (`time/batch`, `wps`, `since beginning`, `characters per sec.`, `t = 25.1s`, practical6's "
    "`timer:`) differ between runs; everything else in the recordings is deterministic.",
]

_LONG_COMMENT = re.compile(r"--\[(=*)\[.*?\]\1\]", re.S)
_LINE_COMMENT = re.compile(r"--[^\n]*")


def strip_comments(src: str) -> str:
    src = _LONG_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), src)
    return _LINE_COMMENT.sub("", src)


def lua_files(gd: Path) -> dict[str, str]:
    names = subprocess.run(
        ["git", "--git-dir", str(gd), "ls-tree", "-r", "--name-only", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\n")
    out = {}
    for n in names:
        if n.endswith(".lua"):
            blob = subprocess.run(["git", "--git-dir", str(gd), "show", f"HEAD:{n}"], capture_output=True)
            if blob.returncode == 0:
                out[n] = blob.stdout.decode("utf-8", errors="replace")
    return out


def inventory(files: dict[str, str]) -> list[str]:
    lines = []
    total = sum(src.count("\n") for src in files.values())
    lines.append(
        f"{len(files)} Lua files, {total} lines: "
        + ", ".join(f"`{n}` ({src.count(chr(10))})" for n, src in sorted(files.items()))
    )
    lines.append("")
    code = {n: strip_comments(src) for n, src in files.items()}
    for family, rx in FAMILIES:
        pat = re.compile(rx)
        per_item: Counter = Counter()
        where: dict[str, set] = {}
        for n, src in code.items():
            for m in pat.finditer(src):
                item = m.group(1) if pat.groups else m.group(0)
                item = item.strip()
                per_item[item] += 1
                where.setdefault(item, set()).add(n)
        if not per_item:
            continue
        items = ", ".join(
            f"`{k}` {v}" + ("" if len(files) == 1 else f" ({', '.join(sorted(where[k]))})")
            for k, v in sorted(per_item.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        lines.append(f"* **{family}**: {items}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mirror", type=Path, required=True)
    args = ap.parse_args()
    print("# Inventory of the legacy Lua programs recorded here\n")
    print(
        "Generated by `scripts/lua_reference/inventory.py --mirror <mirror>` from the fetched snapshots (grep "
        "level: comments skipped, counts are occurrences, files in parentheses). It lists what a translator and "
        "its runtime must cover to port each program whole; the runs themselves are described in each "
        "fixture folder's `command.txt`.\n"
    )
    print("## Behaviour seen in the recordings\n")
    for f in FINDINGS:
        print(f"* {f}")
    print()
    seen = set()
    for run in RUNS:
        if run.repo in seen:
            continue
        seen.add(run.repo)
        gd = git_dir(args.mirror, run.repo)
        commit = subprocess.run(
            ["git", "--git-dir", str(gd), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
        ).stdout.strip()
        fixtures = ", ".join(f"`{r.name}/`" for r in RUNS if r.repo == run.repo)
        print(f"## {run.repo.replace('+', '/')} ({commit[:10]}) - fixtures {fixtures}\n")
        needs = list(dict.fromkeys(p.why for p in run.patches))
        needs += [f"Torch's RNG seeded by the wrapper (torch.manualSeed({run.seed}))"] if run.seed is not None else []
        needs += [f"native Lua module {d.module} built from {d.repo.replace('+', '/')}" for d in run.native]
        if needs:
            print("Runtime patches and set-up (see command.txt): " + "; ".join(needs) + ".\n")
        files = {n: src for n, src in lua_files(gd).items() if n.startswith(run.scope)}
        for line in inventory(files):
            print(line)
        print()


if __name__ == "__main__":
    main()
