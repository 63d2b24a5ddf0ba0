"""docs/lua-mapping.md lists every helper the runtime offers ported code.

The names come from the code, not from a list kept by hand: every public name that
``pygraphnn/lua/runtime/__init__.py`` binds (what ported code reaches as ``lua.NAME``),
Lua's ``arg`` (offered through the package's ``__getattr__``), and every function of the
library tables (``lua.string``, ``lua.os``, ... reached as ``lua.string.gsub``). The
translator's own tables of helper names must all be runtime names, so nothing it can
emit escapes the walk.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_INIT = ROOT / "pygraphnn" / "lua" / "runtime" / "__init__.py"
DOC = (ROOT / "docs" / "lua-mapping.md").read_text()

# the library tables a ported program calls into, by the name the doc spells them with
LIBRARIES = {
    "string": "string",
    "table": "table",
    "os": "os",
    "io": "io",
    "paths": "paths",
    "lfs": "lfs",
    "path": "path",
    "plfile": "plfile",
    "stringx": "stringx",
}


def runtime_names() -> set[str]:
    """What ``from pygraphnn.lua import runtime as lua`` offers as ``lua.NAME``."""
    tree = ast.parse(RUNTIME_INIT.read_text())
    names = {a.asname or a.name for node in tree.body if isinstance(node, ast.ImportFrom) for a in node.names}
    names |= {
        t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)
    }
    from pygraphnn.lua import runtime

    if hasattr(runtime, "arg"):  # through the package's __getattr__, built when read
        names.add("arg")
    return {n for n in names if not n.startswith("_")}


def mentioned(name: str) -> bool:
    return re.search(r"(?<![\w.])lua\." + re.escape(name) + r"\b", DOC) is not None


def test_the_walk_finds_the_runtime_names():
    names = runtime_names()
    # a few every ported program uses, so that an empty walk cannot pass
    assert {"LuaTable", "index", "invoke", "print", "string", "table", "arg", "range"} <= names
    assert len(names) > 60


@pytest.mark.parametrize("name", sorted(runtime_names()))
def test_every_runtime_helper_is_in_the_mapping_doc(name):
    assert mentioned(name), f"docs/lua-mapping.md does not list lua.{name} (Lua construct -> lua.{name} -> why)"


def test_every_helper_the_translator_names_is_a_runtime_helper():
    from pygraphnn.lua.translator import emit

    source = (ROOT / "pygraphnn" / "lua" / "translator" / "emit.py").read_text()
    named = set(emit.LIBRARY_GLOBALS.values()) | set(emit.PENLIGHT.values()) | set(emit.LUA_FUNCTION_VALUES.values())
    named |= set(re.findall(r"""\brt\(\s*["'](\w+)["']\s*\)""", source))  # self.rt("index")
    named |= set(re.findall(r"""["']lua\.(\w+)\(""", source))  # f"lua.invoke(..."
    assert len(named) > 30
    assert named <= runtime_names(), f"emitted but not offered by the runtime: {sorted(named - runtime_names())}"


def library_functions() -> list[tuple[str, str]]:
    from pygraphnn.lua import runtime

    return [
        (lib, member)
        for lib, attr in LIBRARIES.items()
        for member in sorted(dir(getattr(runtime, attr)))
        if not member.startswith("_")
    ]


@pytest.mark.parametrize("lib, member", library_functions())
def test_every_library_function_is_in_the_mapping_doc(lib, member):
    # `string.gsub` or a slash list `string.byte/char/.../gsub`
    pattern = r"(?<![\w.])" + re.escape(lib) + r"\.(?:\w+/)*" + re.escape(member) + r"\b"
    assert re.search(pattern, DOC), f"docs/lua-mapping.md does not list {lib}.{member} (lua.{LIBRARIES[lib]}.{member})"
