"""Who is who in a Lua chunk, for :mod:`pygraphnn.lua.translator.emit`.

One pass over luaparser's tree resolves every ``Name`` to a :class:`Var` (Lua's
lexical scoping: ``local`` in a block, parameters, loop variables, globals) and
collects what each variable is used as. A Lua table becomes one of three Python
values, decided per variable from that evidence:

* ``list``: used as an array (``table.insert``, ``#t``, ``ipairs``, ``{a, b}``):
  ``t[i]`` is written ``t[i - 1]``;
* ``record``: only ever read and written through fixed names (``opt.rnn_size``)
  and never handed to code we cannot see: a ``SimpleNamespace``;
* ``dict``: anything else (``{[0] = x}``, computed keys, ``pairs``): keys kept.
"""

from __future__ import annotations

import builtins
import keyword
from dataclasses import dataclass, field
from typing import Any

from luaparser import astnodes as A

# names the translation itself uses: a Lua variable with one of them is renamed
PY_RESERVED = set(keyword.kwlist) | {
    "abs",
    "bool",
    "callable",
    "dict",
    "enumerate",
    "float",
    "getattr",
    "int",
    "isinstance",
    "len",
    "list",
    "max",
    "min",
    "print",
    "range",
    "str",
    "tuple",
    "vars",
    "AssertionError",
    "RuntimeError",
    "nn",
    "ng",
    "torch",
    "math",
    "SimpleNamespace",
    "truthy",
    "lua_set",
    "lua_values",
    "exports",
    "args",
    "lua",
}

# Python's builtins (eval, exec, open, __import__, ...): a Lua global of that name that the program
# reads is renamed, so that Lua text can never reach them
PY_BUILTINS = set(dir(builtins))


def safe_ident(s: str) -> bool:
    """A name Lua text may become in Python: ASCII identifier, no keyword, no ``__dunder``."""
    return s.isascii() and s.isidentifier() and not keyword.iskeyword(s) and not s.startswith("__")


# Lua globals the translation knows how to write (the rest are flagged when read)
KNOWN_GLOBALS = {
    "nn",
    "nngraph",
    "torch",
    "math",
    "string",
    "table",
    "print",
    "ipairs",
    "pairs",
    "unpack",
    "require",
    "tostring",
    "tonumber",
    "type",
    "error",
    "assert",
    "select",
    "os",
    "io",
    "setmetatable",
    "getmetatable",
    "coroutine",
    "pcall",
    "_G",
    "graph",
    "collectgarbage",
    "loadstring",
    "dofile",
    "load",
    "rawget",
    "rawset",
    "next",
    "g_cloneManyTimes",
    "model_utils",
    "optim",
    "lfs",
    "paths",
    "path",
    "arg",
    "cutorch",
    "cunn",
    "cltorch",
    "clnn",
    "cudnn",
    "sys",
    "xlua",
}


@dataclass(eq=False)
class FuncScope:
    """One Python scope: the module or a ``def``."""

    parent: FuncScope | None
    vars: list[Var] = field(default_factory=list)  # declared here, in order
    free: set = field(default_factory=set)  # outer Vars read or written here
    assigns_outer: list[Var] = field(default_factory=list)  # need global/nonlocal
    returns: list[int] = field(default_factory=list)  # value counts of its return statements


@dataclass(eq=False)
class Var:
    name: str
    func: FuncScope
    line: int | None = None
    is_global: bool = False
    is_param: bool = False
    values: list[Any] = field(default_factory=list)  # expressions assigned (None: unknown)
    evidence: set = field(default_factory=set)
    fields: set = field(default_factory=set)  # names written as t.name / {name = ...}
    call_sites: list[list[Any]] = field(default_factory=list)  # for local functions: argument lists
    params: list[Var] = field(default_factory=list)  # for local functions
    funcdef: Any = None  # the function it names, when it does
    methods: dict = field(default_factory=dict)  # function t:name() ... end defined on this table: name -> defs
    require: str | None = None  # local x = require 'name'
    index_keys: list[Any] = field(default_factory=list)  # the k of every t[k] with a computed k
    pyname: str = ""
    owner: Var | None = field(default=None, repr=False)  # for parameters: the local function they belong to
    visible: list[Var] = field(default_factory=list, repr=False)  # locals of the same function in scope at declaration
    _kind: Any = "?"
    _busy: bool = False

    def kind(self) -> str | None:
        if self._kind != "?":
            return self._kind
        if self._busy:
            return None
        self._busy = True
        try:
            k = _var_kind(self)
        finally:
            self._busy = False
        self._kind = k
        return k

    @property
    def conflict(self) -> bool:
        return "conflict" in self.evidence


