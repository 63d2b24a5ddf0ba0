"""Docstring prose as ``--help`` text: the reST markup of the source dropped for the terminal.

>>> plain("``pygraphnn sample`` loads :mod:`x.y` and :func:`f`")
'pygraphnn sample loads x.y and f'
"""

from __future__ import annotations

import re


def plain(rest: str) -> str:
    """``x`` -> x, :role:`x` -> x: what a docstring paragraph shows in a terminal."""
    return re.sub(r":\w+:`~?([^`]*)`", r"\1", rest).replace("``", "")
