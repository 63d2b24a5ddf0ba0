"""Progress bars for long jobs (training epochs, validation and test passes, porting a Lua
program), with :mod:`tqdm`.

Bars go to stderr and only when it is a terminal, so logs and pipes stay clean;
``PYGRAPHNN_PROGRESS=1`` forces them on, ``PYGRAPHNN_PROGRESS=0`` off. Lines printed with
:func:`say` while a bar is shown do not break it.

Example::

    >>> total = 0
    >>> for i in bar(range(3), "validation"):
    ...     total += i
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

__all__ = ["ENV_VAR", "bar", "counter", "say"]

ENV_VAR = "PYGRAPHNN_PROGRESS"
T = TypeVar("T")


def _disable() -> bool | None:
    setting = os.environ.get(ENV_VAR, "").strip().lower()
    if setting in ("1", "true", "yes", "on"):
        return False
    if setting in ("0", "false", "no", "off"):
        return True
    return None  # tqdm's own rule: only on a terminal


def bar(iterable: Iterable[T], desc: str, *, total: int | None = None, unit: str = "it") -> Iterator[T]:
    """``iterable`` with a transient progress bar named ``desc``."""
    return iter(
        tqdm(
            iterable,
            desc=desc,
            total=total,
            unit=unit,
            leave=False,
            disable=_disable(),
            file=sys.stderr,
            dynamic_ncols=True,
        )
    )


def counter(desc: str, *, total: int, initial: int = 0, unit: str = "it") -> tqdm:
    """A progress bar advanced by hand (``.update()``; ``.close()`` at the end)."""
    return tqdm(
        desc=desc,
        total=total,
        initial=initial,
        unit=unit,
        leave=False,
        disable=_disable(),
        file=sys.stderr,
        dynamic_ncols=True,
    )


def say(line: str) -> None:
    """Print a log line to stdout without breaking a bar shown on stderr."""
    tqdm.write(line, file=sys.stdout)
    sys.stdout.flush()
