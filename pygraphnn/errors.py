"""Exceptions raised by pygraphnn.

Every error about a graph names the node it concerns and the place in the user's
source where that node was declared, so the message alone is enough to find the
mistake.
"""


class GraphError(ValueError):
    """A graph could not be built: a wrong argument, a dangling node, a cycle..."""


class GraphRuntimeError(RuntimeError):
    """A node failed while a gModule ran; the original exception is the ``__cause__``."""


class LuaIdiomError(RuntimeError):
    """A Lua-style call (``forward``/``backward``/...) was used out of order."""


class ModuleInputError(TypeError):
    """A module was called with something that is neither a tensor (or a table of them)
    nor graph nodes, e.g. ``None``; the message names the module and the call site."""


class TorchScriptUnsupported(RuntimeError):
    """``torch.jit.script`` was asked to compile a pygraphnn module (use ``torch.compile`` or
    ``torch.export``, which handle them)."""
