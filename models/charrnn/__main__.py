"""``pygraphnn charrnn {train,sample} ...`` (also ``python -m models.charrnn ...``)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from models.distributed import BatchSplitError, launched_rank_and_world
from models.interrupt import INTERRUPTED_EXIT_STATUS
from models.resume_flags import record_explicit
from pygraphnn.help_text import plain
from pygraphnn.lua.commands import sample as sample_command

from . import train

PROG = "pygraphnn charrnn"
DESCRIPTION = "char-rnn on pygraphnn: train a character-level LSTM/GRU/RNN, or sample one."
TRAIN_EPILOG = (
    "Several processes: torchrun --nproc_per_node=N -m models.charrnn train ... shares every batch's "
    "sequences out over the N processes (DistributedDataParallel, gloo; --batch_size must be a multiple "
    "of N) with the same losses, parameters and checkpoints as one process; process 0 prints and "
    "writes the checkpoints, and a run resumes on any number of processes that divides the batch. "
    "See docs/performance.md."
)


def configure(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``train`` and ``sample`` subcommands to ``p``."""
    sub = p.add_subparsers(
        dest="charrnn_command", required=True, metavar="{train,sample}", help="train a model, or sample text from one"
    )
    t = sub.add_parser(
        "train",
        help="train a model on a text file",
        description=plain(train.__doc__.split("\n\n")[0]),
        epilog=TRAIN_EPILOG,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    train.add_arguments(t)
    record_explicit(t)
    t.set_defaults(func=cmd_train)
    s = sub.add_parser(
        "sample",
        help="sample text from a checkpoint (.pt of `train`, or char-rnn's .t7); "
        "the same command as `pygraphnn sample`",
        description=sample_command.DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sample_command.add_sample_arguments(s)
    s.set_defaults(func=cmd_sample)
    return p


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``charrnn`` to the ``pygraphnn`` command."""
    return configure(
        subparsers.add_parser(
            "charrnn", help="char-rnn: train a character-level language model, sample from it", description=DESCRIPTION
        )
    )


def parser() -> argparse.ArgumentParser:
    return configure(argparse.ArgumentParser(prog=PROG, description=DESCRIPTION))


def _guarded(args: argparse.Namespace, job: Any) -> int:
    """Run ``job(args)``; a bad file or an interrupt ends with one line, not a traceback."""
    from pygraphnn.checkpoint import CheckpointError

    name = f"{PROG} {args.charrnn_command}"
    try:
        job(args)
    except (CheckpointError, FileNotFoundError, BatchSplitError) as e:
        print(f"{name}: error: {e}", file=sys.stderr)
        return 2
    except train.TrainingInterrupted as e:
        if launched_rank_and_world()[0] == 0:  # under torchrun, one line for the run, not one a process
            print(f"{name}: {e}", file=sys.stderr)
        return e.exit_status
    except KeyboardInterrupt:
        print(f"{name}: interrupted (no checkpoint written)", file=sys.stderr)
        return INTERRUPTED_EXIT_STATUS
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    return _guarded(args, train.train)


def cmd_sample(args: argparse.Namespace) -> int:
    try:
        return sample_command.run(args)
    except sample_command.CommandError as e:
        print(f"{PROG} sample: error: {e}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
