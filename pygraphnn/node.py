"""Nodes: one call of a module in a declared graph.

``nn.Linear(20, 10)(x)`` does not compute anything when ``x`` is a :class:`Node`;
it returns a new node that remembers the module, its input nodes (in order: Lua's
``mapindex``), the place it was declared and its annotations. A module called at
several places gives several nodes (shared weights, no cycles).

Node kinds (mirroring nngraph's data fields):

* module node: ``module`` set, ``inputs`` the nodes it reads. With no inputs it is
  a graph input whose module is applied to the value fed in (``nn.Identity()()``,
  ``-nn.Linear(20, 10)``).
* split node (nngraph's "mnode"): ``n_split`` set, reads one node whose value is a
  table of ``n_split`` entries.
* select node: ``select_index`` (1-based) set, reads the split node.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

import torch

from .errors import GraphError
from .site import Site, caller_site

_ids = itertools.count(1)


class Node:
    """One call of a module inside a graph declaration."""

    __slots__ = (
        "__weakref__",
        "annotations",
        "children",
        "id",
        "in_graph",
        "inputs",
        "module",
        "n_split",
        "select_index",
        "site",
        "split_site",
        "table_input",
    )

    def __init__(
        self,
        module: torch.nn.Module | None,
        inputs: tuple[Node, ...] = (),
        *,
        table_input: bool = False,
        n_split: int | None = None,
        select_index: int | None = None,
        site: Site | None = None,
        split_site: Site | None = None,
    ):
        self.id = next(_ids)
        self.module = module
        self.inputs = inputs
        self.table_input = table_input
        self.n_split = n_split
        self.select_index = select_index
        self.site = site if site is not None else caller_site()
        self.split_site = split_site
        self.annotations: dict[str, Any] = {}
        self.children: list[Node] = []
        self.in_graph = False  # set once a gModule was built through this node
        for parent in inputs:
            if not parent.children or parent.children[-1] is not self:
                parent.children.append(self)

    # ------------------------------------------------------------------ naming
    @property
    def name(self) -> str | None:
        """The annotated name, if any."""
        return self.annotations.get("name")

    def describe(self) -> str:
        """A one-line description used in every error message."""
        if self.select_index is not None:
            src = self.inputs[0].inputs[0]
            what = f"output {self.select_index} of {src.describe_short()}.split({self.inputs[0].n_split})"
        elif self.n_split is not None:
            what = f"split({self.n_split}) of {self.inputs[0].describe_short()}"
        else:
            what = self.describe_short()
        return f"{what} declared at {self.site}"

    def describe_short(self) -> str:
        label = f"node {self.name!r}" if self.name else f"node #{self.id}"
        if self.module is not None:
            label += f" ({module_label(self.module)})"
        return label

    def __repr__(self) -> str:
        return f"<Node {self.describe()}>"

    # ------------------------------------------------------------- annotations
    def annotate(self, annotations: dict | None = None, **kwargs: Any) -> Node:
        """Attach ``name``, ``description`` and ``graphAttributes`` (and any other key).

        >>> h = nn.Linear(20, 10)(x).annotate(name="L1", graphAttributes={"color": "red"})

        Accepts keyword arguments or, as in Lua (``:annotate{name='L1'}``), one dict.
        Returns the node itself so calls can be chained.
        """
        if annotations is not None:
            if not isinstance(annotations, dict):
                raise GraphError(f"annotate() takes a dict or keyword arguments, got {type(annotations).__name__}")
            kwargs = {**annotations, **kwargs}
        for key, value in kwargs.items():
            if key == "graphAttributes" and not isinstance(value, dict):
                raise GraphError(f"graphAttributes must be a dict, got {type(value).__name__} for {self.describe()}")
            if key == "name" and not isinstance(value, str):
                raise GraphError(f"name must be a string, got {value!r} for {self.describe()}")
            self.annotations[key] = value
        return self

    # ------------------------------------------------------------------- split
    def split(self, n: int) -> Node | tuple[Node, ...]:
        """Split a node whose value is a table into ``n`` nodes, one per entry.

        >>> a, b = nn.SplitTable(2)(t).split(2)

        ``split(1)`` returns a single node holding the only entry (nngraph's
        ``JustElement``).
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise GraphError(f"split(n) needs a positive integer, got {n!r} for {self.describe()}")
        site = caller_site()
        if n == 1:
            from .adapters import JustElement

            return declare(JustElement(), (self,), site=site)
        mnode = Node(None, (self,), n_split=n, site=self.site, split_site=site)
        return tuple(Node(None, (mnode,), select_index=i, site=self.site, split_site=site) for i in range(1, n + 1))

    # ---------------------------------------------------------------- chaining
    def __sub__(self, module: Any) -> Node:
        """``x - nn.Linear(20, 10) - nn.Tanh()``: feed this node to ``module``."""
        if isinstance(module, torch.nn.Module):
            return declare(module, (self,), site=caller_site())
        return NotImplemented

    def __iter__(self):
        raise GraphError(
            f"a Node cannot be unpacked or iterated; use .split(n) to get the entries "
            f"of a table-valued node ({self.describe()})"
        )

    def __bool__(self) -> bool:
        return True


