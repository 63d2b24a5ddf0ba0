"""Lua's buffer semantics for the Lua idiom (``m.forward``/``m.backward``), switched on for ported programs.

In Lua Torch a module's ``output`` and ``gradInput`` are tensors it owns and refills in
place on every call (``self.output:resizeAs(...):copy(...)``), and a backward reads its
``input`` as it is *at backward time*. Programs rely on both, sometimes without meaning
to: karpathy/char-rnn keeps ``init_state_global = rnn_state[#rnn_state]``, references to
the last clone's output tensors; the next batch's first clone reads them as its previous
state, the last clone's forward then overwrites them, and the first clone's backward
computes its weight gradients from the new contents. To print Lua's numbers, a port must
do the same.

With the semantics on (:func:`set_lua_buffers`, or ``with lua_buffers():``):

* ``m.forward(x)`` returns the same tensor objects every call, refilled in place (resized
  when the shape changes; replaced only when dtype or device change). An output that *is*
  an input, or a view of one (``nn.Identity``, ``nn.SelectTable``, ``nn.View``), is that
  input's memory, as Lua returns the input itself.
* ``m.backward(x, g)`` returns the same ``gradInput`` tensors every call, refilled.
* the forward that ``backward`` differentiates keeps references to the tensors it read,
  not snapshots: autograd's saved tensors are kept by reference (a saved-tensor hook),
  so a backward sees their contents at backward time, exactly where a Lua module's
  ``updateGradInput``/``accGradParameters`` reads ``input`` (``nn.Linear``'s weight
  gradient, ``nn.CMulTable``'s gradients). Values a Lua module reads from its own
  ``output`` (``nn.Sigmoid``, ``nn.Tanh``) stay those of the forward, as in Lua, and a
  Dropout's noise is the one drawn at forward (autograd keeps the mask).
* ``m.backward(x2, g)`` after ``m.forward(x1)`` reads ``x2`` where the forward kept ``x1``
  (a Lua module computes from the ``input`` it is handed); a gModule keeps using the inputs
  of its forward, as nngraph's nodes do. A criterion's backward differentiates at the input
  and target it is given (recomputed when those changed since its forward).

It is off by default: a Python program that keeps ``a = m.forward(x1)`` and then calls
``m.forward(x2)`` expects ``a`` unchanged. ``pygraphnn port`` writes programs whose entry
point switches it on.

>>> import torch, pygraphnn as ng
>>> from pygraphnn import nn
>>> m = nn.Tanh()
>>> with ng.lua_buffers():
...     a = m.forward(torch.zeros(2))
...     b = m.forward(torch.ones(2))
>>> a is b
True
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch

from .tables import iter_tensors, map_structure

_enabled = False


def set_lua_buffers(enabled: bool) -> bool:
    """Switch Lua's buffer semantics on or off for every module; returns the previous setting."""
    global _enabled
    previous, _enabled = _enabled, bool(enabled)
    return previous


def lua_buffers_enabled() -> bool:
    """Whether Lua's buffer semantics are on (see :func:`set_lua_buffers`)."""
    return _enabled


@contextmanager
def lua_buffers(enabled: bool = True) -> Iterator[None]:
    """``with lua_buffers():`` runs its block with Lua's buffer semantics on (or off)."""
    previous = set_lua_buffers(enabled)
    try:
        yield
    finally:
        set_lua_buffers(previous)


def _pack(t: torch.Tensor) -> torch.Tensor:
    # an alias without autograd history: keeping a saved output itself would keep its grad_fn,
    # which keeps this, alive forever (a reference cycle through C++ that no collector sees)
    return t.detach()


def _unpack(t: Any) -> torch.Tensor:
    if type(t) is tuple:  # (alias, input): a saved input, which backward may have been given anew
        alias, leaf = t
        given = _substitutes.get(id(leaf))
        if given is not None:
            offset = given.storage_offset() + alias.storage_offset() - leaf.storage_offset()
            return given.as_strided(alias.size(), alias.stride(), offset)
        return alias
    return t


# While a backward runs: the tensors it was given in place of the forward's inputs (id of the
# forward's input -> the given tensor, laid out as that input), read instead by the saved tensors.
_substitutes: dict[int, torch.Tensor] = {}


