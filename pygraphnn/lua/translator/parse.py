"""A Lua 5.1 (LuaJIT) parser for the translator: source text to luaparser's syntax tree, fast.

luaparser's ANTLR grammar runs in pure Python and needs minutes for a 20,000-line
file; this hand-written lexer and recursive-descent parser builds the same
``luaparser.astnodes`` tree (so :mod:`.port_scope` and :mod:`.port` see no
difference) in well under a second per thousand lines, and keeps every comment
with its lines. Blocks nest as deep as real code does; binary operators are
parsed by precedence climbing and ``..``/``^`` chains without recursion per
operand.

>>> chunk, comments = parse("local x = 1 -- one\\n")
>>> type(chunk.body.body[0]).__name__, comments
('LocalAssign', [(1, 1, '-- one')])
"""

from __future__ import annotations

import re
from typing import Any

from luaparser import astnodes as A


class LuaSyntaxError(Exception):
    """The source is not Lua; ``line`` is 1-based."""

    def __init__(self, line: int, message: str):
        self.line, self.message = line, message
        super().__init__(f"line {line}: {message}")


class Token:
    """One token: kind ('name', 'number', 'string', 'op', 'eof'), text, value, line, last line."""

    __slots__ = ("delimiter", "end_line", "kind", "line", "text", "value")

    def __init__(self, kind: str, text: str, value: Any, line: int, end_line: int, delimiter: Any = None):
        self.kind, self.text, self.value, self.line, self.end_line = kind, text, value, line, end_line
        self.delimiter = delimiter


KEYWORDS = {
    "and",
    "break",
    "do",
    "else",
    "elseif",
    "end",
    "false",
    "for",
    "function",
    "goto",
    "if",
    "in",
    "local",
    "nil",
    "not",
    "or",
    "repeat",
    "return",
    "then",
    "true",
    "until",
    "while",
}
OPS = [
    "...",
    "..",
    "==",
    "~=",
    "<=",
    ">=",
    "::",
    "+",
    "-",
    "*",
    "/",
    "%",
    "^",
    "#",
    "<",
    ">",
    "=",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ";",
    ":",
    ",",
    ".",
]
OP_RE = re.compile("|".join(re.escape(op) for op in OPS))
SPACE_RE = re.compile(r"[ \t\f\v]+")
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
NUMBER_RE = re.compile(
    r"0[xX][0-9a-fA-F]*(?:\.[0-9a-fA-F]*)?(?:[pP][+-]?[0-9]+)?|"
    r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
)
LONG_OPEN = re.compile(r"\[(=*)\[")
ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "\\": "\\",
    '"': '"',
    "'": "'",
    "\n": "\n",
    "\r": "\n",
}


def _must(m: re.Match[str] | None) -> re.Match[str]:
    """A match the caller already knows exists (its first character was just checked)."""
    assert m is not None
    return m


def _number(text: str, line: int) -> int | float:
    t = text.lower()
    try:
        if t.startswith("0x"):
            if "." in t or "p" in t:
                return float.fromhex(t)
            return int(t, 16)
        if any(c in t for c in ".e"):
            return float(t)
        return int(t)
    except ValueError:
        raise LuaSyntaxError(line, f"malformed number near '{text}'") from None


