"""The base of every pygraphnn module: a ``torch.nn.Module`` that also speaks Lua nn.

Two idioms share one object:

* **PyTorch**: ``m(x)`` runs the module's ``forward``; autograd, ``torch.compile``,
  ``torch.export``, ``state_dict`` and ``.to(device)`` behave as for any module.
* **Lua**: ``m.forward(x)`` (called directly, as Lua's ``m:forward(x)``) records the
  computation so that ``m.backward(x, gradOutput)`` can return ``gradInput`` and
  accumulate parameter gradients, and ``getParameters()`` gives flat views.

How one name serves both: torch always reaches ``forward`` through
``Module.__call__`` (``_call_impl``). Subclasses write ``forward`` the torch way;
the base class wraps it so that a call coming from ``_call_impl`` (or from a
compiler) runs the plain computation, while a direct call takes the Lua path.
Calling a module on nodes (or on nothing) declares a graph node instead.

Lua names that collide with ``torch.nn.Module`` keep torch's meaning:
``parameters()`` (Lua's is :meth:`luaParameters`), ``training`` (Lua's
``:training()`` is ``.train()``), ``type()``.
"""

from __future__ import annotations

import contextlib
import sys
import types
from collections.abc import Sequence
from typing import Any, cast

import torch

from . import buffers as _buffers
from .errors import GraphError, LuaIdiomError, ModuleInputError, TorchScriptUnsupported
from .node import Node, declare, is_node_call
from .site import caller_site
from .tables import flatten, iter_tensors, map_structure


def _torch_callers() -> frozenset:
    """Code objects through which torch itself calls ``forward`` (``Module.__call__``)."""
    codes = {torch.nn.Module._call_impl.__code__, torch.nn.Module._slow_forward.__code__}
    todo = list(codes)
    while todo:  # closures defined inside them (the hooks path calls forward from one)
        for const in todo.pop().co_consts:
            if isinstance(const, types.CodeType):
                codes.add(const)
                todo.append(const)
    return frozenset(codes)


_TORCH_CALLERS = _torch_callers()
_is_compiling = torch.compiler.is_compiling


def _make_dispatcher(pure):
    def forward(self, *args, **kwargs):
        if _is_compiling():
            return pure(self, *args, **kwargs)
        if sys._getframe(1).f_code in _TORCH_CALLERS:
            if args and type(args[0]) is torch.Tensor:
                return pure(self, *args, **kwargs)
            if is_node_call(args):
                if kwargs:
                    raise GraphError(f"keyword arguments are not supported when declaring a node (at {caller_site()})")
                return declare(self, args, site=caller_site())
            if args and args[0] is None:
                raise _none_input(self)
            return pure(self, *args, **kwargs)
        if is_node_call(args):
            raise GraphError(
                f"{type(self).__name__}.forward() was given graph nodes at {caller_site()}; "
                f"call the module itself to declare a node: m(x), not m.forward(x)."
            )
        if args and args[0] is None:
            raise _none_input(self)
        return self._lua_forward(*args, **kwargs)

    # A code object of its own per class: dynamo caches compiled frames per code
    # object, so sharing one across every module class would hit its recompile limit.
    forward.__code__ = forward.__code__.replace(co_qualname=pure.__qualname__)
    forward.__doc__ = pure.__doc__
    forward.__name__ = "forward"
    forward.__qualname__ = pure.__qualname__
    forward.__wrapped__ = pure
    forward._pygraphnn_dispatch = True
    return forward


def _first_line(e: BaseException) -> str:
    """``Type: first line of the message``: what a refused backward says the failed forward was."""
    text = str(e)
    return f"{type(e).__name__}: {text.splitlines()[0] if text else ''}"


def _none_input(module: torch.nn.Module) -> ModuleInputError:
    """``m(None)``: torch would fail deep inside with no hint of where the call was made."""
    lua_label = getattr(module, "lua_label", None)
    label = lua_label() if lua_label is not None else type(module).__name__
    return ModuleInputError(
        f"{label} was called with None at {caller_site()}: expected a tensor or a table "
        f"(list) of tensors to compute, or graph nodes to declare a node (m(node), or "
        f"m() for a graph input)"
    )


def _leaf(t: torch.Tensor) -> torch.Tensor:
    """A fresh autograd leaf sharing ``t``'s memory, so Lua's backward can reach it."""
    if t.is_floating_point() or t.is_complex():
        return t.detach().requires_grad_(True)
    return t


