"""Hostile Lua sources: text from the Lua file never becomes Python code.

Strings, comments, module names, table keys and the file name are filled with
line breaks Python's tokenizer or ``str.splitlines`` honours (``\\r``, ``\\n``,
``\\x0b``, ``\\x85``, U+2028...), quotes, ``]]``, NUL, direction controls and
Python code. Every translation must compile, import only from an allow-list,
and contain no name or attribute that the Lua program did not spell; where the
payload stays inside one Lua token, the output must be the benign output with
only string constants changed. Calls that run a shell or load code are listed.
"""

from __future__ import annotations

import ast
import random

import pytest

pytest.importorskip("luaparser")

from pygraphnn.cli import main
from pygraphnn.lua.translator.emit import PortSyntaxError, port_source

PIECES = [
    "\r",
    "\n",
    "\r\n",
    '"',
    "'",
    "]]",
    "]=]",
    "\0",
    "\u2028",
    "\u2029",
    "\x85",
    "\x0b",
    "\x0c",
    "\x1c",
    "\\",
    "{",
    "}",
    "\u202e",
    "\ufeff",
    "\t",
    "import os",
    'os.system("echo PWNED")',
    "__import__('os')",
    "eval('1')",
    "class",
    "__class__",
    "#",
    "%",
    "$",
    "é",
    "\U0001f600",
    "--",
    "--[[",
    "x" * 3,
]

ALLOWED_IMPORTS = {"math", "gc", "types", "torch", "pygraphnn", "pygraphnn.lua"}
# names that would mean Lua text became Python: none of the templates spells them
FORBIDDEN = {
    "eval",
    "exec",
    "compile",
    "__import__",
    "os",
    "system",
    "open",
    "getattr",
    "setattr",
    "globals",
    "locals",
    "vars",
    "__builtins__",
    "__class__",
    "subprocess",
    "PWNED",
    "breakpoint",
    "input",
}


def lua_escaped(payload: str) -> str:
    """The payload as the inside of a Lua double-quoted string."""
    out = []
    for c in payload:
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif ord(c) < 32:
            out.append(f"\\{ord(c)}")
        else:
            out.append(c)
    return "".join(out)


# (template, how the payload goes in): "esc" = escaped in a "string", "raw" = as it is
TOKEN_TEMPLATES = [
    ('local s = "{P}"\nprint(s .. "!")\n', "esc"),
    ('local t = {{}}\nt["{P}"] = 1\nprint(t["{P}"])\n', "esc"),
    ('local r = {{["{P}"] = 2, n = 1}}\nprint(r.n)\n', "esc"),
    ("local s = [==[{P}]==]\nprint(#s)\n", "raw-long"),
    ("--[==[{P}]==]\nlocal x = 1\n", "raw-long"),
    ("local x = 1 -- {P}\n", "raw-line"),
    ("-- {P}\nlocal y = 2\n", "raw-line"),
    ('local fmt = string.format("%s {P}", "a")\n', "esc-nopct"),
]
# payloads that may leave their token (then Lua itself reads code): only the general properties hold
LOOSE_TEMPLATES = [
    ("--[[{P}]]\nlocal z = 3\n", "raw"),
    ("-- {P}\nlocal y = 2\n", "raw"),
    ('require "{P}"\n', "esc"),
    ('local m = require "{P}"\nprint(m)\n', "esc"),
    ('local t = {{}}\nt.x = "{P}"\nlocal v = t["{P}"]\n', "esc"),
]


def payloads(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 4))) for _ in range(n)]


def fill(template: str, how: str, payload: str) -> str | None:
    if how.startswith("esc"):
        if how == "esc-nopct":
            payload = payload.replace("%", "")
        return template.replace("{P}", lua_escaped(payload)).replace("{{", "{").replace("}}", "}")
    if how == "raw-long" and ("]==]" in payload or payload.endswith("]") or payload.endswith("]=")):
        return None
    if how == "raw-line" and any(c in payload for c in "\r\n"):
        return None
    if how.startswith("raw-long") and "\0" in payload:
        payload = payload.replace("\0", "")
    return template.replace("{P}", payload)


def translate(source: str, filename: str = "hostile.lua"):
    try:
        return port_source(source, filename)
    except PortSyntaxError:
        return None  # not Lua: refused, which is fine


def check_general(code: str, source: str) -> ast.Module:
    tree = ast.parse(code)  # raises on anything that is not Python
    compile(code, "<hostile>", "exec")
    lua_words = set(source.replace("(", " ").split())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert all(a.name in ALLOWED_IMPORTS for a in node.names), ast.unparse(node)
        elif isinstance(node, ast.ImportFrom):
            assert node.module in ALLOWED_IMPORTS, ast.unparse(node)
        elif isinstance(node, ast.Name):
            assert node.id not in FORBIDDEN or (node.id in lua_words and node.id not in ("eval", "__import__")), (
                node.id,
                code,
            )
        elif isinstance(node, ast.Attribute):
            assert not node.attr.startswith("__"), (node.attr, code)
            root = node
            while isinstance(root, ast.Attribute):
                root = root.value
            if not (isinstance(root, ast.Name) and root.id == "lua"):
                assert node.attr not in FORBIDDEN, (node.attr, code)
    return tree


