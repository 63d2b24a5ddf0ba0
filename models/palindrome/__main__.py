"""``python -m models.palindrome [options]`` (one cell, one T, several seeds) or ``... sweep [options]``."""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from .train import CELLS, INPUTS, Config, run


def _common(p: argparse.ArgumentParser) -> None:
    d = Config()
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--symbols", type=int, default=d.symbols, help="alphabet size: 10 digits, 2 for binary")
    p.add_argument("--hidden", type=int, default=d.hidden)
    p.add_argument("--inputs", choices=INPUTS, default=d.inputs,
                   help="onehot vectors, a learned embedding, or the digit's value as one number (scalar)")
    p.add_argument("--embedding", type=int, default=d.embedding, help="embedding size with --inputs embedding")
    p.add_argument("--optimizer", choices=("adam", "rmsprop"), default=d.optimizer)
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument("--batch", type=int, default=d.batch)
    p.add_argument("--steps", type=int, default=d.steps)
    p.add_argument("--clip", type=float, default=d.clip, help="gradient-norm clip")
    p.add_argument("--forget_bias", type=float, default=d.forget_bias, help="initial forget-gate bias (lstm, peephole)")
    p.add_argument("--eval_every", type=int, default=d.eval_every)
    p.add_argument("--threads", type=int, default=d.threads)


def _config(args: argparse.Namespace, **kw) -> Config:
    return Config(symbols=args.symbols, hidden=args.hidden, inputs=args.inputs, embedding=args.embedding,
                  optimizer=args.optimizer, lr=args.lr, batch=args.batch, steps=args.steps, clip=args.clip,
                  forget_bias=args.forget_bias,
                  eval_every=args.eval_every, threads=args.threads, **kw)


def _parser(command: str, description: str) -> argparse.ArgumentParser:
    return argparse.ArgumentParser(prog=" ".join(["python -m models.palindrome", command]).strip(),
                                   description=description, formatter_class=argparse.ArgumentDefaultsHelpFormatter)


def run_parser() -> argparse.ArgumentParser:
    p = _parser("", "Palindrome memory task: predict the last symbol from the first T-1. "
                    "Use `python -m models.palindrome sweep --help` for the sweep and "
                    "`python -m models.palindrome compare --help` to compare finished sweeps.")
    p.add_argument("--cell", choices=sorted(CELLS), default="lstm")
    p.add_argument("--length", type=int, default=20, help="sequence length T")
    _common(p)
    p.add_argument("--plot", default=None, help="write the training curves to this PNG")
    p.add_argument("--json", default=None, help="write the runs to this JSON file")
    return p


def sweep_parser() -> argparse.ArgumentParser:
    p = _parser("sweep", "Accuracy vs T for several cells, mean ± std over seeds; "
                         "writes palindrome_sweep.json, accuracy_vs_length.png and curves_T*.png.")
    p.add_argument("--cells", nargs="+", choices=sorted(CELLS), default=["rnn", "lstm", "peephole"])
    p.add_argument("--lengths", type=int, nargs="+", default=[5, 10, 20])
    _common(p)
    p.add_argument("--out", default="palindrome_out", help="output folder")
    return p


def compare_parser() -> argparse.ArgumentParser:
    p = _parser("compare", "Compare cells across finished sweeps (one configuration each): final accuracy, "
                           "steps to a threshold accuracy, which cell got there first.")
    p.add_argument("sweeps", nargs="+", help="sweep output folders (or their palindrome_sweep.json)")
    p.add_argument("--length", type=int, default=20, help="the sequence length T to compare at")
    p.add_argument("--cells", nargs="+", choices=sorted(CELLS), default=["lstm", "peephole"])
    p.add_argument("--threshold", type=float, default=0.9, help="accuracy that counts as 'learned'")
    p.add_argument("--plot", default=None, help="write the curves (one panel per configuration) to this PNG")
    return p


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "compare":
        from . import compare
        args = compare_parser().parse_args(argv[1:])
        try:
            sources = [compare.load(s) for s in args.sweeps]
        except FileNotFoundError as e:
            sys.exit(f"error: {e}")
        rows = compare.rows(sources, args.cells, args.length, args.threshold)
        if not rows:
            sys.exit(f"error: no sweep has runs of all of {args.cells} at T = {args.length}")
        print(compare.table(rows, args.cells, args.threshold))
        if args.plot:
            compare.plot(sources, args.cells, args.length, args.plot)
        return
    if argv and argv[0] == "sweep":
        args = sweep_parser().parse_args(argv[1:])
        from . import plots
        from .sweep import sweep, table
        out = Path(args.out)
        results = sweep(_config(args), args.cells, args.lengths, args.seeds, out=out)
        plots.accuracy_vs_length(results, out / "accuracy_vs_length.png")
        for T in args.lengths:
            plots.curves([r for r in results if r["config"]["length"] == T], out / f"curves_T{T}.png",
                         title=f"Palindrome task, T = {T} (mean ± std over seeds)")
        print(table(results))
        return
    args = run_parser().parse_args(argv)
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


if __name__ == "__main__":
    main()
