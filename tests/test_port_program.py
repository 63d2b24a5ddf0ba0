"""`pygraphnn port main.lua -o outdir/`: a whole program becomes a package that runs like the Lua did.

CI uses tests/lua_sources/program/ (a program of our own in char-rnn's style: its own
modules by require, global helpers from another file, a metatable class, CmdLine
flags), whose real-Lua output is recorded in expected.json. The real programs
(char-rnn, Zaremba's lstm) are ported too when their sources are on this machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("luaparser")

from pygraphnn.cli import main
from pygraphnn.lua.translator.program import port_program

PROGRAM = Path(__file__).parent / "lua_sources" / "program"
MIRROR = Path("/work/.mirror")


def test_program_is_a_package_with_one_module_per_file(tmp_path):
    result = port_program(PROGRAM / "main.lua", tmp_path / "counting")
    assert sorted(result.modules) == ["main", "model.counter", "util.helpers"]
    assert all(not r.issues for r in result.modules.values())
    for f in ["__init__.py", "__main__.py", "main.py", "util/__init__.py", "util/helpers.py", "model/counter.py"]:
        assert (tmp_path / "counting" / f).is_file(), f
    code = (tmp_path / "counting" / "main.py").read_text()
    assert 'lua.require("model.counter", __package__)' in code and "lua.G.split_words(" in code


@pytest.mark.parametrize("run", ["defaults", "flags"])
def test_ported_program_prints_what_lua_printed(tmp_path, run):
    expected = json.loads((PROGRAM / "expected.json").read_text())
    assert main(["port", str(PROGRAM / "main.lua"), "-o", str(tmp_path / "counting") + "/"]) == 0
    proc = subprocess.run(
        [sys.executable, "-m", "counting", *expected["argv"][run]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == expected["stdout"][run]


def test_program_flags_are_the_lua_flags(tmp_path):
    port_program(PROGRAM / "main.lua", tmp_path / "counting")
    proc = subprocess.run(
        [sys.executable, "-m", "counting", "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0
    # torch.CmdLine's help, line for line as real Lua's `th main.lua --help` (its usage line names arg[0])
    assert proc.stdout.splitlines()[1:] == [
        "Count words of a text, in chunks",
        "  -chunk words per chunk [3]",
        "  -text  text to count [the cat and the dog and the bird]",
        "  -upper print words in upper case [false]",
    ]
    assert proc.stdout.startswith("Usage: ") and proc.stdout.splitlines()[0].endswith(" [options]")


@pytest.mark.parametrize(
    "repo, main_file, modules",
    [
        ("karpathy+char-rnn", "train.lua", 8),
        ("wojzaremba+lstm", "main.lua", 3),
    ],
)
def test_real_programs_port_without_flags(tmp_path, repo, main_file, modules):
    """Needs the fetched sources (never committed): skipped where they are absent."""
    git = MIRROR / repo / "repo"
    if not git.is_dir():
        pytest.skip(f"{repo} is not fetched here")
    src = tmp_path / "src"
    files = subprocess.run(
        ["git", "--git-dir", str(git), "ls-tree", "-r", "--name-only", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in files:
        if name.endswith(".lua"):
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            (src / name).write_bytes(
                subprocess.run(
                    ["git", "--git-dir", str(git), "show", f"HEAD:{name}"], capture_output=True, check=True
                ).stdout
            )
    result = port_program(src / main_file, tmp_path / "ported")
    assert len(result.modules) == modules
    assert [i for r in result.modules.values() for i in r.issues] == []
    for r in result.modules.values():
        compile(r.code, r.filename, "exec")


def test_include_of_a_program_file_is_followed(tmp_path):
    src = tmp_path / "src"
    (src / "lib").mkdir(parents=True)
    (src / "lib" / "helper.lua").write_text("function greet(name) return 'hello ' .. name end\n")
    (src / "main.lua").write_text("include 'lib/helper.lua'\nprint(greet('lua'), 1 / 2)\n")
    result = port_program(src / "main.lua", tmp_path / "inc")
    assert sorted(result.modules) == ["lib.helper", "main"]
    assert all(not r.issues for r in result.modules.values())
    proc = subprocess.run([sys.executable, "-m", "inc"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.stdout == "hello lua\t0.5\t\n", proc.stderr


def test_program_port_shows_progress_when_asked(tmp_path, monkeypatch, capsys):
    """Porting a program is a long job: a bar counts its files (on a terminal, or PYGRAPHNN_PROGRESS=1)."""
    monkeypatch.setenv("PYGRAPHNN_PROGRESS", "1")
    port_program(PROGRAM / "main.lua", tmp_path / "out")
    err = capsys.readouterr().err
    assert "porting" in err and "file" in err
    monkeypatch.setenv("PYGRAPHNN_PROGRESS", "0")
    port_program(PROGRAM / "main.lua", tmp_path / "out2")
    assert "porting" not in capsys.readouterr().err
