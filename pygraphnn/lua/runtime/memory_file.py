"""``torch.MemoryFile``: Torch objects written to memory and read back as independent copies.

Lua programs deep-copy a model this way (char-rnn's ``clone_many_times``): write the net
once, then read a fresh copy per time step from the same bytes, each with its own tensors
and sharing nothing with the others or the original. ``copy.deepcopy`` gives exactly that
for every object a ported program holds, including modules of its own ported classes that
a ``.t7`` writer could not name, so this MemoryFile keeps deep copies rather than bytes:
``writeObject`` snapshots the object, ``readObject`` hands out a new copy of the snapshot.
(Sharing inside one object is kept, as Torch's serialiser keeps it.) Files are written
with ``torch.save``, which goes through the real t7 writer.

>>> mem = MemoryFile("w").binary()
>>> mem.writeObject({"a": [1.0]})
>>> one = MemoryFile(mem.storage(), "r").binary().readObject()
>>> two = MemoryFile(mem.storage(), "r").binary().readObject()
>>> one == two and one["a"] is not two["a"]
True
"""

from __future__ import annotations

import copy
from typing import Any


class MemoryStorage:
    """``mem:storage()``: what was written so far (a CharStorage in Lua), to open a reader on."""

    def __init__(self, objects: list):
        self.objects = objects


class MemoryFile:
    """``torch.MemoryFile([storage,] mode)``: objects go in and come out in order, whole
    (``writeObject``/``readObject``); ``binary()``/``ascii()`` change nothing here."""

    def __init__(self, storage_or_mode: Any = "rw", mode: str | None = None):
        if isinstance(storage_or_mode, MemoryStorage):
            self._objects = storage_or_mode.objects
            self.mode = mode or "rw"
        elif isinstance(storage_or_mode, str):
            self._objects = []
            self.mode = storage_or_mode
        else:
            raise TypeError(
                f"torch.MemoryFile: expected a mode string or mem:storage(), got {type(storage_or_mode).__name__}"
            )
        self._read = 0
        self._closed = False

    def binary(self) -> MemoryFile:
        return self

    def ascii(self) -> MemoryFile:
        return self

    def _check(self, want: str) -> None:
        if self._closed:
            raise ValueError("torch.MemoryFile: attempt to use a closed file")
        if want not in self.mode:
            raise ValueError(
                f"torch.MemoryFile: a file opened with mode {self.mode!r} cannot be "
                f"{'written' if want == 'w' else 'read'}"
            )

    def writeObject(self, obj: Any) -> None:
        self._check("w")
        self._objects.append(copy.deepcopy(obj))

    def readObject(self) -> Any:
        self._check("r")
        if self._read >= len(self._objects):
            raise EOFError("torch.MemoryFile: read error: no object left to read")
        self._read += 1
        return copy.deepcopy(self._objects[self._read - 1])

    def storage(self) -> MemoryStorage:
        return MemoryStorage(list(self._objects))

    def close(self) -> None:
        self._closed = True
