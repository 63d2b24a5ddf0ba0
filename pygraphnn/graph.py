"""From declared nodes to a validated graph: plain data, in topological order.

``build_graph(inputs, outputs)`` checks everything once, up front, and returns a
:class:`Graph` of :class:`GNode` records that no longer refer to the user's
:class:`~pygraphnn.node.Node` objects (so copying a gModule copies only its own
graph, never nodes of other graphs that happen to share an input).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from .errors import GraphError
from .node import Node, _bad_value
from .site import Site


@dataclass
class GNode:
    """One node of a built graph. ``args`` are indices of earlier GNodes."""

    index: int
    id: int
    module: torch.nn.Module | None
    args: tuple[int, ...]
    table_input: bool
    n_split: int | None
    select_index: int | None
    annotations: dict[str, Any]
    site: Site
    split_site: Site | None = None
    is_input: bool = False

    @property
    def name(self) -> str | None:
        return self.annotations.get("name")

    def describe(self) -> str:
        from .node import module_label

        label = f"node {self.name!r}" if self.name else f"node #{self.id}"
        if self.select_index is not None:
            label = f"output {self.select_index} of a split ({label})"
        elif self.n_split is not None:
            label = f"split({self.n_split}) ({label})"
        elif self.module is not None:
            label += f" ({module_label(self.module)})"
        return f"{label} declared at {self.site}"


@dataclass
class Graph:
    """A validated graph: ``nodes`` in topological order, inputs/outputs as indices."""

    nodes: list[GNode]
    inputs: list[int]
    outputs: list[int]
    consumers: list[list[int]] = field(default_factory=list)

    def modules(self) -> list[torch.nn.Module]:
        """Distinct modules in nngraph's order (:meth:`lua_order`), each at its first node."""
        seen: dict[int, torch.nn.Module] = {}
        for i in self.lua_order():
            n = self.nodes[i]
            if n.module is not None and id(n.module) not in seen:
                seen[id(n.module)] = n.module
        return list(seen.values())

    def lua_order(self) -> list[int]:
        """Node indices in the order of Lua nngraph's ``forwardnodes`` (``fg:topsort()``).

        nngraph sorts by a depth-first walk from its dummy output node, visiting each node's
        inputs in argument order and listing a node once all its inputs are listed (graph's
        ``Node:dfs`` on the reversed forward graph); the outputs are visited in the order
        given to ``gModule``. A gModule adds its modules to ``self.modules`` in this order, so
        ``parameters()`` and ``getParameters()`` follow it, not the order of declaration:

        >>> x, h = nn.Identity()(), nn.Identity()()
        >>> gate = nn.Sigmoid()(nn.Linear(4, 3)(h))       # declared first ...
        >>> value = nn.Tanh()(nn.Linear(4, 3)(x))         # ... but reached first from the output
        >>> g = nn.gModule([x, h], [nn.CMulTable()([value, gate])])
        >>> [type(g.graph.nodes[i].module).__name__ for i in g.graph.lua_order()]
        ['Identity', 'Linear', 'Tanh', 'Identity', 'Linear', 'Sigmoid', 'CMulTable']

        Nodes the walk does not reach (inputs nothing reads) follow, in declaration order.
        """
        order: list[int] = []
        seen: set[int] = set()
        for root in self.outputs:
            if root in seen:
                continue
            seen.add(root)
            stack = [(root, iter(self.nodes[root].args))]
            while stack:
                node, pending = stack[-1]
                for a in pending:
                    if a not in seen:
                        seen.add(a)
                        stack.append((a, iter(self.nodes[a].args)))
                        break
                else:
                    stack.pop()
                    order.append(node)
        order.extend(n.index for n in self.nodes if n.index not in seen)
        return order


def _as_node_list(value: Any, what: str, site: Site) -> list[Node]:
    if isinstance(value, Node):
        return [value]
    if not isinstance(value, (list, tuple)):
        raise _bad_value(value, f"gModule {what}", site)
    if not value:
        raise GraphError(f"gModule {what} is an empty list (at {site}); a gModule needs at least one.")
    for i, n in enumerate(value, 1):
        if not isinstance(n, Node):
            raise _bad_value(n, f"gModule {what}[{i}]", site)
    return list(value)


