"""A module of a Torch class pygraphnn does not know, kept by ``load_t7(..., strict=False)``.

A renamed or home-made class inside a model (``nn.MyFancyLogSoftMax`` as a gModule node,
``nn.FancyReLU`` in a Sequential) would stop a strict load. With ``strict=False`` the
loader puts an :class:`UnknownLuaModule` in its place: the rest of the model loads, the
object keeps its class name and every field as read from the file (nothing in it is
converted or run), running it raises an error naming the class and its place in the file,
and :func:`~pygraphnn.lua.classes.save.save_t7` writes the object back unchanged.
"""

from __future__ import annotations

from typing import Any

from ...module import Module
from ..format.t7 import TorchObject


class UnknownLuaModule(Module):
    """Stands in for a Torch object of a class pygraphnn has no module for.

    ``lua_class`` is its class name, ``raw`` the :class:`~pygraphnn.lua.format.t7.TorchObject` as
    read (its fields in ``raw.state``), ``where`` its place in the file. Replace it with a
    real module before running the model.

    >>> from pygraphnn.lua.format.t7 import LuaTable
    >>> m = UnknownLuaModule(TorchObject("nn.FancyReLU", LuaTable()), "modules[2]")
    >>> m.lua_class
    'nn.FancyReLU'
    """

    def __init__(self, raw: TorchObject, where: str):
        super().__init__()
        self.raw = raw
        self.lua_class = raw.class_name
        self.where = where

    def forward(self, *inputs: Any) -> Any:
        raise RuntimeError(
            f"cannot run {self.lua_class} (at {self.where}): pygraphnn has no module for this Lua class; "
            f"load_t7(..., strict=False) kept it as an UnknownLuaModule (its fields are in .raw.state). "
            f"Put a pygraphnn module with the same behaviour in its place before running the model"
        )

    def lua_label(self) -> str:
        return f"{self.lua_class} (unknown class, kept as read)"

    def extra_repr(self) -> str:
        return f"{self.lua_class!r}, at {self.where}"