class Blank(ast.NodeTransformer):
    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.Constant("") if isinstance(node.value, str) else node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        node.values = [v for v in node.values if not isinstance(v, ast.Constant)]
        return self.generic_visit(node)


def shape(tree: ast.Module) -> str:
    return ast.dump(Blank().visit(tree))


@pytest.mark.parametrize("template, how", TOKEN_TEMPLATES)
def test_payload_inside_a_token_changes_only_strings(template, how):
    benign = translate(fill(template, how, "not a name"))
    assert benign is not None
    want = shape(ast.parse(benign.code))
    tested = 0
    for payload in payloads(60, seed=sum(map(ord, template))):
        # "- " first: never a name or __key, which rightly change how a table is translated
        source = fill(template, how, "- " + payload)
        if source is None:
            continue
        result = translate(source)
        assert result is not None, repr(source)
        tree = check_general(result.code, template)
        assert shape(tree) == want, (repr(source), result.code)
        tested += 1
    assert tested >= 20


@pytest.mark.parametrize("template, how", LOOSE_TEMPLATES)
def test_payload_that_may_leave_its_token_never_becomes_python(template, how):
    for payload in payloads(60, seed=7 + len(template)):
        source = fill(template, how, payload)
        result = translate(source)
        if result is not None:
            check_general(result.code, source)


@pytest.mark.parametrize("filename", ["a\rimport os.lua", "b\nos.system('x').lua", "c\u2028d.lua", 'q"\'.lua'])
def test_filename_stays_in_the_comment(filename):
    result = translate("local x = 1\n", filename)
    check_general(result.code, "local x = 1")
    assert result.code.splitlines()[0].startswith("# Ported from")
    assert len(result.code.splitlines()) == len(translate("local x = 1\n", "f.lua").code.splitlines())


def test_require_of_code_is_a_string_not_an_import():
    result = translate("require \"os; os.system('echo PWNED')\"\nlocal m = require 'a b'\n")
    tree = check_general(result.code, "")
    calls = [ast.unparse(n) for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert calls == ["lua.require(\"os; os.system('echo PWNED')\")", "lua.require('a b')"]
    assert [i.line for i in result.issues] == [1, 2]


def test_names_python_reserves_are_renamed():
    src = "eval('x')\n__import__('os')\nlocal t = {}\nt.class = 1\nprint(t.class)\nfunction t.def(a) return a end\n"
    result = translate(src)
    code = result.code
    check_general(code, "")
    assert "eval_(" in code and "lua__import___(" in code
    with pytest.raises(NameError):
        exec(compile(code, "<hostile>", "exec"), {})  # undefined in Lua too: never Python's eval


RISKY_SOURCE = """\
local ex = os.execute
ex("ls")
os.execute("echo hi")
local f = io.popen("ls")
local g = loadstring("return 1")
dofile("other.lua")
local h = load(g)
local name = "mod"
local m = require(name)
local lc = loadstring
"""


def test_shell_and_code_loading_calls_are_listed_and_explicit(capsys, tmp_path):
    result = translate(RISKY_SOURCE, "risky.lua")
    lines = sorted({i.line for i in result.risky})
    assert lines == [1, 2, 3, 4, 5, 6, 7, 9, 10]
    code = result.code
    for call in (
        "lua.os.execute(",
        "lua.io.popen(",
        "lua.loadstring(",
        "lua.dofile(",
        "lua.load(",
        "lua.require(name)",
        "ex = lua.os.execute",
        "lc = lua.loadstring",
    ):
        assert call in code, (call, code)
    path = tmp_path / "risky.lua"
    path.write_text(RISKY_SOURCE)
    main(["port", str(path), "-o", str(tmp_path / "risky.py")])
    err = capsys.readouterr().err
    assert "risky.lua:3: warning: os.execute() runs a shell command" in err
    assert "risky.lua:2: warning: ex() is os.execute" in err


def test_program_file_names_never_become_code(tmp_path):
    from pygraphnn.lua.translator.program import port_program

    src = tmp_path / 'we"""ird\rname'
    src.mkdir()
    (src / 'ma"""in.lua').write_text("print(1)\n")
    out = tmp_path / "pkg"
    port_program(src / 'ma"""in.lua', out)
    for f in out.rglob("*.py"):
        check_general(f.read_text(), "")
