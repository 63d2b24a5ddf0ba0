"""``ng.annotate_nodes()``: name nodes after the variables that hold them (nngraph.annotateNodes)."""

from __future__ import annotations

import sys

from .node import Node


def annotate_nodes(frame_depth: int = 1) -> int:
    """Give every Node held in a local (or global, at module level) variable of the
    caller a ``name`` annotation equal to the variable's name, unless it already has
    one. Returns how many nodes were named.

    >>> x = nn.Identity()(); h = nn.Tanh()(x)
    >>> ng.annotate_nodes()   # x is now named 'x', h 'h'
    """
    frame = sys._getframe(frame_depth)
    count = 0
    for scope in (frame.f_locals, frame.f_globals):
        for var, value in list(scope.items()):
            if isinstance(value, Node) and "name" not in value.annotations and not var.startswith("_"):
                value.annotations["name"] = var
                count += 1
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value, 1):
                    if isinstance(item, Node) and "name" not in item.annotations:
                        item.annotations["name"] = f"{var}[{i}]"
                        count += 1
        if frame.f_locals is frame.f_globals:
            break
    return count
