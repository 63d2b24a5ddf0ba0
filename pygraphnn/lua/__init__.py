"""The Lua porting layer: reading what Lua Torch7 wrote and writing what it can read.

``pygraphnn.lua.format.t7`` is the generic ``torch.save``/``torch.load`` serialization layer
(tables, tensors, storages, torch objects); it knows nothing about what an ``nn`` or
``nngraph`` class means.
"""

from .classes.load import load_t7, save_t7  # noqa: F401 - modules <-> .t7 (pygraphnn.lua.format.t7 has the raw layer)
