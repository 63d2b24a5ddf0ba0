"""Accuracy vs sequence length for several cells, over several seeds."""

from __future__ import annotations

import json
import statistics
from dataclasses import replace
from pathlib import Path

from .train import Config, RunResult, run


def sweep(
    base: Config,
    cells: list[str],
    lengths: list[int],
    seeds: list[int],
    *,
    out: Path | None = None,
    verbose: bool = True,
) -> list[dict]:
    """Every (cell, T, seed) run; the results (as dicts) are also written to ``out/palindrome_sweep.json``
    after each run, so an interrupted sweep keeps what it finished."""
    results: list[dict] = []
    for T in lengths:
        for cell in cells:
            for seed in seeds:
                r: RunResult = run(replace(base, cell=cell, length=T), seed)
                results.append(r.asdict())
                if verbose:
                    print(
                        f"{cell:9s} T={T:3d} seed {seed}: accuracy {r.final_accuracy:.3f} "
                        f"({r.seconds:.0f}s, {r.n_params} params)",
                        flush=True,
                    )
                if out is not None:
                    out.mkdir(parents=True, exist_ok=True)
                    (out / "palindrome_sweep.json").write_text(json.dumps(results))
    return results


def summary(results: list[dict]) -> dict[tuple[str, int], tuple[float, float, int]]:
    """``(cell, T) -> (mean accuracy, std over seeds, number of seeds)``."""
    groups: dict[tuple[str, int], list[float]] = {}
    for r in results:
        groups.setdefault((r["config"]["cell"], r["config"]["length"]), []).append(r["final_accuracy"])
    return {k: (statistics.fmean(v), statistics.pstdev(v) if len(v) > 1 else 0.0, len(v)) for k, v in groups.items()}


def steps_to(result: dict, threshold: float = 0.95) -> int | None:
    """The first curve step at which the fresh-sample accuracy reached ``threshold`` (None: never)."""
    return next((s for s, a in zip(result["steps"], result["accuracy"]) if a >= threshold), None)


def speed_table(results: list[dict], threshold: float = 0.95) -> str:
    """A Markdown table of the steps each run took to reach ``threshold`` accuracy, per (cell, T)."""
    groups: dict[tuple[str, int], list] = {}
    for r in results:
        groups.setdefault((r["config"]["cell"], r["config"]["length"]), []).append(steps_to(r, threshold))
    lines = [f"| cell | T | steps to {100 * threshold:.0f}% (per seed; - = not reached) |", "|---|---|---|"]
    for (cell, T), v in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        lines.append(f"| {cell} | {T} | " + ", ".join("-" if s is None else str(s) for s in v) + " |")
    return "\n".join(lines)


def table(results: list[dict]) -> str:
    """A Markdown table: one row per cell, one column per T, ``mean ± std``."""
    s = summary(results)
    cells = list(dict.fromkeys(r["config"]["cell"] for r in results))
    lengths = sorted({T for _, T in s})
    lines = ["| cell | " + " | ".join(f"T = {T}" for T in lengths) + " |", "|---|" + "---|" * len(lengths)]
    for c in cells:
        row = [f"{100 * s[c, T][0]:.1f} ± {100 * s[c, T][1]:.1f}" if (c, T) in s else "" for T in lengths]
        lines.append(f"| {c} | " + " | ".join(row) + " |")
    return "\n".join(lines)
