"""gModule: a declared graph compiled to a real ``torch.nn.Module``.

>>> x = nn.Identity()()
>>> y = x - nn.Linear(20, 10) - nn.Tanh()
>>> g = nn.gModule([x], [y])
>>> print(g.code)        # the generated forward

The forward is generated Python source, one statement per node (see
:mod:`pygraphnn.codegen`); ``g.code`` shows it and tracebacks show its lines. The
modules of the graph are registered as submodules in the order Lua nngraph keeps them
(its ``forwardnodes`` order, see :meth:`Graph.lua_order`), so ``parameters()``,
``state_dict()`` and ``getParameters()`` lay out exactly as Lua's ``getParameters()``
does for the same declaration; the attribute names follow the declaration.
"""

from __future__ import annotations

import itertools
import linecache
from collections.abc import Callable
from typing import Any

import torch

from . import module as _module
from .codegen import Code, Namer, base_name, generate
from .errors import GraphError, GraphRuntimeError
from .graph import Graph, build_graph
from .module import Module
from .site import caller_site
from .tables import describe

_counter = itertools.count(1)
# torch's global module hooks (register_module_forward_hook & co.), checked on every call.
_gh0, _gh1, _gh2, _gh3 = _module._GLOBAL_HOOKS


def _check_inputs(inputs: Any, n: int) -> Any:
    if len(inputs) != n:
        how = "g(x) (a table input is one list)" if n == 1 else f"g(x1, ..., x{n}) or g([x1, ..., x{n}])"
        raise GraphError(f"this gModule takes {n} input{'s' if n > 1 else ''}, got {len(inputs)}: pass {how}")
    return inputs


def _check_split(value: Any, n: int) -> Any:
    if not isinstance(value, (list, tuple)) or len(value) != n:
        got = f"a table of {len(value)} entries" if isinstance(value, (list, tuple)) else describe(value)
        raise GraphError(f"split({n}) expects a table of {n} entries, got {got}")
    return value


