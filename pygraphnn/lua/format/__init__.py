"""The ``.t7`` format: what Lua's ``torch.save`` writes and ``torch.load`` reads.

:mod:`.t7` reads and writes tables, numbers, strings, tensors, storages and torch
objects as plain data; it knows nothing about what an ``nn`` or ``nngraph`` class means
(that is :mod:`pygraphnn.lua.classes`).
"""
