"""char-rnn's ``util/CharSplitLMMinibatchLoader.lua`` without the ``.t7`` cache.

The vocabulary is the sorted set of the file's *bytes* (Lua reads bytes; tinyshakespeare is
ASCII), ids are **1-based** as in Lua (they feed ``OneHot`` and ``ClassNLLCriterion``).
The stream is cut to a multiple of ``batch_size * seq_length``; the targets are the stream
shifted by one, the last target wrapping to the first character; ``data.view(B, -1)`` is
split into chunks of ``seq_length`` columns, and the chunks are divided into train / val /
test: ``ntrain = floor(n * f_train)``, then val takes the rest (when ``f_test == 0``) or
``floor(n * f_val)`` and test the rest.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import torch

TRAIN, VAL, TEST = 0, 1, 2


def find_input(data: str | os.PathLike | None = None, data_dir: str | os.PathLike | None = None) -> Path:
    """The text to train on: ``data`` when given, else ``tinyshakespeare/input.txt`` in the data
    folder (``data_dir``, ``$PYGRAPHNN_DATA`` or the default one; see :mod:`models.datasets`).
    A missing file raises :class:`models.datasets.DataNotFoundError` saying what to run."""
    from models.datasets import DataNotFoundError, data_root, fetch_command

    if data:
        path = Path(data).expanduser()
        if not path.is_file():
            raise DataNotFoundError(f"no text file at {path} (--data)")
        return path
    path = data_root(data_dir) / "tinyshakespeare" / "input.txt"
    if not path.is_file():
        raise DataNotFoundError(
            f"no {path}; to download tinyshakespeare, run: "
            f"{fetch_command('tinyshakespeare', data_dir)}  (or pass --data FILE to "
            f"train on another text)"
        )
    return path


def build_vocab(raw: bytes) -> dict[str, int]:
    """Sorted distinct bytes -> 1-based ids (as ``table.sort`` on Lua's one-byte strings)."""
    return {chr(b): i + 1 for i, b in enumerate(sorted(set(raw)))}


def encode(raw: bytes, vocab: dict[str, int]) -> torch.Tensor:
    lut = torch.zeros(256, dtype=torch.int64)
    for ch, i in vocab.items():
        lut[ord(ch)] = i
    return lut[torch.frombuffer(bytearray(raw), dtype=torch.uint8).long()]


class CharSplitLMMinibatchLoader:
    """Batches ``(x, y)`` of shape ``batch_size x seq_length`` for the three splits.

    With ``rows`` (a slice of the ``batch_size`` sequences) the batches hold only those rows:
    a process's share in multi-process training; ``self.batch_size`` is then their number.

    >>> loader = CharSplitLMMinibatchLoader("input.txt", 50, 50, (0.95, 0.05, 0.0))
    >>> x, y = loader.next_batch(TRAIN)
    """

    def __init__(
        self,
        path: str | os.PathLike,
        batch_size: int,
        seq_length: int,
        split_fractions: tuple[float, float, float] = (0.95, 0.05, 0.0),
        *,
        rows: slice | None = None,
        verbose: bool = False,
    ):
        raw = Path(path).read_bytes()
        self.vocab_mapping = build_vocab(raw)
        self.vocab_size = len(self.vocab_mapping)
        data = encode(raw, self.vocab_mapping)
        chunk = batch_size * seq_length
        if len(data) < chunk:
            raise ValueError(
                f"{path}: {len(data)} characters is less than one batch "
                f"(batch_size * seq_length = {chunk}); use smaller ones"
            )
        data = data[: chunk * (len(data) // chunk)]
        ydata = data.clone()
        ydata[:-1] = data[1:]
        ydata[-1] = data[0]
        rows = slice(None) if rows is None else rows
        self.x_batches = data.view(batch_size, -1)[rows].split(seq_length, 1)
        self.y_batches = ydata.view(batch_size, -1)[rows].split(seq_length, 1)
        self.batch_size, self.seq_length = self.x_batches[0].shape[0], seq_length
        self.nbatches = len(self.x_batches)
        f_train, f_val, f_test = split_fractions
        for name, f in zip(("train", "val", "test"), split_fractions):
            if not 0 <= f <= 1:
                raise ValueError(f"bad split fraction {f} for {name}, not between 0 and 1")
        self.ntrain = math.floor(self.nbatches * f_train)
        if f_test == 0:
            self.nval = self.nbatches - self.ntrain
            self.ntest = 0
        else:
            self.nval = math.floor(self.nbatches * f_val)
            self.ntest = self.nbatches - self.nval - self.ntrain
        self.split_sizes = [self.ntrain, self.nval, self.ntest]
        self.batch_ix = [0, 0, 0]
        if verbose:
            print(
                f"vocab size: {self.vocab_size}; data batches in train: {self.ntrain}, "
                f"val: {self.nval}, test: {self.ntest}"
            )

    def reset_batch_pointer(self, split: int, batch_index: int = 0) -> None:
        self.batch_ix[split] = batch_index

    def next_batch(self, split: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The next batch of ``split`` (cycling), as ``(x, y)``, 1-based ids, ``B x T``."""
        if self.split_sizes[split] == 0:
            raise ValueError(f"a batch was requested from split {('train', 'val', 'test')[split]}, which has no data")
        self.batch_ix[split] += 1
        if self.batch_ix[split] > self.split_sizes[split]:
            self.batch_ix[split] = 1
        ix = self.batch_ix[split] - 1 + sum(self.split_sizes[:split])
        return self.x_batches[ix], self.y_batches[ix]
