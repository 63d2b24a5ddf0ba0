"""``torch.DiskFile``: Torch's file object, for the text reading and writing programs do with it.

Lua programs read a whole corpus with ``torch.DiskFile(name):readString('*a')`` (practical6's
data preparation) or write lines with ``writeString``. Text is read as Lua does, byte for byte:
each byte one character (latin-1). Objects go through ``torch.save``/``torch.load`` instead;
``readObject``/``writeObject`` on a DiskFile say so.

>>> import os, tempfile
>>> name = os.path.join(tempfile.mkdtemp(), "a.txt")
>>> f = DiskFile(name, "w")
>>> f.writeString("first\\nsecond\\n")
>>> f.close()
>>> DiskFile(name).readString("*l"), DiskFile(name, "r").quiet().readString("*a")
('first', 'first\\nsecond\\n')
"""

from __future__ import annotations

from typing import IO, Any


class DiskFile:
    """``torch.DiskFile(name[, mode[, quiet]])``: mode ``'r'`` (default), ``'w'`` or ``'rw'``."""

    def __init__(self, name: str, mode: str = "r", quiet: Any = False):
        if mode not in ("r", "w", "rw"):
            raise ValueError(f"torch.DiskFile: bad mode {mode!r} for {name!r} (expected 'r', 'w' or 'rw')")
        self.name, self.mode = name, mode
        py_mode = {"r": "r", "w": "w", "rw": "r+"}[mode]
        self._handle: IO[Any] | None
        try:
            # the handle lives as long as the Lua file object (closed by close())
            self._handle = open(name, py_mode, encoding="latin-1", newline="")  # noqa: SIM115
        except OSError as e:
            if quiet is not None and quiet is not False:
                self._handle = None
                return
            raise OSError(f"torch.DiskFile: cannot open <{name}> in mode {mode} ({e.strerror})") from None

    def _file(self, want: str):
        if self._handle is None or self._handle.closed:
            raise ValueError(f"torch.DiskFile: attempt to use the closed or unopened file {self.name!r}")
        if want not in self.mode:
            raise ValueError(f"torch.DiskFile: {self.name!r} is opened with mode {self.mode!r}, not for {want!r}")
        return self._handle

    def readString(self, fmt: str = "*a") -> str:
        """``'*a'``: the rest of the file; ``'*l'``: the next line without its newline."""
        f = self._file("r")
        if fmt.startswith("*a"):
            return f.read()
        if fmt.startswith("*l"):
            return f.readline().rstrip("\n")
        raise ValueError(f"torch.DiskFile.readString: format {fmt!r} (expected '*a' or '*l')")

    def writeString(self, text: str) -> None:
        self._file("w").write(text)

    def readObject(self) -> Any:
        raise NotImplementedError(f"torch.DiskFile.readObject ({self.name!r}): use torch.load(name) in the port")

    def writeObject(self, obj: Any) -> None:
        raise NotImplementedError(f"torch.DiskFile.writeObject ({self.name!r}): use torch.save(name, obj) in the port")

    def quiet(self) -> DiskFile:
        return self

    def binary(self) -> DiskFile:
        return self

    def ascii(self) -> DiskFile:
        return self

    def isQuiet(self) -> bool:
        return False

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
