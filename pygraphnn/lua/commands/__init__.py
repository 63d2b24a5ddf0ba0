"""The ``pygraphnn`` subcommands of the Lua layer: ``port``, ``convert`` and ``sample``.

Each module offers ``register(subparsers)`` (see :mod:`pygraphnn.cli`) and drives the
layers below it: :mod:`.port` the translator, :mod:`.convert` and :mod:`.sample` the
class mapping.
"""
