"""pygraphnn/lua/ is layered and its imports go one way.

    format  <-  classes  <-  runtime  <-  translator  <-  commands

``format`` (the .t7 reader/writer) imports nothing else of pygraphnn; ``classes`` (Lua
class <-> module) may use the format and the rest of pygraphnn (nn, gModule, ...);
``runtime`` (what ported programs import) may use both but never the translator; the
``translator`` may use the runtime (to spell numbers as Lua does); the ``commands`` may
use everything. ``pygraphnn/lua/__init__.py`` is the public facade above them all, and no
layer imports it back. Every import counts, module-level or inside a function: a
function-level import is still a dependency, only a later one.

Besides the direction, no group of modules may import each other in a circle (a cycle
inside one layer is as hard to follow as one across layers). The runtime's own modules
are the one exception, listed in RUNTIME_CYCLES_ALLOWED: they reach each other lazily
by design (a tensor method that returns a table, a table printed with ``tostring``).

The check reads the source with ``ast`` (nothing is imported), so it also runs against
another checkout: ``python tests/test_lua_layers.py /path/to/pygraphnn/lua``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

LUA = Path(__file__).resolve().parent.parent / "pygraphnn" / "lua"
FACADE = "pygraphnn.lua"
LAYERS = ["format", "classes", "runtime", "translator", "commands"]
# what each layer may import inside pygraphnn.lua (itself and the layers below it)
ALLOWED = {layer: set(LAYERS[: i + 1]) for i, layer in enumerate(LAYERS)}


def modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module under ``root`` (pygraphnn/lua)."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(["pygraphnn", "lua", *parts])] = path
    return out


def imports(name: str, path: Path, known: set[str]) -> list[tuple[str, int]]:
    """The pygraphnn modules ``name`` imports (anywhere in the file), with their line.
    ``from pkg import sub`` counts as importing ``pkg.sub`` when that is a module."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for a in node.names:
                sub = f"{base}.{a.name}"
                found.append((sub if sub in known else base, node.lineno))
    return [(m, line) for m, line in found if m == "pygraphnn" or m.startswith("pygraphnn.")]


def layer_of(module: str) -> str | None:
    """The layer of a module inside pygraphnn.lua (None for the facade or a stray module)."""
    parts = module.split(".")
    if len(parts) < 3:
        return None
    return parts[2] if parts[2] in LAYERS else None


def violations(root: Path) -> list[str]:
    """Every import against the layering, and every module outside the layers."""
    mods = modules(root)
    known = set(mods)
    bad = []
    for name, path in mods.items():
        if name == FACADE:
            continue
        layer = layer_of(name)
        if layer is None:
            bad.append(f"{name} ({path.name}) belongs to no layer: move it into one of {LAYERS}")
            continue
        for target, line in imports(name, path, known):
            where = f"{path.relative_to(root.parent.parent)}:{line}"
            if not target.startswith(FACADE + ".") and target != FACADE:
                if layer == "format":  # the file format knows nothing of nn, modules or graphs
                    bad.append(f"{where}: format module {name} imports {target} (format imports only format)")
                continue
            if target == FACADE:
                bad.append(f"{where}: {name} imports the facade {FACADE} (import the layer's module instead)")
                continue
            target_layer = layer_of(target)
            if target_layer is not None and target_layer not in ALLOWED[layer]:
                bad.append(
                    f"{where}: {layer} module {name} imports {target_layer} module {target} (against the direction)"
                )
    return bad


# The runtime's modules reach each other lazily (function-level imports) by design; these
# circles are known and allowed. Any other circle fails.
RUNTIME_CYCLES_ALLOWED = "pygraphnn.lua.runtime."