def tokenize(src: str) -> tuple[list[Token], list[tuple[int, int, str]]]:
    """Tokens and comments ((first line, last line, text)) of Lua source."""
    toks: list[Token] = []
    comments: list[tuple[int, int, str]] = []
    i, n, line = 0, len(src), 1
    if src.startswith("#"):  # a shebang line
        i = src.find("\n") if "\n" in src else n
    while i < n:
        c = src[i]
        if c == "\n" or c == "\r":
            # \r\n, \n\r, \n and \r each end one line, as in Lua's lexer
            if i + 1 < n and src[i + 1] in "\r\n" and src[i + 1] != c:
                i += 1
            i += 1
            line += 1
            continue
        if c in " \t\f\v":
            i = _must(SPACE_RE.match(src, i)).end()
            continue
        if c == "-" and src.startswith("--", i):
            start, first = i, line
            m = LONG_OPEN.match(src, i + 2)
            if m:
                close = "]" + m.group(1) + "]"
                j = src.find(close, m.end())
                if j < 0:
                    raise LuaSyntaxError(line, "unfinished long comment")
                text = src[start : j + len(close)]
                line += _newlines(text)
                i = j + len(close)
            else:
                j = i
                while j < n and src[j] not in "\r\n":
                    j += 1
                text = src[start:j]
                i = j
            comments.append((first, line, text))
            continue
        if c.isalpha() or c == "_":
            m = _must(NAME_RE.match(src, i))
            word = m.group(0)
            toks.append(Token("keyword" if word in KEYWORDS else "name", word, word, line, line))
            i = m.end()
            continue
        if c.isdigit() or (c == "." and i + 1 < n and src[i + 1].isdigit()):
            m = _must(NUMBER_RE.match(src, i))
            text = m.group(0)
            j = m.end()
            if j < n and (src[j].isalnum() or src[j] == "_"):
                raise LuaSyntaxError(line, f"malformed number near '{text}{src[j]}'")
            toks.append(Token("number", text, _number(text, line), line, line))
            i = j
            continue
        if c in "\"'":
            j, value, first = i + 1, [], line
            while True:
                if j >= n:
                    raise LuaSyntaxError(first, "unfinished string")
                d = src[j]
                if d == c:
                    j += 1
                    break
                if d in "\r\n":
                    raise LuaSyntaxError(line, "unfinished string")
                if d == "\\":
                    j += 1
                    e = src[j] if j < n else ""
                    if e in ESCAPES:
                        value.append(ESCAPES[e])
                        if e in "\r\n":
                            line += 1
                            if j + 1 < n and src[j + 1] in "\r\n" and src[j + 1] != e:
                                j += 1
                        j += 1
                    elif e.isdigit():
                        k = j
                        while k < n and k < j + 3 and src[k].isdigit():
                            k += 1
                        code = int(src[j:k])
                        if code > 255:
                            raise LuaSyntaxError(line, "escape sequence too large")
                        value.append(chr(code))
                        j = k
                    elif e == "x" and j + 2 < n and all(h in "0123456789abcdefABCDEF" for h in src[j + 1 : j + 3]):
                        value.append(chr(int(src[j + 1 : j + 3], 16)))
                        j += 3
                    elif e == "z":
                        j += 1
                        while j < n and src[j] in " \t\r\n\f\v":
                            line += src[j] == "\n"
                            j += 1
                    else:
                        value.append(e)  # Lua 5.1 keeps an unknown escaped character
                        j += 1
                    continue
                value.append(_bytes_of(d))
                j += 1
            text = src[i:j]
            delim = A.StringDelimiter.DOUBLE_QUOTE if c == '"' else A.StringDelimiter.SINGLE_QUOTE
            toks.append(Token("string", text, "".join(value), first, line, delim))
            i = j
            continue
        if c == "[":
            m = LONG_OPEN.match(src, i)
            if m:
                close = "]" + m.group(1) + "]"
                j = src.find(close, m.end())
                if j < 0:
                    raise LuaSyntaxError(line, "unfinished long string")
                body = src[m.end() : j]
                first = line
                line += _newlines(src[i : j + len(close)])
                toks.append(
                    Token(
                        "string", src[i : j + len(close)], _bytes_of(body), first, line, A.StringDelimiter.DOUBLE_SQUARE
                    )
                )
                i = j + len(close)
                continue
        m = OP_RE.match(src, i)
        if m is None:
            raise LuaSyntaxError(line, f"unexpected symbol near '{c}'")
        op = m.group(0)
        toks.append(Token("op", op, op, line, line))
        i = m.end()
    toks.append(Token("eof", "<eof>", None, line, line))
    return toks, comments


def _newlines(text: str) -> int:
    return len(re.findall(r"\r\n|\n\r|\n|\r", text))


# binary operators: (left priority, right priority), Lua 5.1's table
BINARY = {
    "or": (1, 1),
    "and": (2, 2),
    "<": (3, 3),
    ">": (3, 3),
    "<=": (3, 3),
    ">=": (3, 3),
    "~=": (3, 3),
    "==": (3, 3),
    "..": (5, 4),
    "+": (6, 6),
    "-": (6, 6),
    "*": (7, 7),
    "/": (7, 7),
    "%": (7, 7),
    "^": (10, 9),
}
UNARY_PRIORITY = 8
BINARY_NODE = {
    "or": A.OrLoOp,
    "and": A.AndLoOp,
    "<": A.LessThanOp,
    ">": A.GreaterThanOp,
    "<=": A.LessOrEqThanOp,
    ">=": A.GreaterOrEqThanOp,
    "~=": A.NotEqToOp,
    "==": A.EqToOp,
    "..": A.Concat,
    "+": A.AddOp,
    "-": A.SubOp,
    "*": A.MultOp,
    "/": A.FloatDivOp,
    "%": A.ModOp,
    "^": A.ExpoOp,
}


