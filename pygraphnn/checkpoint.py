"""Checkpoint files: read without running code, write without ever leaving a half file.

A checkpoint is a ``torch.save`` file of plain data only: tensors, numbers, strings,
``None`` and dicts/lists/tuples of them (configuration dataclasses are stored as dicts).
:func:`load_checkpoint_file` reads it with ``torch.load(weights_only=True)``, whose
unpickler builds nothing else: a file whose pickle would call a function (a crafted
``__reduce__``, a pickled class) is refused with :class:`CheckpointError` before anything
in it runs.

:func:`save_checkpoint_file` writes a temporary file in the target's folder, flushes and
``fsync``\\ s it, then ``os.replace``\\ s it over the target: a kill at any moment leaves
either the old file or the new one, never a truncated one. Temporary files that a killed
run left behind are removed by :func:`clean_stale_temporaries` (and by every save).

Example::

    >>> import tempfile, torch
    >>> d = tempfile.mkdtemp()
    >>> path = save_checkpoint_file({"step": 3, "w": torch.zeros(2)}, d + "/last.pt")
    >>> load_checkpoint_file(path)["step"]
    3
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import torch

__all__ = [
    "TEMP_SUFFIX",
    "CheckpointError",
    "clean_stale_temporaries",
    "load_checkpoint_file",
    "save_checkpoint_file",
    "write_text_atomically",
]

# temporaries are ".<target name>.<random>.tmp": hidden, and recognisable as ours
TEMP_SUFFIX = ".tmp"


class CheckpointError(ValueError):
    """A checkpoint file could not be read: not a ``torch.save`` file, or it holds more
    than plain data (something its pickle would have to call or import)."""


def load_checkpoint_file(path: str | os.PathLike) -> Any:
    """The plain data saved in ``path``, read with ``torch.load(weights_only=True)`` on the CPU.

    Raises :class:`FileNotFoundError` when there is no such file and :class:`CheckpointError`
    when the file is not a checkpoint of plain data; nothing in the file is executed.

    >>> load_checkpoint_file("/nonexistent/last.pt")
    Traceback (most recent call last):
    FileNotFoundError: no checkpoint at /nonexistent/last.pt
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no checkpoint at {p}")
    try:
        return torch.load(p, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        # torch's message is long and about its own API; the first line names what was refused
        detail = str(e).strip().splitlines()
        reason = next(
            (line.strip() for line in detail if "GLOBAL" in line or "Unsupported" in line),
            detail[0] if detail else type(e).__name__,
        )
        raise CheckpointError(
            f"{p}: refused to load: the file holds objects other than plain data "
            f"(tensors, numbers, strings, lists, dicts), which could run code when "
            f"unpickled; only checkpoints written by pygraphnn's trainers are read "
            f"({reason})"
        ) from None
    except (RuntimeError, EOFError, OSError, ValueError, AttributeError, KeyError, IndexError) as e:
        raise CheckpointError(
            f"{p}: not a readable checkpoint (truncated or not a torch.save file): "
            f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        ) from None


def clean_stale_temporaries(folder: str | os.PathLike, target_name: str | None = None) -> list[Path]:
    """Remove the temporary files an interrupted save left in ``folder`` (those of
    ``target_name`` only, when given: ``.last.pt.*.tmp`` and the older ``.last.*.tmp``);
    returns what was removed."""
    d = Path(folder)
    if not d.is_dir():
        return []
    prefix = f".{Path(target_name).stem}." if target_name else "."
    removed = []
    for p in d.iterdir():
        if p.name.startswith(prefix) and p.name.endswith(TEMP_SUFFIX) and p.is_file():
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed


def save_checkpoint_file(obj: Any, path: str | os.PathLike) -> Path:
    """``torch.save(obj)`` to ``path`` atomically: a temporary file in the same folder,
    ``fsync``, then ``os.replace``. Stale temporaries of ``path`` are removed first."""
    return _write_atomically(path, lambda f: torch.save(obj, f))


def write_text_atomically(text: str, path: str | os.PathLike) -> Path:
    """``text`` (UTF-8) to ``path`` the same way as :func:`save_checkpoint_file`."""
    return _write_atomically(path, lambda f: f.write(text.encode("utf-8")))


def _write_atomically(path: str | os.PathLike, write: Any) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temporaries(target.parent, target.name)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)
    return target


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
