"""Lua tables as Python lists: walking nested structures of tensors.

A Lua table of tensors is a Python list (or tuple); tables nest. These helpers map
over such structures and flatten them, as the Lua idiom and the zoo need.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import torch


def is_table(value: Any) -> bool:
    return isinstance(value, (list, tuple))


def map_structure(fn: Callable[[torch.Tensor], Any], value: Any) -> Any:
    """Apply ``fn`` to every tensor of a nested list; other leaves are kept."""
    if isinstance(value, torch.Tensor):
        return fn(value)
    if isinstance(value, (list, tuple)):
        return [map_structure(fn, v) for v in value]
    return value


def flatten(value: Any) -> list[torch.Tensor]:
    """All tensors of a nested list, depth first."""
    return list(iter_tensors(value))


def iter_tensors(value: Any) -> Iterator[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from iter_tensors(v)


def unflatten(template: Any, flat: Iterator[Any]) -> Any:
    """Rebuild ``template``'s nesting with values taken in order from ``flat``."""
    if isinstance(template, torch.Tensor):
        return next(flat)
    if isinstance(template, (list, tuple)):
        return [unflatten(v, flat) for v in template]
    return template


def describe(value: Any) -> str:
    """Shapes of a nested structure: ``Tensor[20x200]`` or ``{Tensor[2], Tensor[3x4 float64]}``.

    The dtype is shown unless it is the default float32: a double or integer input to a
    float model is a common cause of a failing node.

    >>> describe([torch.zeros(2), torch.zeros(3, 4, dtype=torch.float64)])
    '{Tensor[2], Tensor[3x4 float64]}'
    """
    if isinstance(value, torch.Tensor):
        dtype = "" if value.dtype == torch.float32 else " " + str(value.dtype).replace("torch.", "")
        return f"Tensor[{'x'.join(map(str, value.shape))}{dtype}]"
    if isinstance(value, (list, tuple)):
        return "{" + ", ".join(describe(v) for v in value) + "}"
    return type(value).__name__ if value is not None else "nil"