def table_class(t: A.Table) -> str:
    """'empty', 'list' (positional only), 'record' (name = value only) or 'dict'."""
    if not t.fields:
        return "empty"
    keyed = [f for f in t.fields if f.key is not None]
    if not keyed:
        # {1, nil, 3} has a hole: # and ipairs stop at it, a Python list would not
        return "dict" if any(isinstance(f.value, A.Nil) for f in t.fields) else "list"
    if len(keyed) == len(t.fields) and all(
        isinstance(f.key, A.Name) and not f.between_brackets and safe_ident(f.key.id) for f in keyed
    ):
        return "record"
    return "dict"


def _var_kind(v: Var) -> str | None:
    if v.funcdef is not None and len(v.values) <= 1:
        return "function"
    kinds = []
    values = list(v.values)
    if v.is_param:
        values += [site[i] if i < len(site) else None for site in _param_sites(v) for i in [_param_index(v)]]
    for e in values:
        kinds.append(expr_kind(e) if e is not None else None)
    tables = {k[6:] for k in kinds if k and k.startswith("table:")}
    others = {k for k in kinds if k and not k.startswith("table:") and k != "nil"}
    ev = v.evidence
    unseen_callers = v.owner is None or v.owner.is_global or "escape" in v.owner.evidence
    if v.is_param and not tables and not others and unseen_callers:
        # a global function's parameter (base.lua's g_replace_table(to, from), called from main.lua):
        # its callers are out of sight, so what it gets (a list, a LuaTable) is decided at run time
        return None
    tableish = bool(tables) or (not others and ev & {"array", "hashint", "meta"})
    if None in kinds and not (ev & {"meta"}):
        return None  # some value comes from code we cannot see (a call, another file): decided at run time
    if (tables and not others) or (tableish and not others):
        # used more than one way (array and keys, a metatable): Lua's own table type decides at run time
        if "meta" in ev:
            return "luatable"
        if "dict" in tables or "hashint" in ev:
            return "luatable" if "array" in ev or "list" in tables else "dict"
        if "array" in ev or "list" in tables:
            if "field" in ev or "record" in tables:
                return "luatable"
            if any(expr_kind(k) != "number" for k in v.index_keys):
                return "luatable"  # t[k] with a k that may not be a number
            return "list"
        if "record" in tables or "field" in ev:
            if "escape" in ev and tables and not ev & {"pairs", "index"}:
                # handed to code that may read it as config.input_dim (another file's function)
                return "luatable"
            if ev & {"escape", "pairs", "index"} or not tables:
                return "dict" if tables else None
            return "record"
        if v.is_global and tables == {"empty"} and not ev:
            return "luatable"  # a global table only other files fill in (ntm = {}; function ntm.f ...)
        return "dict" if tables else None
    if len(others) == 1 and not tables and None not in kinds:
        return others.pop()
    return None


def _param_sites(v: Var) -> list[list[Any]]:
    owner = v.owner
    return owner.call_sites if owner is not None and not owner.evidence & {"escape"} else []


def _param_index(v: Var) -> int:
    assert v.owner is not None, "only parameters of a local function have an index"
    return v.owner.params.index(v)


def is_name(e: Any, name: str) -> bool:
    return isinstance(e, A.Name) and e.id == name and getattr(e, "_var", None) is not None and e._var.is_global


