"""Port a whole Lua program: the main file and every module of its own it ``require``s.

``port_program("train.lua", "ported/")`` follows ``require 'util.misc'``,
``local LSTM = require 'model.LSTM'`` ... to the program's own files (looked up
next to the main file, as Lua's ``package.path`` ``./?.lua;./?/init.lua`` does
when the program runs from its folder), translates each into one Python module
of a package, and writes an entry point: ``python -m ported -rnn_size 128``
runs the program with its own flags (``torch.CmdLine`` is the runtime's, which parses
them as torch7's does). Lua's globals are one table for every file; a global
one file defines and another reads goes through ``lua.G``.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "util.lua").write_text("function double(x) return 2 * x end\\n")
>>> _ = (d / "main.lua").write_text("require 'util'\\nprint(double(21))\\n")
>>> result = port_program(d / "main.lua", d / "out")
>>> sorted(result.modules)
['main', 'util']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from luaparser import astnodes as A

from ...progress import bar
from .emit import PortResult, port_source, py_str
from .parse import parse
from .scope import KNOWN_GLOBALS, Resolver, safe_ident


@dataclass
class Program:
    """What every module's translation must know about the others."""

    root: Path
    modules: dict[str, str] = field(default_factory=dict)  # Lua module name -> Python module path
    files: dict[str, Path] = field(default_factory=dict)  # Lua module name -> Lua file
    globals_defined: set[str] = field(default_factory=set)  # Lua globals some file assigns
    classes: set[str] = field(default_factory=set)  # torch.class('Name') of some file
    relative: dict[tuple[Path, str], str] = field(default_factory=dict)  # (file, './util') -> module name
    current: Path | None = None  # the file being translated (for its relative requires)

    def shared_globals(self, resolver: Resolver) -> list[str]:
        """The globals this file assigns (they join Lua's one global table)."""
        return sorted(
            v.pyname
            for name, v in resolver.globals.items()
            if (v.values or v.funcdef is not None) and name not in KNOWN_GLOBALS and v.pyname.isidentifier()
        )

    def included_module(self, path: str) -> str:
        """The module name of a file this program runs with ``include``/``dofile`` (asked by
        the emitter, which does not import this module: the program drives the emitter)."""
        return included_module(path)


@dataclass
class ProgramResult:
    """The package written: its modules' translations, keyed by Lua module name."""

    outdir: Path
    main: str
    modules: dict[str, PortResult]

    @property
    def issues(self) -> list[str]:
        return [
            i.format(str(self_path))
            for name, r in self.modules.items()
            for self_path in [name.replace(".", "/") + ".lua"]
            for i in r.issues
        ]


def _python_name(lua_name: str) -> str:
    parts = [re.sub(r"\W", "_", p) or "_" for p in lua_name.split(".")]
    return ".".join(p if safe_ident(p) and not p[0].isdigit() else "m_" + p.lstrip("_") for p in parts)


def included_module(path: str) -> str:
    """The module name of a file a program runs with ``include 'utils/x.lua'`` or ``dofile``."""
    return path[:-4].lstrip("./").replace("/", ".")


def _requires(tree: Any) -> list[str]:
    """Module names of every ``require 'name'`` with a literal name, in order."""
    found: list[str] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if (
            isinstance(node, A.Call)
            and isinstance(node.func, A.Name)
            and len(node.args) == 1
            and isinstance(node.args[0], A.String)
        ):
            text = node.args[0].s.decode("utf-8", "replace")
            if node.func.id == "require":
                # th resolves a name starting with '.' against the requiring file's folder: kept as is
                found.append(text if text.startswith(".") else text.replace("/", "."))
            elif node.func.id in ("include", "dofile") and text.endswith(".lua"):
                found.append(included_module(text))
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, A.Node):
            stack.extend(v for k, v in reversed(vars(node).items()) if not k.startswith("_") and k != "comments")
    return found


