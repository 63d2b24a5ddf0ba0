"""The translator on big and deeply nested Lua: linear time, no recursion limit, clear errors.

(The 20,000-line timing is ``benchmarks/port_scale.py``; tests here stay small.)
"""

from __future__ import annotations

import pytest

pytest.importorskip("luaparser")

from pygraphnn.lua.translator.emit import PortSyntaxError, port_source
from pygraphnn.lua.translator.parse import parse


def nested_ifs(depth: int) -> str:
    src = "local x = 0\n"
    src += "".join("  " * i + f"if x >= {-i} then\n" for i in range(depth))
    src += "  " * depth + "x = 1\n"
    src += "".join("  " * i + "end\n" for i in reversed(range(depth)))
    return src


def run(code: str) -> dict:
    ns: dict = {}
    exec(compile(code, "<deep>", "exec"), ns)
    return ns


def test_150_nested_ifs_translate_and_run():
    result = port_source(nested_ifs(150), "deep.lua")
    assert result.issues == []
    assert run(result.code)["x"] == 1


def test_deep_else_if_chains_become_elif():
    src = "local x = 7\nlocal r\n" + "".join("  " * i + f"if x == {i} then r = {i} else\n" for i in range(150))
    src += "  " * 150 + "r = -1\n" + "".join("  " * i + "end\n" for i in reversed(range(150)))
    assert run(port_source(src, "chain.lua").code)["r"] == 7


def test_nesting_python_cannot_compile_is_a_clear_error():
    src = "local x = 0\n" + "".join("  " * i + "while x < 1 do\n" for i in range(120))
    src += "x = 1\n" + "end\n" * 120
    with pytest.raises(PortSyntaxError, match=r"deep.lua:\d+: cannot translate: blocks nested more than 99 deep"):
        port_source(src, "deep.lua")


def test_long_operator_chains_parse_without_recursion():
    src = "local s = " + " .. ".join(f"'{i}'" for i in range(400)) + "\n"
    src += "local n = " + " + ".join("1" for _ in range(400)) + "\n"
    ns = run(port_source(src, "long.lua").code)
    assert ns["s"] == "".join(str(i) for i in range(400)) and ns["n"] == 400


def test_operator_precedence_and_associativity():
    src = (
        "a = 2 ^ 3 ^ 2\nb = -2 ^ 2\nc = 1 .. 2 + 3\nd = not nil == true\ne = 1 + 2 * 3 - 4 / 2\n"
        "f = 2 ^ -1\ng = 'a' .. 'b' .. 'c' == 'abc'\nh = 1 < 2 and 2 < 3 or false\n"
    )
    ns = run(port_source(src, "prec.lua").code)
    assert (ns["a"], ns["b"], ns["c"], ns["d"], ns["e"], ns["f"], ns["g"], ns["h"]) == (
        512,
        -4,
        "15",
        True,
        5,
        0.5,
        True,
        True,
    )


def test_a_few_thousand_lines():
    body = "".join(
        f"local function f{i}(a, b)\n  local t = {{a, b}}\n  for k = 1, #t do t[k] = t[k] * {i} end\n"
        f"  return t[1] + t[2]  -- sum {i}\nend\n"
        for i in range(400)
    )
    result = port_source(body + "print(f399(1, 2))\n", "many.lua")
    assert result.issues == [] and result.code.count("def f") == 400
    chunk, comments = parse(body)
    assert len(chunk.body.body) == 400 and len(comments) == 400
