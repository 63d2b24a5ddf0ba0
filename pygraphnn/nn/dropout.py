"""Dropout with Lua nn's two conventions."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .. import lua_random
from ..errors import LuaIdiomError
from ..module import Module

__all__ = ["Dropout", "SpatialDropout"]


class Dropout(Module):
    """``nn.Dropout([p[, v1[, inplace[, stochasticInference]]]])``: zero each element with
    probability ``p`` (default 0.5) in training mode.

    * default (Lua's "v2"): kept elements are scaled by 1/(1-p) at training time;
      ``evaluate()`` mode is the identity.
    * ``v1=True`` (Lua's ``nn.Dropout(p, true)``): no scaling at training time; the
      output is multiplied by (1-p) in ``evaluate()`` mode.
    * ``stochasticInference=True``: drop (as in training) in ``evaluate()`` mode too.
    * ``p == 0`` is the identity. ``inplace`` is recorded; the computation is out of place.

    After a Lua-style ``m.forward(x)`` in training mode, ``m.noise`` holds the mask the
    output was multiplied by (scaled by 1/(1-p) for v2), like Lua's ``module.noise``.
    The PyTorch idiom (``m(x)``, also inside a gModule) does not write it.
    """

    _keep_noise = False  # set on the instance only for the duration of a Lua-style forward

    def __init__(self, p: float = 0.5, v1: bool = False, inplace: bool = False, stochasticInference: bool = False):
        super().__init__()
        p = 0.5 if p is None else float(p)
        if p >= 1 or p < 0:
            raise ValueError("<Dropout> illegal percentage, must be 0 <= p < 1")
        self.p = p
        self.v2 = not v1
        self.inplace = bool(inplace)
        self.stochastic_inference = bool(stochasticInference)
        self.noise = torch.empty(0)

    def setp(self, p: float) -> None:
        """Lua's ``setp(p)``."""
        self.p = float(p)

    def forward(self, input):
        p = self.p
        if p <= 0:
            return input
        if self.training or self.stochastic_inference:
            if self._keep_noise or lua_random.module_draws():
                noise = torch.empty_like(input)
                if lua_random.module_draws():  # Torch7's noise:bernoulli(1 - p), its stream
                    lua_random.lua_bernoulli_(noise, 1 - p)
                else:
                    noise.bernoulli_(1 - p)
                if self.v2:
                    noise.div_(1 - p)
                if self._keep_noise:
                    self.noise = noise
                return input * noise
            if self.v2:
                return F.dropout(input, p, True)
            return input * torch.empty_like(input).bernoulli_(1 - p)
        if not self.v2:
            return input * (1 - p)
        return input

    def _lua_forward(self, input):
        self.__dict__["_keep_noise"] = True
        try:
            return super()._lua_forward(input)
        finally:
            del self.__dict__["_keep_noise"]

    def _inline(self, ref, args, table_input):
        if table_input or not self.v2 or self.stochastic_inference or lua_random.module_draws():
            return None
        return f"F.dropout({args[0]}, {ref}.p, {ref}.training)"

    def extra_repr(self) -> str:
        return f"{self.p:f}"


class SpatialDropout(Module):
    """``nn.SpatialDropout([p[, stochasticInference]])``: in training mode, zero whole
    feature maps of ``C x H x W`` or ``B x C x H x W`` with probability ``p`` (default
    0.5), *without* rescaling the kept ones; ``evaluate()`` mode multiplies by ``1 - p``.

    As in Lua, a Lua-style ``backward`` in evaluate mode raises (the PyTorch idiom
    differentiates the scaling). After a Lua-style forward in training mode ``m.noise``
    holds the ``B x C x 1 x 1`` (or ``C x 1 x 1``) mask.

    >>> SpatialDropout(0.3).evaluate()(torch.ones(2, 1, 1)).flatten().tolist()
    [0.7, 0.7]
    """

    _keep_noise = False

    def __init__(self, p: float = 0.5, stochasticInference: bool = False):
        super().__init__()
        self.p = 0.5 if p is None else float(p)
        self.stochastic_inference = bool(stochasticInference)
        self.noise = torch.empty(0)

    def setp(self, p: float) -> None:
        """Lua's ``setp(p)``."""
        self.p = float(p)

    def forward(self, input):
        if self.training or self.stochastic_inference:
            if input.dim() not in (3, 4):
                raise ValueError(
                    f"nn.SpatialDropout: input must be 4-D (nbatch, nfeat, h, w) or 3-D (nfeat, h, w), "
                    f"got a {input.dim()}-D tensor"
                )
            noise = input.new_empty(input.shape[:-2] + (1, 1)).bernoulli_(1 - self.p)
            if self._keep_noise:
                self.noise = noise
            return input * noise
        return input * (1 - self.p)

    def _lua_forward(self, input):
        self.__dict__["_keep_noise"] = True
        try:
            return super()._lua_forward(input)
        finally:
            del self.__dict__["_keep_noise"]

    def _lua_grads(self, gradOutput, want_input, want_params, scale=1.0):
        if want_input and not self.training:
            raise LuaIdiomError("nn.SpatialDropout: backprop only defined while training (call .train())")
        return super()._lua_grads(gradOutput, want_input, want_params, scale)

    def extra_repr(self) -> str:
        return f"{self.p:f}"
