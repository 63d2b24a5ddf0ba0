"""Translate Lua Torch code (nngraph model definitions, and whole programs) into Python.

>>> result = port_source("require 'nngraph'\\nlocal x = nn.Identity()()\\n", "model.lua")
>>> print(result.code)            # readable Python; result.issues lists what needs a person

The Lua is parsed by :mod:`pygraphnn.lua.translator.parse` (a real grammar, no regular
expressions, into luaparser's syntax tree), then
:mod:`pygraphnn.lua.translator.scope` resolves every name and decides what each table
is (list, SimpleNamespace or dict), and :class:`Emitter` writes one Python
statement per Lua statement, keeping names, comments and layout. Whatever it
cannot translate faithfully it marks ``# TODO(port): ...`` at that spot and
reports as an :class:`Issue` (``model.lua:LINE: what``); it never guesses
silently. Where Lua's meaning differs from Python's (tables of undecided kind,
methods of receivers whose type is only known at run time, Lua patterns, number
formatting, multiple values) the output calls :mod:`pygraphnn.lua.runtime`
(``lua.*``, listed in docs/lua-mapping.md). Text from the Lua file is only ever
emitted as escaped literals or sanitized comments; calls that run a shell or load
code are listed in :attr:`PortResult.risky`. :mod:`pygraphnn.lua.translator.program`
ports a program and the modules it requires as a package.
"""

from __future__ import annotations

import ast as pyast
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from luaparser import astnodes as A

from .parse import LuaSyntaxError
from .parse import parse as parse_lua
from .scope import COMPARISONS, Resolver, Var, assign_pynames, dotted, expr_kind, is_name, safe_ident, table_class

# Python operator precedence, low to high
TERNARY, OR, AND, NOT, CMP, ADD, MUL, UNARY, POW, POSTFIX, ATOM = 1, 2, 3, 4, 5, 10, 11, 12, 13, 15, 16

HELPERS = {
    "truthy": '''def truthy(value):
    """Lua truth: only nil and false are false (0, "" and empty tables are true)."""
    return value is not None and value is not False''',
    "lua_set": '''def lua_set(array, i, value):
    """Lua's ``t[i] = v`` on an array held as a list (1-based; i == #t + 1 appends)."""
    if i == len(array) + 1:
        array.append(value)
    elif value is None and i == len(array):
        array.pop()
    else:
        array[i - 1] = value''',
    "lua_item": '''def lua_item(array, i):
    """Lua's ``t[i]`` on an array held as a list: nil outside 1..#t."""
    return array[i - 1] if 1 <= i <= len(array) else None''',
    "lua_values": '''def lua_values(result):
    """All the values a call returned, as a list (Lua's ``{f()}``)."""
    return list(result) if isinstance(result, tuple) else [result]''',
}

NNGRAPH_NAMES = {
    "annotateNodes": "annotate_nodes",
    "setDebug": "set_debug",
    "nest": "nest",
    "Node": "Node",
    "JustTable": "JustTable",
    "JustElement": "JustElement",
    "ModuleFromCriterion": "ModuleFromCriterion",
}
MATH_NAMES = {
    "floor": "math.floor",
    "ceil": "math.ceil",
    "sqrt": "math.sqrt",
    "exp": "math.exp",
    "log": "math.log",
    "sin": "math.sin",
    "cos": "math.cos",
    "tan": "math.tan",
    "tanh": "math.tanh",
    "fmod": "math.fmod",
    "pow": "math.pow",
    "pi": "math.pi",
    "huge": "math.inf",
    "abs": "abs",
    "max": "max",
    "min": "min",
    "atan": "math.atan",
    "asin": "math.asin",
    "acos": "math.acos",
}
TORCH_SAME = {
    "Tensor",
    "zeros",
    "ones",
    "randn",
    "rand",
    "exp",
    "log",
    "tanh",
    "sigmoid",
    "abs",
    "sqrt",
    "FloatTensor",
    "DoubleTensor",
    "LongTensor",
    "ByteTensor",
    "numel",
    "type",
}
# libraries that are global tables in Lua (after their require, or preloaded by th)
LIBRARY_GLOBALS = {
    "optim": "optim",
    "lfs": "lfs",
    "paths": "paths",
    "path": "path",
    "arg": "arg",
    "cutorch": "cutorch",
    "cunn": "cunn",
    "cltorch": "cltorch",
    "clnn": "clnn",
    "cudnn": "cudnn",
    "sys": "sys",
    "xlua": "xlua",
    "debug": "debug",
    "tablex": "tablex",  # penlight's, globals under th
    "utils": "plutils",
}

# penlight modules programs require (th preloads penlight): the runtime's versions
PENLIGHT = {"pl.stringx": "stringx", "pl.file": "plfile", "pl.path": "path"}

# Lua's global functions, when a program passes them around as values (pcall(error, msg), t.f = print)
LUA_FUNCTION_VALUES = {
    n: n
    for n in (
        "error",
        "print",
        "tostring",
        "tonumber",
        "type",
        "pairs",
        "ipairs",
        "select",
        "next",
        "unpack",
        "pcall",
        "setmetatable",
        "getmetatable",
        "rawget",
        "rawset",
        "rawequal",
    )
}
LUA_FUNCTION_VALUES["assert"] = "assert_"

# library calls and methods that give several values (or a number known only at run time)
MULTI_CALLS = {
    "string.find",
    "string.match",
    "string.gsub",
    "string.byte",
    "pcall",
    "select",
    "next",
    "io.open",
    "os.remove",
    "os.rename",
    "loadstring",
    "load",
    "torch.max",
    "torch.min",
    "torch.sort",
    "torch.topk",
    "torch.kthvalue",
    "torch.median",
    "torch.mode",
    "torch.class",
}
MULTI_METHODS = {"find", "match", "gsub", "byte", "max", "min", "sort", "topk", "kthvalue", "median", "mode", "read"}

# tensor methods whose PyTorch spelling does exactly what Torch's does (same arguments, returns self)
TENSOR_SAME_METHODS = {
    "zero": "zero_",
    "fill": "fill_",
    "copy": "copy_",
    "nElement": "numel",
    "dim": "dim",
    "size": "size",
    "cmul": "mul_",
    "clone": "clone",
    "contiguous": "contiguous",
}
TENSOR_INPLACE = {
    "zero": "zero_",
    "fill": "fill_",
    "uniform": "uniform_",
    "normal": "normal_",
    "copy": "copy_",
    "resize": "resize_",
    "resizeAs": "resize_as_",
    "nElement": "numel",
    "cmul": "mul_",
    "mul": "mul_",
    "div": "div_",
    "clamp": "clamp_",
}
TENSOR_DIMS = {"size": (1,), "narrow": (1, 2), "select": (1, 2), "transpose": (1, 2)}
MODULE_RENAMES = {"parameters": "luaParameters", "training": "train"}
# methods every dict and LuaTable has: a Lua field of that name is read with lua.index
_MAPPING_METHODS = frozenset(
    {"update", "get", "items", "keys", "values", "pop", "popitem", "clear", "setdefault", "copy"}
)

KNOWN_REQUIRES = {"nn": "nn", "nngraph": "ng", "torch": "torch"}
CUDA_REQUIRES = {"cunn", "cutorch", "cudnn", "cltorch", "clnn", "fbcunn"}


# calls that run a shell or load code: emitted as explicit runtime calls and listed on stderr
RISKY = {
    "os.execute": "runs a shell command",
    "io.popen": "runs a shell command",
    "loadstring": "compiles Lua source at run time",
    "load": "compiles Lua source at run time",
    "dofile": "runs another Lua file",
    "require": "loads a module whose name is computed at run time",
}


def _is_str_literal(text: str) -> bool:
    """Whether generated Python ``text`` is one string literal (a constant-folded Lua expression)."""
    try:
        return isinstance(pyast.literal_eval(text), str)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return False


# characters that end a line for some reader of the output (Python's tokenizer: \r and \n; str.splitlines:
# the rest) or are invisible/direction controls: never written raw into a comment
_LINE_BREAKING = set("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def safe_comment(text: str) -> str:
    """Comment text with every control, line-breaking or format character written as an escape."""
    import unicodedata

    out = []
    for c in text:
        if c == "\t":
            out.append(c)
        elif c in _LINE_BREAKING or unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            out.append(c.encode("unicode_escape").decode("ascii"))
        else:
            out.append(c)
    return "".join(out)


@dataclass
class Issue:
    """One thing the port could not translate faithfully."""

    line: int
    message: str

    def format(self, filename: str) -> str:
        return safe_comment(f"{filename}:{self.line}: {self.message}")


@dataclass
class PortResult:
    """The Python source and what needs a person's attention (empty: a clean port)."""

    code: str
    issues: list[Issue] = field(default_factory=list)
    filename: str = "model.lua"
    risky: list[Issue] = field(default_factory=list)  # calls that run a shell or load code (listed on stderr)


class PortSyntaxError(Exception):
    """The Lua source does not parse; ``line`` is 1-based (None when luaparser gives none)."""

    def __init__(self, filename: str, line: int | None, message: str, what: str = "Lua syntax error"):
        self.filename, self.line, self.message = filename, line, message
        where = f"{filename}:{line}" if line else filename
        super().__init__(safe_comment(f"{where}: {what}: {message}"))


class TooDeep(Exception):
    """Blocks nested deeper than Python can compile (100 levels), even after merging."""

    def __init__(self, line: int):
        self.line = line
        super().__init__(line)


# Python refuses more than 100 nested blocks: past DEEP levels, nested ifs are merged
DEEP, MAX_LEVEL = 40, 99


def _no_else(st: Any) -> bool:
    return st.orelse is None or (isinstance(st.orelse, A.Block) and not st.orelse.body)


def _merged(outer: Any, inner: Any) -> Any:
    node = A.If(A.AndLoOp(outer.test, inner.test), inner.body, inner.orelse)
    node._first_token, node._last_token = getattr(outer, "_first_token", None), getattr(outer, "_last_token", None)
    return node


def _as_elseif(st: Any) -> Any:
    node = A.ElseIf(st.test, st.body, st.orelse)
    node._first_token, node._last_token = getattr(st, "_first_token", None), getattr(st, "_last_token", None)
    return node


class Unsupported(Exception):
    """Raised inside the emitter for a construct that gets a TODO instead of code."""


# --------------------------------------------------------------------- parsing
def _comment_lines(text: str) -> list[str]:
    body = text[2:]
    if body.startswith("["):  # --[[ ... ]] or --[==[ ... ]==]
        level = body.index("[", 1) if "[" in body[1:] else 1
        eq = body[1:level]
        body = body[level + 1 :]
        body = body[: -(len(eq) + 2)] if body.endswith("]" + eq + "]") else body
        lines = body.strip("\n").split("\n")
        return ["#" + (" " + safe_comment(ln.rstrip()) if ln.strip() else "") for ln in lines]
    body = safe_comment(body.rstrip())
    return ["#" + body] if body.startswith(" ") or not body else ["# " + body]


def port_source(source: str, filename: str = "model.lua", program: Any = None) -> PortResult:
    """Translate Lua source text; raises :class:`PortSyntaxError` when it does not parse."""
    try:
        tree, comments = parse_lua(source)
    except LuaSyntaxError as e:
        raise PortSyntaxError(filename, e.line, e.message) from None
    # the tree is walked recursively: nesting as deep as real code has (and deeper) is fine
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, 20000))
    try:
        resolver = Resolver()
        resolver.chunk(tree)
        assign_pynames(resolver)
        em = Emitter(filename, source, comments, resolver, program)
        code = em.run(tree)
    except RecursionError:
        raise PortSyntaxError(filename, None, "nested too deeply to translate", "cannot translate") from None
    except TooDeep as e:
        raise PortSyntaxError(
            filename,
            e.line,
            f"blocks nested more than {MAX_LEVEL} deep: Python cannot "
            f"compile that; move the innermost part into a function",
            "cannot translate",
        ) from None
    finally:
        sys.setrecursionlimit(old_limit)
    return PortResult(code, sorted(em.issues, key=lambda i: i.line), filename, sorted(em.risky, key=lambda i: i.line))


def port_file(path: str | Path) -> PortResult:
    """Translate a ``.lua`` file (see :func:`port_source`)."""
    path = Path(path)
    return port_source(path.read_text(encoding="utf-8", errors="replace"), path.name)


