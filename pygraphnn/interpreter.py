"""A plain interpreter of a built graph: the reference the generated code is tested against.

It walks the nodes in order with a dictionary of values and calls every module
through ``module(value)`` (no inlining). Slow and obvious on purpose.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .graph import Graph


def interpret(graph: Graph, inputs: Sequence[Any]) -> Any:
    """Run ``graph`` on ``inputs`` (one value per graph input); returns like a gModule."""
    if len(inputs) != len(graph.inputs):
        raise ValueError(f"expected {len(graph.inputs)} inputs, got {len(inputs)}")
    values: dict[int, Any] = dict(zip(graph.inputs, inputs))
    for n in graph.nodes:
        if n.index in values:
            if n.module is not None:  # an input node with a module
                values[n.index] = n.module(values[n.index])
        elif n.select_index is not None:
            values[n.index] = values[n.args[0]][n.select_index - 1]
        elif n.n_split is not None:
            table = values[n.args[0]]
            if len(table) != n.n_split:
                raise ValueError(f"split({n.n_split}) got a table of {len(table)} entries")
            values[n.index] = table
        else:
            args = [values[a] for a in n.args]
            assert n.module is not None, f"{n}: a computing node always has a module"
            values[n.index] = n.module(args if n.table_input else args[0])
    outs = [values[o] for o in graph.outputs]
    return outs[0] if len(outs) == 1 else outs
