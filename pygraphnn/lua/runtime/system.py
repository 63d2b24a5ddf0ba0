"""The rest of Lua's standard library a program touches: ``print``, ``pcall``/``error``, ``os``, ``io``, ``paths``.

``print`` writes what trepl's ``th`` prints (the interpreter the programs ran
under): each non-table argument followed by a tab, tables pretty-printed.
``error``/``pcall`` use :class:`LuaError`, which carries the Lua error value.
The calls that run a shell or load code (``os.execute``, ``io.popen``,
``loadstring``, ``dofile``, ``load``, ``require`` of a computed name) are
plain, visible functions here: the translator lists every use on stderr.

>>> ok, err = pcall(error, "boom")
>>> ok, err
(False, 'boom')
>>> print("x", 1.0, None)  # doctest: +NORMALIZE_WHITESPACE
x	1	nil
"""

from __future__ import annotations

import builtins
import datetime
import importlib
import os as _os
import re
import shutil
import subprocess
import sys
import time as _time
from types import SimpleNamespace
from typing import Any

from .strings import tostring
from .table import LuaTable


class LuaError(Exception):
    """A Lua ``error(value)``: ``value`` is what ``pcall`` returns as the message."""

    def __init__(self, value: Any = None):
        self.value = value
        super().__init__(value if isinstance(value, str) else tostring(value))


def truthy(value: Any) -> bool:
    """Lua truth: only nil and false are false (0, "" and empty tables are true)."""
    return value is not None and value is not False


def error(message: Any = None, level: int = 1, where: str | None = None) -> None:
    """``error(msg[, level])``: raise :class:`LuaError`; ``where`` is the ``file:line`` Lua prefixes."""
    if isinstance(message, (int, float)) and not isinstance(message, bool):
        message = tostring(message)
    if isinstance(message, str) and level and where:
        message = f"{where}: {message}"
    raise LuaError(message)


def assert_(value: Any = None, message: Any = "assertion failed!", *rest: Any, where: str | None = None) -> Any:
    """Lua's ``assert(v, msg)``: ``v`` (and the rest) when true, else the error ``msg``."""
    if value is None or value is False:
        error(message, 1, where)
    return (value, message, *rest) if rest or message != "assertion failed!" else value


def pcall(f: Any, *args: Any) -> tuple:
    """``pcall(f, ...)``: ``(True, results...)`` or ``(False, error value)``; never raises."""
    try:
        result = f(*args)
    except LuaError as e:
        return False, e.value
    except RecursionError:
        return False, "stack overflow"
    except Exception as e:
        return False, str(e)
    if isinstance(result, tuple):
        return (True, *result)
    return (True,) if result is None else (True, result)


def type(v: Any) -> str:
    """Lua's ``type``: nil, boolean, number, string, table, function or userdata."""
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, (LuaTable, list, dict)):
        return "table"
    mod = builtins.type(v).__module__ or ""
    if mod.startswith("torch"):
        return "userdata"
    if callable(v) and not hasattr(v, "forward"):
        return "function"
    return "table"  # objects of ported classes and nn modules are tables in Lua


# ------------------------------------------------------------------ print
def _write(text: str) -> None:
    # Lua strings are bytes, held as the characters of the same codes: those bytes are what Lua writes
    if text.isascii():
        sys.stdout.write(text)
        return
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:  # a character no byte stands for (from Python code): written as it is
        sys.stdout.write(text)
        return
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None:
        sys.stdout.flush()
        buffer.write(raw)
        buffer.flush()
    else:  # a text-only stream: the bytes read as UTF-8, as a terminal shows them
        sys.stdout.write(raw.decode("utf-8", "replace"))


# what a Lua table is ported as (a record, `params = {lr=1, ...}`, is a SimpleNamespace)
_TABLES = (LuaTable, list, dict, SimpleNamespace)


def _pretty(obj: Any, depth: int, out: list[str]) -> None:
    from .table import pairs

    pad = " " * (depth * 4)
    entries = list(pairs(obj))
    if not entries:
        out.append(pad + "{}")
        return
    out.append(pad + "{")
    inner = " " * (depth * 4 + 2)
    for k, v in entries:
        if isinstance(v, _TABLES):
            if depth >= 3 or not list(pairs(v)):
                out.append(f"{inner}{tostring(k)} : {{...}}")
            else:
                out.append(f"{inner}{tostring(k)} : ")
                _pretty(v, depth + 1, out)
        else:
            shown = f'"{v}"' if isinstance(v, str) else tostring(v)
            out.append(f"{inner}{tostring(k)} : {shown}")
    out.append(pad + "}")


