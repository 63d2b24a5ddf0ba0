"""The ``pygraphnn`` command as a user meets it: every command reachable after ``pip install``
from any folder, and every option of every command explained with its default."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pygraphnn.cli import build_parser


def _walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """``(command path, parser)`` of ``parser`` and of every subcommand below it."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _walk(sub, path + (name,))


def _documents_default(parser: argparse.ArgumentParser, action: argparse.Action) -> bool:
    if isinstance(
        action,
        (
            argparse._StoreTrueAction,
            argparse._StoreFalseAction,
            argparse._StoreConstAction,
            argparse._VersionAction,
            argparse._SubParsersAction,
        ),
    ):
        return True
    if action.nargs == 0 or not action.option_strings or action.required or action.default is None:
        return True  # flags, positionals, required options: no default to state
    if issubclass(parser.formatter_class, argparse.ArgumentDefaultsHelpFormatter) or "%(default)" in action.help:
        return True
    return "[" in action.help or "default" in action.help


COMMANDS = [p for p, _ in _walk(build_parser())]


def test_every_command_is_there():
    for expected in [
        ("render",),
        ("port",),
        ("sample",),
        ("data",),
        ("ptb", "train"),
        ("ptb", "complete"),
        ("charrnn", "train"),
        ("charrnn", "sample"),
        ("palindrome", "train"),
        ("palindrome", "sweep"),
        ("palindrome", "compare"),
    ]:
        assert expected in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "pygraphnn")
def test_every_option_has_help_with_its_default(path):
    parser = dict(_walk(build_parser()))[path]
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        name = "/".join(action.option_strings) or action.dest
        assert action.help and action.help != argparse.SUPPRESS, f"pygraphnn {' '.join(path)}: {name} has no help"
        assert _documents_default(parser, action), f"pygraphnn {' '.join(path)}: {name} does not state its default"


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "pygraphnn")
def test_help_is_terminal_text_not_rest_markup(path):
    """Descriptions taken from docstrings must not show reST (``x``, :mod:`x`) in --help."""
    text = dict(_walk(build_parser()))[path].format_help()
    assert "``" not in text and ":mod:`" not in text and ":func:`" not in text, text


def test_commands_run_from_any_folder(tmp_path):
    """From an empty folder and without PYTHONPATH: the installed package alone must do."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    exe = Path(sys.executable).with_name("pygraphnn")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "pygraphnn"]
    r = subprocess.run(
        [*cmd, "ptb", "train", "--help"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage: pygraphnn ptb train")  # the models package came with the install