def dotted(e: Any) -> str | None:
    """``nn.Linear`` -> 'nn.Linear' when the root is a global name; else None."""
    parts = []
    while (
        isinstance(e, A.Index)
        and isinstance(e.idx, (A.Name, A.String))
        and (e.notation == A.IndexNotation.DOT or isinstance(e.idx, A.String))
    ):
        part = e.idx.id if isinstance(e.idx, A.Name) else e.idx.s.decode("utf-8", "replace")
        if not (part.isascii() and part.isidentifier() and not part.startswith("__")):
            return None  # t["a b"], t.__class__: never spelled as Python attribute text
        parts.append(part)
        e = e.value
    if isinstance(e, A.Name) and getattr(e, "_var", None) is not None and (e._var.is_global or e._var.require):
        root = e._var.require if e._var.require else e.id
        return ".".join([root] + parts[::-1])
    return None


COMPARISONS = (A.EqToOp, A.NotEqToOp, A.LessThanOp, A.GreaterThanOp, A.LessOrEqThanOp, A.GreaterOrEqThanOp)
ARITH = (A.AddOp, A.SubOp, A.MultOp, A.FloatDivOp, A.FloorDivOp, A.ModOp, A.ExpoOp)
MODULE_METHODS_SAME = {"annotate", "add", "clone", "cuda", "float", "double", "training", "evaluate", "type"}


def expr_kind(e: Any) -> str | None:
    """What a Lua expression evaluates to, when it can be told statically.

    'nil', 'bool', 'number', 'string', 'table:<class>', 'node', 'module', 'tensor',
    'function', 'multi' (several values) or None (unknown).
    """
    if isinstance(e, A.Nil):
        return "nil"
    if isinstance(e, (A.TrueExpr, A.FalseExpr, *COMPARISONS, A.ULNotOp)):
        return "bool"
    if isinstance(e, (A.Number, A.ULengthOP)):
        return "number"
    if isinstance(e, (A.String, A.Concat)):
        return "string"
    if isinstance(e, A.Table):
        return "table:" + table_class(e)
    if isinstance(e, A.AnonymousFunction):
        return "function"
    if isinstance(e, A.Name):
        var = getattr(e, "_var", None)
        return var.kind() if (var is not None and not var.is_global) or (var and var.values) else None
    if isinstance(e, A.SubOp):
        r = expr_kind(e.right)
        if r == "module":
            return "node"
        return "number" if r == "number" and expr_kind(e.left) == "number" else None
    if isinstance(e, ARITH):
        return "number" if expr_kind(e.left) == "number" and expr_kind(e.right) == "number" else None
    if isinstance(e, A.UMinusOp):
        k = expr_kind(e.operand)
        return "node" if k == "module" else ("number" if k == "number" else None)
    if isinstance(e, (A.AndLoOp, A.OrLoOp)):
        lk, rk = expr_kind(e.left), expr_kind(e.right)
        if lk == rk == "bool":
            return "bool"
        if isinstance(e, A.OrLoOp) and lk == rk:
            return lk
        return None
    if isinstance(e, A.Index):
        d = dotted(e)
        if d and d.startswith("math."):
            return "number"
        return None
    if isinstance(e, A.Call):
        d = dotted(e.func)
        if d:
            if d.startswith("nn."):
                return "module"
            if d in ("nngraph.nest",):
                return "node"
            if d.startswith("math."):
                return "number"
            if d in ("string.find", "string.match"):
                return None  # nil where nothing matches (`if string.match(name, "Dropout") then`)
            if d in ("string.len", "string.byte"):
                return "number"
            if d.startswith("string.") or d == "tostring":
                return "string"
            if d == "torch.CmdLine":
                return "object"  # the runtime's CmdLine has Lua's method names
            if d in (
                "torch.Tensor",
                "torch.zeros",
                "torch.ones",
                "torch.randn",
                "torch.rand",
                "torch.range",
                "torch.LongTensor",
                "torch.DoubleTensor",
                "torch.FloatTensor",
                "torch.linspace",
            ):
                return "tensor"
            if d in ("unpack", "table.unpack"):
                return "multi"
            return None
        fk = expr_kind(e.func)
        if fk == "module":
            return "node"
        if isinstance(e.func, A.Name) and getattr(e.func, "_var", None) is not None:
            fv = e.func._var
            if fv.funcdef is not None:
                counts = set(fv.funcdef._scope.returns)
                if counts and max(counts) > 1:
                    return "multi"
        return None
    if isinstance(e, A.Invoke):
        m = e.func.id
        if m == "split":
            if len(e.args) == 1 and isinstance(e.args[0], A.Number) and e.args[0].n == 1:
                return "node"
            return "multi"
        if m in ("getParameters", "parameters"):
            return "multi"
        if m in MODULE_METHODS_SAME:
            return expr_kind(e.source)
        if m in ("format", "upper", "lower", "rep", "sub"):
            return "string" if expr_kind(e.source) == "string" else None
        return None
    return None