class gModule(Module):  # noqa: N801 - nngraph's name
    """A graph of modules from ``inputs`` to ``outputs`` (lists of nodes), compiled to code.

    Call it the PyTorch way (``g(x)``, ``g(x1, x2)`` or ``g([x1, x2])``; one output is
    returned bare, several as a list) or the Lua way (``g.forward(input)``,
    ``g.backward(input, gradOutput)``).
    """

    # nngraph's backward differentiates at the inputs its nodes kept from the forward
    _lua_backward_reads_given_input = False

    # set by recompile() straight into __dict__: generated code, not module state
    _code: Code
    _filename: str
    _fwd: Callable[..., Any]

    def __init__(self, inputs: Any, outputs: Any, *, name: str | None = None, inline: bool = True):
        super().__init__()
        site = caller_site()
        self.graph: Graph = build_graph(inputs, outputs, site)
        self.site = site
        self.name = name
        self.inline = inline
        # One attribute per distinct module (a shared module is registered once),
        # recorded per node so that copies of the gModule stay consistent.
        # Names are given in declaration order (stable state_dict keys); registration follows
        # nngraph's forwardnodes order, so parameters()/getParameters() lay out as in Lua.
        namer = Namer(set(dir(self)) | {"graph", "site", "name", "inline"})
        attr_of_module: dict[int, str] = {}
        self.module_attrs: list[str | None] = []
        for n in self.graph.nodes:
            if n.module is not None and id(n.module) not in attr_of_module:
                attr_of_module[id(n.module)] = namer(base_name(n))
            self.module_attrs.append(attr_of_module.get(id(n.module)) if n.module is not None else None)
        for i in self.graph.lua_order():
            attr = self.module_attrs[i]
            if attr is not None and attr not in self._modules:
                self.add_module(attr, self.graph.nodes[i].module)
        self.recompile()

    # ----------------------------------------------------------- compilation
    def recompile(self) -> None:
        """Generate and compile the forward again.

        Calls do this by themselves when a hook has been registered on one of the graph's
        modules (or a global module hook) since the last compilation, so that modules with
        hooks are called rather than inlined and their hooks run.
        """
        self.__dict__["_hooks_at"] = _module.hook_state()
        code = generate(self.graph, self.module_attrs, inline=self.inline)
        if code.src == getattr(self.__dict__.get("_code"), "src", None):
            return
        filename = f"<pygraphnn gModule {self._label()} #{next(_counter)}>"
        linecache.cache[filename] = (len(code.src), None, code.src.splitlines(True), filename)
        env = {
            "torch": torch,
            "F": torch.nn.functional,
            "_fail": _fail,
            "_check_inputs": _check_inputs,
            "_check_split": _check_split,
        }
        exec(compile(code.src, filename, "exec"), env)  # our own generated source, never text from a file
        self.__dict__["_code"] = code
        self.__dict__["_filename"] = filename
        self.__dict__["_fwd"] = env["forward"]

    @property
    def code(self) -> str:
        """The generated source of ``forward``."""
        return self._code.src

    def _label(self) -> str:
        if self.name:
            return self.name
        names = [self.graph.nodes[i].name for i in self.graph.inputs + self.graph.outputs]
        return "_".join(n for n in names if n) or "graph"

    def _check_declaration(self, args: tuple, site: Any) -> None:
        """Called by :func:`pygraphnn.node.declare`: ``g()`` or ``g([a])`` on a gModule of
        several inputs is a mistake caught here, not a node that fails when run."""
        n = len(self.graph.inputs)
        if n < 2 or (args and not isinstance(args[0], (list, tuple))):
            return  # one input, or one node whose value is a table: known only when run
        got = len(args[0]) if args else 0
        if got != n:
            what = "no inputs" if not args else f"{got} input node{'s' if got != 1 else ''}"
            raise GraphError(
                f"gModule {self._label()} takes {n} inputs but was called with {what} at {site}: "
                f"to run it pass {n} tensors, g(x1, ..., x{n}); to use it in a graph pass "
                f"{n} nodes, g([a1, ..., a{n}])"
            )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._backward_hooks or self._backward_pre_hooks or _gh2 or _gh3:
            return self._call_with_backward_hooks(*args, **kwargs)
        return super().__call__(*args, **kwargs)

    def _call_with_backward_hooks(self, *args: Any, **kwargs: Any) -> Any:
        """torch's full backward hooks see tensors only at the top level of a module's inputs
        and outputs (a Tensor or a tuple): the call runs with the input table spread into
        arguments and the output list as a tuple, and hands the list back."""
        n = len(self.graph.inputs)
        if len(args) == 1 and n > 1 and isinstance(args[0], (list, tuple)) and len(args[0]) == n:
            args = tuple(args[0])  # g([x1, x2]) is g(x1, x2)
        self._check_hooks()  # recompile now, not inside the swapped call
        fwd = self.__dict__["_fwd"]

        def tupled(g: Any, *inputs: Any) -> Any:
            out = fwd(g, *inputs)
            return tuple(out) if isinstance(out, list) else out

        self.__dict__["_fwd"] = tupled
        try:
            out = super().__call__(*args, **kwargs)
        finally:
            self.__dict__["_fwd"] = fwd
        return list(out) if isinstance(out, tuple) else out

    def forward(self, *inputs: Any) -> Any:
        if self.__dict__["_hooks_at"] != _module._hooks_version * 2 or _gh0 or _gh1 or _gh2 or _gh3:
            self._check_hooks()
        return self._fwd(self, *inputs)

    def _check_hooks(self) -> None:
        if self.__dict__["_hooks_at"] != _module.hook_state():
            self.recompile()

    def extra_repr(self) -> str:
        return f"{len(self.graph.inputs)} inputs -> {len(self.graph.outputs)} outputs, {len(self.graph.nodes)} nodes"

    def lua_label(self) -> str:
        return f"nn.gModule({self.extra_repr()})"

    def luaParameters(self) -> tuple[list[torch.nn.Parameter], list[torch.Tensor]]:
        """Lua's ``g:parameters()``: each node's module's parameters in nngraph's order.

        As in Lua, a module used at several nodes contributes its parameters once per node
        (``parameters()`` and ``getParameters()`` hold each once, at its first node).
        """
        params: list[torch.nn.Parameter] = []
        grads: list[torch.Tensor] = []
        for i in self.graph.lua_order():
            m = self.graph.nodes[i].module
            if m is None:
                continue
            if isinstance(m, Module):
                ps, gs = m.luaParameters()
            else:  # a plain torch module in the graph
                ps = list(m.parameters())
                gs = []
                for p in ps:
                    if p.grad is None:
                        p.grad = torch.zeros_like(p)
                    gs.append(p.grad)
            params += ps
            grads += gs
        return params, grads

    @property
    def forwardnodes(self) -> list:
        """Lua nngraph's ``g.forwardnodes``: the nodes in its order, each with ``.data.module``,
        ``.data.annotations`` and ``.data.mapindex`` (see :mod:`pygraphnn.lua_view`)."""
        from .lua_view import forward_nodes

        return forward_nodes(self)

    # ------------------------------------------------------------- diagrams
    @property
    def fg(self):
        """The forward graph as nngraph draws it (a ``networkx.DiGraph``): ``ng.dot(g.fg, ...)``."""
        from .render import forward_graph

        return forward_graph(self)

    @property
    def bg(self):
        """The backward graph (the forward graph reversed), as nngraph's ``g.bg``."""
        from .render import backward_graph

        return backward_graph(self)

    def _repr_svg_(self) -> str:
        from .render import to_svg

        return to_svg(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        from .render import mimebundle

        return mimebundle(self)

    # -------------------------------------------------------------- copying
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        for key in ("_code", "_filename", "_fwd", "_lua_record", "_hooks_at"):
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        self.recompile()


def _fail(g: gModule, error: BaseException) -> None:
    """Re-raise ``error`` naming the node whose generated line raised it."""
    tb = error.__traceback__
    frame, lineno = None, 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == g._filename:
            frame, lineno = tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next
    if frame is None:
        return
    code: Code = g._code
    idx = code.line_nodes.get(lineno)
    if idx is None:
        if isinstance(error, GraphError):
            raise GraphRuntimeError(f"gModule {g._label()} (declared at {g.site}): {error}") from error
        return
    node = g.graph.nodes[idx]
    args = [code.var_names[a] for a in node.args]
    received = ", ".join(f"{a}: {describe(frame.f_locals.get(a))}" for a in args if a) or "-"
    line = linecache.getline(g._filename, lineno).strip()
    from . import debug

    svg = debug.on_failure(g, node)
    msg = (
        f"{node.describe()} failed in gModule {g._label()}: {type(error).__name__}: {error}\n"
        f"  received: {received}\n  generated line {lineno}: {line}"
    )
    if svg:
        msg += f"\n  graph with the failing node in red: {svg}"
    raise GraphRuntimeError(msg) from error
