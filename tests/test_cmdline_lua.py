"""``torch.CmdLine`` in a ported program accepts, refuses and prints what real Lua's did.

tests/lua_sources/cmdline/flags.lua declares positional arguments (``cmd:argument``, as
char-rnn's sample.lua does) and options of each type; record.py there ran it in real Lua
Torch7 with each command line of expected.json (stdout, stderr, exit status). Here the
ported program runs with the same command lines.
"""

from __future__ import annotations

import json
import re
import runpy
import sys
from pathlib import Path

import pytest

pytest.importorskip("luaparser")

from pygraphnn.lua.runtime import CmdLine, LuaTable
from pygraphnn.lua.runtime.system import LuaError
from pygraphnn.lua.translator.program import port_program

SOURCES = Path(__file__).parent / "lua_sources" / "cmdline"
EXPECTED = json.loads((SOURCES / "expected.json").read_text())
ARG0 = re.compile(r"^Usage: \S+ \[options\]", re.M)  # as record.py keeps it


@pytest.fixture(scope="module")
def ported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cmdline") / "flags"
    result = port_program(SOURCES / "flags.lua", out)
    assert not result.modules["flags"].issues
    return out / "flags.py"


@pytest.mark.parametrize("run", sorted(EXPECTED))
def test_ported_cmdline_prints_and_exits_as_lua(ported, run, monkeypatch, capsys):
    expected = EXPECTED[run]
    monkeypatch.setattr(sys, "argv", ["flags.lua", *expected["argv"]])
    try:
        runpy.run_path(str(ported), run_name="flags")
        status = 0
    except SystemExit as e:
        status = e.code
    out, err = capsys.readouterr()
    assert (status, err) == (expected["status"], expected["stderr"])
    assert ARG0.sub("Usage: <arg0> [options]", out) == expected["stdout"]


def test_parse_takes_luas_arg_table_and_python_lists():
    cmd = CmdLine()
    cmd.argument("-model", "checkpoint")
    cmd.option("-length", 2000, "characters")
    arg = LuaTable({0: "sample.lua", 1: "cv/lm.t7", 2: "-length", 3: "20"})
    assert dict(cmd.parse(arg).items()) == {"model": "cv/lm.t7", "length": 20}
    assert cmd.parse(["-length", "0x10", "x"])["length"] == 16


def test_declaring_an_option_without_default_or_of_the_wrong_type_is_luas_error():
    cmd = CmdLine()
    with pytest.raises(LuaError, match=r"option -seed has no default value"):
        cmd.option("-seed")
    with pytest.raises(LuaError, match=r"option -seed has wrong default type value"):
        cmd.option("-seed", 1, "seed", "string")


def test_string_names_the_changed_options_after_the_arguments(capsys):
    cmd = CmdLine()
    cmd.argument("-model", "checkpoint")
    cmd.option("-length", 2000, "characters")
    cmd.option("-verbose", False, "diagnostics")
    cmd.option("-seed", 1, "seed")
    opt = cmd.parse(["-verbose", "-length", "20", "-seed", "5", "cv/lm.t7"])
    text = cmd.string("run", opt, LuaTable({"seed": True}))
    assert text == "run,model=cv/lm.t7,length=20,verbose=t"
    # torch prints each ignored name and each changed option with its default
    printed = capsys.readouterr().out.splitlines()
    assert sorted(printed) == sorted(["-- ignore option seed\t", "length\t20\t2000\t", "verbose\tt\tfalse\t"])
