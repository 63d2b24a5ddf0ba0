"""Lua's ``debug`` library, the part programs use to find out where they run: ``debug.getinfo``.

Example::

    from pygraphnn.lua import runtime as lua

    info = lua.debug.getinfo(1, "S")  # the calling function's file and lines
    assert info.source.startswith("@") and info.what == "main"
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import FrameType
from typing import Any

from .table import LuaTable

_RUNTIME = str(Path(__file__).resolve().parent)


def _getinfo(level: Any, what: str = "flnSu") -> Any:
    """``debug.getinfo(level [, what])``: level 1 is the function calling getinfo, 2 its caller...

    Frames of this runtime (``lua.invoke`` and the like) are not Lua functions and are skipped.
    The source is the ported Python file the function runs from (``@/path/ported/x.py``): a
    program comparing it with its own ``.lua`` name (learning_to_execute's ``script_path() ==
    "data.lua"``) sees, as under ``th``, that it was not started as that file. Past the outermost
    function, nil (as in Lua).
    """
    if not isinstance(level, (int, float)) or isinstance(level, bool):
        raise TypeError(
            f"debug.getinfo: the level must be a number, got {type(level).__name__} "
            "(a function as the first argument is not supported)"
        )
    frame: FrameType | None = sys._getframe(1)
    frames = []
    while frame is not None:
        if not str(Path(frame.f_code.co_filename).resolve()).startswith(_RUNTIME):
            frames.append(frame)
        frame = frame.f_back
    level = int(level)
    if level < 1 or level > len(frames):
        return None
    f = frames[level - 1]
    main = f.f_code.co_name == "<module>"
    return LuaTable(
        {
            "source": "@" + f.f_code.co_filename,
            "short_src": f.f_code.co_filename,
            "what": "main" if main else "Lua",
            "currentline": f.f_lineno,
            "linedefined": 0 if main else f.f_code.co_firstlineno,
            "name": None if main else f.f_code.co_name,
        }
    )


class _Debug:
    """The ``debug`` table: only ``getinfo`` (the hooks and locals of Lua's are not meaningful here)."""

    getinfo = staticmethod(_getinfo)

    def __getattr__(self, key: str) -> Any:
        raise AttributeError(f"debug.{key} is not available in pygraphnn.lua.runtime")


debug = _Debug()
