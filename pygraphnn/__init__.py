"""pygraphnn: Lua Torch's nngraph on PyTorch.

Declare a graph the nngraph way, get a real ``torch.nn.Module`` whose forward is
generated straight-line code::

    import pygraphnn as ng
    from pygraphnn import nn

    x = nn.Identity()()
    y = x - nn.Linear(20, 10) - nn.Tanh()
    g = nn.gModule([x], [y])
    print(g.code)
"""

from .adapters import JustElement, JustTable, ModuleFromCriterion
from .convert import to_torch
from .debug import set_debug
from .errors import GraphError, GraphRuntimeError, LuaIdiomError
from .gmodule import gModule
from .graph import Graph, build_graph
from .interpreter import interpret
from .module import Criterion, Module, flatten_parameters
from .naming import annotate_nodes
from .node import Node, nest, node
from .unroll import Unroll, clip_gradient_norm, clone_many_times, detach_state, g_cloneManyTimes, set_training

__version__ = "0.1.0"


def __getattr__(name: str):
    # Rendering pulls in networkx/graphviz: load it on first use only.
    import importlib

    if name in ("dot", "render"):
        render = importlib.import_module(".render", __name__)
        return render.dot if name == "dot" else render
    if name in ("load_t7", "save_t7", "lua"):
        lua = importlib.import_module(".lua", __name__)
        return lua if name == "lua" else getattr(lua, name)
    raise AttributeError(f"module 'pygraphnn' has no attribute {name!r}")


__all__ = [
    "Criterion",
    "Graph",
    "GraphError",
    "GraphRuntimeError",
    "JustElement",
    "JustTable",
    "LuaIdiomError",
    "Module",
    "ModuleFromCriterion",
    "Node",
    "Unroll",
    "annotate_nodes",
    "build_graph",
    "clip_gradient_norm",
    "clone_many_times",
    "detach_state",
    "dot",
    "flatten_parameters",
    "gModule",
    "g_cloneManyTimes",
    "interpret",
    "load_t7",
    "nest",
    "node",
    "save_t7",
    "set_debug",
    "set_training",
]
__all__ += ["to_torch"]

from .window import Window, compile_window  # noqa: E402 - compile across time (issue 14)

__all__ += ["Window", "compile_window"]

from .buffers import lua_buffers, lua_buffers_enabled, set_lua_buffers  # noqa: E402 - Lua's buffer semantics (issue 12)

__all__ += ["lua_buffers", "lua_buffers_enabled", "set_lua_buffers"]

from .allocator import reuse_freed_memory  # noqa: E402 - keep large freed blocks for the next step (issue 14)

__all__ += ["reuse_freed_memory"]