class _Record:
    """What a Lua-style forward keeps for the backward that follows it (and, once a
    backward ran, the gradOutput it received: diagrams show its sizes)."""

    __slots__ = ("grad_output", "leaves", "output")

    def __init__(self, leaves: Any, output: Any):
        self.leaves = leaves
        self.output = output
        self.grad_output = None


# Bumped whenever a hook is registered on a pygraphnn module: a compiled gModule that
# inlined that module's computation notices on its next call and recompiles (a module
# with hooks is always called, never inlined, so that its hooks run).
_hooks_version = 0
_GLOBAL_HOOKS = tuple(
    getattr(torch.nn.modules.module, name)
    for name in (  # torch >= 2.0 has all four
        "_global_forward_hooks",
        "_global_forward_pre_hooks",
        "_global_backward_hooks",
        "_global_backward_pre_hooks",
    )
)


def hook_state() -> int:
    """A number that changes when hooks may have been added (per module or global)."""
    return _hooks_version * 2 + any(_GLOBAL_HOOKS)


def _counting(name: str):
    register = getattr(torch.nn.Module, name)

    def method(self, *args: Any, **kwargs: Any):
        global _hooks_version
        handle = register(self, *args, **kwargs)
        _hooks_version += 1
        return handle

    method.__name__ = name
    method.__doc__ = register.__doc__
    return method


