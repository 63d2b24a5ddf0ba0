"""``python -m models.charrnn {train,sample} ...``"""
from __future__ import annotations

import argparse
import sys

from . import sample, train

PROG = "python -m models.charrnn"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG,
                                description="char-rnn on pygraphnn: train a character-level LSTM/GRU/RNN, or sample one.")
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train a model on a text file",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    train.add_arguments(t)
    t.set_defaults(func=train.train)
    s = sub.add_parser("sample", help="sample text from a checkpoint",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    sample.add_arguments(s)
    s.set_defaults(func=sample.main)
    return p


def main(argv: list[str] | None = None) -> int:
    from pygraphnn.checkpoint import CheckpointError

    args = parser().parse_args(argv)
    try:
        args.func(args)
    except (CheckpointError, FileNotFoundError) as e:     # a bad file, not a bug: no traceback
        print(f"{PROG} {args.command}: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