class Resolver:
    """Walk the chunk once: attach ``_var`` to every Name, ``_scope`` to every function."""

    def __init__(self) -> None:
        self.module = FuncScope(None)
        self.globals: dict[str, Var] = {}
        self.blocks: list[dict[str, Var]] = [{}]
        self.func = self.module
        self.all_vars: list[Var] = []
        self.classes: set[str] = set()  # names torch.class('Name') makes global constructors of

    # ---------------------------------------------------------------- scopes
    def declare(self, name: A.Name, line: int | None, *, param: bool = False) -> Var:
        v = Var(name.id, self.func, line=line, is_param=param)
        v.visible = [u for block in self.blocks for u in block.values() if u.func is self.func]
        self.blocks[-1][name.id] = v
        self.func.vars.append(v)
        self.all_vars.append(v)
        name._var = v
        return v

    def lookup(self, name: str) -> Var:
        for block in reversed(self.blocks):
            if name in block:
                v = block[name]
                break
        else:
            found = self.globals.get(name)
            if found is None:
                found = self.globals[name] = Var(name, self.module, is_global=True)
                self.module.vars.append(found)
                self.all_vars.append(found)
            v = found
        f: FuncScope | None = self.func
        while f is not None and f is not v.func:
            f.free.add(v)
            f = f.parent
        return v

    def use(self, name: A.Name) -> Var:
        name._var = self.lookup(name.id)
        return name._var

    def assign(self, name: A.Name, value: Any) -> Var:
        v = self.use(name)
        v.values.append(value)
        if v.func is not self.func and v not in self.func.assigns_outer:
            self.func.assigns_outer.append(v)
        return v

    # ------------------------------------------------------------ statements
    def chunk(self, chunk: A.Chunk) -> None:
        self.block(chunk.body)

    def block(self, block: A.Block, new_scope: bool = True) -> None:
        if new_scope:
            self.blocks.append({})
        for st in block.body:
            self.stmt(st)
        if new_scope:
            self.blocks.pop()

    def stmt(self, st: Any) -> None:
        line = getattr(st, "line", None)
        if isinstance(st, A.LocalAssign):
            for e in st.values:
                self.expr(e)
            for i, t in enumerate(st.targets):
                v = self.declare(t, line)
                v.values.append(_value_at(st.values, i))
                req = _require_name(st.values[0]) if len(st.values) == 1 and i == 0 else None
                if req is not None and req != "lua-utf8":  # lua-utf8: a runtime table, used through its local
                    v.require = req
        elif isinstance(st, A.Assign):
            for e in st.values:
                self.expr(e)
            for i, t in enumerate(st.targets):
                if isinstance(t, A.Name):
                    self.assign(t, _value_at(st.values, i))
                else:
                    self.expr(t, store=True)
        elif isinstance(st, A.LocalFunction):
            v = self.declare(st.name, line)
            v.funcdef = st
            self.function(st, st.args, st.body, owner=v)
        elif isinstance(st, A.Function):
            if isinstance(st.name, A.Name):
                v = self.assign(st.name, None)
                v.funcdef = st
                self.function(st, st.args, st.body, owner=v)
            else:
                self.expr(st.name, store=True)
                self.function(st, st.args, st.body)
        elif isinstance(st, A.Method):
            self.expr(A.Index(st.name, st.source), store=True)
            self.function(st, st.args, st.body, self_param=True)
            owner = getattr(st.source, "_var", None) if isinstance(st.source, A.Name) else None
            if owner is not None:  # t:name() then gives what this function returns
                owner.methods.setdefault(st.name.id, []).append(st)
        elif isinstance(st, A.Fornum):
            for e in (st.start, st.stop, st.step):
                if isinstance(e, A.Node):
                    self.expr(e)
            self.blocks.append({})
            v = self.declare(st.target, line)
            v.values.append(A.Number(1))
            step = st.step if isinstance(st.step, A.Node) else A.Number(st.step)
            if _int_literal(st.start) and (
                _int_literal(step) or (isinstance(step, A.UMinusOp) and _int_literal(step.operand))
            ):
                v.evidence.add("int")  # counts in integers: prints as Lua prints it
            self.block(st.body, new_scope=False)
            self.blocks.pop()
        elif isinstance(st, A.Forin):
            for e in st.iter:
                self.expr(e)
                if isinstance(e, A.Call) and len(e.args) == 1 and isinstance(e.args[0], A.Name):
                    if is_name(e.func, "ipairs"):
                        e.args[0]._var.evidence.add("array")
                    elif is_name(e.func, "pairs"):
                        e.args[0]._var.evidence.add("pairs")
            self.blocks.append({})
            counted = len(st.iter) == 1 and isinstance(st.iter[0], A.Call) and is_name(st.iter[0].func, "ipairs")
            for i, t in enumerate(st.targets):
                # ipairs counts 1, 2, ...: its first variable is a number
                d = self.declare(t, line)
                d.values.append(A.Number(1) if counted and i == 0 else None)
                if counted and i == 0:
                    d.evidence.add("int")
            self.block(st.body, new_scope=False)
            self.blocks.pop()
        elif isinstance(st, A.While):
            self.expr(st.test)
            self.block(st.body)
        elif isinstance(st, A.Repeat):
            self.blocks.append({})
            self.block(st.body, new_scope=False)
            self.expr(st.test)
            self.blocks.pop()
        elif isinstance(st, (A.If, A.ElseIf)):
            self.expr(st.test)
            self.block(st.body)
            if isinstance(st.orelse, A.Block):
                self.block(st.orelse)
            elif st.orelse is not None:
                self.stmt(st.orelse)
        elif isinstance(st, A.Do):
            self.block(st.body)
        elif isinstance(st, A.Return):
            for e in st.values:
                self.expr(e)
            last = st.values[-1] if st.values else None
            spreads = isinstance(last, (A.Varargs, A.Dots)) or (
                isinstance(last, A.Call)
                and not last.wrapped
                and (
                    dotted(last.func) in ("unpack", "table.unpack", "pcall", "select", "string.find", "string.match")
                    or (
                        isinstance(last.func, A.Name)
                        and last.func._var is not None
                        and last.func._var.funcdef is not None
                        and set(last.func._var.funcdef._scope.returns) - {0} not in (set(), {1})
                    )
                )
            )
            # `return x:cuda()`: a method may give several values (x:max(1)); only a node's,
            # a module's or a string's give one (the translator returns the others as lua.values)
            spreads = spreads or (
                isinstance(last, A.Invoke) and not last.wrapped and expr_kind(last) not in ("node", "module", "string")
            )
            self.func.returns.append(-1 if spreads else len(st.values))  # -1: counted at run time
        elif isinstance(st, (A.Call, A.Invoke)):
            self.expr(st)
        # Break, Goto, Label, SemiColon: nothing to resolve

    def function(
        self, node: Any, args: list, body: A.Block, *, owner: Var | None = None, self_param: bool = False
    ) -> None:
        scope = FuncScope(self.func)
        node._scope = scope
        outer, self.func = self.func, scope
        self.blocks.append({})
        if self_param:
            self.declare(A.Name("self"), None, param=True)
        for a in args:
            if isinstance(a, A.Name):
                p = self.declare(a, None, param=True)
                if owner is not None:
                    p.owner = owner
                    owner.params.append(p)
        self.block(body, new_scope=False)
        self.blocks.pop()
        self.func = outer

    # ----------------------------------------------------------- expressions
    def expr(self, e: Any, store: bool = False) -> None:
        if isinstance(e, A.Name):
            self.use(e)
        elif isinstance(e, A.Index):
            self.expr(e.value)
            if e.notation != A.IndexNotation.DOT:
                self.expr(e.idx)
            base = e.value._var if isinstance(e.value, A.Name) else None
            if base is not None:
                key = _static_field(e)
                text = _key_text(e)
                if key is not None:
                    base.evidence.add("field")
                    if store:
                        base.fields.add(key)
                elif text is not None and text.startswith("__"):
                    base.evidence.add("meta")  # __index, __call ...: a metatable
                elif text is not None:
                    base.evidence.add("index")
                    base.index_keys.append(e.idx)
                elif isinstance(e.idx, A.Number) and e.idx.n < 1:
                    base.evidence.add("hashint")
                elif _is_len_plus_one(e.idx, base):
                    base.evidence.add("array")
                else:
                    base.evidence.add("index")
                    base.index_keys.append(e.idx)
        elif isinstance(e, A.Call):
            self.expr(e.func)
            for a in e.args:
                self.expr(a)
            d = dotted(e.func)
            fv = e.func._var if isinstance(e.func, A.Name) else None
            if (
                d in ("table.insert", "table.remove", "unpack", "table.unpack", "table.concat")
                and e.args
                and isinstance(e.args[0], A.Name)
            ):
                e.args[0]._var.evidence.add("array")
            elif fv is not None and fv.funcdef is not None:
                fv.call_sites.append(list(e.args))
            elif d == "torch.class" and e.args and isinstance(e.args[0], A.String):
                name = e.args[0].s.decode("utf-8", "replace")
                if safe_ident(name) or (name.startswith("nn.") and safe_ident(name[3:])):
                    self.classes.add(name)  # torch.class('nn.OuterProd', ...) adds to nn
            elif d in ("setmetatable", "getmetatable", "rawget", "rawset"):
                for a in e.args[:2]:
                    if isinstance(a, A.Name) and a._var is not None:
                        a._var.evidence.add("meta")
            elif d in ("type", "tostring", "print", "ipairs", "pairs", "assert", "error"):
                pass
            else:
                self._escape(e.args)
        elif isinstance(e, A.Invoke):
            self.expr(e.source)
            for a in e.args:
                self.expr(a)
            self._escape(e.args)
        elif isinstance(e, A.Table):
            for f in e.fields:
                if f.key is not None and f.between_brackets:
                    self.expr(f.key)
                self.expr(f.value)
            # an element of a list ({state_train, state_val, state_test}) goes wherever the list goes
            self._escape([f.value for f in e.fields if f.key is None])
        elif isinstance(e, A.AnonymousFunction):
            self.function(e, e.args, e.body)
        elif isinstance(e, A.ULengthOP):
            self.expr(e.operand)
            if isinstance(e.operand, A.Name):
                e.operand._var.evidence.add("array")
        elif isinstance(e, A.UnaryOp):
            self.expr(e.operand)
        elif isinstance(e, A.BinaryOp):
            self.expr(e.left)
            self.expr(e.right)
            if isinstance(e, (A.OrLoOp,)) and isinstance(e.left, A.Name):
                e.left._var.evidence.add("nilcheck")
            if isinstance(e, (A.EqToOp, A.NotEqToOp)):
                for a, b in ((e.left, e.right), (e.right, e.left)):
                    if isinstance(a, A.Name) and isinstance(b, A.Nil):
                        a._var.evidence.add("nilcheck")
                    elif isinstance(b, A.Nil):
                        self._field_nil(a)
            if isinstance(e, A.OrLoOp):
                self._field_nil(e.left)
        # literals: nothing

    def _field_nil(self, e: Any) -> None:
        """``t.f == nil``, ``t.f or x``: the field may be absent there (read as nil, not an error)."""
        if isinstance(e, A.Index) and _static_field(e) is not None:
            e.nil_tested = True

    def _escape(self, args: list) -> None:
        for a in args:
            if isinstance(a, A.Name) and a._var is not None:
                a._var.evidence.add("escape")
            elif isinstance(a, A.AnonymousFunction):
                pass