class Module(torch.nn.Module):
    """Base class of pygraphnn modules (see the module docstring for the two idioms)."""

    register_forward_hook = _counting("register_forward_hook")
    register_forward_pre_hook = _counting("register_forward_pre_hook")
    register_full_backward_hook = _counting("register_full_backward_hook")
    register_full_backward_pre_hook = _counting("register_full_backward_pre_hook")
    register_backward_hook = _counting("register_backward_hook")

    # Lua's state fields; instances overwrite them on a Lua-style forward/backward.
    output: Any = None
    gradInput: Any = None
    # With Lua's buffer semantics on, backward(input, ...) differentiates at the input it is
    # given, as a Lua module does (a gModule uses the inputs of its forward, as nngraph does).
    _lua_backward_reads_given_input = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        pure = cls.__dict__.get("forward")
        if pure is not None and not getattr(pure, "_pygraphnn_dispatch", False):
            cls.forward = _make_dispatcher(pure)

    # ------------------------------------------------------------ declaration
    def __neg__(self) -> Node:
        """``-nn.Linear(20, 10)``: an input node whose value goes through this module."""
        return declare(self, (), site=caller_site())

    def __rsub__(self, other: Any) -> Node:
        """``[h1, h2] - nn.CAddTable()``."""
        return declare(self, (other,), site=caller_site())

    def __sub__(self, other: Any) -> Any:
        raise GraphError(
            f"'{type(self).__name__}() - ...' at {caller_site()}: a chain must start from a "
            f"node; write -{type(self).__name__}(...) - ... or x - {type(self).__name__}(...)."
        )

    def lua_label(self) -> str:
        """How Lua's ``tostring`` shows this module, e.g. ``nn.Linear(20 -> 10)``."""
        extra = self.extra_repr()
        return f"nn.{type(self).__name__}" + (f"({extra})" if extra else "")

    def __prepare_scriptable__(self) -> Any:
        """``torch.jit.script`` calls this first: say why it cannot work and what replaces it."""
        raise TorchScriptUnsupported(
            f"torch.jit.script cannot compile {self.lua_label()}: pygraphnn modules take Lua-style "
            f"inputs (g(x1, x2) or g([x1, x2]), tables of any length: a variable argument list "
            f"TorchScript does not type), and a gModule's forward is generated Python. TorchScript is "
            f"in maintenance mode upstream; use torch.compile(m) to speed it up, or "
            f"torch.export.export(m, (x1, ...)) for a deployable graph (both tested with gModules)."
        )

    # -------------------------------------------------------------- Lua idiom
    def _lua_forward(self, input: Any) -> Any:
        # a forward that fails must not leave the previous one for backward to differentiate
        self.__dict__["_lua_record"] = None
        lua_buffers = _buffers._enabled
        try:
            if not torch.is_grad_enabled():
                out = self(input)
            elif lua_buffers:
                leaves = map_structure(_leaf, input)
                # backward reads the inputs as they are then (or those it is given), as Lua's does
                with _buffers.by_reference(leaves if self._lua_backward_reads_given_input else None):
                    out = self(leaves)
                self.__dict__["_lua_record"] = _Record(leaves, out)
            else:
                leaves = map_structure(_leaf, input)
                out = self(leaves)
                self.__dict__["_lua_record"] = _Record(leaves, out)
        except BaseException as e:
            self.__dict__["_lua_failed"] = _first_line(e)
            raise
        self.__dict__["_lua_failed"] = None
        # a table of numbers a Lua-written module returned travels the graph as one tensor: numbers again here
        out_read = map_structure(lambda t: t.tolist() if hasattr(t, "_lua_numbers") else t, out)
        if lua_buffers:
            self.output = _buffers.refill(self.__dict__.setdefault("_lua_output_buffers", {}), out_read, input)
        else:
            self.output = map_structure(torch.Tensor.detach, out_read)
        return self.output

    def updateOutput(self, input: Any) -> Any:  # Lua name
        """Lua's ``updateOutput``: the same as a direct ``forward(input)``."""
        return self._lua_forward(input)

    def _record(self) -> _Record:
        rec = self.__dict__.get("_lua_record")
        if rec is None and self.__dict__.get("_lua_failed"):
            raise LuaIdiomError(
                f"{self.lua_label()}: backward called after a forward that failed "
                f"({self.__dict__['_lua_failed']}); there is no forward to differentiate (the gradients "
                f"of the forward before it would be stale). Run forward successfully first."
            )
        if rec is None:
            raise LuaIdiomError(
                f"{self.lua_label()}: backward called without a recorded forward. Call "
                f"m.forward(input) first (with gradients enabled; not under torch.no_grad())."
            )
        return rec

    def _lua_grads_at(
        self, input: Any, gradOutput: Any, want_input: bool, want_params: bool, scale: float = 1.0
    ) -> Any:
        """:meth:`_lua_grads`, reading the ``input`` given to backward where it is not the
        forward's (with Lua's buffer semantics on)."""
        if not _buffers._enabled:
            return self._lua_grads(gradOutput, want_input, want_params, scale)
        with _buffers.reading(self._record().leaves, input):
            return self._lua_grads(gradOutput, want_input, want_params, scale)

    def _lua_grads(self, gradOutput: Any, want_input: bool, want_params: bool, scale: float = 1.0) -> Any:
        """Backpropagate ``gradOutput`` through the recorded forward.

        Returns gradInput (when ``want_input``) and, when ``want_params``, adds
        ``scale`` times the parameter gradients to ``.grad`` (in place, so flat
        views from ``getParameters()`` see them)."""
        rec = self._record()
        gradOutput = _lua_array(gradOutput)
        rec.grad_output = gradOutput
        outs = flatten(rec.output)
        gouts = flatten(gradOutput)
        if len(outs) != len(gouts):
            raise LuaIdiomError(
                f"{self.lua_label()}: gradOutput has {len(gouts)} tensors but the output has {len(outs)}"
            )
        pairs = [(o, g) for o, g in zip(outs, gouts) if o.requires_grad]
        for k, (o, g) in enumerate(pairs):
            numbers = getattr(o, "_lua_numbers", None)
            if numbers is not None:  # that module's own updateGradInput gets the gradOutput as given
                numbers["grad"], pairs[k] = g, (o, torch.zeros_like(o))
        for o, g in pairs:
            if o.shape != g.shape:
                raise LuaIdiomError(
                    f"{self.lua_label()}: gradOutput of shape {tuple(g.shape)} for an output of shape {tuple(o.shape)}"
                )
        leaves = [t for t in iter_tensors(rec.leaves) if t.requires_grad] if want_input else []
        params: list[torch.Tensor] = [p for p in self.parameters() if p.requires_grad] if want_params else []
        if pairs and (leaves or params):
            outputs, grads = [o for o, _ in pairs], [g for _, g in pairs]
            if scale == 1:
                # autograd accumulates straight into .grad (the common case, and the fastest)
                for t in leaves:
                    t.grad = None
                with _buffers.accumulating_in_place() if params else contextlib.nullcontext():
                    torch.autograd.backward(outputs, grads, retain_graph=True, inputs=leaves + params)
                leaf_grads: Sequence[torch.Tensor | None] = [t.grad for t in leaves]
            else:
                found = torch.autograd.grad(outputs, leaves + params, grads, retain_graph=True, allow_unused=True)
                leaf_grads = found[: len(leaves)]
                _accumulate(zip(params, found[len(leaves) :]), scale)
        else:
            leaf_grads = [None] * len(leaves)
        if not want_input:
            return None
        it = iter(leaf_grads)
        gi = map_structure(lambda t: next(it) if t.requires_grad else None, rec.leaves)
        return _fill_zeros(gi, rec.leaves)

    def _keep_grad_input(self, gi: Any, gradOutput: Any) -> Any:
        """``self.gradInput = gi``, refilled into Lua's persistent buffers when those are on."""
        if _buffers._enabled and gi is not None:
            gi = _buffers.refill(self.__dict__.setdefault("_lua_grad_buffers", {}), gi, gradOutput)
        self.gradInput = gi
        return gi

    def updateGradInput(self, input: Any, gradOutput: Any) -> Any:
        """Lua's ``updateGradInput``: gradient w.r.t. the input of the last forward."""
        return self._keep_grad_input(self._lua_grads_at(input, gradOutput, True, False), gradOutput)

    def accGradParameters(self, input: Any, gradOutput: Any, scale: float = 1.0) -> None:
        """Lua's ``accGradParameters``: add ``scale`` times the parameter gradients to ``.grad``."""
        self._lua_grads_at(input, gradOutput, False, True, scale)

    def backward(self, input: Any, gradOutput: Any, scale: float = 1.0) -> Any:
        """Lua's ``backward``: returns gradInput and accumulates parameter gradients."""
        return self._keep_grad_input(self._lua_grads_at(input, gradOutput, True, True, scale), gradOutput)

    def __getattr__(self, name: str) -> Any:
        # Lua's m.gradWeight / m.gradBias: the gradient of weight / bias (zeros until a backward),
        # the tensor getParameters' flat gradient views, so in-place edits reach it
        if name in ("gradWeight", "gradBias"):
            p = torch.nn.Module.__getattr__(self, "weight" if name == "gradWeight" else "bias")
            if isinstance(p, torch.Tensor):
                if p.grad is None:
                    p.grad = torch.zeros_like(p)
                return p.grad
        return torch.nn.Module.__getattr__(self, name)

    def zeroGradParameters(self) -> None:
        """Zero every parameter gradient in place (creating it if absent, as Lua has gradWeight)."""
        with torch.no_grad():
            for p in self.parameters():
                if p.grad is None:
                    p.grad = torch.zeros_like(p)
                else:
                    p.grad.zero_()

    def updateParameters(self, learningRate: float) -> None:
        """Plain SGD step: ``p -= learningRate * p.grad``."""
        with torch.no_grad():
            for p in self.parameters():
                if p.grad is not None:
                    p.add_(p.grad, alpha=-learningRate)

    def luaParameters(self) -> tuple[list[torch.nn.Parameter], list[torch.Tensor]]:
        """Lua's ``m:parameters()``: the list of parameters and the list of their gradients."""
        params = list(self.parameters())
        grads = []
        for p in params:
            if p.grad is None:
                p.grad = torch.zeros_like(p)
            grads.append(p.grad)
        return params, grads

    def getParameters(self) -> tuple[torch.Tensor, torch.Tensor]:
        """One flat parameter tensor and one flat gradient tensor, as in Lua.

        Every parameter (and its ``.grad``) becomes a view into them, so
        ``flat.uniform_(-0.1, 0.1)`` initialises the whole network and an optimiser
        stepping on ``flat`` with ``flatGrad`` updates every module. Call it after any
        ``.to()``/``.double()``: a conversion gives parameters new memory (as in Lua).
        Keep gradients with ``zeroGradParameters()`` or ``zero_grad(set_to_none=False)``:
        setting ``.grad`` to None detaches it from ``flatGrad``.
        """
        return flatten_parameters(list(self.parameters()))

    def evaluate(self) -> Module:
        """Lua's ``evaluate()``: the same as ``eval()``."""
        self.eval()
        return self

    def clone(self, *share: str) -> Module:
        """Lua's ``clone(...)``: a deep copy; names in ``share`` (``'weight'``, ``'bias'``,
        ``'gradWeight'``, ``'gradBias'``) stay shared with this module in every submodule."""
        from .unroll import copy_module

        twin = cast(Module, copy_module(self, share_parameters=False))  # a deep copy: self's type
        if share:
            share_parameters(self, twin, share)
        return twin