class Parser:
    """Recursive descent over the token list (Lua 5.1 grammar plus LuaJIT's goto and labels)."""

    def __init__(self, toks: list[Token]):
        self.toks = toks
        self.pos = 0

    # ----------------------------------------------------------------- tokens
    @property
    def tok(self) -> Token:
        return self.toks[self.pos]

    def check(self, text: str) -> bool:
        t = self.toks[self.pos]
        return t.kind in ("op", "keyword") and t.text == text

    def accept(self, text: str) -> Token | None:
        if self.check(text):
            t = self.toks[self.pos]
            self.pos += 1
            return t
        return None

    def expect(self, text: str, opener: Token | None = None) -> Token:
        t = self.accept(text)
        if t is None:
            where = f" (to close '{opener.text}' at line {opener.line})" if opener is not None else ""
            raise LuaSyntaxError(self.tok.line, f"'{text}' expected{where} near '{self.tok.text}'")
        return t

    def name(self) -> A.Name:
        t = self.tok
        if t.kind != "name":
            raise LuaSyntaxError(t.line, f"<name> expected near '{t.text}'")
        self.pos += 1
        return self.mark(A.Name(t.text), t, t)

    @staticmethod
    def mark(node: Any, first: Token, last: Token) -> Any:
        node._first_token = first
        node._last_token = last
        return node

    def prev(self) -> Token:
        return self.toks[self.pos - 1]

    # ------------------------------------------------------------- statements
    def chunk(self) -> A.Chunk:
        body = self.block()
        if self.tok.kind != "eof":
            raise LuaSyntaxError(self.tok.line, f"'<eof>' expected near '{self.tok.text}'")
        return A.Chunk(body)

    def block(self) -> A.Block:
        stmts: list[Any] = []
        while True:
            t = self.tok
            if t.kind == "eof" or (t.kind == "keyword" and t.text in ("end", "else", "elseif", "until")):
                break
            if self.check("return"):
                stmts.append(self.return_stat())
                break
            st = self.statement()
            if st is not None:
                stmts.append(st)
        return A.Block(stmts)

    def return_stat(self) -> A.Return:
        first = self.expect("return")
        values: list[Any] = []
        t = self.tok
        if not (
            t.kind == "eof" or (t.kind == "keyword" and t.text in ("end", "else", "elseif", "until")) or self.check(";")
        ):
            values = self.exprlist()
        self.accept(";")
        return self.mark(A.Return(values), first, self.prev())

    def statement(self) -> Any:
        t = self.tok
        if t.kind == "op" and t.text == ";":
            self.pos += 1
            return self.mark(A.SemiColon(), t, t)
        if t.kind == "keyword":
            kw = t.text
            if kw == "if":
                return self.if_stat()
            if kw == "while":
                self.pos += 1
                test = self.expr()
                self.expect("do")
                body = self.block()
                return self.mark(A.While(test, body), t, self.expect("end", t))
            if kw == "do":
                self.pos += 1
                body = self.block()
                return self.mark(A.Do(body), t, self.expect("end", t))
            if kw == "for":
                return self.for_stat()
            if kw == "repeat":
                self.pos += 1
                body = self.block()
                self.expect("until", t)
                test = self.expr()
                return self.mark(A.Repeat(body, test), t, self.prev())
            if kw == "function":
                return self.function_stat()
            if kw == "local":
                self.pos += 1
                if self.accept("function"):
                    name = self.name()
                    args, body = self.funcbody(t)
                    return self.mark(A.LocalFunction(name, args, body), t, self.prev())
                targets = [self.name()]
                while self.accept(","):
                    targets.append(self.name())
                values = self.exprlist() if self.accept("=") else []
                return self.mark(A.LocalAssign(targets, values), t, self.prev())
            if kw == "break":
                self.pos += 1
                return self.mark(A.Break(), t, t)
            if kw == "goto":
                self.pos += 1
                return self.mark(A.Goto(self.name()), t, self.prev())
        if t.kind == "op" and t.text == "::":
            self.pos += 1
            label = self.name()
            self.expect("::")
            return self.mark(A.Label(label), t, self.prev())
        return self.expr_stat()

    def if_stat(self) -> A.If:
        first = self.expect("if")
        test = self.expr()
        self.expect("then")
        body = self.block()
        node = A.If(test, body, None)
        self.mark(node, first, first)
        tail = node
        while True:
            t = self.tok
            if self.accept("elseif"):
                test = self.expr()
                self.expect("then")
                branch = A.ElseIf(test, self.block(), None)
                self.mark(branch, t, t)
                tail.orelse = branch
                tail = branch
            elif self.accept("else"):
                block = self.block()
                block._first_token = t
                tail.orelse = block
                break
            else:
                break
        last = self.expect("end", first)
        node._last_token = last
        b: Any = node.orelse
        while isinstance(b, A.ElseIf):
            b._last_token = last
            b = b.orelse
        return node

    def for_stat(self) -> Any:
        first = self.expect("for")
        n1 = self.name()
        if self.accept("="):
            start = self.expr()
            self.expect(",")
            stop = self.expr()
            step: Any = self.expr() if self.accept(",") else 1
            self.expect("do")
            body = self.block()
            return self.mark(A.Fornum(n1, start, stop, step, body), first, self.expect("end", first))
        targets = [n1]
        while self.accept(","):
            targets.append(self.name())
        self.expect("in")
        iters = self.exprlist()
        self.expect("do")
        body = self.block()
        return self.mark(A.Forin(body, iters, targets), first, self.expect("end", first))

    def function_stat(self) -> Any:
        first = self.expect("function")
        name: Any = self.name()
        method = None
        while True:
            if self.accept("."):
                key = self.name()
                name = self.mark(A.Index(key, name, A.IndexNotation.DOT), first, self.prev())
            elif self.accept(":"):
                method = self.name()
                break
            else:
                break
        args, body = self.funcbody(first)
        if method is not None:
            return self.mark(A.Method(name, method, args, body), first, self.prev())
        return self.mark(A.Function(name, args, body), first, self.prev())

    def funcbody(self, first: Token) -> tuple[list, A.Block]:
        self.expect("(")
        args: list[Any] = []
        if not self.check(")"):
            while True:
                if self.check("..."):
                    t = self.tok
                    self.pos += 1
                    args.append(self.mark(A.Varargs(), t, t))
                    break
                args.append(self.name())
                if not self.accept(","):
                    break
        self.expect(")")
        body = self.block()
        self.expect("end", first)
        return args, body

    def expr_stat(self) -> Any:
        first = self.tok
        e = self.suffixed()
        if self.check("=") or self.check(","):
            targets = [e]
            while self.accept(","):
                targets.append(self.suffixed())
            self.expect("=")
            values = self.exprlist()
            for tgt in targets:
                if not isinstance(tgt, (A.Name, A.Index)) or tgt.wrapped:
                    raise LuaSyntaxError(first.line, "syntax error near '='")
            return self.mark(A.Assign(targets, values), first, self.prev())
        if not isinstance(e, (A.Call, A.Invoke)) or e.wrapped:
            raise LuaSyntaxError(self.tok.line, f"syntax error near '{self.tok.text}'")
        return e

    # ------------------------------------------------------------ expressions
    def exprlist(self) -> list:
        out = [self.expr()]
        while self.accept(","):
            out.append(self.expr())
        return out

    def expr(self, limit: int = 0) -> Any:
        """Precedence climbing; right-associative ``..`` and ``^`` runs folded without recursion."""
        left = self.unary()
        while True:
            t = self.tok
            op = t.text if t.kind in ("op", "keyword") else None
            if op not in BINARY or BINARY[op][0] <= limit:
                return left
            if op in ("..", "^"):
                operands, ops = [left], []
                while self.tok.kind == "op" and self.tok.text == op:
                    ops.append(self.tok)
                    self.pos += 1
                    # an operand of .. takes every tighter operator (a .. b + c is a .. (b + c))
                    operands.append(self.expr(5) if op == ".." else self.power_operand())
                right = operands[-1]
                for k in range(len(operands) - 2, -1, -1):
                    right = self.mark(BINARY_NODE[op](operands[k], right), operands[k]._first_token, right._last_token)
                left = right
                continue
            self.pos += 1
            right = self.expr(BINARY[op][1])
            left = self.mark(BINARY_NODE[op](left, right), left._first_token, right._last_token)

    def power_operand(self) -> Any:
        """The right side of ``^`` binds tighter than unary minus: ``2 ^ -x`` is allowed."""
        return self.unary() if self.tok.text in ("-", "not", "#") and self.tok.kind != "string" else self.simple()

    def unary(self) -> Any:
        t = self.tok
        if t.kind in ("op", "keyword") and t.text in ("not", "-", "#"):
            self.pos += 1
            operand = self.expr(UNARY_PRIORITY)
            node = {"not": A.ULNotOp, "-": A.UMinusOp, "#": A.ULengthOP}[t.text](operand)
            return self.mark(node, t, operand._last_token)
        return self.simple()  # a ^ after it is taken by expr(), which binds it tighter than a unary operator

    def simple(self) -> Any:
        t = self.tok
        if t.kind == "number":
            self.pos += 1
            return self.mark(A.Number(t.value), t, t)
        if t.kind == "string":
            self.pos += 1
            return self.string(t)
        if t.kind == "keyword":
            if t.text == "nil":
                self.pos += 1
                return self.mark(A.Nil(), t, t)
            if t.text == "true":
                self.pos += 1
                return self.mark(A.TrueExpr(), t, t)
            if t.text == "false":
                self.pos += 1
                return self.mark(A.FalseExpr(), t, t)
            if t.text == "function":
                self.pos += 1
                args, body = self.funcbody(t)
                return self.mark(A.AnonymousFunction(args, body), t, self.prev())
        if t.kind == "op":
            if t.text == "...":
                self.pos += 1
                return self.mark(A.Dots(), t, t)  # as luaparser: Varargs in a parameter list, Dots here
            if t.text == "{":
                return self.table()
        return self.suffixed()

    def string(self, t: Token) -> A.String:
        node = A.String(t.value.encode("utf-8", "surrogatepass"), t.text, t.delimiter)
        return self.mark(node, t, t)

    def primary(self) -> Any:
        t = self.tok
        if t.kind == "name":
            return self.name()
        if self.accept("("):
            e = self.expr()
            close = self.expect(")", t)
            e.wrapped = True
            e._first_token, e._last_token = t, close
            return e
        raise LuaSyntaxError(t.line, f"unexpected symbol near '{t.text}'")

    def suffixed(self) -> Any:
        e = self.primary()
        first = e._first_token
        while True:
            t = self.tok
            if t.kind == "op" and t.text == ".":
                self.pos += 1
                key = self.name()
                e = self.mark(A.Index(key, e, A.IndexNotation.DOT), first, key._last_token)
            elif t.kind == "op" and t.text == "[":
                self.pos += 1
                key = self.expr()
                e = self.mark(A.Index(key, e, A.IndexNotation.SQUARE), first, self.expect("]", t))
            elif t.kind == "op" and t.text == ":":
                self.pos += 1
                method = self.name()
                args = self.call_args()
                e = self.mark(A.Invoke(e, method, args), first, self.prev())
            elif t.kind == "string" or (t.kind == "op" and t.text in ("(", "{")):
                args = self.call_args()
                e = self.mark(A.Call(e, args), first, self.prev())
            else:
                return e

    def call_args(self) -> list:
        t = self.tok
        if t.kind == "string":
            self.pos += 1
            return [self.string(t)]
        if t.kind == "op" and t.text == "{":
            return [self.table()]
        self.expect("(")
        if self.accept(")"):
            return []
        args = self.exprlist()
        self.expect(")", t)
        return args

    def table(self) -> A.Table:
        first = self.expect("{")
        fields: list[Any] = []
        while not self.check("}"):
            t = self.tok
            if t.kind == "op" and t.text == "[":
                self.pos += 1
                key = self.expr()
                self.expect("]", t)
                self.expect("=")
                fields.append(A.Field(key, self.expr(), between_brackets=True))
            elif t.kind == "name" and self.toks[self.pos + 1].kind == "op" and self.toks[self.pos + 1].text == "=":
                key = self.name()
                self.pos += 1
                fields.append(A.Field(key, self.expr()))
            else:
                fields.append(A.Field(None, self.expr()))
            if not (self.accept(",") or self.accept(";")):
                break
        return self.mark(A.Table(fields), first, self.expect("}", first))


def _bytes_of(text: str) -> str:
    """A string literal's characters as Lua holds them: bytes. The source is read as UTF-8,
    so a character beyond ASCII becomes its UTF-8 bytes, each held as the character of that
    code (as the runtime holds every Lua string: ``'é'`` has length 2, like ``'\\195\\169'``)."""
    if text.isascii():
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("latin-1")


def parse(source: str) -> tuple[A.Chunk, list[tuple[int, int, str]]]:
    """The syntax tree and the comments of Lua source (raises :class:`LuaSyntaxError`)."""
    toks, comments = tokenize(source)
    return Parser(toks).chunk(), comments