def build_graph(inputs: Any, outputs: Any, site: Site) -> Graph:
    """Validate a declaration and return its graph (see module docstring)."""
    ins = _as_node_list(inputs, "inputs", site)
    outs = _as_node_list(outputs, "outputs", site)

    in_pos: dict[int, int] = {}
    for k, n in enumerate(ins, 1):
        if n.inputs:
            src = n.inputs[0]
            raise GraphError(
                f"gModule inputs[{k}] ({n.describe()}) has inputs of its own (it reads "
                f"{src.describe()}); a gModule input must be declared with no arguments, "
                f"e.g. nn.Identity()()."
            )
        if id(n) in in_pos:
            raise GraphError(f"gModule inputs[{k}] repeats inputs[{in_pos[id(n)]}] ({n.describe()}).")
        in_pos[id(n)] = k

    # Depth-first walk back from the outputs: finds the nodes needed, cycles, and
    # leaves that are not inputs.
    state: dict[int, int] = {}  # 1 = on the stack, 2 = done
    needed: dict[int, Node] = {}
    for k, out in enumerate(outs, 1):
        stack: list[tuple[Node, int]] = [(out, 0)]
        while stack:
            n, i = stack.pop()
            if i == 0:
                st = state.get(id(n))
                if st == 2:
                    continue
                if st == 1:
                    raise GraphError(f"the graph has a cycle through {n.describe()}")
                state[id(n)] = 1
                if not n.inputs and id(n) not in in_pos:
                    raise GraphError(
                        f"gModule outputs[{k}] ({out.describe()}) is not computable from the inputs: it "
                        f"depends on {n.describe()}, which has no inputs and is not among the gModule's "
                        f"inputs. Add it to the inputs list, or connect it to an input."
                    )
            if i < len(n.inputs):
                stack.append((n, i + 1))
                child = n.inputs[i]
                if state.get(id(child)) == 1:
                    raise GraphError(f"the graph has a cycle through {child.describe()}")
                stack.append((child, 0))
            else:
                state[id(n)] = 2
                needed[id(n)] = n

    # Anything that reads a needed node but is not needed itself is dangling,
    # unless it belongs to a gModule built earlier from the same nodes (a sub-graph
    # or a super-graph of that one).
    for n in [*needed.values(), *ins]:
        for c in n.children:
            if id(c) not in needed and not c.in_graph:
                raise _dangling(c, outs)
    for n in needed.values():
        n.in_graph = True
    for n in ins:
        n.in_graph = True

    order = sorted(needed.values(), key=lambda n: n.id)  # creation order is topological
    for n in ins:  # unused inputs still take their argument position
        if id(n) not in needed:
            order.append(n)
    order.sort(key=lambda n: n.id)
    index = {id(n): i for i, n in enumerate(order)}
    gnodes = [
        GNode(
            index=i,
            id=n.id,
            module=n.module,
            args=tuple(index[id(a)] for a in n.inputs),
            table_input=n.table_input,
            n_split=n.n_split,
            select_index=n.select_index,
            annotations=dict(n.annotations),
            site=n.site,
            split_site=n.split_site,
            is_input=id(n) in in_pos,
        )
        for i, n in enumerate(order)
    ]
    consumers: list[list[int]] = [[] for _ in gnodes]
    for g in gnodes:
        for a in g.args:
            if not consumers[a] or consumers[a][-1] != g.index:
                consumers[a].append(g.index)
    return Graph(gnodes, [index[id(n)] for n in ins], [index[id(n)] for n in outs], consumers)


def _dangling(node: Node, outs: list[Node]) -> GraphError:
    if node.select_index is not None:
        mnode = node.inputs[0]
        return GraphError(
            f"output {node.select_index} of {mnode.n_split} from split({mnode.n_split}) of "
            f"{mnode.inputs[0].describe()} (split at {node.split_site}) is never used on the way to the "
            f"gModule outputs. Use it, or split into fewer outputs (or keep it with nn.SelectTable)."
        )
    return GraphError(
        f"{node.describe()} reads values of this graph but does not reach any gModule output "
        f"(a dangling node). Add it to the outputs or remove it; if it belongs to another gModule "
        f"built from the same input nodes, give each gModule its own input nodes."
    )