def share_parameters(source: torch.nn.Module, target: torch.nn.Module, names: Any = None) -> None:
    """Make ``target`` use ``source``'s Parameter objects (all of them, or those named)."""
    names = {n.replace("gradWeight", "weight").replace("gradBias", "bias") for n in names} if names else None
    for (_, ms), (_, mt) in zip(
        source.named_modules(remove_duplicate=False), target.named_modules(remove_duplicate=False)
    ):
        for pname, p in ms._parameters.items():
            if p is not None and (names is None or pname in names):
                mt._parameters[pname] = p


def _lua_array(value: Any) -> Any:
    """A table of tensors that a ported Lua program built as ``g = {}; g[k] = ...`` (a dict
    keyed 1..n) as the list a table is here; anything else unchanged."""
    if isinstance(value, dict) and value and set(value) == set(range(1, len(value) + 1)):
        return [_lua_array(value[i]) for i in range(1, len(value) + 1)]
    if isinstance(value, list):
        return [_lua_array(v) for v in value]
    return value


def flatten_parameters(params: list[torch.nn.Parameter]) -> tuple[torch.Tensor, torch.Tensor]:
    """Re-home ``params`` (and their grads) as views of one flat tensor each."""
    if not params:
        return torch.empty(0), torch.empty(0)
    kinds = {(p.dtype, p.device) for p in params}
    if len(kinds) > 1:
        raise LuaIdiomError(
            f"getParameters() needs all parameters of one dtype and device, found {sorted(map(str, kinds))}"
        )
    dtype, device = kinds.pop()
    total = sum(p.numel() for p in params)
    flat = torch.empty(total, dtype=dtype, device=device)
    flat_grad = torch.zeros(total, dtype=dtype, device=device)
    offset = 0
    with torch.no_grad():
        for p in params:
            n = p.numel()
            flat[offset : offset + n].copy_(p.reshape(-1))
            if p.grad is not None:
                flat_grad[offset : offset + n].copy_(p.grad.reshape(-1))
            p.data = flat[offset : offset + n].view_as(p)
            p.grad = flat_grad[offset : offset + n].view_as(p)
            offset += n
    return flat, flat_grad