def by_reference(inputs: Any = None):
    """A context in which autograd keeps saved tensors by reference and skips its check that
    they were not modified in place: a later backward reads their current contents (Lua's
    ``backward(input, ...)`` reads ``input`` at backward time). Saved tensors that are
    ``inputs`` (or views of them) can be read from other tensors given to that backward
    (:func:`reading`)."""
    if inputs is None:
        return torch.autograd.graph.saved_tensors_hooks(_pack, _unpack)
    by_storage: dict[int, list[torch.Tensor]] = {}
    for t in iter_tensors(inputs):
        if t.numel():
            by_storage.setdefault(_storage_of(t), []).append(t)

    def pack(t: torch.Tensor) -> Any:
        found = by_storage.get(_storage_of(t)) if t.numel() else None
        if found and len(found) == 1:  # one input owns that memory: a view of it
            return (t.detach(), found[0])
        return t.detach()

    return torch.autograd.graph.saved_tensors_hooks(pack, _unpack)


@contextmanager
def reading(recorded: Any, given: Any) -> Iterator[None]:
    """Within the block, saved tensors of the forward's inputs ``recorded`` read the tensors
    ``given`` to backward instead, where those are other tensors of the same shape and type
    (Lua's modules compute gradients from the ``input`` they are handed)."""
    pairs = list(zip(iter_tensors(recorded), iter_tensors(given)))
    for leaf, t in pairs:
        if (
            t.shape == leaf.shape
            and t.dtype == leaf.dtype
            and leaf.is_contiguous()
            and (t.data_ptr(), t.stride()) != (leaf.data_ptr(), leaf.stride())
        ):
            _substitutes[id(leaf)] = t.contiguous()
    try:
        yield
    finally:
        _substitutes.clear()


def _storage_of(t: torch.Tensor) -> int:
    return t.untyped_storage().data_ptr()


def refill(owned: dict[int, torch.Tensor], value: Any, aliases: Any) -> Any:
    """``value`` (a tensor or table of tensors) as Lua's persistent buffers.

    ``owned`` maps a position in the flattened table to the buffer this module owns
    there; each tensor of ``value`` is copied into it in place (resized as Lua's
    ``resizeAs``). A tensor sharing memory with one of ``aliases`` (the call's inputs)
    is returned as that memory instead, as Lua returns the input tensor itself."""
    inputs = {_storage_of(t) for t in iter_tensors(aliases) if t.numel()}
    position = iter(range(1 << 62))

    def keep(t: torch.Tensor) -> torch.Tensor:
        i = next(position)
        t = t.detach()
        if t.numel() and _storage_of(t) in inputs:
            return t
        buf = owned.get(i)
        if buf is None or buf.dtype != t.dtype or buf.device != t.device:
            # a copy, not the result itself: that may be a parameter, or a view of a tensor other code owns
            owned[i] = buf = t.clone(memory_format=torch.contiguous_format)
            return buf
        with torch.no_grad():
            if buf.shape != t.shape:
                buf.resize_(t.shape)
            buf.copy_(t)
        return buf

    return map_structure(keep, value)


def _identity(t: torch.Tensor) -> tuple:
    # memory and layout, not the Python object: `x[t]` makes a new view of the same memory each time
    return (t.data_ptr(), t.shape, t.stride(), t.dtype, t._version)


def snapshot(value: Any) -> list[tuple]:
    """Where the tensors of ``value`` live and their version counters, to tell later whether
    any was replaced or written in place (:func:`changed`)."""
    return [_identity(t) for t in iter_tensors(value)]


def changed(seen: list[tuple] | None, value: Any) -> bool:
    """Whether ``value`` holds other tensors than :func:`snapshot` saw, or the same ones written since."""
    return seen is not None and seen != snapshot(value)


# Lua's accGradParameters adds into gradWeight inside its BLAS call (``gradBias:addmv(...)``,
# LookupTable's ``axpy`` row by row): the sum is rounded once per term, in that order, which a
# gradient computed apart and then added to ``.grad`` does not reproduce. While ``m.backward``
# (scale 1) runs autograd, a Lua-exact kernel may add its parameter gradient into ``.grad``
# itself, as Lua does, and give autograd none.
_accumulating = False


@contextmanager
def accumulating_in_place() -> Iterator[None]:
    """A context (``m.backward``, Lua's semantics on) where kernels may add parameter gradients into ``.grad``."""
    global _accumulating
    previous, _accumulating = _accumulating, True
    try:
        yield
    finally:
        _accumulating = previous


def grad_accumulator(param: torch.Tensor | None) -> torch.Tensor | None:
    """``param.grad`` (created as zeros) when a kernel may add into it in place (see
    :func:`accumulating_in_place`), else None: then it returns its gradient to autograd."""
    if not (_accumulating and _enabled) or param is None or not param.is_leaf or not param.requires_grad:
        return None
    if param.grad is None:
        param.grad = torch.zeros_like(param, memory_format=torch.contiguous_format)
    grad = param.grad
    return grad if grad.is_contiguous() else None
