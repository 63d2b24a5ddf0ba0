"""``python -m models.charrnn {train,sample} ...``"""
from __future__ import annotations

import argparse
import sys

from . import sample, train


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m models.charrnn",
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


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main(sys.argv[1:])