def _fill_zeros(grads: Any, like: Any) -> Any:
    if isinstance(like, torch.Tensor):
        return grads if grads is not None else torch.zeros_like(like)
    if isinstance(like, (list, tuple)):
        return [_fill_zeros(g, l) for g, l in zip(grads, like)]
    return grads


def _accumulate(pairs, scale: float) -> None:
    with torch.no_grad():
        for p, g in pairs:
            if g is None:
                continue
            if p.grad is None:
                p.grad = g * scale if scale != 1 else g.clone()
            else:
                p.grad.add_(g, alpha=scale)


class Criterion(Module):
    """Base of loss modules: ``crit(input, target)`` gives a 0-d tensor (PyTorch idiom);
    ``crit.forward(input, target)`` gives a Python number and ``crit.backward(input,
    target)`` the gradient w.r.t. ``input`` (Lua idiom). In a graph, ``crit([pred,
    target])`` declares a ModuleFromCriterion node."""

    def _as_graph_module(self) -> torch.nn.Module:
        from .adapters import ModuleFromCriterion

        return ModuleFromCriterion(self)

    def _lua_forward(self, input: Any, target: Any = None) -> float:
        if target is None:
            raise LuaIdiomError(f"{self.lua_label()}.forward(input, target) needs a target")
        self.__dict__["_lua_record"] = None  # a failed forward leaves nothing for backward
        self.__dict__["_lua_failed"] = None
        try:
            if not torch.is_grad_enabled():
                self.output = float(self(input, target))
                return self.output
            leaves = map_structure(_leaf, input)
            if _buffers._enabled:
                with _buffers.by_reference():
                    loss = self(leaves, target)
            else:
                loss = self(leaves, target)
        except BaseException as e:
            self.__dict__["_lua_failed"] = _first_line(e)
            raise
        self.__dict__["_lua_failed"] = None
        self.__dict__["_lua_record"] = _Record(leaves, loss)
        if _buffers._enabled:
            self.__dict__["_lua_seen"] = _buffers.snapshot((input, target))
        self.output = float(loss.detach())
        return self.output

    def updateOutput(self, input: Any, target: Any = None) -> float:
        return self._lua_forward(input, target)

    # Lua's criterion API takes a target where a module takes a gradient: the override is the point
    def backward(self, input: Any, target: Any = None) -> Any:  # type: ignore[override]
        """Lua's ``crit:backward(input, target)``: the gradient of the loss w.r.t. ``input``."""
        rec = self._record()
        if _buffers._enabled and _buffers.changed(self.__dict__.get("_lua_seen"), (input, target)):
            # Lua's criteria compute gradInput from input and target as they are now (MSE's input - target):
            # differentiate the loss at those (the printed loss, self.output, stays the forward's)
            loss = self.output
            self._lua_forward(input, target)
            self.output = loss
            rec = self._record()
        return self._keep_grad_input(self._lua_grads(torch.ones_like(rec.output), True, False), None)

    def updateGradInput(self, input: Any, target: Any = None) -> Any:
        return self.backward(input, target)