def cycles(root: Path) -> list[list[str]]:
    """Groups of pygraphnn.lua modules that import each other in a circle (Tarjan's strongly
    connected components of size > 1, or a module importing itself), the runtime's excepted."""
    mods = modules(root)
    known = set(mods)
    graph = {
        name: sorted({t for t, _ in imports(name, path, known) if t in known and t != FACADE})
        for name, path in mods.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1 or v in graph[v]:
                groups.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    return [g for g in groups if not all(m.startswith(RUNTIME_CYCLES_ALLOWED) for m in g)]


def test_every_module_is_in_a_layer_and_imports_go_one_way():
    bad = violations(LUA)
    assert not bad, "imports against the layering of pygraphnn/lua:\n" + "\n".join(bad)


def test_no_import_cycles_in_the_lua_package():
    found = cycles(LUA)
    assert not found, "modules that import each other in a circle:\n" + "\n".join(" <-> ".join(g) for g in found)


@pytest.mark.parametrize(
    "layer, source, expected",
    [
        ("format", "from ..classes import load\n", "against the direction"),
        ("format", "import pygraphnn.nn\n", "format imports only format"),
        ("runtime", "def f():\n    from ..translator.emit import port_source\n", "against the direction"),
        ("classes", "from .. import load_t7\n", "imports the facade"),
        ("translator", "from ..commands import port\n", "against the direction"),
    ],
)
def test_the_check_catches_a_wrong_import(tmp_path, layer, source, expected):
    """The checker itself: a small package with one import against the rule is caught,
    wherever in the file the import sits."""
    root = tmp_path / "pygraphnn" / "lua"
    for sub in LAYERS:
        (root / sub).mkdir(parents=True)
        (root / sub / "__init__.py").write_text("")
        (root / sub / "load.py").write_text("")
        (root / sub / "emit.py").write_text("")
        (root / sub / "port.py").write_text("")
    (root / "__init__.py").write_text("from .classes.load import load_t7\n")
    (root / layer / "bad.py").write_text(source)
    bad = violations(root)
    assert len(bad) == 1 and expected in bad[0] and f"{layer}/bad.py" in bad[0], bad


def test_the_check_catches_a_cycle_and_a_stray_module(tmp_path):
    root = tmp_path / "pygraphnn" / "lua"
    (root / "classes").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "classes" / "__init__.py").write_text("")
    (root / "classes" / "load.py").write_text("from .save import save_t7\n")
    (root / "classes" / "save.py").write_text("def f():\n    from . import load\n")
    (root / "stray.py").write_text("")
    assert cycles(root) == [["pygraphnn.lua.classes.load", "pygraphnn.lua.classes.save"]]
    assert any("stray" in v and "belongs to no layer" in v for v in violations(root))


def test_the_facade_offers_each_layers_entry_points():
    """``pygraphnn.lua`` keeps the public names working whatever file they live in."""
    import pygraphnn.lua as lua
    from pygraphnn.lua.classes import load, save
    from pygraphnn.lua.translator import emit, program

    assert (lua.load_t7, lua.save_t7) == (load.load_t7, save.save_t7)
    assert (lua.port_source, lua.port_file, lua.PortSyntaxError) == (
        emit.port_source,
        emit.port_file,
        emit.PortSyntaxError,
    )
    assert lua.port_program is program.port_program
    with pytest.raises(AttributeError, match="no attribute 'port_lua'"):
        lua.port_lua  # noqa: B018


def test_importing_one_class_module_registers_the_whole_zoo():
    """The zoo files register into load's and save's tables when the package is imported,
    not through load/save importing them back (that was a circle)."""
    code = (
        "import pygraphnn.lua.classes.load as L, pygraphnn.lua.classes.save as S, pygraphnn.nn as nn;"
        "print('nn.SpatialConvolution' in L.LOADERS, nn.SpatialConvolution in S.SAVERS)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "True"]


if __name__ == "__main__":  # check another checkout's layout: python tests/test_lua_layers.py DIR
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else LUA
    problems = violations(root) + [" <-> ".join(g) for g in cycles(root)]
    print("\n".join(problems) or "pygraphnn/lua is layered, no cycles")
    sys.exit(1 if problems else 0)
