"""Reference models built with pygraphnn (ports of classic Lua Torch / nngraph models)."""
