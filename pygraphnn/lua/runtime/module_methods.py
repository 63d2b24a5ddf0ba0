"""Lua nn.Module methods a ported program calls on pygraphnn modules that have no Python twin.

``m:share(src, 'weight', 'bias', 'gradWeight', 'gradBias')`` makes ``m`` use ``src``'s
parameters (torch-ntm shares every cell's Linear layers with the master cell this way).
pygraphnn modules keep a gradient with its Parameter, so sharing the Parameter shares both;
a module written in Lua keeps plain tensors, which share storage as Torch's ``set`` does.

>>> from pygraphnn import nn
>>> a, b = nn.Linear(2, 2), nn.Linear(2, 2)
>>> share(a, b, "weight", "bias") is a, a.weight is b.weight
(True, True)
"""

from __future__ import annotations

from typing import Any

import torch


def share(module: Any, src: Any, *names: str) -> Any:
    """``module:share(src, ...)``: ``module`` uses ``src``'s named parameters; returns module."""
    from pygraphnn.module import share_parameters

    share_parameters(src, module, list(names) or None)
    for name in names:  # plain tensor fields of modules written in Lua: shared storage
        mine, theirs = module.__dict__.get(name), src.__dict__.get(name)
        if isinstance(mine, torch.Tensor) and isinstance(theirs, torch.Tensor):
            mine.set_(theirs.untyped_storage(), theirs.storage_offset(), theirs.size(), theirs.stride())
    return module


#: Lua method name -> function(module, *args), for modules without such a method
MODULE_METHODS = {"share": share}
