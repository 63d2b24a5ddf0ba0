"""Unrolling in time: clones that share parameters, and truncated-BPTT helpers.

Two idioms, as in the classic tutorials and in modern PyTorch:

* Lua: ``clones = ng.clone_many_times(cell, T)`` gives T modules sharing the
  prototype's Parameter objects (so parameters *and* gradients share storage: no
  extra parameter memory), each with its own forward state, for the loop
  "forward clones 1..T, then backward T..1".
* PyTorch: ``ng.Unroll(cell, T)`` is one module that runs the cell T times,
  threading the state through; autograd does BPTT.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from typing import Any

import torch

from .errors import GraphError
from .module import Module
from .tables import map_structure

_LUA_STATE = ("_lua_record", "output", "gradInput")


def copy_module(module: torch.nn.Module, *, share_parameters: bool) -> torch.nn.Module:
    """Deep copy without the Lua-idiom state (recorded graphs cannot be copied);
    with ``share_parameters`` the copy uses the very same Parameter objects."""
    memo: dict[int, Any] = {}
    for m in module.modules():
        for key in _LUA_STATE if not _is_lua_class(m) else _LUA_STATE[:1]:
            # a module written in Lua keeps its output and gradInput buffers (tables or tensors)
            value = m.__dict__.get(key)
            if value is not None:
                memo[id(value)] = None
        if _is_lua_class(m):
            for key in _LUA_STATE[1:]:  # a tensor autograd recorded cannot be deep-copied: its value can
                value = m.__dict__.get(key)
                if isinstance(value, torch.Tensor) and value.requires_grad:
                    memo[id(value)] = value.detach().clone()
        if share_parameters:
            for p in m._parameters.values():
                if p is not None:
                    memo[id(p)] = p
            if _is_lua_class(m):
                # a module written in Lua holds plain tensors: its parameters() are these fields
                for key in _LUA_PARAMETER_FIELDS:
                    value = m.__dict__.get(key)
                    if isinstance(value, torch.Tensor):
                        memo[id(value)] = value
    return copy.deepcopy(module, memo)


_LUA_PARAMETER_FIELDS = ("weight", "bias", "gradWeight", "gradBias")


def _is_lua_class(m: torch.nn.Module) -> bool:
    """A module of a class a ported Lua program declares (``torch.class('X', 'nn.Module')``)."""
    return getattr(type(m), "_lua_class", None) is not None


def clone_many_times(net: torch.nn.Module, T: int) -> list[torch.nn.Module]:
    """``T`` clones of ``net`` sharing its parameters and their gradients.

    Like the tutorials' ``g_cloneManyTimes``: each clone keeps its own Lua forward
    state (and its own Dropout mask), so ``clones[t].forward`` for t = 1..T followed by
    ``clones[t].backward`` for t = T..1 is truncated BPTT. Flat views from
    ``getParameters()`` stay valid whether taken before or after cloning, and
    ``train()``/``eval()`` must be applied to each clone (see :func:`set_training`).
    """
    if isinstance(T, bool) or not isinstance(T, int) or T < 1:
        raise GraphError(f"clone_many_times needs a positive number of clones, got {T!r}")
    return [copy_module(net, share_parameters=True) for _ in range(T)]


g_cloneManyTimes = clone_many_times  # the tutorials' name


def set_training(modules: Sequence[torch.nn.Module], mode: bool = True) -> None:
    """``train(mode)`` on every clone (Lua's ``for t ... clones[t]:training()``)."""
    for m in modules:
        m.train(mode)


def clip_gradient_norm(flat_grad: torch.Tensor, max_norm: float) -> float:
    """Lua's "shrink factor": scale ``flat_grad`` in place so its L2 norm is at most
    ``max_norm``. Returns the norm before clipping."""
    norm = float(flat_grad.norm())
    if norm > max_norm and math.isfinite(norm):
        flat_grad.mul_(max_norm / norm)
    return norm


def detach_state(state: Any) -> Any:
    """Cut the autograd history of a (nested) state, keeping its values (truncated BPTT)."""
    return map_structure(torch.Tensor.detach, state)


class Unroll(Module):
    """Run a one-step ``cell`` over ``T`` steps in one module (the PyTorch idiom).

    The cell takes ``[*step_inputs, *state]`` and returns ``[*next_state, *step_outputs]``
    (``n_step_inputs`` and ``n_state`` say how many of each). ``Unroll(cell, T)`` takes
    ``(inputs, state)`` where ``inputs`` is a list over time of the step inputs (each
    a tensor, or a list when ``n_step_inputs > 1``) and returns ``(outputs, state)``:
    per-step outputs (the step outputs, or the new state when the cell has none) and
    the final state. The cell's parameters are shared by every step (one module).
    """

    def __init__(self, cell: torch.nn.Module, T: int, *, n_step_inputs: int = 1, n_state: int | None = None):
        super().__init__()
        self.cell = cell
        self.T = T
        self.n_step_inputs = n_step_inputs
        self.n_state = n_state

    def forward(self, inputs: Sequence[Any], state: Sequence[Any]) -> tuple[list[Any], list[Any]]:
        if len(inputs) != self.T:
            raise GraphError(f"Unroll over T={self.T} steps got {len(inputs)} step inputs")
        n_state = len(state) if self.n_state is None else self.n_state
        state = list(state)
        outputs = []
        for step in inputs:
            step = list(step) if self.n_step_inputs > 1 else [step]
            out = self.cell(step + state)
            out = out if isinstance(out, list) else [out]
            state = out[:n_state]
            rest = out[n_state:]
            outputs.append((rest[0] if len(rest) == 1 else rest) if rest else list(state))
        return outputs, state
