"""The Lua-semantics runtime that ported programs import (``from pygraphnn.lua import runtime as lua``)."""