def _value_at(values: list, i: int) -> Any:
    if i < len(values):
        return values[i]
    if (values and isinstance(values[-1], (A.Call, A.Invoke, A.Varargs)) and not values[-1].wrapped) or (
        values and isinstance(values[-1], A.Dots)
    ):
        return None  # one of several values of a call: unknown
    return A.Nil()


def _require_name(e: Any) -> str | None:
    if (
        isinstance(e, A.Call)
        and isinstance(e.func, A.Name)
        and e.func.id == "require"
        and len(e.args) == 1
        and isinstance(e.args[0], A.String)
    ):
        return e.args[0].s.decode("utf-8", "replace")
    return None


def _static_field(e: A.Index) -> str | None:
    if e.notation == A.IndexNotation.DOT and isinstance(e.idx, A.Name):
        return e.idx.id if safe_ident(e.idx.id) else None
    if isinstance(e.idx, A.String):
        s = e.idx.s.decode("utf-8", "replace")
        return s if safe_ident(s) else None
    return None


def _int_literal(e: Any) -> bool:
    return (isinstance(e, A.Number) and isinstance(e.n, int)) or isinstance(e, A.ULengthOP)


def _key_text(e: A.Index) -> str | None:
    """The text of a key written as a name or a string literal (None for a computed key)."""
    if e.notation == A.IndexNotation.DOT and isinstance(e.idx, A.Name):
        return e.idx.id
    if isinstance(e.idx, A.String):
        return e.idx.s.decode("utf-8", "replace")
    return None


