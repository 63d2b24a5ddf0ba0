"""``--resume`` and the command line: which options come from the checkpoint, which from the flags.

A resumed run continues the saved one exactly, so the options that define the model, the
data batches and the optimizer are the checkpoint's; the options that only say how long to
run, how often to log and where to write are the command line's. When a flag given on the
command line disagrees with the checkpoint, :func:`reconcile` says which value wins (one
note per flag) instead of silently overriding.

:func:`record_explicit` makes a parser remember which options were actually given, so a
default value is never mistaken for the user's choice.

Example::

    >>> import argparse
    >>> p = argparse.ArgumentParser()
    >>> _ = p.add_argument("--rnn_size", type=int, default=128)
    >>> args = record_explicit(p).parse_args(["--rnn_size", "64"])
    >>> print(*reconcile(args, {"rnn_size": 16}, checkpoint_wins=["rnn_size"]))
    --rnn_size 64 ignored: the checkpoint's 16 is kept (a resumed run continues the same run)
    >>> args.rnn_size
    16
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["dashed", "explicit_options", "reconcile", "record_explicit", "underscored"]

_ATTR = "explicit_options_"


def _recording(base: type) -> type:
    """A subclass of the action class ``base`` that notes its ``dest`` when it runs."""

    class Recording(base):  # type: ignore[valid-type, misc]
        def __call__(self, parser, namespace, values, option_string=None):
            super().__call__(parser, namespace, values, option_string)
            given = set(getattr(namespace, _ATTR, ()))
            given.add(self.dest)
            setattr(namespace, _ATTR, given)

    Recording.__name__ = f"Recording{base.__name__}"
    return Recording


def record_explicit(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Make ``parser`` record the options given on the command line (see :func:`explicit_options`).
    Call it after the options are added; it returns ``parser``."""
    for action in parser._actions:  # argparse has no public hook for "was this option given"
        if (
            action.option_strings
            and not getattr(type(action), "_records", False)
            and not isinstance(action, argparse._HelpAction | argparse._VersionAction)
        ):
            cls = _recording(type(action))
            cls._records = True
            action.__class__ = cls
    return parser


def explicit_options(args: argparse.Namespace) -> set[str]:
    """The ``dest`` names of the options given on the command line."""
    return set(getattr(args, _ATTR, ()))


def underscored(dest: str) -> str:
    """char-rnn's spelling of an option: ``--max_epochs``."""
    return "--" + dest


def dashed(dest: str) -> str:
    """The usual spelling of an option: ``--max-epochs``."""
    return "--" + dest.replace("_", "-")


def reconcile(
    args: argparse.Namespace,
    saved: dict[str, Any],
    *,
    checkpoint_wins: Iterable[str] = (),
    command_line_wins: Iterable[str] = (),
    spell: Callable[[str], str] = underscored,
) -> list[str]:
    """Put the checkpoint's value of every ``checkpoint_wins`` option into ``args``; return one
    note for each option given on the command line whose value differs from the checkpoint's
    (either kept from the checkpoint or, for ``command_line_wins``, replacing it)."""
    given = explicit_options(args)
    notes = []
    for dest in checkpoint_wins:
        if dest not in saved:
            continue
        mine = getattr(args, dest, None)
        if dest in given and mine != saved[dest]:
            notes.append(
                f"{spell(dest)} {mine} ignored: the checkpoint's {saved[dest]} is kept "
                f"(a resumed run continues the same run)"
            )
        setattr(args, dest, saved[dest])
    for dest in command_line_wins:
        if dest in given and dest in saved and getattr(args, dest) != saved[dest]:
            notes.append(f"{spell(dest)} {getattr(args, dest)} replaces the checkpoint's {saved[dest]}")
    return notes
