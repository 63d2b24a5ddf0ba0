"""A safe ``loadstring``: Lua source that only assigns or returns literal values, never executed.

Nothing read from a Lua file or a command line is run as code. A chunk made only of
``name = literal``, ``name.field = literal`` and ``return literal`` statements, where a
literal is a number, a string, true/false/nil or a table constructor of literals, is parsed
(luaparser, the port's own parser library) and *interpreted* here; anything else (a call, an operator other
than a sign, a variable read) is refused with :class:`LuaError`. lstm-char-cnn needs this for
``loadstring('opt.kernels = ' .. opt.kernels)()`` with ``-kernels '{1,2,3}'``.

>>> from pygraphnn.lua.runtime.table import LuaTable
>>> env = {"opt": LuaTable()}
>>> literal_chunk("opt.kernels = {1, 2, -3}", env)()
>>> list(env["opt"]["kernels"].values())
[1, 2, -3]
>>> literal_chunk("return 2.5, 'x'", env)()
(2.5, 'x')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .system import LuaError
from .table import LuaTable


def _literal(e: Any, source: str) -> Any:
    from luaparser import astnodes as A

    if isinstance(e, A.Number):
        return e.n
    if isinstance(e, A.String):
        return e.s.decode("latin-1") if isinstance(e.s, bytes) else str(e.s)
    if isinstance(e, A.TrueExpr):
        return True
    if isinstance(e, A.FalseExpr):
        return False
    if isinstance(e, A.Nil):
        return None
    if isinstance(e, A.UMinusOp) and isinstance(e.operand, A.Number):
        return -e.operand.n
    if isinstance(e, A.Table):
        t = LuaTable()
        n = 0
        for f in e.fields:
            value = _literal(f.value, source)
            if f.key is None:
                n += 1
                t[n] = value
            elif isinstance(f.key, A.Name) and not f.between_brackets:
                t[f.key.id] = value
            else:
                t[_literal(f.key, source)] = value
        return t
    raise LuaError(
        f"loadstring({source!r}): a ported program evaluates only literal values "
        f"(numbers, strings, booleans, nil, tables of them), not {type(e).__name__}"
    )


def _target(e: Any, source: str) -> tuple[list[str], str]:
    """``a.b.c`` as (['a', 'b'], 'c'): the names read, then the field assigned."""
    from luaparser import astnodes as A

    if isinstance(e, A.Name):
        return [], e.id
    if isinstance(e, A.Index) and isinstance(e.value, (A.Name, A.Index)):
        if isinstance(e.idx, A.Name) and e.notation == A.IndexNotation.DOT:
            key = e.idx.id
        elif isinstance(e.idx, A.String):
            key = _literal(e.idx, source)
        else:
            raise LuaError(f"loadstring({source!r}): only name.field targets are assigned")
        path, last = _target(e.value, source)
        return path + [last], key
    raise LuaError(f"loadstring({source!r}): only assignments to names and fields are evaluated")


def _get(env: dict, globals_table: LuaTable, path: list[str], source: str) -> Any:
    obj = env[path[0]] if env.get(path[0]) is not None else globals_table[path[0]]
    for name in path[1:]:
        obj = obj[name] if isinstance(obj, LuaTable) else getattr(obj, name, None)
    if obj is None:
        raise LuaError(f"loadstring({source!r}): attempt to index a nil value ({'.'.join(path)})")
    return obj


def literal_chunk(source: str, env: dict, globals_table: LuaTable | None = None) -> Callable[..., Any]:
    """The function Lua's ``loadstring(source)`` would give, for a chunk of literal assignments.

    Globals are read and written in ``env`` (the calling module's namespace), then in
    ``globals_table`` (Lua's shared globals).
    """
    try:
        from luaparser import ast as luaast  # a parser only: nothing here is ever run as code
    except ImportError:
        raise LuaError("loadstring needs the Lua parser: pip install 'pygraphnn[port]'") from None
    from luaparser import astnodes as A

    try:
        chunk = luaast.parse(source)
    except Exception as e:  # luaparser's syntax errors have several classes
        raise LuaError(f"loadstring({source!r}): {type(e).__name__}: {e}") from None
    steps: list[Callable[[], Any]] = []
    gt = globals_table if globals_table is not None else LuaTable()
    for st in chunk.body.body:
        if isinstance(st, A.SemiColon):
            continue
        if isinstance(st, A.Assign) and len(st.targets) == len(st.values):
            for target, value in zip(st.targets, st.values):
                path, key = _target(target, source)
                val = _literal(value, source)

                def assign(path: list[str] = path, key: str = key, val: Any = val) -> None:
                    if not path:
                        env[key] = val
                        return
                    obj = _get(env, gt, path, source)
                    if isinstance(obj, LuaTable):
                        obj[key] = val
                    else:
                        setattr(obj, key, val)

                steps.append(assign)
        elif isinstance(st, A.Return):
            vals = tuple(_literal(v, source) for v in st.values)

            def give(vals: tuple = vals) -> Any:
                return vals if len(vals) != 1 else vals[0]

            steps.append(give)
        else:
            raise LuaError(
                f"loadstring({source!r}): a ported program evaluates only assignments and returns "
                f"of literal values, not a {type(st).__name__} statement"
            )

    def run(*_args: Any) -> Any:
        result = None
        for step in steps:
            result = step()
            if result is not None:
                return result  # a return ends the chunk
        return None

    return run
