"""The Lua -> Python translator behind ``pygraphnn port``.

:mod:`.parse` turns Lua source into a syntax tree, :mod:`.scope` resolves names and
infers what each variable holds, :mod:`.emit` writes the Python (``port_source``) and
:mod:`.program` ports a whole program (a main file and the files it requires). The
generated code imports :mod:`pygraphnn.lua.runtime`, never this package.
"""