# --------------------------------------------------------------- small helpers
def py_str(s: str) -> str:
    r = ascii(s)  # a Lua string's bytes >= 128 show as \xNN escapes, not as the latin-1 letters that hold them
    if r.startswith("'") and '"' not in s:
        r = '"' + r[1:-1].replace("\\'", "'") + '"'
    return r


def _global_reads(node: Any) -> list[str]:
    """Python names of this file's Lua globals (assigned in it) that ``node`` mentions, in order."""
    found: dict[str, None] = {}
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, list):
            stack.extend(reversed(n))
            continue
        if not isinstance(n, A.Node):
            continue
        if isinstance(n, A.Name):
            v = getattr(n, "_var", None)
            if v is not None and v.is_global and v.values and not v.require and v.pyname.isidentifier():
                found.setdefault(v.pyname)
        for key, value in vars(n).items():
            if not key.startswith("_") and isinstance(value, (A.Node, list)):
                stack.append(value)
    return list(found)


def lua_string(e: A.String) -> str:
    text = e.s.decode("utf-8", "replace") if isinstance(e.s, bytes) else str(e.s)
    if getattr(e, "delimiter", None) == A.StringDelimiter.DOUBLE_SQUARE and text[:1] in ("\n", "\r"):
        text = text[2:] if text[:2] in ("\r\n", "\n\r") else text[1:]  # [[ followed by a newline skips it
    return text


def number_text(e: A.Number) -> str:
    tok = getattr(e, "_first_token", None)
    text = tok.text if tok is not None else None
    if text:
        try:
            if pyast.literal_eval(text) == e.n:
                return text
        except (ValueError, SyntaxError):
            pass
    return repr(e.n)


def _captures(pattern: str) -> int:
    """How many values each match of a Lua pattern gives (its captures, or the whole match)."""
    n, i = 0, 0
    while i < len(pattern):
        if pattern[i] == "%":
            i += 2
            continue
        if pattern[i] == "(":
            n += 1
        i += 1
    return max(n, 1)


def number_to_lua(n: int | float) -> str:
    """A number literal as Lua writes it (%.14g)."""
    from ..runtime.strings import number_to_string

    return number_to_string(n)


def _nonzero_number(e: Any) -> bool:
    """A literal number other than 0 (or its negation): dividing by it is plain Python."""
    if isinstance(e, A.UMinusOp):
        e = e.operand
    return isinstance(e, A.Number) and e.n != 0 and math.isfinite(e.n)


def is_int(e: Any) -> bool:
    """An integer whatever runs (Python's int prints as Lua's number would)."""
    if isinstance(e, A.Number):
        return isinstance(e.n, int)
    if isinstance(e, A.ULengthOP):
        return True
    if isinstance(e, A.Name):
        v = getattr(e, "_var", None)
        return v is not None and "int" in v.evidence
    if isinstance(e, (A.AddOp, A.SubOp, A.MultOp)):
        return is_int(e.left) and is_int(e.right)
    return False


def line_of(node: Any, default: int) -> int:
    tok = getattr(node, "_first_token", None)
    return tok.line if tok is not None else default


def last_line_of(node: Any, default: int) -> int:
    tok = getattr(node, "_last_token", None)
    return tok.line if tok is not None else default


def is_pure(e: Any) -> bool:
    """Evaluating it twice is harmless (names, fields, literals)."""
    if isinstance(e, (A.Name, A.Number, A.String, A.Nil, A.TrueExpr, A.FalseExpr)):
        return True
    if isinstance(e, A.Index):
        return is_pure(e.value) and (e.notation == A.IndexNotation.DOT or is_pure(e.idx))
    if isinstance(e, (A.AddOp, A.SubOp, A.MultOp)):
        return is_pure(e.left) and is_pure(e.right)
    return False


def maybe_fractional(e: Any, depth: int = 0) -> bool:
    """Whether a loop bound may be a fraction: a product or quotient of values not all literal
    (char-rnn's ``local iterations = opt.max_epochs * loader.ntrain``), directly or through a
    local variable assigned only such values. Lua counts up to its floor; ``range`` would fail."""
    if depth > 4:
        return False
    if isinstance(e, (A.MultOp, A.FloatDivOp, A.ExpoOp)):
        return not (isinstance(e.left, A.Number) and isinstance(e.right, A.Number))
    if isinstance(e, A.Name) and getattr(e, "_var", None) is not None:
        v = e._var
        return (
            not v.is_param
            and bool(v.values)
            and all(x is not None for x in v.values)
            and any(maybe_fractional(x, depth + 1) for x in v.values)
        )
    return False


def _is_train_field(e: A.Index) -> bool:
    """``x.train``: nn's training flag when ``x`` is a module (torch calls it ``training``)."""
    return e.notation == A.IndexNotation.DOT and isinstance(e.idx, A.Name) and e.idx.id == "train"


def surely_truthy(e: Any) -> bool:
    """A value that is neither nil nor false in Lua, whatever runs."""
    if isinstance(e, (A.Number, A.String, A.Table, A.TrueExpr, A.AnonymousFunction, A.Concat)):
        return True
    return isinstance(e, (A.Call, A.Invoke)) and expr_kind(e) in ("module", "node", "string")


class _Lazy:
    """A list computed on first use."""

    def __init__(self, make: Any):
        self.make: Any = make
        self.items: list | None = None

    def _get(self) -> list:
        if self.items is None:
            self.items = self.make()
        assert self.items is not None
        return self.items

    def __getitem__(self, i: Any) -> Any:  # an index gives a string, a slice a list
        return self._get()[i]

    def __iter__(self):
        return iter(self._get())


