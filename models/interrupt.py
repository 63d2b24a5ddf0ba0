"""Ctrl-C during training: finish the current step, save a checkpoint, say how to resume.

A ``KeyboardInterrupt`` raised in the middle of a step would leave the parameters half
updated and the random generator half advanced, so a checkpoint written then could not
continue exactly. :class:`StopRequest` instead turns the first SIGINT into a request that
the training loop reads at a step boundary (:attr:`StopRequest.requested`); a second SIGINT
raises ``KeyboardInterrupt`` at once (no checkpoint), for a user who cannot wait.

Example::

    >>> with StopRequest() as stop:
    ...     for step in range(3):
    ...         if stop.requested:
    ...             break
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import Any, TextIO

__all__ = ["INTERRUPTED_EXIT_STATUS", "StopRequest"]

# what a shell reports for a process ended by SIGINT (128 + 2)
INTERRUPTED_EXIT_STATUS = 130


class StopRequest:
    """A context manager that defers the first Ctrl-C to the next step boundary.

    Outside the main thread (where signal handlers cannot be installed) it does nothing and
    ``requested`` stays False: Ctrl-C then behaves as usual.
    """

    def __init__(
        self,
        notice: str = "stopping after the current step to save a checkpoint (Ctrl-C again to quit without saving)",
        stream: TextIO | None = None,
    ):
        self.requested = False
        self._notice = notice
        self._stream = stream
        self._previous: Any = None
        self._installed = False

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print(f"\n{self._notice}", file=self._stream or sys.stderr, flush=True)

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False
