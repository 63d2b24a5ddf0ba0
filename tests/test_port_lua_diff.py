"""Differential tests of the port against real Lua: each snippet translated and run prints what `th` printed.

The snippets and real Lua Torch7's output (trepl's ``th``, LuaJIT) live in
tests/fixtures/lua_diff/lang/ (``record.py`` there regenerates the output).
Every snippet must translate without a flag, compile, and print exactly the
recorded text: numbers as ``%.14g``, tables by trepl's pretty printer, Lua
patterns, ``#`` and ``ipairs``/``pairs`` order over arrays, classes, errors.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("luaparser")

from pygraphnn.lua.translator.emit import port_source

HERE = Path(__file__).parent / "fixtures" / "lua_diff" / "lang"
sys.path.insert(0, str(HERE))
from record import snippets  # noqa: E402

sys.path.pop(0)


def cases() -> list:
    out = []
    for path in sorted(HERE.glob("*.lua")):
        recorded = json.loads((HERE / f"{path.stem}.json").read_text())
        for name, source in snippets(path).items():
            out.append(pytest.param(source, recorded[name], id=f"{path.stem}-{name}"))
    return out


def run_ported(source: str) -> str:
    result = port_source(source, "snippet.lua")
    assert not result.issues, [i.format("snippet.lua") for i in result.issues] + [result.code]
    from pygraphnn.lua.runtime import objects, system

    objects._CLASSES.clear()  # each snippet is its own program, as each th run was
    system.forget_loaded_libraries()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(result.code, "<snippet.lua ported>", "exec"), {"__name__": "snippet"})
    return out.getvalue()


@pytest.mark.parametrize("source, expected", cases())
def test_snippet_prints_what_lua_printed(source, expected):
    got = run_ported(source)
    assert got == expected, f"\n--- Lua:\n{source}\n--- th printed:\n{expected!r}\n--- port printed:\n{got!r}"


def test_enough_snippets():
    assert len(cases()) >= 300