class Emitter:
    """Writes Python for one resolved chunk."""

    def __init__(self, filename: str, source: str, comments: list, resolver: Resolver, program: Any = None):
        self.program = program  # a Program when the file is one module of a whole program
        self.filename = filename
        self.source_lines = source.split("\n")
        self.comments = comments
        self.ci = 0
        self.resolver = resolver
        self.lines: list[str] = []
        self.level = 0
        self.issues: list[Issue] = []
        self.risky: list[Issue] = []
        self.imports: set[str] = set()
        self.helpers: list[str] = []
        self.line = 1
        self.counter = 0
        self.func_stack: list[Any] = []  # FuncScopes of the defs being written
        self.continue_labels: list[str | None] = []
        self.flagged_globals: set[str] = set()
        self.function_globals: list[str] = []  # globals some function assigns (`global` there)
        self.nn_require_lines: list[int] = []  # where `require 'nn'` became lua.require("nn")
        self.last_lua_line = 0

    # ----------------------------------------------------------------- output
    def emit(self, text: str) -> None:
        if self.level >= MAX_LEVEL:
            raise TooDeep(self.line)
        self.lines.append("    " * self.level + text)

    def todo(self, what: str, line: int | None = None) -> None:
        line = line or self.line
        self.issues.append(Issue(line, what))
        self.emit(f"# TODO(port): {safe_comment(what)}")

    def risk(self, name: str) -> str:
        """A call that runs a shell or loads code: listed, and spelled as the explicit runtime call."""
        self.risky.append(Issue(self.line, f"{name}() {RISKY[name]}: check what it is given"))
        self.emit(f"# WARNING(port): {name}() {RISKY[name]}")  # just above the line that makes the call
        self.imports.add("lua")
        return f"lua.{name}"

    def need(self, helper: str) -> str:
        if helper not in self.helpers:
            self.helpers.append(helper)
        return helper

    def fresh(self, base: str) -> str:
        self.counter += 1
        return f"_{base}{self.counter}"

    def flush_comments(self, before: int) -> None:
        while self.ci < len(self.comments) and self.comments[self.ci][0] < before:
            first, _, text = self.comments[self.ci]
            self.blank_line_before(first)
            for ln in _comment_lines(text):
                self.emit(ln)
            self.last_lua_line = self.comments[self.ci][1]
            self.ci += 1

    def trailing_comments(self, first: int, last: int) -> None:
        """Comments inside a one-line statement's span go after its last Python line."""
        while self.ci < len(self.comments) and self.comments[self.ci][0] <= last:
            start, _end, text = self.comments[self.ci]
            lines = _comment_lines(text)
            if start >= first and len(lines) == 1 and self.lines:
                self.lines[-1] += "  " + lines[0]
            else:
                for ln in lines:
                    self.emit(ln)
            self.ci += 1

    def blank_line_before(self, lua_line: int) -> None:
        if (
            self.last_lua_line
            and lua_line - 1 > self.last_lua_line
            and 0 < lua_line - 1 <= len(self.source_lines)
            and not self.source_lines[lua_line - 2].strip()
            and self.lines
            and self.lines[-1].strip()
            and not self.lines[-1].rstrip().endswith(":")
        ):
            self.lines.append("")

    # -------------------------------------------------------------------- run
    def run(self, chunk: A.Chunk) -> str:
        self.func_stack.append(self.resolver.module)
        self.block_body(chunk.body.body, top=True)
        self.flush_comments(10**9)
        shared = self.program.shared_globals(self.resolver) if self.program is not None else []
        if shared:
            # Lua's globals are one table for every file of the program: what this file defines there
            self.lines += ["", "", f"{self.rt('export_globals')}(globals(), {shared!r})"]
        if "lua" not in self.imports:
            for i in reversed(self.nn_require_lines):
                if i > 0 and self.lines[i - 1].rstrip().endswith(":"):
                    self.lines[i] = self.lines[i].replace(self.lines[i].strip(), "pass")  # a block's only line
                else:
                    del self.lines[i]
        body = self.lines
        fname = safe_comment(self.filename)
        head = [
            f"# Ported from {fname} by `pygraphnn port`: check every TODO(port) comment."
            if self.issues
            else f"# Ported from {fname} by `pygraphnn port`."
        ]
        imports = []
        if "math" in self.imports:
            imports.append("import math")
        if "gc" in self.imports:
            imports.append("import gc")
        if "SimpleNamespace" in self.imports:
            imports.append("from types import SimpleNamespace")
        if imports:
            imports.append("")
        if "torch" in self.imports:
            imports.append("import torch")
        if "ng" in self.imports:
            imports.append("import pygraphnn as ng")
        if "nn" in self.imports:
            imports.append("from pygraphnn import nn")
        if "lua" in self.imports:
            imports.append("from pygraphnn.lua import runtime as lua")
        text = head + ([""] + imports if imports else [])
        for h in self.helpers:
            text += ["", ""] + HELPERS[h].split("\n")
        text += ["", ""]
        if self.function_globals:
            # a Lua global is nil until assigned: `_nidx_ = (_nidx_ or 0) + 1` in a function reads it first
            text += [f"{n} = None" for n in self.function_globals] + [""]
        while body and not body[0].strip():
            body = body[1:]
        out = "\n".join(text + body).rstrip() + "\n"
        # at most two blank lines in a row
        while "\n\n\n\n" in out:
            out = out.replace("\n\n\n\n", "\n\n\n")
        return out

    # ------------------------------------------------------------- statements
    def block_body(self, stmts: list, top: bool = False, end_line: int | None = None) -> None:
        start = len(self.lines)
        for st in stmts:
            self.statement(st, top)
        if end_line is not None:
            self.flush_comments(end_line)
        if not any(ln.strip() and not ln.strip().startswith("#") for ln in self.lines[start:]) and not top:
            self.emit("pass")

    def statement(self, st: Any, top: bool = False) -> None:
        line = getattr(st, "line", None) or line_of(st, self.line)
        self.line = line
        is_def = isinstance(st, (A.Function, A.LocalFunction, A.Method)) or (
            isinstance(st, (A.LocalAssign, A.Assign))
            and len(st.values) == 1
            and len(st.targets) == 1
            and isinstance(st.values[0], A.AnonymousFunction)
        )
        if is_def and self.lines and self.lines[-1].strip() and not self.lines[-1].rstrip().endswith(":"):
            self.lines += [""] * (2 if self.level == 0 else 1)
            self.last_lua_line = 0  # the blank lines are there already
        self.flush_comments(line)
        if not is_def:
            self.blank_line_before(line)
        compound = (
            isinstance(st, (A.Function, A.LocalFunction, A.Method, A.Fornum, A.Forin, A.While, A.Repeat, A.If, A.Do))
            or is_def
        )
        try:
            self._statement(st, top)
        except Unsupported as e:
            self.todo(str(e), line)
            self.emit("raise NotImplementedError(" + py_str(f"{self.filename}:{line}: {e}") + ")")
        last = last_line_of(st, line)
        if not compound:
            self.trailing_comments(line, last)
        self.last_lua_line = max(self.last_lua_line, last)
        if is_def and self.level == 0:
            self.lines += ["", ""]

    def _statement(self, st: Any, top: bool) -> None:
        if isinstance(st, A.LocalAssign):
            self.assignment(st.targets, st.values, local=True)
        elif isinstance(st, A.Assign):
            self.assignment(st.targets, st.values, local=False)
        elif isinstance(st, A.LocalFunction):
            self.funcdef(st.name._var.pyname, st.args, st.body, st)
        elif isinstance(st, A.Function):
            if isinstance(st.name, A.Name):
                # a global function: other files call it too (lua.G.name), see field_function
                self.funcdef(st.name._var.pyname, st.args, st.body, st, extra=True)
            else:
                self.field_function(st.name, st.args, st.body, st, method=False)
        elif isinstance(st, A.Method):
            self.field_function(A.Index(st.name, st.source), st.args, st.body, st, method=True)
        elif isinstance(st, (A.Call, A.Invoke)):
            self.call_statement(st)
        elif isinstance(st, A.Return):
            self.return_statement(st, top)
        elif isinstance(st, A.Fornum):
            self.fornum(st)
        elif isinstance(st, A.Forin):
            self.forin(st)
        elif isinstance(st, A.While):
            self.emit(f"while {self.cond(st.test)}:")
            self.loop_body(st.body, st)
        elif isinstance(st, A.Repeat):
            self.emit("while True:")
            self.level += 1
            self.continue_labels.append(None)
            self.block_body(st.body.body)
            if self.lines[-1].strip() == "pass":
                self.lines.pop()
            self.emit(f"if {self.cond(st.test)}:")
            self.emit("    break")
            self.continue_labels.pop()
            self.level -= 1
        elif isinstance(st, A.If):
            self.if_statement(st, "if")
        elif isinstance(st, A.Do):
            self.block_body(st.body.body, end_line=last_line_of(st, self.line))
        elif isinstance(st, A.Break):
            self.emit("break")
        elif isinstance(st, A.Goto):
            label = st.label.id
            if self.continue_labels and self.continue_labels[-1] == label:
                self.emit("continue")
            else:
                raise Unsupported(f"goto {label}: rewrite the jump as a loop, break or function return")
        elif isinstance(st, A.Label):
            if not (self.continue_labels and self.continue_labels[-1] == st.id.id):
                raise Unsupported(f"label ::{st.id.id}:: (goto target)")
        elif isinstance(st, A.SemiColon):
            pass
        else:
            raise Unsupported(f"statement {type(st).__name__}")

    def loop_body(self, body: A.Block, st: Any) -> None:
        stmts = list(body.body)
        label = stmts[-1].id.id if stmts and isinstance(stmts[-1], A.Label) else None
        self.continue_labels.append(label)
        self.level += 1
        self.block_body(stmts, end_line=last_line_of(st, self.line))
        self.level -= 1
        self.continue_labels.pop()

    def if_statement(self, st: Any, kw: str) -> None:
        test = self.cond(st.test)
        if self.level >= DEEP:
            # Python compiles at most 100 nested blocks: deep in, `if a then if b then` (neither with an
            # else) becomes `if a and b:` and `else if` becomes `elif`
            while (
                _no_else(st)
                and len(st.body.body) == 1
                and isinstance(st.body.body[0], A.If)
                and _no_else(st.body.body[0])
            ):
                inner = st.body.body[0]
                test = f"{self.cond_x(st.test, AND)} and {self.cond_x(inner.test, AND + 1)}"
                st = _merged(st, inner)
            if isinstance(st.orelse, A.Block) and len(st.orelse.body) == 1 and isinstance(st.orelse.body[0], A.If):
                st.orelse = _as_elseif(st.orelse.body[0])
        self.emit(f"{kw} {test}:")
        self.line = line_of(st, self.line)
        self.level += 1
        orelse = st.orelse
        stop = line_of(orelse, 0) if isinstance(orelse, (A.ElseIf, A.Block)) and orelse is not None else 0
        self.block_body(st.body.body, end_line=stop or last_line_of(st, self.line))
        self.level -= 1
        if isinstance(orelse, A.ElseIf):
            self.flush_comments(line_of(orelse, self.line))
            self.if_statement(orelse, "elif")
        elif isinstance(orelse, A.Block) and orelse.body:
            self.emit("else:")
            self.level += 1
            self.block_body(orelse.body, end_line=last_line_of(st, self.line))
            self.level -= 1

    # ---------------------------------------------------------- assignments
    def assignment(self, targets: list, values: list, local: bool) -> None:
        self.assignment_here(targets, values, local)
        if self.program is None or len(self.program.files) < 2 or self.func_stack[-1] is self.resolver.module:
            return
        for t in targets:
            v = t._var if isinstance(t, A.Name) else None
            if v is not None and v.is_global and v.name in self.program.globals_defined and v.pyname.isidentifier():
                # a global set inside a function: Lua's one global table sees it at once (main.lua's
                # params = {...} in main(), read by utils.lua's init_gpu right after)
                self.emit(f"{self.rt('G')}.{v.pyname} = {v.pyname}")

    def assignment_here(self, targets: list, values: list, local: bool) -> None:
        if len(targets) == 1 and len(values) == 1:
            t, v = targets[0], values[0]
            if isinstance(t, A.Name) and local and t._var.require is not None:
                return self.require(t._var.require, t._var)
            if isinstance(v, A.AnonymousFunction):
                if isinstance(t, A.Name):
                    return self.funcdef(t._var.pyname, v.args, v.body, v)
                return self.field_function(t, v.args, v.body, v, method=False)
            if isinstance(t, A.Index):
                special = self.index_store(t, v)
                if special is not None:
                    self.emit(special)
                    return
        if not values:
            names = [self.store_target(t) for t in targets]
            self.emit(" = ".join(names) + " = None")
            return
        wants = [t._var.kind() if isinstance(t, A.Name) else None for t in targets]
        rhs = self.value_list(values, len(targets), wants)
        if not any(self.needs_store_call(t) for t in targets):
            lhs = ", ".join(self.store_target(t) for t in targets)
            self.emit(f"{lhs} = {rhs}")
            return
        temps = [self.fresh("v") for _ in targets]
        self.emit(f"{', '.join(temps)} = {rhs}")
        for t, tmp in zip(targets, temps):
            special = self.index_store(t, None, tmp) if isinstance(t, A.Index) else None
            self.emit(special if special is not None else f"{self.store_target(t)} = {tmp}")

    def value_list(self, values: list, n: int, wants: list | None = None) -> str:
        """Right-hand side for ``n`` targets, with Lua's adjustment of value counts."""
        wants = wants or []
        texts = [
            self.table(v, wants[i] if i < len(wants) else None) if isinstance(v, A.Table) else self.single(v)
            for i, v in enumerate(values[:-1])
        ]
        last = values[-1]
        missing = n - len(values) + 1  # values the last expression must provide
        if missing >= 2:
            k = 1 if getattr(last, "wrapped", False) else self.arity(last)  # (f()) is one value
            spread = self.spread(last)
            if k == missing:
                texts.append(spread if len(values) > 1 else spread.lstrip("*"))
            elif k is not None and k > missing:
                whole = self.call(last) if isinstance(last, A.Call) else self.invoke(last)  # all k values
                texts.append(f"*{whole}[:{missing}]" if len(values) > 1 else f"{whole}[:{missing}]")
            elif k is not None and k < missing:
                texts.append(spread)
                texts += ["None"] * (missing - k)
            else:
                if spread.startswith("*"):
                    texts.append(spread if len(values) > 1 else spread[1:])
                else:
                    texts.append(spread)
                if not isinstance(last, (A.Varargs, A.Dots)):
                    # Lua drops extra values and fills missing ones with nil: so does lua.adjust
                    inner = spread.lstrip("*")
                    if (
                        spread.startswith("*")
                        and isinstance(last, A.Call)
                        and dotted(last.func)
                        in (
                            "unpack",
                            "table.unpack",
                        )
                    ):
                        inner = f"tuple({inner})"  # unpack(list): its elements are the values
                    adjusted = f"{self.rt('adjust')}({inner}, {missing})"
                    texts[-1] = f"*{adjusted}" if len(values) > 1 else adjusted
        else:
            i = len(values) - 1
            texts.append(
                self.table(last, wants[i] if i < len(wants) else None)
                if isinstance(last, A.Table)
                else self.single(last)
            )
            if missing >= 1:
                texts += ["None"] * (missing - 1)
        if len(values) > n:
            kept, dropped = texts[:n], values[n:]
            for d in dropped:
                if isinstance(d, (A.Call, A.Invoke)):
                    self.emit(self.single(d))
            texts = kept
        return ", ".join(texts)

    def describe(self, e: Any) -> str:
        if isinstance(e, A.Call):
            return (dotted(e.func) or self.x(e.func, POSTFIX)) + "()"
        if isinstance(e, A.Invoke):
            return f":{e.func.id}()"
        return "the expression"

    def store_target(self, t: Any) -> str:
        if isinstance(t, A.Name):
            return t._var.pyname
        return self.index(t, store=True)

    def needs_store_call(self, t: Any) -> bool:
        """An assignment to ``t`` is a statement of its own (a list's 1-based store, a run-time store)."""
        if not isinstance(t, A.Index):
            return False
        kind = self.table_kind(t.value)
        return (
            kind == "list"
            or (kind is None and self.computed_key(t) and dotted(t) is None)
            or (kind == "tensor" and isinstance(t.idx, A.Table))
        )

    def computed_key(self, t: A.Index) -> bool:
        return not (t.notation == A.IndexNotation.DOT and isinstance(t.idx, A.Name)) and not (
            isinstance(t.idx, A.String) and safe_ident(lua_string(t.idx))
        )

    def index_store(self, t: A.Index, v: Any, value_text: str | None = None) -> str | None:
        """``t[#t + 1] = v`` and ``t[i] = v`` on lists (1-based, may append); run-time stores."""
        kind = self.table_kind(t.value)
        if kind in (None, "module") and _is_train_field(t):
            # m.train = false: Lua's field of one module is torch's m.training (the runtime maps it)
            val = value_text if value_text is not None else self.single(v)
            return f"{self.rt('setindex')}({self.x(t.value, POSTFIX)}, 'train', {val})"
        if kind in ("dict",) and (isinstance(v, A.Nil) or (value_text is None and v is None)):
            key = (
                py_str(t.idx.id)
                if t.notation == A.IndexNotation.DOT and isinstance(t.idx, A.Name)
                else (self.single(t.idx))
            )
            return f"{self.x(t.value, POSTFIX)}.pop({key}, None)"  # t[k] = nil removes k
        if (kind is None and self.computed_key(t) and dotted(t) is None) or (
            kind == "tensor" and isinstance(t.idx, A.Table)
        ):
            val = value_text if value_text is not None else self.single(v)
            key = self.table(t.idx, "list") if isinstance(t.idx, A.Table) else self.single(t.idx)
            return f"{self.rt('setindex')}({self.x(t.value, POSTFIX)}, {key}, {val})"
        if kind != "list":
            return None
        base = self.x(t.value, POSTFIX)
        val = value_text if value_text is not None else self.single(v)
        idx = t.idx
        if (
            isinstance(idx, A.AddOp)
            and isinstance(idx.left, A.ULengthOP)
            and isinstance(idx.right, A.Number)
            and idx.right.n == 1
            and isinstance(idx.left.operand, A.Name)
            and isinstance(t.value, A.Name)
            and idx.left.operand._var is t.value._var
        ):
            return f"{base}.append({val})"
        return f"{self.need('lua_set')}({base}, {self.single(idx)}, {val})"

    # ------------------------------------------------------------- functions
    def params(self, args: list, scope: Any, method: bool, extra: bool = False) -> str:
        out = ["self"] if method else []
        default = False
        for a in args:
            if isinstance(a, A.Varargs):
                out.append("*args")
                continue
            v = a._var
            if "nilcheck" in v.evidence or extra:
                default = True
            for i, earlier in enumerate(out):  # function(_, _): Lua's later parameter shadows the earlier
                if earlier.split("=")[0] == v.pyname:
                    out[i] = earlier.replace(v.pyname, f"_shadowed{i}", 1)
            out.append(f"{v.pyname}=None" if default else v.pyname)
        if extra and not any(isinstance(a, A.Varargs) for a in args):
            out.append("*_extra_args")
        return ", ".join(out)

    def funcdef(
        self, name: str, args: list, body: A.Block, node: Any, method: bool = False, extra: bool = False
    ) -> None:
        scope = node._scope
        self.emit(f"def {name}({self.params(args, scope, method, extra)}):")
        self.line = line_of(node, self.line)
        self.trailing_comments(self.line, self.line)
        self.level += 1
        outer_globals = [v.pyname for v in scope.assigns_outer if v.func is self.resolver.module]
        outer_locals = [v.pyname for v in scope.assigns_outer if v.func is not self.resolver.module]
        if outer_globals:
            self.emit("global " + ", ".join(outer_globals))
            self.function_globals += [n for n in outer_globals if n not in self.function_globals]
        # a global of this file read in the function before the file assigns it is nil in Lua
        # (lstm-char-cnn's eval_split returns the global token_perp, set only by its own caller)
        for n in _global_reads(body):
            if n not in self.function_globals:
                self.function_globals.append(n)
        if outer_locals:
            self.emit("nonlocal " + ", ".join(outer_locals))
        # returning different numbers of values at different places is fine: callers of such a
        # function count its values at run time (lua.values / lua.first / lua.adjust)
        self.func_stack.append(scope)
        saved = self.continue_labels
        self.continue_labels = []
        self.block_body(body.body, end_line=last_line_of(node, self.line))
        self.continue_labels = saved
        self.func_stack.pop()
        self.level -= 1

    def field_function(self, target: A.Index, args: list, body: A.Block, node: Any, method: bool) -> None:
        key = target.idx.id if isinstance(target.idx, A.Name) else None
        if key is None:
            raise Unsupported("function stored under a computed key")
        scope = self.func_stack[-1]
        taken = {v.pyname for v in scope.vars} | {v.pyname for v in scope.free}
        owner = self.x(target.value, POSTFIX) if not isinstance(target.value, A.Name) else target.value._var.pyname
        # the owner may be any expression (t[k].f, getmetatable("").__mod): its text made a name
        owner_name = "_".join(filter(None, re.split(r"\W+", owner)))
        name = key if key not in taken and safe_ident(key) else f"{owner_name}_{key}"
        if not safe_ident(name):
            name = "lua_" + name.lstrip("_")
        # a table's function is called from other files too, where the translator cannot
        # count its arguments: missing ones are nil and extra ones dropped, as in Lua
        self.funcdef(name, args, body, node, method=method, extra=True)
        if self.level == 0:
            self.lines += ["", ""]
        self.emit(f"{self.index(target, store=True)} = {name}")

    def anonymous(self, e: A.AnonymousFunction) -> str:
        stmts = e.body.body
        if (
            len(stmts) == 1
            and isinstance(stmts[0], A.Return)
            and len(stmts[0].values) <= 1
            and not e._scope.assigns_outer
        ):
            params = self.params(e.args, e._scope, False)
            if not any(isinstance(a, A.Varargs) for a in e.args):
                params += (
                    ", *_extra_args" if params else "*_extra_args"
                )  # called back with more arguments than it names
            self.func_stack.append(e._scope)
            value = self.single(stmts[0].values[0]) if stmts[0].values else "None"
            self.func_stack.pop()
            return f"lambda {params}: {value}" if params else f"lambda: {value}"
        name = self.fresh("fn")
        saved_line = self.line
        self.funcdef(name, e.args, e.body, e)
        self.line = saved_line
        return name

    def return_statement(self, st: A.Return, top: bool) -> None:
        if len(self.func_stack) == 1:
            if len(st.values) == 1 and isinstance(st.values[0], A.Name):
                self.emit(
                    f"exports = {st.values[0]._var.pyname}  # the Lua chunk returned this: "
                    f"`from <module> import exports`"
                )
                return
            if not st.values:
                return
            self.emit(f"exports = {self.value_list(st.values, len(st.values))}  # the Lua chunk's return value")
            return
        if not st.values:
            self.emit("return")
            return
        if len(st.values) == 1:
            v = st.values[0]
            if (
                isinstance(v, A.Call)
                and dotted(v.func) in ("unpack", "table.unpack")
                and len(v.args) == 1
                and self.table_kind(v.args[0]) == "list"
            ):
                self.emit(f"return tuple({self.single(v.args[0])})")
                return
            if isinstance(v, (A.Varargs, A.Dots)):
                self.emit("return args")  # all of them, as a tuple (callers count them at run time)
                return
            if self.known_multi(v) and not v.wrapped:
                text = self.spread(v).lstrip("*")
                values = f"{self.rt('values')}("
                self.emit(f"return {text if text.startswith(values) else values + text + ')'}")
                return
            self.emit(f"return {self.single(v) if not self.is_multi(v) else self.spread(v).lstrip('*')}")
            return
        texts = [self.single(v) for v in st.values[:-1]] + [self.spread(st.values[-1])]
        self.emit("return " + ", ".join(texts))

    # ----------------------------------------------------------------- loops
    def fornum(self, st: A.Fornum) -> None:
        var = st.target._var.pyname
        for e in (st.start, st.stop, st.step):
            if (
                (isinstance(e, A.Number) and not isinstance(e.n, int))
                or isinstance(e, (A.FloatDivOp, A.ExpoOp))
                or (isinstance(e, A.UMinusOp) and isinstance(e.operand, A.Number) and not isinstance(e.operand.n, int))
                or maybe_fractional(e)
            ):
                # fractional bounds or step: Lua counts in floats up to the bound
                step = (
                    f", {self.single(st.step)}"
                    if isinstance(st.step, A.Node)
                    else (f", {st.step}" if st.step not in (1, None) else "")
                )
                self.emit(f"for {var} in {self.rt('range')}({self.single(st.start)}, {self.single(st.stop)}{step}):")
                self.loop_body(st.body, st)
                return
        start = self.single(st.start)
        step = st.step if isinstance(st.step, A.Node) else A.Number(st.step)
        if isinstance(step, A.Number) and step.n == 1:
            stop = self.plus(st.stop, 1)
            args = f"{stop}" if start == "0" else f"{start}, {stop}"
        elif isinstance(step, A.Number) and step.n > 0:
            args = f"{start}, {self.plus(st.stop, 1)}, {step.n}"
        elif isinstance(step, A.Number):
            args = f"{start}, {self.plus(st.stop, -1)}, {step.n}"
        elif isinstance(step, A.UMinusOp) and isinstance(step.operand, A.Number):
            args = f"{start}, {self.plus(st.stop, -1)}, -{number_text(step.operand)}"
        else:
            s = self.x(step, ADD + 1)
            args = f"{start}, {self.x(st.stop, ADD)} + (1 if {s} > 0 else -1), {s}"
        self.emit(f"for {var} in range({args}):")
        self.loop_body(st.body, st)

    def forin(self, st: A.Forin) -> None:
        names = [t._var.pyname for t in st.targets]
        it = st.iter[0] if len(st.iter) == 1 else None
        head = None
        target = names[0] if len(names) == 1 else ", ".join(names)
        if isinstance(it, A.Call) and len(it.args) == 1 and (is_name(it.func, "ipairs") or is_name(it.func, "pairs")):
            t = it.args[0]
            kind = self.table_kind(t)
            base = self.x(t, POSTFIX)
            if len(names) > 2:
                raise Unsupported("generic for with more than two variables over pairs/ipairs")
            if kind == "list":
                if len(names) == 1:
                    head = f"for {names[0]} in range(1, len({base}) + 1):"
                elif st.targets[0].id == "_":
                    head = f"for {names[1]} in {base}:"
                else:
                    head = f"for {names[0]}, {names[1]} in enumerate({base}, 1):"
            elif is_name(it.func, "pairs") and kind in ("dict", "record"):
                src = base if kind == "dict" else f"vars({base})"
                if len(names) == 1:
                    head = f"for {names[0]} in {src}:"
                else:
                    head = f"for {names[0]}, {names[1]} in {src}.items():"
            else:
                # a LuaTable or a table whose kind is not known here: Lua's order, decided at run time
                fn = "ipairs" if is_name(it.func, "ipairs") else "pairs"
                if len(names) == 1:
                    head = f"for {names[0]}, _ in {self.rt(fn)}({base}):"
                else:
                    head = f"for {target} in {self.rt(fn)}({base}):"
        elif isinstance(it, (A.Call, A.Invoke)) and self.runtime_iterator(it):
            # string.gmatch, io.lines, f:lines(), paths.files ...: Python iterators in the runtime; a step
            # that gives another number of values than there are variables is adjusted as Lua does
            text = self.single(it)
            pattern = (
                it.args[1]
                if isinstance(it, A.Call) and len(it.args) > 1
                else it.args[0]
                if isinstance(it, A.Invoke) and it.args
                else None
            )
            captures = _captures(lua_string(pattern)) if isinstance(pattern, A.String) else None
            if len(names) == 1 and (
                (captures is None and not self.is_gmatch(it)) or (captures is not None and captures <= 1)
            ):
                head = f"for {target} in {text}:"
            else:
                head = f"for {target}{',' if len(names) == 1 else ''} in {self.rt('each')}({text}, {len(names)}):"
        if head is None and 2 <= len(st.iter) <= 3:
            # Lua's own protocol, `for a, b in f, s, init`: f(s, control) called until its first value is nil
            parts = ", ".join(self.single(e) for e in st.iter)
            head = f"for {target} in {self.rt('iterate')}({len(names)}, {parts}):"
        if head is None:
            raise Unsupported(
                "generic for over an iterator function (only ipairs, pairs, gmatch and "
                "io/paths iterators are translated)"
            )
        self.emit(head)
        self.loop_body(st.body, st)

    def is_gmatch(self, it: Any) -> bool:
        return (
            dotted(it.func) in ("string.gmatch", "string.gfind")
            if isinstance(it, A.Call)
            else it.func.id in ("gmatch", "gfind")
        )

    def runtime_iterator(self, it: Any) -> bool:
        if isinstance(it, A.Call):
            return dotted(it.func) in (
                "string.gmatch",
                "string.gfind",
                "io.lines",
                "paths.files",
                "paths.iterfiles",
                "paths.iterdirs",
                "lfs.dir",
            )
        return it.func.id in ("gmatch", "gfind", "lines")

    def describe_expr(self, e: Any) -> str:
        return e.id if isinstance(e, A.Name) else "a table"

    # ----------------------------------------------------------------- calls
    def call_statement(self, st: Any) -> None:
        if isinstance(st, A.Call):
            d = dotted(st.func)
            if (
                d in ("include", "dofile")
                and self.program is not None
                and len(st.args) == 1
                and isinstance(st.args[0], A.String)
                and lua_string(st.args[0]).endswith(".lua")
            ):
                module = self.program.included_module(lua_string(st.args[0]))
                if module in self.program.modules:  # a file of the program, ported next to this one
                    self.export_globals_before_require()
                    self.emit(f"{self.rt('require')}({py_str(self.program.modules[module])}, __package__)")
                    return
            if d == "require" and len(st.args) == 1 and isinstance(st.args[0], A.String):
                return self.require(lua_string(st.args[0]), None)
            if d == "error":
                self.emit(self.lua_error(st.args))
                return
            if d == "assert" and st.args:
                # Lua's assert raises an error pcall can catch, with Lua's message (and is never optimized away)
                where = py_str(f"{self.filename}:{self.line}")
                self.emit(f"{self.rt('assert_')}({self.args_text(st.args)}, where={where})")
                return
            if d == "collectgarbage":
                self.imports.add("gc")
                self.emit("gc.collect()")
                return
        self.emit(self.single(st))

    def lua_error(self, args: list) -> str:
        """``error(msg[, level])``: Lua prefixes a string message with ``file:line:`` (level 1)."""
        self.imports.add("lua")
        where = py_str(f"{self.filename}:{self.line}")
        if not args:
            return "lua.error(None)"
        if len(args) == 1:
            return f"lua.error({self.single(args[0])}, where={where})"
        return f"lua.error({self.single(args[0])}, {self.single(args[1])}, where={where})"

    def rt(self, name: str) -> str:
        """A runtime helper's spelling in the output (``lua.name``)."""
        self.imports.add("lua")
        return f"lua.{name}"

    def export_globals_before_require(self) -> None:
        """The required file runs now and sees Lua's globals as they are (init.lua's ntm = {} before
        its include('rmsprop.lua') defines ntm.rmsprop): share what this file has set so far."""
        shared = self.program.shared_globals(self.resolver) if self.program is not None else []
        if shared:
            self.emit(f"{self.rt('export_globals')}(globals(), {shared!r})")

    def require(self, name: str, var: Var | None) -> None:
        if name in KNOWN_REQUIRES:
            self.imports.add(KNOWN_REQUIRES[name])
            if name == "nngraph":
                self.imports.add("nn")
            if name in ("nn", "nngraph"):
                # loading nn draws from Torch's random stream (see runtime.system._load_nn); kept
                # only in files that use the runtime anyway (a model-definition file stays plain)
                self.emit(f"lua.require({py_str(name)})")
                self.nn_require_lines.append(len(self.lines) - 1)
            if var is not None and var.pyname != KNOWN_REQUIRES[name]:
                self.emit(f"{var.pyname} = {KNOWN_REQUIRES[name]}")
            return
        if name in CUDA_REQUIRES:
            self.emit(f"# require '{name}': not needed, torch has CUDA built in (move modules with .cuda())")
            return
        if name in ("math", "string", "table", "os", "io") and var is None:
            return  # Lua's own libraries, loaded already: require 'math' only returns the table
        if name in PENLIGHT:
            if var is not None:
                self.emit(f"{var.pyname} = {self.rt(PENLIGHT[name])}")
            return
        if name in LIBRARY_GLOBALS:
            # optim, lfs, paths ...: the runtime's tables (Lua also makes them globals)
            if var is not None:
                self.emit(f"{var.pyname} = {self.rt(LIBRARY_GLOBALS[name])}")
            return
        module = name.replace("/", ".")
        if self.program is not None and name.startswith("."):
            module = self.program.relative.get((self.program.current, name), module)  # require('../')
        if self.program is not None and module in self.program.modules:
            # one of the program's own files, ported next to this one: run once, its return value
            self.export_globals_before_require()
            call = f"{self.rt('require')}({py_str(self.program.modules[module])}, __package__)"
            self.emit(f"{var.pyname} = {call}" if var is not None else call)
            return
        if name == "lua-utf8":  # starwing/luautf8 (a C library): the runtime's version
            call = f"{self.rt('require')}({py_str(name)})"
            self.emit(f"{var.pyname} = {call}" if var is not None else call)
            return
        if not all(safe_ident(part) for part in module.split(".")):
            self.todo(f"require of {name!r}, which is not a module name")
            call = f"lua.require({py_str(name)})"
            self.imports.add("lua")
            self.emit(f"{var.pyname} = {call}" if var is not None else call)
            return
        self.todo(f"require '{name}': port {name.replace('.', '/')}.lua too (pygraphnn port) so that this import works")
        if var is not None:
            self.emit(f"from {module} import exports as {var.pyname}")
        else:
            self.emit(f"import {module}")

    def args_text(self, args: list) -> str:
        if not args:
            return ""
        texts = [self.single(a) for a in args[:-1]]
        texts.append(self.spread(args[-1]))
        return ", ".join(texts)

    def call(self, e: A.Call) -> str:
        d = dotted(e.func)
        args = e.args
        if isinstance(e.func, A.Name) and not e.func._var.is_global:
            aliased = [
                dotted(v) if isinstance(v, A.Index) else (v.id if isinstance(v, A.Name) else None)
                for v in e.func._var.values
                if v is not None
            ]
            for a in aliased:
                if a in RISKY:  # `local ex = os.execute; ex(cmd)`: listed at the call too
                    self.risky.append(Issue(self.line, f"{e.func.id}() is {a}, which {RISKY[a]}"))
                    self.emit(f"# WARNING(port): {safe_comment(e.func.id)}() is {a}, which {RISKY[a]}")
        if d is not None:
            special = self.library_call(d, args, e)
            if special is not None:
                return special
        if (
            expr_kind(e.func) == "module"
            and len(args) == 1
            and isinstance(args[0], A.Name)
            and args[0]._var is not None
            and self.table_kind(args[0]) not in ("list", "tensor")
            and any(isinstance(v, A.Table) for v in args[0]._var.values)
        ):
            # nn.Identity()(ctable) with a Lua table of nodes (a LuaTable here): the graph takes a list
            return f"{self.x(e.func, POSTFIX)}({self.rt('module_arg')}({self.single(args[0])}))"
        if d in ("nn.gModule", "nngraph.gModule") and any(
            isinstance(x, A.Name) and self.table_kind(x) not in ("list",) for x in args
        ):
            # gModule(inputs, outputs) of Lua tables filled by table.insert (LuaTables here): lists of nodes
            parts = [
                f"{self.rt('module_arg')}({self.single(x)})"
                if isinstance(x, A.Name) and self.table_kind(x) != "list"
                else self.single(x)
                for x in args
            ]
            return f"{self.x(e.func, POSTFIX)}({', '.join(parts)})"
        return f"{self.x(e.func, POSTFIX)}({self.args_text(args)})"

    def library_call(self, d: str, args: list, e: Any) -> str | None:
        a = _Lazy(lambda: [self.single(x) for x in args])  # translated only where used: no double TODOs
        if d == "print":
            return f"{self.rt('print')}({self.args_text(args)})"  # numbers and nil as Lua writes them
        if d == "tostring" and len(args) == 1:
            return a[0] if expr_kind(args[0]) == "string" else f"{self.rt('tostring')}({a[0]})"
        if d == "tonumber":
            return f"{self.rt('tonumber')}({self.args_text(args)})"
        if d == "error":
            return self.lua_error(args)
        if d in ("unpack", "table.unpack"):
            if len(args) == 1 and self.table_kind(args[0]) == "list":
                return f"{self.x(args[0], POSTFIX)}[0]"  # one value wanted here
            return f"{self.rt('unpack')}({self.args_text(args)})"
        if d.startswith("table.") and args:
            kind = self.table_kind(args[0])
            base = self.x(args[0], POSTFIX)
            if d == "table.insert" and kind == "list" and len(args) in (2, 3):
                if len(args) == 2:
                    return f"{base}.append({self.single(args[1])})"
                return f"{base}.insert({self.plus(args[1], -1)}, {a[2]})"
            if d[6:] in ("insert", "remove", "concat", "sort", "getn", "maxn"):
                return f"{self.rt('table')}.{d[6:]}({self.args_text(args)})"
            raise Unsupported(f"{d}")
        if d == "string.format" and args:
            return self.format_call(args[0], args[1:])
        if d.startswith("string."):
            return self.string_method(d[7:], args[0], args[1:]) if args else None
        if (
            d == "select"
            and args
            and isinstance(args[0], A.String)
            and lua_string(args[0]) == "#"
            and len(args) == 2
            and isinstance(args[1], (A.Varargs, A.Dots))
        ):
            return "len(args)"
        if (
            d == "pcall"
            and len(args) == 2
            and isinstance(args[0], A.Name)
            and args[0].id == "require"
            and args[0]._var.is_global
            and not args[0]._var.values
            and isinstance(args[1], A.String)
        ):  # `pcall(require, 'cunn')`: the module name is a constant, nothing to warn about
            return f"{self.rt('pcall')}({self.rt('require')}, {py_str(lua_string(args[1]))})"
        if d in ("type", "select", "next", "pcall", "setmetatable", "getmetatable", "ipairs", "pairs"):
            return f"{self.rt(d)}({self.args_text(args)})"
        if d in ("rawget", "rawset", "rawequal"):
            return f"{self.rt(d)}({self.args_text(args)})"
        if d.startswith(("paths.", "lfs.")) and d.count(".") == 1:
            return f"{self.rt(d)}({self.args_text(args)})"
        if d == "torch.CmdLine":
            return f"{self.rt('CmdLine')}({self.args_text(args)})"
        if d == "torch.class" and args:
            return f"{self.rt('class_')}({self.args_text(args)})"
        if d.startswith("coroutine."):
            raise Unsupported(f"{d}: coroutines (use a Python generator)")
        if d in RISKY and d != "require":
            return f"{self.risk(d)}({self.args_text(args)})"
        if d == "require":
            if len(args) == 1 and isinstance(args[0], A.String):
                self.imports.add("lua")
                module = lua_string(args[0]).replace("/", ".")
                if self.program is not None and module in self.program.modules:
                    # `Global = require 'util.x'`: the program's own file, found next to this one
                    return f"lua.require({py_str(self.program.modules[module])}, __package__)"
                return f"lua.require({py_str(lua_string(args[0]))})"
            text = self.args_text(args)
            if len(args) == 1 and _is_str_literal(text):  # a name folded to a constant ('a' .. 'b'): not risky
                self.imports.add("lua")
                return f"lua.require({text})"
            return f"{self.risk(d)}({text})"
        if d.startswith("math."):
            name = d[5:]
            if name in ("random", "randomseed"):
                raise Unsupported(f"{d}: Lua's random numbers (use torch.rand/random with torch.manual_seed)")
            if name not in MATH_NAMES:
                raise Unsupported(f"{d}")
            py = MATH_NAMES[name]
            if py.startswith("math."):
                self.imports.add("math")
            if name in ("max", "min"):
                return f"{py}({self.args_text(args)})"  # math.max(f()) takes all of f's values
            return f"{py}({', '.join(a)})"
        if d.startswith("torch.") and d.count(".") == 1:
            # Torch's functions with Lua's conventions (double default type, Torch's random stream,
            # .t7 files Lua can read): the runtime's torch namespace
            return f"{self.rt(d)}({self.args_text(args)})"
        if d.startswith("nngraph."):
            return None  # the name itself maps in index()
        if d.startswith("graph."):
            raise Unsupported(f"{d}: draw graphs with `pygraphnn render` or pygraphnn.render")
        if d == "model_utils.clone_many_times" or (d == "g_cloneManyTimes" and not self.defined("g_cloneManyTimes")):
            self.imports.add("ng")
            return f"ng.clone_many_times({', '.join(a[:2])})"  # (net, T): Lua drops extra arguments
        if d.startswith(("os.", "io.")):
            if d in RISKY:
                return f"{self.risk(d)}({self.args_text(args)})"
            if d.count(".") == 1:
                return f"{self.rt(d)}({self.args_text(args)})"
            raise Unsupported(f"{d}()")
        return None

    def defined(self, name: str) -> bool:
        v = self.resolver.globals.get(name)
        return v is not None and bool(v.values)

    def format_call(self, fmt: Any, args: list) -> str:
        """Python's ``%`` where it writes what Lua writes (%s of strings, numeric conversions), else the runtime."""
        import re

        convs = re.findall(r"%[-+ #0]*\d*(?:\.\d*)?([a-zA-Z%])", lua_string(fmt)) if isinstance(fmt, A.String) else None
        used = [c for c in convs or () if c != "%"]
        plain = (
            convs is not None
            and len(used) == len(args)
            and not (args and self.is_multi(args[-1]))
            and all((c == "d" and is_int(x)) or (c == "s" and expr_kind(x) == "string") for c, x in zip(used, args))
        )
        # (float conversions go to the runtime: LuaJIT rounds a decimal tie away from zero, Python to even)
        if not plain:
            return f"{self.rt('string')}.format({self.single(fmt)}{', ' if args else ''}{self.args_text(args)})"
        f = self.x(fmt, MUL + 1)
        if not args:
            return f"{f} % ()"
        vals = ", ".join([self.single(x) for x in args[:-1]] + [self.spread(args[-1])])
        return f"{f} % ({vals},)" if len(args) == 1 else f"{f} % ({vals})"

    def string_method(self, name: str, s: Any, args: list) -> str:
        base = self.x(s, POSTFIX)
        a = [self.single(x) for x in args]
        if name in ("upper", "lower") and not args:
            return f"{self.rt('string')}.{name}({self.single(s)})"  # bytes >= 128 stay as they are
        if name == "len" and not args:
            return f"len({self.single(s)})"
        if name == "rep" and len(args) == 1:
            return f"{self.x(s, MUL)} * {self.x(args[0], MUL + 1)}"
        if name == "format":
            return self.format_call(s, args)
        if name == "sub" and args:
            i = args[0]
            j = args[1] if len(args) > 1 else None
            if not (
                isinstance(i, A.Number)
                and (
                    j is None
                    or isinstance(j, A.Number)
                    or (isinstance(j, A.UMinusOp) and isinstance(j.operand, A.Number))
                )
            ):
                # computed bounds may be zero or negative: Lua's rules, in the runtime
                return f"{self.rt('string')}.sub({self.single(s)}, {', '.join(a)})"
            if (isinstance(i, A.Number) and i.n >= 1) or not isinstance(i, (A.Number, A.UMinusOp)):
                lo = self.plus(i, -1)
                lo = "" if lo == "0" else lo
            elif isinstance(i, A.UMinusOp) and isinstance(i.operand, A.Number):
                lo = f"-{number_text(i.operand)}"
            else:
                return f"{self.rt('string')}.sub({self.single(s)}, {', '.join(a)})"
            if j is None or (isinstance(j, A.UMinusOp) and isinstance(j.operand, A.Number) and j.operand.n == 1):
                hi = ""
            elif (isinstance(j, A.Number) and j.n >= 0) or not isinstance(j, (A.Number, A.UMinusOp)):
                hi = self.single(j)
            elif isinstance(j, A.UMinusOp) and isinstance(j.operand, A.Number):
                hi = f"-{j.operand.n - 1}"
            else:
                return f"{self.rt('string')}.sub({self.single(s)}, {', '.join(a)})"
            return f"{base}[{lo}:{hi}]"
        if name in (
            "find",
            "match",
            "gmatch",
            "gsub",
            "gfind",
            "byte",
            "char",
            "reverse",
            "sub",
            "rep",
            "len",
            "upper",
            "lower",
        ):
            # Lua patterns are not regular expressions: Lua's own matcher, in the runtime
            rest = f", {self.args_text(args)}" if args else ""
            return f"{self.rt('string')}.{name}({self.single(s)}{rest})"
        raise Unsupported(f"string.{name}")

    def invoke(self, e: A.Invoke) -> str:
        m = e.func.id
        if not safe_ident(m):  # obj:class(), obj:__init(): only through the runtime, by name
            self.imports.add("lua")
            rest = f", {self.args_text(e.args)}" if e.args else ""
            return f"lua.invoke({self.x(e.source, POSTFIX)}, {py_str(m)}{rest})"
        src_kind = self.table_kind(e.source) or expr_kind(e.source)
        base = self.x(e.source, POSTFIX)
        args = e.args
        if src_kind == "record":
            return f"{base}.{m}({base}{', ' if args else ''}{self.args_text(args)})"
        if src_kind == "string" or isinstance(e.source, A.String):
            return self.string_method(m, e.source, args)
        if m == "annotate" and len(args) == 1 and isinstance(args[0], A.Table):
            t = args[0]
            if table_class(t) == "record":
                kw = ", ".join(f"{f.key.id}={self.annotation(f.value)}" for f in t.fields)
                return f"{base}.annotate({kw})"
            return f"{base}.annotate({self.table(t, 'dict')})"
        if src_kind in ("module", "node") and m != "share":  # share: the runtime's (module_methods)
            return f"{base}.{MODULE_RENAMES.get(m, m)}({self.args_text(args)})"
        if src_kind == "object":  # runtime objects (torch.CmdLine ...) have Lua's method names
            return f"{base}.{m}({self.args_text(args)})"
        if m == "add" and args and expr_kind(args[0]) == "module":
            return f"{base}.add({self.args_text(args)})"  # a container: only they add modules
        if src_kind == "tensor" and m in TENSOR_SAME_METHODS and (m != "size" or len(args) <= 1):
            py = TENSOR_SAME_METHODS[m]
            if m == "size" and args:
                return f"{base}.size({self.plus(args[0], -1)})"
            return f"{base}.{py}({self.args_text(args)})"
        # the receiver's type is not known here, or Torch's method differs from PyTorch's (1-based
        # arguments, in place, Torch's random stream): Lua's meaning, chosen at run time
        rest = f", {self.args_text(args)}" if args else ""
        return f"{self.rt('invoke')}({base}, {py_str(m)}{rest})"

    # ------------------------------------------------- multiple values (Lua)
    def arity(self, e: Any) -> int | None:
        """How many values a call in last position gives (None: not known)."""
        if isinstance(e, A.Invoke):
            if e.func.id == "split":
                return e.args[0].n if len(e.args) == 1 and isinstance(e.args[0], A.Number) else None
            if e.func.id in ("getParameters", "parameters"):
                return 2
            counts = self.method_returns(e)
            if counts is not None:  # a method this file defines on that very table
                return None if -1 in counts else (counts.pop() if len(counts) == 1 else (None if counts else 1))
            return (
                1
                if expr_kind(e) in ("node", "module", "string")
                or (e.func.id not in MULTI_METHODS and expr_kind(e.source) == "string")
                else None
            )
        if isinstance(e, A.Call):
            d = dotted(e.func)
            if d in ("unpack", "table.unpack") or d in MULTI_CALLS:
                return None
            if (d and d.startswith(("nn.", "math.", "string.", "torch.", "nngraph."))) or d in ("tostring", "print"):
                return 1
            fv = e.func._var if isinstance(e.func, A.Name) else None
            if fv is not None and fv.funcdef is not None:
                counts = set(fv.funcdef._scope.returns) - {0}
                if -1 in counts:
                    return None
                return counts.pop() if len(counts) == 1 else (None if counts else 1)
            if expr_kind(e.func) == "module":
                return 1
            return None
        if isinstance(e, (A.Varargs, A.Dots)):
            return None
        return 1

    def is_multi(self, e: Any) -> bool:
        return isinstance(e, (A.Call, A.Invoke, A.Varargs, A.Dots)) and not e.wrapped and self.arity(e) != 1

    def spread(self, e: Any) -> str:
        """``e`` where Lua expands all its values (last argument, field, return value)."""
        if not self.is_multi(e):
            return self.single(e)
        if isinstance(e, (A.Varargs, A.Dots)):
            return "*args"
        if (
            isinstance(e, A.Call)
            and dotted(e.func) in ("unpack", "table.unpack")
            and len(e.args) == 1
            and self.table_kind(e.args[0]) == "list"
        ):
            return f"*{self.x(e.args[0], POSTFIX)}"
        k = self.arity(e)
        text = self.call(e) if isinstance(e, A.Call) else self.invoke(e)
        if k is not None and k > 1:
            return f"*{text}"
        if isinstance(e, A.Invoke) and e.func.id == "split" and expr_kind(e.source) == "node":
            return f"*{self.need('lua_values')}({text})"
        if self.known_multi(e) or (isinstance(e, A.Invoke) and "invoke(" in text):
            return f"*{self.rt('values')}({text})"  # however many values it gives, all of them
        return text  # unknown arity: taken as one value (flagged by callers that care)

    def called_parameter(self, e: A.Call) -> bool:
        """A call of a function passed in (``4 * hardness()``): how many values it gives is known
        only at run time, and where one is wanted Lua keeps the first (a tuple here)."""
        v = e.func._var if isinstance(e.func, A.Name) else None
        return v is not None and v.is_param and not v.values and v.funcdef is None

    def known_multi(self, e: Any) -> bool:
        """A call that may give several values: string.find, pcall, :max(d), a function returning ``...``."""
        if isinstance(e, A.Call):
            d = dotted(e.func)
            if d == "select" and e.args and isinstance(e.args[0], A.String) and lua_string(e.args[0]) == "#":
                return False
            if d in MULTI_CALLS or d in ("unpack", "table.unpack"):
                return True
            fv = e.func._var if isinstance(e.func, A.Name) else None
            if fv is not None and fv.funcdef is not None:
                counts = set(fv.funcdef._scope.returns) - {0}
                return -1 in counts or len(counts) > 1  # returns ..., a call's values, or varying counts
            return False
        method_counts = self.method_returns(e) if isinstance(e, A.Invoke) else None
        if method_counts is not None:
            return -1 in method_counts or len(method_counts) > 1
        return isinstance(e, A.Invoke) and e.func.id in MULTI_METHODS and expr_kind(e.source) not in ("module", "node")

    def method_returns(self, e: A.Invoke) -> set | None:
        """The value counts of ``t:name()`` when this file defines ``function t:name()`` on the same
        table ``t`` (None otherwise)."""
        var = getattr(e.source, "_var", None) if isinstance(e.source, A.Name) else None
        defs = var.methods.get(e.func.id) if var is not None else None
        if not defs:
            return None
        return set().union(*(set(d._scope.returns) for d in defs)) - {0}

    def maybe_multi(self, e: Any) -> bool:
        """A call in a one-value place whose values are only counted at run time (``lua.first``),
        or a parenthesised call of several values (``(f())`` keeps the first)."""
        several = self.known_multi(e) or (self.arity(e) or 1) > 1
        return several and (e.wrapped or self.arity(e) is None)

    def single(self, e: Any) -> str:
        return self.x(e, 0)

    def postfix(self, e: Any) -> str:
        return self.x(e, POSTFIX)

    # ----------------------------------------------------------- expressions
    def x(self, e: Any, min_prec: int) -> str:
        text, prec = self.expr(e)
        return f"({text})" if prec < min_prec else text

    def expr(self, e: Any) -> tuple[str, int]:
        line = line_of(e, self.line)
        if line != self.line and line > 0:
            self.line = line
        if isinstance(e, A.Nil):
            return "None", ATOM
        if isinstance(e, A.TrueExpr):
            return "True", ATOM
        if isinstance(e, A.FalseExpr):
            return "False", ATOM
        if isinstance(e, A.Number):
            return number_text(e), ATOM
        if isinstance(e, A.String):
            return py_str(lua_string(e)), ATOM
        if isinstance(e, (A.Varargs, A.Dots)):
            if len(self.func_stack) == 1:
                raise Unsupported("... at the top of the chunk (the script's command-line arguments)")
            return "(args[0] if args else None)", ATOM
        if isinstance(e, A.Name):
            return self.name(e), ATOM
        if isinstance(e, A.Index):
            return self.index(e), POSTFIX
        if isinstance(e, A.Call):
            if (self.is_multi(e) and not e.wrapped) or self.maybe_multi(e):
                return self.first_value(e), POSTFIX
            if self.called_parameter(e) and self.arity(e) is None:
                return f"{self.rt('first')}({self.call(e)})", POSTFIX
            return self.call(e), POSTFIX
        if isinstance(e, A.Invoke):
            if (self.is_multi(e) and not e.wrapped and (self.arity(e) or 0) > 1) or self.maybe_multi(e):
                return self.first_value(e), POSTFIX
            text = self.invoke(e)
            if self.arity(e) is None and text.startswith(f"{self.rt('invoke')}("):
                # a method found at run time (a Lua class's, in another file) may give several
                # values (return unpack(ret)): one is wanted here
                return f"{self.rt('first')}({text})", POSTFIX
            return text, POSTFIX
        if isinstance(e, A.Table):
            if len(self.func_stack) == 1 and any(isinstance(f.value, (A.Varargs, A.Dots)) for f in e.fields):
                raise Unsupported("... at the top of the chunk (the script's command-line arguments)")
            return self.table(e, None), ATOM
        if isinstance(e, A.AnonymousFunction):
            text = self.anonymous(e)
            return text, (0 if text.startswith("lambda") else ATOM)
        if isinstance(e, A.Concat):
            return self.concat(e)
        if isinstance(e, (A.AndLoOp, A.OrLoOp)):
            return self.logical(e)
        if isinstance(e, COMPARISONS):
            return self.compare(e)
        if isinstance(e, A.ULNotOp):
            return f"not {self.cond_x(e.operand, NOT)}", NOT
        if isinstance(e, A.UMinusOp):
            return f"-{self.x(e.operand, UNARY)}", UNARY
        if isinstance(e, A.ULengthOP):
            return self.length(e.operand), POSTFIX
        if isinstance(e, (A.AddOp, A.SubOp, A.MultOp, A.FloatDivOp, A.ModOp, A.ExpoOp)) and "string" in (
            expr_kind(e.left),
            expr_kind(e.right),
        ):
            # '10' + 1 is 11 in Lua: strings that read as numbers are numbers in arithmetic
            fn = {
                A.AddOp: "add",
                A.SubOp: "sub",
                A.MultOp: "mul",
                A.FloatDivOp: "div",
                A.ModOp: "mod",
                A.ExpoOp: "pow",
            }[type(e)]
            return f"{self.rt(fn)}({self.single(e.left)}, {self.single(e.right)})", POSTFIX
        if (
            isinstance(e, A.MultOp)
            and "number" not in (expr_kind(e.left), expr_kind(e.right))
            and ({expr_kind(e.left), expr_kind(e.right)} & {None, "tensor"})
        ):
            # two tensors multiply as matrices and vectors in Torch (M * k is M:mv(k)): decided at run time
            return f"{self.rt('mul')}({self.single(e.left)}, {self.single(e.right)})", POSTFIX
        if (
            isinstance(e, (A.FloatDivOp, A.ModOp))
            and not _nonzero_number(e.right)
            and "tensor" not in (expr_kind(e.left), expr_kind(e.right))
        ):
            # Python raises ZeroDivisionError where Lua gives inf, -inf or nan (and x % math.huge is nan)
            fn = "div" if isinstance(e, A.FloatDivOp) else "mod"
            return f"{self.rt(fn)}({self.single(e.left)}, {self.single(e.right)})", POSTFIX
        arith = {
            A.AddOp: ("+", ADD),
            A.SubOp: ("-", ADD),
            A.MultOp: ("*", MUL),
            A.FloatDivOp: ("/", MUL),
            A.FloorDivOp: ("//", MUL),
            A.ModOp: ("%", MUL),
        }
        for cls, (op, prec) in arith.items():
            if type(e) is cls:
                return f"{self.x(e.left, prec)} {op} {self.x(e.right, prec + 1)}", prec
        if isinstance(e, A.ExpoOp):
            return f"{self.x(e.left, POW + 1)} ** {self.x(e.right, UNARY)}", POW
        raise Unsupported(f"{type(e).__name__} (bitwise operators and other Lua 5.3 syntax)")

    def first_value(self, e: Any) -> str:
        if (
            isinstance(e, A.Call)
            and dotted(e.func) in ("unpack", "table.unpack")
            and len(e.args) == 1
            and self.table_kind(e.args[0]) == "list"
        ):
            return f"{self.x(e.args[0], POSTFIX)}[0]"
        text = self.call(e) if isinstance(e, A.Call) else self.invoke(e)
        if self.known_multi(e):
            return f"{self.rt('first')}({text})"
        k = self.arity(e)
        if k is None and isinstance(e, A.Call) and self.called_parameter(e):
            return f"{self.rt('first')}({text})"
        if k is not None and k > 1:
            return f"{text}[0]"
        if isinstance(e, A.Invoke) and e.func.id == "split":
            return f"{self.need('lua_values')}({text})[0]"
        return text

    def name(self, e: A.Name) -> str:
        v: Var = e._var
        if v.is_global and v.name in RISKY and not v.values and v.funcdef is None:
            return self.risk(v.name)  # loadstring, require ... used as a value
        if v.is_global and not v.values and v.funcdef is None and v.name in LIBRARY_GLOBALS:
            return self.rt(LIBRARY_GLOBALS[v.name])
        if (
            v.is_global
            and not v.values
            and v.funcdef is None
            and self.program is not None
            and v.name in self.program.globals_defined
        ):
            return f"{self.rt('G')}.{v.name}"  # defined as a global by another file of the program
        if v.is_global and not v.values and v.funcdef is None and v.name in LUA_FUNCTION_VALUES:
            return self.rt(LUA_FUNCTION_VALUES[v.name])  # print, error, pairs ... passed as values
        if (
            v.is_global
            and not v.values
            and v.funcdef is None
            and (v.name in self.resolver.classes or (self.program is not None and v.name in self.program.classes))
        ):
            return f"{self.rt('constructor')}({py_str(v.name)})"  # the global torch.class('Name') makes
        if (
            v.is_global
            and not v.values
            and v.funcdef is None
            and v.name not in ("nn", "nngraph", "torch", "math", "g_cloneManyTimes")
            and v.name not in self.flagged_globals
        ):
            if v.name == "_G":
                return self.rt("G")  # pairs(_G), _G[name]: the program's globals, as the runtime holds them
            self.flagged_globals.add(v.name)
            if v.name in ("string", "table", "os", "io", "_G", "arg"):
                raise Unsupported(f"the global table {v.name} used as a value")
            if v.name not in (
                "print",
                "ipairs",
                "pairs",
                "tostring",
                "type",
                "error",
                "assert",
                "unpack",
                "require",
                "model_utils",
                "graph",
                "select",
                "tonumber",
            ):
                if self.program is not None and v.name.isidentifier():
                    # a whole program of which no file sets it: nil in Lua too (a typo, or dead code such as
                    # exit(-1), model_utils's stray `torch.typename(layer)`); read from the program's globals,
                    # nil unless something sets it at run time
                    self.flagged_globals.discard(v.name)  # every read of it, not just the first
                    self.emit(f"# NOTE(port): global '{v.name}' is never assigned by the program: nil, as in Lua")
                    return f"{self.rt('G')}.{v.name}"
                self.todo(f"unknown global '{v.name}' (defined in another file? pass it in or import it)")
        if (v.name in ("nn", "nngraph", "torch", "math") and v.is_global) or v.require in KNOWN_REQUIRES:
            self.imports.add({"nngraph": "ng"}.get(v.require or v.name, v.require or v.name))
        if v.name == "g_cloneManyTimes" and v.is_global and not v.values:
            self.imports.add("ng")
            return "ng.g_cloneManyTimes"
        if v.name == "unpack" and v.is_global:
            raise Unsupported("unpack used as a value")
        return v.pyname

    def table_kind(self, e: Any) -> str | None:
        """'list', 'dict', 'record', 'tensor' or None for the table an expression holds."""
        if isinstance(e, A.Name) and e._var is not None:
            k = e._var.kind()
            return k if k in ("list", "dict", "record", "tensor", "luatable") else None
        if isinstance(e, A.Table):
            c = table_class(e)
            return {"empty": "dict", "list": "list", "record": "dict", "dict": "dict"}[c]
        k = expr_kind(e)
        return k if k in ("tensor",) else None

    def index(self, e: A.Index, store: bool = False) -> str:
        d = dotted(e)
        if d is not None and not all(safe_ident(part) for part in d.split(".")):
            # torch.class, string.len used as values: a keyword is never Python attribute text
            root, _, rest = d.rpartition(".")
            if store or root not in ("torch", "string", "table", "os", "io", "paths", "lfs", "math"):
                raise Unsupported(f"{d} (a Python keyword) used outside a call")
            return f"{self.rt('index')}({self.rt(root)}, {py_str(rest)})"
        if d is not None:
            root, _, rest = d.partition(".")
            if root == "nn" and "." not in rest:
                from ... import nn as pynn

                self.imports.add("nn")
                if rest == "gModule" or hasattr(pynn, rest):
                    return f"nn.{rest}"
                if d in self.resolver.classes or (self.program is not None and d in self.program.classes):
                    return f"{self.rt('constructor')}({py_str(d)})"  # the program's torch.class('nn.X')
                if rest in ("Module", "Criterion"):
                    # the base classes as values: `nn.Module.clone(self, ...)` calls the base's method
                    return f"{self.rt('nn_base')}({py_str(d)})"
                self.todo(
                    f"nn.{rest} is not in pygraphnn.nn (write it as a pygraphnn Module or use ng.node(torch_module))"
                )
                return f"nn.{rest}"
            if root == "nngraph" and "." not in rest:
                self.imports.add("ng")
                if rest == "gModule":
                    self.imports.add("nn")
                    return "nn.gModule"
                if rest in NNGRAPH_NAMES:
                    return f"ng.{NNGRAPH_NAMES[rest]}"
                raise Unsupported(f"nngraph.{rest}")
            if root == "math" and rest in MATH_NAMES:
                py = MATH_NAMES[rest]
                if py.startswith("math."):
                    self.imports.add("math")
                return py
            if root == "torch" and "." not in rest:
                if store:
                    raise Unsupported(f"assignment to the library field {d}")
                return self.rt(d)
            if d in RISKY and not store:
                return self.risk(d)  # an alias such as `local ex = os.execute`
            if root in ("string", "table", "os", "io", "paths", "lfs") and "." not in rest:
                if store and root not in ("string", "table", "os", "io"):
                    raise Unsupported(f"assignment to the library field {d}")
                if store:  # function os.capture(cmd): the program adds to Lua's library table
                    return self.rt(d)
                return self.rt(d)  # e.g. io.stdout, or string.format used as a value
            if root in ("coroutine", "math", "graph", "model_utils"):
                if store:
                    raise Unsupported(f"assignment to the library field {d}")
                return d  # only meaningful as a called function, handled in library_call
        base_kind = self.table_kind(e.value)
        base = self.x(e.value, POSTFIX)
        name_key = None  # the key's text when it is a name or a string literal
        if e.notation == A.IndexNotation.DOT and isinstance(e.idx, A.Name):
            name_key = e.idx.id
        elif isinstance(e.idx, A.String):
            name_key = lua_string(e.idx)
        key = name_key if name_key is not None and safe_ident(name_key) else None
        if isinstance(e.idx, A.Table) and base_kind not in ("dict", "luatable"):
            # x[{{a, b}, 2}]: Torch's indexing of a tensor by ranges, in the runtime
            if store:
                raise Unsupported("assignment through a table of ranges (use lua.setindex)")
            return f"{self.rt('index')}({base}, {self.table(e.idx, 'list')})"
        if base_kind in ("dict", "luatable"):
            key = py_str(name_key) if name_key is not None else self.single(e.idx)
            if base_kind == "dict" and not store:
                return f"{base}.get({key})"  # nil, not KeyError, for a missing key
            return f"{base}[{key}]"
        if name_key is not None and key is None and base_kind not in ("list", "tensor"):
            # t.class, t["a b"], t.__index on a table of unknown kind: never Python attribute text
            self.imports.add("lua")
            if store:
                raise Unsupported(f"assignment to field {name_key!r} of a table whose kind is unknown")
            return f"lua.index({base}, {py_str(name_key)})"
        if not store and base_kind in (None, "module") and _is_train_field(e):
            return f"{self.rt('index')}({base}, 'train')"  # a module's training flag (see index_store)
        if base_kind in ("list", "tensor"):
            if key is not None:
                raise Unsupported(f"field .{key} of an array")
            if isinstance(e.idx, A.Number) and e.idx.n < 1:
                raise Unsupported(f"index {e.idx.n} of an array (Lua arrays start at 1)")
            kind = expr_kind(e.idx)
            if kind not in ("number", None):
                raise Unsupported(f"{kind} key into an array")
            return f"{base}[{self.plus(e.idx, -1)}]"
        if key is not None:
            if (
                base_kind == "record"
                and not store
                and isinstance(e.value, A.Name)
                and key not in e.value._var.fields
                and "escape" in e.value._var.evidence
            ) or (base_kind == "record" and not store and getattr(e, "nil_tested", False)):
                # `model.start_s ~= nil` before anything set it: nil, not AttributeError
                return f"getattr({base}, {py_str(key)}, None)"
            if key in _MAPPING_METHODS and not store and base_kind != "record":
                # state.update, t.keys: a Lua field, not the method a Python mapping has by that name
                return f"{self.rt('index')}({base}, {py_str(key)})"
            if key == "new" and not store and base_kind != "record":
                # x.new is a tensor's type constructor in Torch (PyTorch's .new differs): decided at run time
                return f"{self.rt('index')}({base}, \"new\")"
            return f"{base}.{key}"
        # neither the table's kind nor the key's type is known here: Lua's t[k], decided at run time
        if store:
            raise Unsupported(f"assignment into {self.describe_expr(e.value)}, whose kind is unknown")
        return f"{self.rt('index')}({base}, {self.single(e.idx)})"

    def plus(self, e: Any, k: int) -> str:
        """``e + k`` folded where e is a literal or ends in ``± literal``."""
        if k == 0:
            return self.single(e)
        if isinstance(e, A.Number) and isinstance(e.n, int):
            return str(e.n + k)
        if isinstance(e, (A.AddOp, A.SubOp)) and isinstance(e.right, A.Number) and isinstance(e.right.n, int):
            n = e.right.n if isinstance(e, A.AddOp) else -e.right.n
            total = n + k
            left = self.x(e.left, ADD)
            if total == 0:
                return left
            return f"{left} + {total}" if total > 0 else f"{left} - {-total}"
        left = self.x(e, ADD)
        return f"{left} + {k}" if k > 0 else f"{left} - {-k}"

    def length(self, e: Any) -> str:
        kind = self.table_kind(e) or expr_kind(e)
        if kind in ("list", "string"):
            return f"len({self.single(e)})"
        if kind == "tensor":
            return f"{self.x(e, POSTFIX)}.size()"
        return f"{self.rt('length')}({self.single(e)})"  # Lua's border of a table, whatever holds it

    def table(self, e: A.Table, want: str | None, var: Var | None = None) -> str:
        """A table constructor as a list, dict, SimpleNamespace or LuaTable (``want``: the variable's kind).

        Without a decided kind (a field, an argument, a return value), an array constructor stays a
        list (every run-time operation accepts one) and anything else is a LuaTable, which behaves as
        Lua's table whatever the program later does with it.
        """
        c = table_class(e)
        want = want or {"empty": "luatable", "list": "list", "record": "luatable", "dict": "luatable"}[c]
        if want == "luatable":
            return self.lua_table(e)
        if want == "list" and c in ("empty", "list"):
            if not e.fields:
                return "[]"
            vals = [self.single(f.value) for f in e.fields[:-1]]
            last = e.fields[-1].value
            spread = self.spread(last)
            if len(e.fields) == 1 and spread.startswith("*"):
                inner = spread[1:]
                return inner if inner.startswith("lua_values(") else f"list({inner})"
            return "[" + ", ".join(vals + [spread]) + "]"
        if want == "record" and c in ("empty", "record"):
            self.imports.add("SimpleNamespace")
            return "SimpleNamespace(" + ", ".join(f"{f.key.id}={self.single(f.value)}" for f in e.fields) + ")"
        items = self.keyed_items(e)
        if want == "list":
            raise Unsupported("table used as an array but built with keys")
        return "{" + ", ".join(items) + "}"

    def keyed_items(self, e: A.Table) -> list[str]:
        """A keyed constructor's fields as ``key: value`` texts; positional fields get keys 1, 2, ..."""
        items = []
        pos = 0
        for i, f in enumerate(e.fields):
            if f.key is None:
                pos += 1
                if i == len(e.fields) - 1 and self.is_multi(f.value):
                    raise Unsupported("a call's values spread into a table with keys")
                items.append(f"{pos}: {self.single(f.value)}")
            elif isinstance(f.key, A.Name) and not f.between_brackets:
                items.append(f"{py_str(f.key.id)}: {self.single(f.value)}")
            else:
                items.append(f"{self.single(f.key)}: {self.single(f.value)}")
        return items

    def annotation(self, v: Any) -> str:
        """A value in ``:annotate{...}``: nested tables are the dicts nngraph's attributes are."""
        if isinstance(v, A.Table) and table_class(v) in ("record", "dict", "empty"):
            return self.table(v, "dict")
        return self.single(v)

    def lua_table(self, e: A.Table) -> str:
        """``lua.LuaTable.of(a, b)`` for an array constructor, ``lua.LuaTable({k: v, 1: a})`` otherwise."""
        name = self.rt("LuaTable")
        if all(f.key is None for f in e.fields):
            if not e.fields:
                return f"{name}()"
            vals = [self.single(f.value) for f in e.fields[:-1]] + [self.spread(e.fields[-1].value)]
            return f"{name}.of({', '.join(vals)})"
        items = self.keyed_items(e)
        return f"{name}({{{', '.join(items)}}})"

    def concat(self, e: A.Concat) -> tuple[str, int]:
        parts: list[Any] = []

        # '..' is associative: ('a' .. b) .. c is one run of pieces (walked without recursion)
        stack = [e]
        while stack:
            n = stack.pop()
            if isinstance(n, A.Concat):
                stack += [n.right, n.left]
            elif isinstance(n, A.Number):
                parts.append(A.String(number_to_lua(n.n).encode(), number_to_lua(n.n)))  # 1 .. '' is '1'
            else:
                parts.append(n)
        texts = [None if isinstance(p, A.String) else self.piece(p) for p in parts]
        if any(isinstance(p, A.String) for p in parts):
            for q in ('"', "'"):
                if all(t is None or (q not in t and "\\" not in t) for t in texts):
                    out = []
                    for p, t in zip(parts, texts):
                        if t is None:
                            lit = py_str(lua_string(p))
                            inner = lit[1:-1] if lit[0] == q else repr(lua_string(p))[1:-1]
                            if lit[0] != q and q in lua_string(p):
                                break
                            out.append(inner.replace("{", "{{").replace("}", "}}"))
                        else:
                            out.append("{" + t + "}")
                    else:
                        if all(t is None for t in texts):  # only literals: one plain string
                            return py_str("".join(lua_string(p) for p in parts)), ATOM
                        return "f" + q + "".join(out) + q, ATOM
        pieces = [self.x(p, ADD + 1) if isinstance(p, A.String) or t is None else t for p, t in zip(parts, texts)]
        return " + ".join(pieces), ADD

    def piece(self, p: Any) -> str:
        """One non-literal piece of a concatenation, as the text Lua would put there."""
        if expr_kind(p) == "string" or is_int(p):
            return self.single(p)
        return f"{self.rt('tostring')}({self.single(p)})"  # 2.0 .. '' is '2', 0.1 + 0.2 is '0.3'

    def compare(self, e: Any) -> tuple[str, int]:
        ops = {
            A.EqToOp: "==",
            A.NotEqToOp: "!=",
            A.LessThanOp: "<",
            A.GreaterThanOp: ">",
            A.LessOrEqThanOp: "<=",
            A.GreaterOrEqThanOp: ">=",
        }
        op = ops[type(e)]
        if op in ("==", "!="):
            for a, b in ((e.left, e.right), (e.right, e.left)):
                if isinstance(a, A.Call) and is_name(a.func, "type") and len(a.args) == 1 and isinstance(b, A.String):
                    test = self.type_test(a.args[0], lua_string(b))
                    return (test, CMP) if op == "==" else (f"not {test}", NOT)
                if isinstance(b, (A.Nil, A.TrueExpr, A.FalseExpr)):
                    ident = "is" if op == "==" else "is not"
                    text = self.nil_tested(a) if isinstance(b, A.Nil) else self.x(a, CMP + 1)
                    return f"{text} {ident} {self.single(b)}", CMP
            kinds = {self.table_kind(e.left) or expr_kind(e.left), self.table_kind(e.right) or expr_kind(e.right)}
            if kinds & {"list", "dict", "record", "node", "module", "function", "tensor", "luatable"} or any(
                k and k.startswith("table:") for k in kinds
            ):
                ident = "is" if op == "==" else "is not"  # tables, tensors, objects: the same object
                return f"{self.x(e.left, CMP + 1)} {ident} {self.x(e.right, CMP + 1)}", CMP
            literal = isinstance(e.left, (A.Number, A.String)) or isinstance(e.right, (A.Number, A.String))
            if not kinds <= {"number", "string", "bool"} and not (literal and "tensor" not in kinds):
                # either side may be a tensor or a table, whose == in Lua is identity
                test = f"{self.rt('eq')}({self.single(e.left)}, {self.single(e.right)})"
                return (test, POSTFIX) if op == "==" else (f"not {test}", NOT)
        return f"{self.x(e.left, CMP + 1)} {op} {self.x(e.right, CMP + 1)}", CMP

    def type_test(self, v: Any, name: str) -> str:
        t = self.x(v, POSTFIX)
        if name == "nil":
            return f"{self.x(v, CMP + 1)} is None"
        if name == "string":
            return f"isinstance({t}, str)"
        if name == "boolean":
            return f"isinstance({t}, bool)"
        # number (True is an int in Python), table (lists, dicts, LuaTables, objects), function, userdata
        return f"{self.rt('type')}({self.single(v)}) == {py_str(name)}"

    # -------------------------------------------------------- Lua truthiness
    def cond(self, e: Any) -> str:
        """A Python bool with Lua's truth (only nil and false are false)."""
        return self.cond_x(e, 0)

    def nil_tested(self, e: Any) -> str:
        """``e`` where Lua may read nil past the end of an array (``t[i] or default``)."""
        if (
            isinstance(e, A.Index)
            and self.table_kind(e.value) == "list"
            and not isinstance(e.idx, A.String)
            and e.notation != A.IndexNotation.DOT
        ):
            return f"{self.need('lua_item')}({self.x(e.value, POSTFIX)}, {self.single(e.idx)})"
        if (
            isinstance(e, A.Index)
            and e.notation == A.IndexNotation.DOT
            and isinstance(e.idx, A.Name)
            and self.table_kind(e.value) is None
            and isinstance(e.value, (A.Name, A.Index))
        ):
            # `self.master_cell ~= nil` on an object that may have no such field: nil, not AttributeError
            return f"{self.rt('index')}({self.x(e.value, POSTFIX)}, {py_str(e.idx.id)})"
        return self.single(e)

    def cond_x(self, e: Any, min_prec: int) -> str:
        if isinstance(e, A.AndLoOp):
            text, prec = f"{self.cond_x(e.left, AND)} and {self.cond_x(e.right, AND + 1)}", AND
        elif isinstance(e, A.OrLoOp):
            text, prec = f"{self.cond_x(e.left, OR)} or {self.cond_x(e.right, OR + 1)}", OR
        elif isinstance(e, A.ULNotOp):
            text, prec = f"not {self.cond_x(e.operand, NOT)}", NOT
        else:
            kind = self.table_kind(e) or expr_kind(e)
            if kind == "bool":
                text, prec = self.expr(e)
            elif surely_truthy(e):
                text, prec = "True", ATOM
            elif kind in ("number", "string", "list", "dict", "record", "node", "module", "function", "tensor") or (
                kind or ""
            ).startswith("table:"):
                text, prec = f"{self.x(e, CMP + 1)} is not None", CMP
            elif isinstance(e, A.Index) and self.table_kind(e.value) == "list":
                text, prec = f"{self.need('truthy')}({self.nil_tested(e)})", POSTFIX
            elif (
                isinstance(e, A.Index)
                and e.notation == A.IndexNotation.DOT
                and isinstance(e.idx, A.Name)
                and self.table_kind(e.value) is None
                and isinstance(e.value, (A.Name, A.Index))
            ):
                # `if net.parametersNoGrad then`: a test whether an object has a field, nil
                # (not AttributeError) where it has none
                self.imports.add("lua")
                obj = self.x(e.value, POSTFIX)
                text, prec = f"{self.need('truthy')}(lua.index({obj}, {py_str(e.idx.id)}))", POSTFIX
            elif kind == "nil":
                text, prec = "False", ATOM
            else:
                text, prec = f"{self.need('truthy')}({self.single(e)})", POSTFIX
        return f"({text})" if prec < min_prec else text

    def logical(self, e: Any) -> tuple[str, int]:
        is_and = isinstance(e, A.AndLoOp)
        left, right = e.left, e.right
        lkind = self.table_kind(left) or expr_kind(left)
        # a and b or c, with b never nil/false: b if a else c
        if not is_and and isinstance(left, A.AndLoOp) and not left.wrapped and surely_truthy(left.right):
            return (
                f"{self.x(left.right, TERNARY + 1)} if {self.cond_x(left.left, TERNARY + 1)} "
                f"else {self.x(right, TERNARY)}",
                TERNARY,
            )
        if lkind == "bool":
            op, prec = ("and", AND) if is_and else ("or", OR)
            return f"{self.x(left, prec)} {op} {self.x(right, prec + 1)}", prec
        if surely_truthy(left):
            return self.expr(right) if is_and else self.expr(left)
        if is_pure(left):
            test = self.cond_x(left, TERNARY + 1)
            lt = self.nil_tested(left)
            if is_and:
                return f"{self.x(right, TERNARY + 1)} if {test} else {lt}", TERNARY
            return f"{lt} if {test} else {self.x(right, TERNARY)}", TERNARY
        tmp = self.fresh("t")
        test = f"{self.need('truthy')}({tmp} := {self.single(left)})"
        if is_and:
            return f"({self.x(right, TERNARY + 1)} if {test} else {tmp})", ATOM
        return f"({tmp} if {test} else {self.x(right, TERNARY)})", ATOM
