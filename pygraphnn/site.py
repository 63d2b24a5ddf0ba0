"""Where in the user's code a node was declared.

The site is captured once, when the node is created, by walking up the stack past
frames that belong to pygraphnn itself or to torch; it is reused in every error
message and as the diagram tooltip (nngraph's ``_debugLabel``).
"""

from __future__ import annotations

import functools
import os
import sys
from types import FrameType
from typing import NamedTuple

import torch

_PKG_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_TORCH_DIR = os.path.dirname(os.path.abspath(torch.__file__)) + os.sep
_SKIP = (_PKG_DIR, _TORCH_DIR)


class Site(NamedTuple):
    """A source location: ``file:line in function``."""

    filename: str
    lineno: int
    function: str

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno} in {self.function}"

    @property
    def short(self) -> str:
        """nngraph's ``[file]:line`` label (base name only)."""
        return f"[{os.path.basename(self.filename)}]:{self.lineno}"


UNKNOWN = Site("<unknown>", 0, "?")


@functools.cache
def _is_internal(filename: str) -> bool:
    # Generated gModule code and pygraphnn's own files are not user sites.
    if filename.startswith("<pygraphnn"):
        return True
    return os.path.abspath(filename).startswith(_SKIP)


def caller_site() -> Site:
    """The first stack frame outside pygraphnn and torch."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if not _is_internal(code.co_filename):
            return Site(code.co_filename, frame.f_lineno, code.co_name)
        frame = frame.f_back
    return UNKNOWN
