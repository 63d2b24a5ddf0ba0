"""``pygraphnn palindrome {train,sweep,compare} [options]`` (also ``python -m models.palindrome``).

``train`` runs one cell at one T for several seeds; ``sweep`` several cells and lengths;
``compare`` compares finished sweeps. Without a subcommand, ``train`` is meant (the older
``python -m models.palindrome --cell rnn`` form). Runs are minutes long and keep no
checkpoint: Ctrl-C stops them with one line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

from models.interrupt import INTERRUPTED_EXIT_STATUS

from .train import CELLS, INPUTS, Config, run

PROG = "pygraphnn palindrome"
DESCRIPTION = "The palindrome memory task: predict the last symbol of a palindrome from the first T-1."
COMMANDS = ("train", "sweep", "compare")


def _common(p: argparse.ArgumentParser) -> None:
    d = Config()
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="random seeds, one run each")
    p.add_argument("--symbols", type=int, default=d.symbols, help="alphabet size: 10 digits, 2 for binary")
    p.add_argument("--hidden", type=int, default=d.hidden, help="hidden units of the cell")
    p.add_argument(
        "--inputs",
        choices=INPUTS,
        default=d.inputs,
        help="onehot vectors, a learned embedding, or the digit's value as one number (scalar)",
    )
    p.add_argument("--embedding", type=int, default=d.embedding, help="embedding size with --inputs embedding")
    p.add_argument("--optimizer", choices=("adam", "rmsprop"), default=d.optimizer, help="optimizer")
    p.add_argument("--lr", type=float, default=d.lr, help="learning rate")
    p.add_argument("--batch", type=int, default=d.batch, help="sequences a training step")
    p.add_argument("--steps", type=int, default=d.steps, help="training steps a run")
    p.add_argument("--clip", type=float, default=d.clip, help="gradient-norm clip")
    p.add_argument("--forget_bias", type=float, default=d.forget_bias, help="initial forget-gate bias (lstm, peephole)")
    p.add_argument("--eval_every", type=int, default=d.eval_every, help="steps between accuracy measurements")
    p.add_argument("--threads", type=int, default=d.threads, help="torch CPU threads")


def _config(args: argparse.Namespace, **kw) -> Config:
    return Config(
        symbols=args.symbols,
        hidden=args.hidden,
        inputs=args.inputs,
        embedding=args.embedding,
        optimizer=args.optimizer,
        lr=args.lr,
        batch=args.batch,
        steps=args.steps,
        clip=args.clip,
        forget_bias=args.forget_bias,
        eval_every=args.eval_every,
        threads=args.threads,
        **kw,
    )


def _train_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cell", choices=sorted(CELLS), default="lstm", help="the recurrent cell")
    p.add_argument("--length", type=int, default=20, help="sequence length T")
    _common(p)
    p.add_argument("--plot", default=None, help="write the training curves to this PNG")
    p.add_argument("--json", default=None, help="write the runs to this JSON file")


def _sweep_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--cells", nargs="+", choices=sorted(CELLS), default=["rnn", "lstm", "peephole"], help="cells to compare"
    )
    p.add_argument("--lengths", type=int, nargs="+", default=[5, 10, 20], help="sequence lengths T")
    _common(p)
    p.add_argument("--out", default="palindrome_out", help="output folder")


def _compare_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("sweeps", nargs="+", help="sweep output folders (or their palindrome_sweep.json)")
    p.add_argument("--length", type=int, default=20, help="the sequence length T to compare at")
    p.add_argument("--cells", nargs="+", choices=sorted(CELLS), default=["lstm", "peephole"], help="cells to compare")
    p.add_argument("--threshold", type=float, default=0.9, help="accuracy that counts as 'learned'")
    p.add_argument("--plot", default=None, help="write the curves (one panel per configuration) to this PNG")


def configure(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``train``, ``sweep`` and ``compare`` subcommands to ``p``."""
    sub = p.add_subparsers(
        dest="palindrome_command",
        required=True,
        metavar="{train,sweep,compare}",
        help="train one cell, sweep cells and lengths, or compare sweeps",
    )
    for name, add, handler, help_, description in (
        (
            "train",
            _train_args,
            cmd_train,
            "one cell at one T, several seeds",
            "Palindrome memory task: predict the last symbol from the first T-1; one cell, one T, several seeds.",
        ),
        (
            "sweep",
            _sweep_args,
            cmd_sweep,
            "accuracy vs T for several cells",
            "Accuracy vs T for several cells, mean ± std over seeds; writes palindrome_sweep.json, "
            "accuracy_vs_length.png and curves_T*.png.",
        ),
        (
            "compare",
            _compare_args,
            cmd_compare,
            "compare finished sweeps",
            "Compare cells across finished sweeps (one configuration each): final accuracy, steps to "
            "a threshold accuracy, which cell got there first.",
        ),
    ):
        c = sub.add_parser(
            name, help=help_, description=description, formatter_class=argparse.ArgumentDefaultsHelpFormatter
        )
        add(c)
        c.set_defaults(func=_guarded(handler))
    return p


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``palindrome`` to the ``pygraphnn`` command."""
    return configure(
        subparsers.add_parser(
            "palindrome", help="the palindrome memory task: train, sweep, compare", description=DESCRIPTION
        )
    )


def parser() -> argparse.ArgumentParser:
    return configure(argparse.ArgumentParser(prog=PROG, description=DESCRIPTION))


def _guarded(handler: Any) -> Any:
    """``handler`` that ends with one line on Ctrl-C or a missing file, not a traceback."""

    def run_(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except KeyboardInterrupt:
            print(
                f"{PROG} {args.palindrome_command}: interrupted (palindrome runs keep no checkpoint; "
                f"run the command again to start over)",
                file=sys.stderr,
            )
            return INTERRUPTED_EXIT_STATUS

    return run_


def cmd_compare(args: argparse.Namespace) -> int:
    from . import compare

    try:
        sources = [compare.load(s) for s in args.sweeps]
    except FileNotFoundError as e:
        print(f"{PROG} compare: error: {e}", file=sys.stderr)
        return 2
    rows = compare.rows(sources, args.cells, args.length, args.threshold)
    if not rows:
        print(f"{PROG} compare: error: no sweep has runs of all of {args.cells} at T = {args.length}", file=sys.stderr)
        return 2
    print(compare.table(rows, args.cells, args.threshold))
    if args.plot:
        compare.plot(sources, args.cells, args.length, args.plot)
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from . import plots
    from .sweep import sweep, table

    out = Path(args.out)
    results = sweep(_config(args), args.cells, args.lengths, args.seeds, out=out)
    plots.accuracy_vs_length(results, out / "accuracy_vs_length.png")
    for T in args.lengths:
        plots.curves(
            [r for r in results if r["config"]["length"] == T],
            out / f"curves_T{T}.png",
            title=f"Palindrome task, T = {T} (mean ± std over seeds)",
        )
    print(table(results))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    cfg = _config(args, cell=args.cell, length=args.length)
    results = []
    for seed in args.seeds:
        r = run(cfg, seed, verbose=True)
        print(f"seed {seed}: accuracy on {cfg.final_samples} fresh samples {r.final_accuracy:.3f} ({r.seconds:.1f}s)")
        results.append(r.asdict())
    accs = [r["final_accuracy"] for r in results]
    sd = statistics.pstdev(accs) if len(accs) > 1 else 0.0
    print(f"{cfg.cell}, T={cfg.length}: accuracy {statistics.fmean(accs):.3f} ± {sd:.3f} over {len(accs)} seeds")
    if args.json:
        Path(args.json).write_text(json.dumps(results))
    if args.plot:
        from . import plots

        plots.curves(results, args.plot)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in (*COMMANDS, "-h", "--help"):
        argv = ["train", *argv]  # the older form without a subcommand
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