def print(*args: Any) -> None:
    """``print`` as trepl's ``th`` prints: a tab after each value, tables pretty-printed."""
    parts: list[str] = []
    n = len(args)
    for i, v in enumerate(args):
        if isinstance(v, _TABLES) and not (
            isinstance(v, LuaTable) and v._meta is not None and v._meta.rawget("__tostring") is not None
        ):
            lines: list[str] = []
            _pretty(v, 0, lines)
            parts.append("\n".join(lines) + "\n")
        elif isinstance(v, LuaTable) or builtins.type(v).__module__.startswith("torch"):
            parts.append(tostring(v) + "\n")
        else:
            parts.append(tostring(v) + "\t" + ("\n" if i == n - 1 else ""))
    _write("".join(parts))


# --------------------------------------------------------------------- os
class _Os:
    """Lua's ``os`` library (``os.execute`` runs a shell: the translator flags each call)."""

    @staticmethod
    def clock() -> float:
        return _time.process_time()

    @staticmethod
    def time(t: Any = None) -> int:
        if t is None:
            return int(_time.time())
        fields = {k: t[k] for k in ("year", "month", "day", "hour", "min", "sec")}
        return int(
            datetime.datetime(
                fields["year"],
                fields["month"],
                fields["day"],
                fields["hour"] or 12,
                fields["min"] or 0,
                fields["sec"] or 0,
            ).timestamp()
        )

    @staticmethod
    def date(fmt: str = "%c", t: Any = None) -> Any:
        when = _time.time() if t is None else t
        utc = fmt.startswith("!")
        fmt = fmt[1:] if utc else fmt
        st = _time.gmtime(when) if utc else _time.localtime(when)
        if fmt.startswith("*t"):
            return LuaTable(
                {
                    "year": st.tm_year,
                    "month": st.tm_mon,
                    "day": st.tm_mday,
                    "hour": st.tm_hour,
                    "min": st.tm_min,
                    "sec": st.tm_sec,
                    "wday": (st.tm_wday + 1) % 7 + 1,
                    "yday": st.tm_yday,
                    "isdst": bool(st.tm_isdst),
                }
            )
        return _time.strftime(fmt, st)

    @staticmethod
    def getenv(name: str) -> str | None:
        return _os.environ.get(name)

    @staticmethod
    def exit(code: Any = 0) -> None:
        sys.stdout.flush()
        raise SystemExit(0 if code is True else (1 if code is False else int(code)))

    @staticmethod
    def remove(path: str) -> Any:
        try:
            _os.remove(path) if not _os.path.isdir(path) else _os.rmdir(path)
            return True
        except OSError as e:
            return None, f"{path}: {e.strerror}"

    @staticmethod
    def rename(old: str, new: str) -> Any:
        try:
            _os.replace(old, new)
            return True
        except OSError as e:
            return None, f"{old}: {e.strerror}"

    @staticmethod
    def tmpname() -> str:
        import tempfile

        fd, path = tempfile.mkstemp(prefix="lua_")
        _os.close(fd)
        return path

    @staticmethod
    def execute(command: str | None = None) -> Any:
        """Runs ``command`` in a shell, as Lua does (listed by the translator wherever it is called)."""
        if command is None:
            return 1
        sys.stdout.flush()
        return subprocess.call(command, shell=True)


os = _Os()


# --------------------------------------------------------------------- io
class LuaFile:
    """A Lua file handle: ``f:read('*a')``, ``f:lines()``, ``f:write(...)``, ``f:close()``."""

    def __init__(self, handle: Any):
        self.handle = handle

    def read(self, *formats: Any) -> Any:
        formats = formats or ("*l",)
        out = []
        for fmt in formats:
            if isinstance(fmt, (int, float)):
                data = self.handle.read(int(fmt))
                out.append(data if data or fmt == 0 else None)
            elif fmt.startswith("*a"):
                out.append(self.handle.read())
            elif fmt.startswith("*n"):
                from .strings import tonumber

                line = self.handle.readline()
                out.append(tonumber(line.split()[0]) if line.split() else None)
            elif fmt.startswith("*l") or fmt.startswith("*L"):
                line = self.handle.readline()
                if not line:
                    out.append(None)
                else:
                    out.append(line if fmt.startswith("*L") else line.rstrip("\n"))
            else:
                raise ValueError(f"bad argument to 'read' (invalid format {fmt!r})")
        return out[0] if len(out) == 1 else tuple(out)

    def lines(self) -> Any:
        for line in self.handle:
            yield line.rstrip("\n")

    def write(self, *values: Any) -> LuaFile:
        for v in values:
            self.handle.write(v if isinstance(v, str) else tostring(v))
        return self

    def close(self) -> bool:
        self.handle.close()
        return True

    def flush(self) -> LuaFile:
        self.handle.flush()
        return self

    def seek(self, whence: str = "cur", offset: int = 0) -> int:
        return self.handle.seek(int(offset), {"set": 0, "cur": 1, "end": 2}[whence])