def _is_len_plus_one(idx: Any, base: Var) -> bool:
    return (
        isinstance(idx, A.AddOp)
        and isinstance(idx.left, A.ULengthOP)
        and isinstance(idx.left.operand, A.Name)
        and getattr(idx.left.operand, "_var", None) is base
        and isinstance(idx.right, A.Number)
        and idx.right.n == 1
    )


def assign_pynames(resolver: Resolver) -> None:
    """Give every Var a Python name, unique in its Python scope (Lua block scopes flatten)."""
    scopes: dict[int, FuncScope] = {}
    for v in resolver.all_vars:
        scopes.setdefault(id(v.func), v.func)

    def depth(s: FuncScope) -> int:
        return 0 if s.parent is None else 1 + depth(s.parent)

    for scope in sorted(scopes.values(), key=depth):
        taken = {v.pyname or v.name for v in scope.free}
        captured = {v for s in scopes.values() if s is not scope for v in s.free}
        used: set[str] = set()
        for v in scope.vars:
            if not v.is_global and v.func.parent is not None:
                # a Lua local may reuse the Python name of one whose block has ended
                used = {u.pyname for u in v.visible} | {
                    u.pyname for u in scope.vars if u.pyname and (u in captured or u.is_param)
                }
            if v.require in ("nn", "nngraph", "torch"):
                v.pyname = {"nn": "nn", "nngraph": "ng", "torch": "torch"}[v.require]
                continue
            if v.is_global and v.name in KNOWN_GLOBALS:
                v.pyname = {"nngraph": "ng"}.get(v.name, v.name)
                continue
            base = (
                v.name + "_"
                if v.name in PY_RESERVED
                or (v.is_global and v.name in PY_BUILTINS)
                or (v.is_global and v.name == "exports")
                else v.name
            )
            if base.startswith("__"):
                base = "lua" + base  # __builtins__, __import__: Python's machinery, not the Lua program's
            name, i = base, 2
            while name in used or (name in taken and not v.is_global) or name in PY_RESERVED:
                name, i = f"{base}_{i}" if not base.endswith("_") else f"{base}{i}", i + 1
            v.pyname = name
            used.add(name)