def find_modules(main: Path) -> Program:
    """The program's own files, from the main file through its literal requires."""
    root = main.parent
    program = Program(root)
    queue = [(main.stem, main)]
    while queue:
        name, path = queue.pop(0)
        if name in program.files:
            continue
        program.files[name] = path
        program.modules[name] = _python_name(name)
        source = path.read_text(encoding="utf-8", errors="replace")
        try:
            tree, _ = parse(source)
        except Exception:
            continue
        resolver = Resolver()
        resolver.chunk(tree)
        program.globals_defined |= {
            n for n, v in resolver.globals.items() if (v.values or v.funcdef is not None) and n not in KNOWN_GLOBALS
        }
        program.classes |= resolver.classes
        for req in _requires(tree):
            if req.startswith("."):
                found = _relative_require(program, path, req)
                if found is not None:
                    program.relative[(path, req)] = found[0]
                    queue.append(found)
                continue
            rel = Path(*req.split("."))
            # next to the main file, then in the folder the port runs from: Lua's ./?.lua is the
            # working directory's (`th data_preparation/prepare_data.lua` requires data/x.lua)
            bases = [root] + ([Path.cwd()] if Path.cwd().resolve() != root.resolve() else [])
            for candidate in [c for b in bases for c in (b / rel.with_suffix(".lua"), b / rel / "init.lua")]:
                if candidate.is_file():
                    queue.append((req, candidate))
                    break
    return program


def _relative_require(program: Program, path: Path, req: str) -> tuple[str, Path] | None:
    """``require('../')``, ``require('./util')`` in ``path``: (module name, file), or None if absent.

    The module is named by its place under the main file's folder, else under the folder the
    port runs from (``require('../')`` in tasks/copy.lua is the package's init.lua there)."""
    target = (path.parent / req).resolve()
    for candidate in (target.with_suffix(".lua") if target.name else None, target / "init.lua"):
        if candidate is None or not candidate.is_file():
            continue
        for base in (program.root.resolve(), Path.cwd().resolve()):
            if candidate.is_relative_to(base):
                return ".".join(candidate.relative_to(base).with_suffix("").parts), candidate
    return None


def port_program(main: str | Path, outdir: str | Path) -> ProgramResult:
    """Translate ``main`` and its own modules into the package ``outdir`` (see the module docstring)."""
    main, outdir = Path(main), Path(outdir)
    program = find_modules(main)
    results: dict[str, PortResult] = {}
    outdir.mkdir(parents=True, exist_ok=True)
    # file names are Lua-side text: written as escaped literals, never spliced into code
    (outdir / "__init__.py").write_text(
        py_str(f"{main.name} and its modules, ported by `pygraphnn port`: run with python -m {outdir.name}") + "\n"
    )
    for name, path in bar(program.files.items(), "porting", total=len(program.files), unit="file"):
        rel = path.relative_to(program.root).as_posix() if path.is_relative_to(program.root) else path.name
        if path != main:
            rel = "./" + rel  # Lua names a required file by the package.path entry that found it
        program.current = path
        result = port_source(path.read_text(encoding="utf-8", errors="replace"), rel, program)
        results[name] = result
        target = outdir.joinpath(*program.modules[name].split(".")).with_suffix(".py")
        target.parent.mkdir(parents=True, exist_ok=True)
        pkg = target.parent
        while pkg != outdir and not (pkg / "__init__.py").exists():
            (pkg / "__init__.py").write_text("")
            pkg = pkg.parent
        target.write_text(result.code, encoding="utf-8")
    main_module = program.modules[main.stem]
    (outdir / "__main__.py").write_text(
        py_str(f"Entry point: python -m {outdir.name} [the Lua program's flags].") + "\n"
        "from pygraphnn import lua_random, set_lua_buffers\n"
        "from pygraphnn.lua import runtime as lua\n\n"
        "# A Lua program starts with torch.DoubleTensor as the default type, so its nn modules\n"
        "# hold float64 parameters, as the tensors it makes do.\n"
        "lua.torch.setdefaulttensortype(\"torch.DoubleTensor\")\n"
        "# Lua modules refill their output/gradInput tensors in place and backward reads its input\n"
        "# as it is then: programs that keep references to those tensors rely on it.\n"
        "set_lua_buffers(True)\n"
        "# ... and nn.Dropout draws its noise from Torch7's random stream, as Lua's does.\n"
        "lua_random.set_module_draws(True)\n"
        f"lua.require({py_str(main_module)}, __package__)\n"
    )
    return ProgramResult(outdir, main.stem, results)
