"""``pygraphnn sample CHECKPOINT``: char-rnn's ``sample.lua`` on a char-rnn checkpoint.

CHECKPOINT is either a Lua char-rnn checkpoint (``.t7``, written by ``train.lua``) or a
checkpoint of the project's own char-rnn (``.pt``, written by ``pygraphnn charrnn train``);
the file's contents decide, not its name. ``pygraphnn charrnn sample`` is this same command.

Options are ``sample.lua``'s, with one or two dashes (``-length 300`` or ``--length 300``):
``-length`` (2000), ``-temperature`` (1), ``-primetext`` (""), ``-sample`` 0|1 (1),
``-seed`` (123), ``-verbose`` 0|1 (1: the diagnostic lines sample.lua prints before the
text), ``-gpuid`` and ``-opencl`` (accepted; this runs on the CPU). Greedy output
(``-sample 0``) is byte for byte what sample.lua prints; sampled text is deterministic
for a seed but not Lua's (see :mod:`pygraphnn.lua.classes.charrnn`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from ...help_text import plain
from ..format.t7 import T7Error

HELP = "generate text from a char-rnn checkpoint, as char-rnn's sample.lua"


class CommandError(Exception):
    """A user mistake: printed as ``pygraphnn sample: error: ...`` (exit status 2)."""


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "model",
        metavar="CHECKPOINT",
        help="char-rnn checkpoint: .t7 written by train.lua, or .pt written by `pygraphnn charrnn train`",
    )
    p.add_argument("-seed", "--seed", type=int, default=123, help="seed of the sampling generator (default 123)")
    p.add_argument(
        "-sample",
        "--sample",
        type=int,
        default=1,
        choices=(0, 1),
        help="0: take the most likely character (argmax); 1: sample (default 1)",
    )
    p.add_argument(
        "-primetext",
        "--primetext",
        default="",
        help='text fed to the network before generating (echoed); default "" starts from a uniform distribution',
    )
    p.add_argument("-length", "--length", type=int, default=2000, help="characters to generate (default 2000)")
    p.add_argument("-temperature", "--temperature", type=float, default=1.0, help="sampling temperature (default 1)")
    p.add_argument(
        "-gpuid",
        "--gpuid",
        type=int,
        default=-1,
        help="accepted for compatibility and ignored: pygraphnn samples on the CPU (default -1)",
    )
    p.add_argument(
        "-opencl", "--opencl", type=int, default=0, help="accepted for compatibility and ignored (default 0)"
    )
    p.add_argument(
        "-verbose",
        "--verbose",
        type=int,
        default=1,
        choices=(0, 1),
        help="1: print sample.lua's diagnostic lines before the text; 0: only the text (default 1)",
    )


add_sample_arguments = _add_arguments


# the --help description of `pygraphnn sample` and `pygraphnn charrnn sample`
DESCRIPTION = plain("\n\n".join(__doc__.split("\n\n")[1:3]))


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``sample`` subcommand to the ``pygraphnn`` command."""
    p = subparsers.add_parser(
        "sample",
        help=HELP,
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_arguments(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace, stdout: Any = None, stderr: Any = None) -> int:
    """Handler of ``pygraphnn sample``: writes the text to ``stdout`` (bytes, as io.write)."""
    from ..classes.charrnn import CheckpointError, generate, load_checkpoint

    out = stdout if stdout is not None else getattr(sys.stdout, "buffer", sys.stdout)
    err = stderr if stderr is not None else sys.stderr
    if args.length < 0:
        raise CommandError(f"-length must be >= 0, got {args.length}")
    if args.sample == 1 and not args.temperature > 0:
        raise CommandError(f"-temperature must be > 0, got {args.temperature}")
    if args.gpuid >= 0 or args.opencl:
        print(
            f"pygraphnn sample: note: -gpuid {args.gpuid}{' -opencl' if args.opencl else ''} ignored; "
            f"sampling on the CPU",
            file=err,
        )
    if not os.path.exists(args.model):
        raise CommandError(f"file {args.model} does not exist")
    if _is_torch_save_file(args.model):
        return _run_project_checkpoint(args, out)
    try:
        ckpt = load_checkpoint(args.model)
    except (T7Error, CheckpointError) as e:  # the only errors a bad file may cause
        raise CommandError(f"cannot use {args.model}: {_one_line(e)}") from e
    except OSError as e:
        raise CommandError(f"cannot read {args.model}: {e}") from e

    def say(line: str) -> None:  # sample.lua's gprint: stdout, only when verbose
        if args.verbose == 1:
            _write(out, (line + "\n").encode("utf-8", "surrogateescape"))

    say(f"creating an {ckpt.opt.get('model', 'lstm')}...")
    if args.primetext:
        say(f"seeding with {args.primetext}")
    else:
        say("missing seed text, using uniform probability over first character")
    say("--------------------------")
    try:
        for chunk in generate(
            ckpt,
            length=args.length,
            primetext=args.primetext,
            sample=args.sample == 1,
            temperature=args.temperature,
            seed=args.seed,
        ):
            _write(out, chunk)
    except CheckpointError as e:
        raise CommandError(_one_line(e)) from e
    finally:
        if hasattr(out, "flush"):
            out.flush()
    return 0


def _one_line(e: Exception, limit: int = 400) -> str:
    """An error about a file as one short line (its text may quote strings from the file)."""
    msg = " ".join(str(e).split())
    return msg if len(msg) <= limit else msg[: limit - 3] + "..."


def _is_torch_save_file(path: str) -> bool:
    """``torch.save`` writes a zip archive; a ``.t7`` file starts with a Torch7 type tag."""
    with open(path, "rb") as f:
        return f.read(4) == b"PK\x03\x04"


def _run_project_checkpoint(args: argparse.Namespace, out: Any) -> int:
    """The same flags on a checkpoint of the project's char-rnn (``models.charrnn``)."""
    # the reference models sit beside the library; only this command reaches into them
    from models.charrnn.sample import load, sample
    from pygraphnn.checkpoint import CheckpointError as UnreadableCheckpoint

    try:
        net, cfg, vocab = load(args.model)
    except (UnreadableCheckpoint, KeyError, TypeError) as e:
        raise CommandError(f"cannot use {args.model}: {e}") from e
    verbose = args.verbose == 1
    if verbose:
        lines = [
            f"creating an {cfg.model}...",
            f"seeding with {args.primetext}"
            if args.primetext
            else "missing seed text, using uniform probability over first character",
            "--------------------------",
        ]
        _write(out, ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape"))
    try:
        text = sample(
            net,
            cfg,
            vocab,
            args.length,
            primetext=args.primetext,
            temperature=args.temperature,
            greedy=args.sample == 0,
            seed=args.seed,
        )
    except ValueError as e:
        raise CommandError(str(e)) from e
    _write(out, (text + "\n").encode("latin-1", "replace"))
    if hasattr(out, "flush"):
        out.flush()
    return 0


def _write(out: Any, b: bytes) -> None:
    """Bytes to a binary stream; decoded (surrogateescape) for a text stream."""
    try:
        out.write(b)
    except TypeError:
        out.write(b.decode("utf-8", "surrogateescape"))


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``sample`` alone (``python -m pygraphnn.lua.commands.sample CKPT ...``)."""
    p = argparse.ArgumentParser(prog="pygraphnn sample", description=HELP)
    _add_arguments(p)
    args = p.parse_args(argv)
    try:
        return run(args)
    except CommandError as e:
        print(f"pygraphnn sample: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