def module_label(module: torch.nn.Module) -> str:
    """``nn.Linear(20 -> 10)``-style label: the module's own ``lua_label`` if it has one."""
    label = getattr(module, "lua_label", None)
    if callable(label):
        return label()
    return (
        type(module).__qualname__
        if type(module).__module__.startswith("pygraphnn")
        else f"{type(module).__module__}.{type(module).__qualname__}"
    )


def _bad_value(value: Any, where: str, site: Site) -> GraphError:
    """Explain why ``value`` is not a node, guessing the likely mistake."""
    if value is None:
        return GraphError(
            f"{where} is None (declared at {site}). A typo in a variable name, or a node that was never assigned?"
        )
    if isinstance(value, torch.nn.Module):
        return GraphError(
            f"{where} is a module ({module_label(value)}), not a node (at {site}). "
            f"Did you forget the second ()? Write {type(value).__name__}(...)() for an "
            f"input node, or {type(value).__name__}(...)(x) to call it on a node."
        )
    if isinstance(value, torch.Tensor):
        return GraphError(
            f"{where} is a tensor of shape {tuple(value.shape)}, not a node (at {site}). "
            f"Graphs are declared with nodes; feed tensors to the gModule when it runs."
        )
    return GraphError(f"{where} is a {type(value).__name__} ({value!r:.60}), not a node (at {site}).")


def declare(module: torch.nn.Module, args: tuple, *, site: Site | None = None) -> Node:
    """Create the node for ``module(*args)`` where ``args`` hold nodes (or nothing)."""
    site = site if site is not None else caller_site()
    as_graph_module = getattr(module, "_as_graph_module", None)
    if as_graph_module is not None:  # criterions become ModuleFromCriterion nodes
        module = as_graph_module()
    label = module_label(module)
    check = getattr(module, "_check_declaration", None)
    if check is not None:  # a module that knows how many inputs it takes (a gModule)
        check(args, site)
    if not args:
        return Node(module, (), site=site)
    if len(args) > 1:
        raise GraphError(
            f"{label} was called with {len(args)} arguments at {site}; pass several "
            f"nodes as one list (a Lua table): module([a, b])."
        )
    arg = args[0]
    if isinstance(arg, Node):
        return Node(module, (arg,), site=site)
    if isinstance(arg, (list, tuple)):
        if not arg:
            raise GraphError(
                f"{label} was called with an empty list at {site}; a module in a graph "
                f"needs at least one input node (use module() for a graph input)."
            )
        for i, item in enumerate(arg, 1):
            if isinstance(item, (list, tuple)):
                raise GraphError(
                    f"input {i} of {label} at {site} is a nested list; wrap nested tables "
                    f"of nodes with ng.nest(...) first."
                )
            if not isinstance(item, Node):
                raise _bad_value(item, f"input {i} of {label}", site)
        return Node(module, tuple(arg), table_input=True, site=site)
    raise _bad_value(arg, f"the input of {label}", site)


def is_node_call(args: tuple) -> bool:
    """True when a module call declares a node rather than computing.

    That is: no arguments, nodes, or something that can only be a mistaken
    declaration (a module, an empty list); ``declare`` then explains the mistake.
    """
    if not args:
        return True
    a = args[0]
    if isinstance(a, (Node, torch.nn.Module)):
        return True
    if isinstance(a, (list, tuple)):
        return not a or any(isinstance(x, (Node, torch.nn.Module)) for x in a)
    return False


class node:  # noqa: N801 - lower case on purpose: ng.node(torch_module)(x) reads like a call
    """Use any ``torch.nn.Module`` in a graph: ``ng.node(torch.nn.GELU())(x)``.

    pygraphnn's own modules are callable on nodes directly; this adapter gives the
    same behaviour to plain torch modules without patching torch.
    """

    __slots__ = ("module",)

    def __init__(self, module: torch.nn.Module):
        if not isinstance(module, torch.nn.Module):
            raise GraphError(f"ng.node() takes a torch.nn.Module, got {type(module).__name__}")
        self.module = module

    def __call__(self, *args: Any) -> Node:
        return declare(self.module, args, site=caller_site())

    def __neg__(self) -> Node:
        return declare(self.module, (), site=caller_site())

    def __rsub__(self, other: Any) -> Node:
        return declare(self.module, (other,), site=caller_site())


def nest(structure: Node | Iterable) -> Node:
    """A node whose value is a nested table of other nodes' values (nngraph.nest).

    >>> state = ng.nest([c1, [h1, h2]])
    """
    from .adapters import JustTable

    site = caller_site()

    def build(item: Any) -> Node:
        if isinstance(item, Node):
            return item
        if isinstance(item, (list, tuple)) and item:
            return declare(JustTable(), ([build(x) for x in item],), site=site)
        raise _bad_value(item, "an entry of ng.nest()", site)

    return build(structure)
