"""A read view of a gModule's nodes the way Lua nngraph exposes them (``g.forwardnodes``).

Lua programs reach into a built graph to tweak its modules, e.g. char-rnn sets the
forget-gate biases of the layer annotated ``i2h_1``::

    for _,node in ipairs(protos.rnn.forwardnodes) do
      if node.data.annotations.name == 'i2h_1' then node.data.module.bias:fill(1) end
    end

``g.forwardnodes`` gives the same walk over a pygraphnn gModule: a list of
:class:`LuaNode` in nngraph's order (:meth:`~pygraphnn.graph.Graph.lua_order`), each with
``.data.module`` (the gModule's own submodule, so changes reach the model),
``.data.annotations`` (a copy of the node's ``annotate`` fields, read as
``annotations.name`` or ``annotations["name"]``) and ``.data.mapindex`` (the
``data`` of the node's inputs, in argument order).

>>> x = nn.Identity()()
>>> h = nn.Linear(3, 2)(x).annotate(name="i2h")
>>> g = nn.gModule([x], [nn.Tanh()(h)])
>>> [(type(n.data.module).__name__, n.data.annotations.name) for n in g.forwardnodes]
[('Identity', None), ('Linear', 'i2h'), ('Tanh', None), ('NoneType', None)]

Differences from Lua: nngraph adds a dummy input node (and split nodes for several
inputs); the view lists only the nodes that were declared (an input node's ``mapindex``
holds one module-less data, standing for them), then, as Lua, the dummy output node (no
module; ``mapindex`` the outputs in ``gModule`` order). ``data.input`` (what each argument
gave at the last forward) is kept for modules written in Lua (ported programs), None otherwise.
Split outputs (``a, b = node:split(2)``) are listed with ``module`` None,
as in Lua. The view is rebuilt on each read and reflects the gModule's current modules.
"""

from __future__ import annotations

from typing import Any


class LuaFields(dict):
    """A node's annotations read the Lua way: ``annotations.name`` is ``annotations["name"]``,
    and an absent field is ``None`` (Lua's nil) rather than an error."""

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        return self.get(key)


class LuaNodeData:
    """``node.data`` of a Lua nngraph node: ``module``, ``annotations``, ``mapindex``."""

    __slots__ = ("annotations", "input", "mapindex", "module", "selectindex")

    def __init__(self, module: Any, annotations: dict, selectindex: int | None):
        self.module = module
        self.annotations = annotations
        self.mapindex: list[LuaNodeData] = []
        self.selectindex = selectindex
        # nngraph's data.input: what each argument gave at the last forward (kept by modules written in Lua)
        self.input: list | None = None

    def __repr__(self) -> str:
        name = self.annotations.get("name")
        what = type(self.module).__name__ if self.module is not None else f"select {self.selectindex}"
        return f"<node data {what}{f' {name!r}' if name else ''}>"


class LuaNode:
    """One item of ``forwardnodes``: its ``data`` (:class:`LuaNodeData`) and ``children``
    (the nodes that read it, as in nngraph's forward graph)."""

    __slots__ = ("children", "data")

    def __init__(self, data: LuaNodeData):
        self.data = data
        self.children: list[LuaNode] = []

    def __repr__(self) -> str:
        return f"<LuaNode {self.data!r}>"


def forward_nodes(g: Any) -> list[LuaNode]:
    """The nodes of gModule ``g`` in Lua nngraph's ``forwardnodes`` order (see module doc)."""
    graph = g.graph
    views: dict[int, LuaNode] = {}
    for i, n in enumerate(graph.nodes):
        attr = g.module_attrs[i]
        module = getattr(g, attr) if attr is not None else None
        # a copy: the graph's annotations belong to its declaration (diagrams, error messages)
        views[i] = LuaNode(LuaNodeData(module, LuaFields(n.annotations), n.select_index))
    for i in graph.inputs:
        # In Lua an input node reads nngraph's dummy input node (or one output of its split):
        # a data without module, so that ``#node.data.mapindex`` is 1 there too.
        views[i].data.mapindex.append(LuaNodeData(None, LuaFields(), None))
    for i, n in enumerate(graph.nodes):
        for a in n.args:
            views[i].data.mapindex.append(views[a].data)
            views[a].children.append(views[i])
        seen = getattr(views[i].data.module, "__dict__", {}).get("_lua_input")
        if seen is not None:
            views[i].data.input = seen if len(n.args) > 1 else [seen]
    # nngraph's dummy output node comes last: no module, the outputs in gModule order as mapindex
    out = LuaNode(LuaNodeData(None, LuaFields(), None))
    out.data.mapindex = [views[i].data for i in graph.outputs]
    return [views[i] for i in graph.lua_order()] + [out]