def _open_text(path: str, mode: str) -> Any:
    # bytes are read as the characters of the same codes, as Lua's strings are bytes
    return builtins.open(path, mode.replace("b", ""), encoding="latin-1", newline="")


class _Io:
    """Lua's ``io`` library (``io.popen`` runs a shell: the translator flags each call)."""

    @staticmethod
    def open(path: str, mode: str = "r") -> Any:
        try:
            return LuaFile(_open_text(path, mode))
        except OSError as e:
            return None, f"{path}: {e.strerror}", e.errno

    @staticmethod
    def lines(path: str | None = None) -> Any:
        if path is None:
            return (line.rstrip("\n") for line in sys.stdin)
        return LuaFile(_open_text(path, "r")).lines()

    @staticmethod
    def write(*values: Any) -> None:
        for v in values:
            _write(v if isinstance(v, str) else tostring(v))

    @staticmethod
    def read(*formats: Any) -> Any:
        return LuaFile(sys.stdin).read(*formats)

    @staticmethod
    def popen(command: str, mode: str = "r") -> LuaFile:
        """Runs ``command`` in a shell, as Lua does (listed by the translator wherever it is called)."""
        proc = subprocess.Popen(
            command,
            shell=True,
            text=True,
            stdout=subprocess.PIPE if "r" in mode else None,
            stdin=subprocess.PIPE if "w" in mode else None,
        )
        return LuaFile(proc.stdout if "r" in mode else proc.stdin)

    @property
    def stdout(self) -> LuaFile:
        return LuaFile(sys.stdout)

    @property
    def stderr(self) -> LuaFile:
        return LuaFile(sys.stderr)

    @property
    def stdin(self) -> LuaFile:
        return LuaFile(sys.stdin)

    @staticmethod
    def flush() -> None:
        sys.stdout.flush()


io = _Io()


# ------------------------------------------------------------ paths / lfs
class _Paths:
    """torch's ``paths`` package."""

    @staticmethod
    def filep(path: str) -> bool:
        return _os.path.isfile(path)

    @staticmethod
    def dirp(path: str) -> bool:
        return _os.path.isdir(path)

    @staticmethod
    def mkdir(path: str) -> bool:
        try:
            _os.mkdir(path)
            return True
        except OSError:
            return False

    @staticmethod
    def rmall(path: str, yes: str = "") -> bool:
        if yes != "yes":
            return False
        shutil.rmtree(path, ignore_errors=True)
        return True

    @staticmethod
    def concat(*parts: str) -> str:
        return _os.path.join(*parts) if parts else _os.getcwd()

    @staticmethod
    def dirname(path: str) -> str:
        return _os.path.dirname(path) or "."

    @staticmethod
    def basename(path: str, ext: str | None = None) -> str:
        base = _os.path.basename(path)
        if ext and base.endswith("." + ext.lstrip(".")):
            base = base[: -len(ext.lstrip(".")) - 1]
        return base

    @staticmethod
    def extname(path: str) -> str | None:
        ext = _os.path.splitext(path)[1]
        return ext[1:] if ext else None

    @staticmethod
    def cwd() -> str:
        return _os.getcwd()

    @staticmethod
    def files(path: str) -> Any:
        return iter([".", ".."] + sorted(_os.listdir(path)))

    dir = staticmethod(
        lambda path: LuaTable.of(*([".", ".."] + sorted(_os.listdir(path)))) if _os.path.isdir(path) else None
    )

    @staticmethod
    def home() -> str:
        return _os.path.expanduser("~")

    @staticmethod
    def tmpname() -> str:
        return os.tmpname()


paths = _Paths()


