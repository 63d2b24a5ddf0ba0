"""The Lua layer: reading what Lua Torch7 wrote, writing what it can read, porting its code.

Its parts, each importing only the ones before it (tests/test_lua_layers.py checks it):

* :mod:`.format` -- the ``.t7`` file format (``torch.save``/``torch.load``'s tables,
  tensors, storages, torch objects); it knows nothing about what an ``nn`` class means.
* :mod:`.classes` -- Lua class <-> pygraphnn module (``nn.Linear`` <-> :class:`~pygraphnn.nn.Linear`),
  with foreign classes such as char-rnn's ``OneHot``: :func:`load_t7` and :func:`save_t7`.
* :mod:`.runtime` -- what a ported program imports (``from pygraphnn.lua import runtime as lua``).
* :mod:`.translator` -- Lua source -> Python (:func:`port_source`, :func:`port_file`,
  :func:`port_program`).
* :mod:`.commands` -- the ``pygraphnn port``/``convert``/``sample`` subcommands.

>>> import pygraphnn.lua as lua
>>> print(lua.port_source("local x = 1 + 2\\nprint(x)").code.splitlines()[-1])
lua.print(x)
"""

from .classes import load_t7, save_t7  # noqa: F401 - modules <-> .t7 (pygraphnn.lua.format.t7 has the raw layer)

# the translator needs luaparser (the `port` extra): reached only when asked for
_TRANSLATOR = {
    "port_source": "emit",
    "port_file": "emit",
    "PortSyntaxError": "emit",
    "port_program": "program",
}


def __getattr__(name: str):
    if name in _TRANSLATOR:
        import importlib

        return getattr(importlib.import_module(f".translator.{_TRANSLATOR[name]}", __name__), name)
    raise AttributeError(f"module 'pygraphnn.lua' has no attribute {name!r}")