class _PenlightPath:
    """penlight's ``path`` (th preloads it as a global): the functions programs use."""

    join = staticmethod(lambda *parts: _os.path.join(*parts))
    exists = staticmethod(lambda p: p if _os.path.exists(p) else False)
    isdir = staticmethod(_os.path.isdir)
    isfile = staticmethod(_os.path.isfile)
    basename = staticmethod(_os.path.basename)
    dirname = staticmethod(_os.path.dirname)
    abspath = staticmethod(_os.path.abspath)
    getsize = staticmethod(_os.path.getsize)

    @staticmethod
    def getmtime(p: str) -> float:
        return _os.path.getmtime(p)

    @staticmethod
    def splitext(p: str) -> tuple:
        return _os.path.splitext(p)


path = _PenlightPath()


class _PenlightStringx:
    """penlight's ``pl.stringx``: split, replace, strip and friends."""

    @staticmethod
    def split(s: str, sep: str | None = None, n: Any = None) -> LuaTable:
        parts = s.split(sep) if n is None else s.split(sep, int(n) - 1)
        return LuaTable.of(*parts)

    @staticmethod
    def replace(s: str, old: str, new: str, n: Any = None) -> str:
        return s.replace(old, new) if n is None else s.replace(old, new, int(n))

    strip = staticmethod(lambda s, chars=None: s.strip(chars))
    lstrip = staticmethod(lambda s, chars=None: s.lstrip(chars))
    rstrip = staticmethod(lambda s, chars=None: s.rstrip(chars))
    startswith = staticmethod(lambda s, prefix: s.startswith(prefix))
    endswith = staticmethod(lambda s, suffix: s.endswith(suffix))
    join = staticmethod(lambda sep, t: sep.join(t.to_list() if isinstance(t, LuaTable) else t))
    count = staticmethod(lambda s, sub: s.count(sub))


class _PenlightFile:
    """penlight's ``pl.file``: whole-file read and write (bytes as characters, as Lua's io)."""

    @staticmethod
    def read(name: str) -> Any:
        try:
            with _open_text(name, "r") as f:
                return f.read()
        except OSError as e:
            return None, f"{name}: {e.strerror}"

    @staticmethod
    def write(name: str, text: str) -> Any:
        with _open_text(name, "w") as f:
            f.write(text)
        return True


stringx = _PenlightStringx()
plfile = _PenlightFile()


class _Lfs:
    """LuaFileSystem (``lfs``)."""

    @staticmethod
    def attributes(path: str, field: str | None = None) -> Any:
        try:
            st = _os.stat(path)
        except OSError:
            return None
        attrs = LuaTable(
            {
                "mode": "directory" if _os.path.isdir(path) else "file",
                "size": st.st_size,
                "modification": int(st.st_mtime),
                "access": int(st.st_atime),
            }
        )
        return attrs[field] if field else attrs

    @staticmethod
    def dir(path: str) -> Any:
        return iter([".", ".."] + sorted(_os.listdir(path)))

    @staticmethod
    def mkdir(path: str) -> Any:
        try:
            _os.mkdir(path)
            return True
        except OSError as e:
            return None, e.strerror

    @staticmethod
    def currentdir() -> str:
        return _os.getcwd()

    @staticmethod
    def chdir(path: str) -> bool:
        _os.chdir(path)
        return True


lfs = _Lfs()


# ------------------------------------------------------- loading code
def loadstring(source: Any, name: Any = None) -> Any:
    """Lua's ``loadstring``: only a chunk of literal assignments/returns, interpreted, never run as code.

    ``loadstring('opt.kernels = {1,2,3}')()`` works (see :mod:`.load_literal`); any other source
    gives Lua's failure, nil and a message.
    """
    from .load_literal import literal_chunk

    if not isinstance(source, str):
        return None, "loadstring: a ported program cannot compile Lua source at run time"
    try:
        # the globals of the ported file that called loadstring, where Lua's chunk would find them
        return literal_chunk(source, sys._getframe(1).f_globals, G)
    except LuaError as e:
        return None, str(e)


def load(chunk: Any, name: Any = None) -> Any:
    """Lua's ``load``: as :func:`loadstring`, refused."""
    return None, "load: a ported program cannot compile Lua source at run time"


def dofile(path: Any = None) -> Any:
    """Lua's ``dofile``: run a Lua file; port it with ``pygraphnn port`` and import it instead."""
    raise LuaError(f"dofile({path!r}): port that file with `pygraphnn port` and import it")


_MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z_0-9]*(\.[A-Za-z_][A-Za-z_0-9]*)*$")
_LIBRARIES = {
    "torch",
    "nn",
    "nngraph",
    "optim",
    "paths",
    "lfs",
    "cutorch",
    "cunn",
    "fbcunn",
    "cudnn",
    "cltorch",
    "clnn",
    "os",
    "io",
    "string",
    "table",
    "math",
    "xlua",
    "sys",
    "image",
    "pl.stringx",
    "pl.file",
    "pl.path",
}


def require(name: Any, package: str | None = None) -> Any:
    """``require(name)`` of a computed name: the ported module ``name`` of this program, imported.

    The name must be a dotted identifier (``util.misc``); it is imported as a
    Python module next to the caller (``package``), never evaluated.
    """
    if name == "lua-utf8":  # starwing/luautf8, a C library: the runtime's own version
        from .lua_utf8 import utf8

        return utf8
    if not isinstance(name, str) or not _MODULE_NAME.match(name.replace("/", ".")):
        raise LuaError(f"module {name!r} not found: not a module name")
    name = name.replace("/", ".")
    if name in _LIBRARIES:
        return _library(name)
    # a module of the ported program: names are relative to the program's package, as Lua's
    # require names are relative to the folder the program runs from
    root = (package or "").split(".")[0]
    module = importlib.import_module(f"{root}.{name}" if root else name)
    exports = getattr(module, "exports", None)
    return True if exports is None else exports


G = LuaTable()  # Lua's one table of globals, shared by every file of a ported program


def export_globals(namespace: dict, names: list[str]) -> None:
    """Put the globals a ported file defined into :data:`G`, where the program's other files read them."""
    for name in names:
        if namespace.get(name) is not None:
            G[name] = namespace[name]
    # a global the file assigns later (main.lua's `opt = cmd:parse(arg)` after its requires) is
    # read by the other files at run time: G finds it in the file's namespace, as Lua's one table would
    if not any(ns is namespace for ns, _ in _GLOBAL_NAMESPACES):
        _GLOBAL_NAMESPACES.append((namespace, frozenset(names)))
    if G._meta is None:
        G._meta = LuaTable({"__index": _global_in_namespaces})


_GLOBAL_NAMESPACES: list[tuple[dict, frozenset]] = []  # the ported files' namespaces and their Lua globals


def _global_in_namespaces(_table: LuaTable, name: Any) -> Any:
    for namespace, names in _GLOBAL_NAMESPACES:
        if name in names and namespace.get(name) is not None:
            return namespace[name]
    return None


def script_args() -> LuaTable:
    """Lua's ``arg``: the script at 0, its command-line arguments at 1, 2, ..."""
    t = LuaTable({0: sys.argv[0] if sys.argv else "lua"})
    for i, a in enumerate(sys.argv[1:], 1):
        t[i] = a
    return t


_nn_loaded = False


def _load_nn() -> None:
    """What Lua's first ``require 'nn'`` (also through nngraph) does to Torch's random stream.

    Loading nn runs its ``test.lua``, which builds ``nn.Linear(1, 2)`` at load time: four
    ``torch.uniform`` draws. A program seeded before it requires nn (th's wrapper seeding, or
    ``torch.manualSeed`` on the first line) draws its own numbers after those four.
    """
    global _nn_loaded
    if not _nn_loaded:
        _nn_loaded = True
        from pygraphnn.lua_random import lua_random32

        lua_random32(4)


def forget_loaded_libraries() -> None:
    """A fresh Lua state: the next ``require 'nn'`` loads nn again (for runners of many snippets)."""
    global _nn_loaded
    _nn_loaded = False


def _library(name: str) -> Any:
    import math

    from .strings import string
    from .table import table

    known = {
        "os": os,
        "io": io,
        "paths": paths,
        "lfs": lfs,
        "string": string,
        "table": table,
        "math": math,
        "pl.stringx": stringx,
        "pl.file": plfile,
        "pl.path": path,
    }
    if name in known:
        return known[name]
    if name in ("nn", "nngraph"):
        import pygraphnn
        from pygraphnn import nn

        _load_nn()
        return {"nn": nn, "nngraph": pygraphnn}[name]
    from . import libraries

    return getattr(libraries, name, None)  # cutorch, cunn ...: the runtime's tables (rt-torch's cuda module)


__all__ = [
    "G",
    "LuaError",
    "LuaFile",
    "assert_",
    "dofile",
    "error",
    "export_globals",
    "io",
    "lfs",
    "load",
    "loadstring",
    "os",
    "path",
    "paths",
    "pcall",
    "print",
    "require",
    "script_args",
    "truthy",
    "type",
]
