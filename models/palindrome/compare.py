"""Which cell learns faster, configuration by configuration.

``python -m models.palindrome compare DIR_OR_JSON ... --length 20 --cells lstm peephole`` reads
the ``palindrome_sweep.json`` of several sweeps (one configuration each), and prints one row per
configuration: its hyper-parameters, each cell's final accuracy (mean ± std over seeds) and the
steps each seed took to reach the threshold accuracy, and which cell got there first (by the
median over seeds, a seed that never got there counting as infinitely slow; where no median
is finite, the cell with more seeds that got there). ``--plot`` draws the
mean accuracy curves, one panel per configuration.
"""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

from .sweep import steps_to

# The hyper-parameters that tell configurations apart, in the order the table shows them.
KNOBS = ("optimizer", "lr", "hidden", "batch", "clip", "forget_bias", "inputs", "steps")


def load(path: str | Path) -> list[dict]:
    """The runs of one sweep: ``path`` is its output folder or its JSON file."""
    p = Path(path)
    if p.is_dir():
        p = p / "palindrome_sweep.json"
    if not p.is_file():
        raise FileNotFoundError(
            f"no sweep results at {p} (expected a sweep's --out folder or its palindrome_sweep.json)"
        )
    return json.loads(p.read_text())


def label(config: dict) -> str:
    """``rmsprop 1e-3, hidden 128, batch 128, clip 10, forget bias 1, onehot, 1500 steps``."""
    return (
        f"{config['optimizer']} {config['lr']:g}, hidden {config['hidden']}, batch {config['batch']}, "
        f"clip {config['clip']:g}, forget bias {config['forget_bias']:g}, {config['inputs']}, "
        f"{config['steps']} steps"
    )


def rows(sources: list[list[dict]], cells: list[str], length: int, threshold: float = 0.9) -> list[dict]:
    """One row per source (a sweep's runs): its configuration and, per cell, the final accuracies,
    the steps to ``threshold`` per seed and their median; ``first`` names the faster cell."""
    out = []
    for runs in sources:
        runs = [r for r in runs if r["config"]["length"] == length]
        per_cell = {c: [r for r in runs if r["config"]["cell"] == c] for c in cells}
        if not all(per_cell.values()):
            continue
        row = {"config": label(per_cell[cells[0]][0]["config"]), "cells": {}}
        for c, rs in per_cell.items():
            accs = [r["final_accuracy"] for r in rs]
            steps = [steps_to(r, threshold) for r in rs]
            row["cells"][c] = {
                "mean": statistics.fmean(accs),
                "std": statistics.pstdev(accs) if len(accs) > 1 else 0.0,
                "steps": steps,
                "median": statistics.median(math.inf if s is None else s for s in steps),
            }
        # Rank by the median; where no median is finite, by how many seeds got there at all.
        key = {c: (v["median"], -sum(s is not None for s in v["steps"])) for c, v in row["cells"].items()}
        best = min(key.values())
        winners = [c for c, k in key.items() if k == best]
        if best[1] == 0:
            row["first"] = "none"
        elif len(winners) > 1:
            row["first"] = "tie"
        elif best[0] == math.inf:
            row["first"] = f"{winners[0]} (only {-best[1]} of {len(row['cells'][winners[0]]['steps'])} seeds)"
        else:
            row["first"] = winners[0]
        out.append(row)
    return out


def table(rows_: list[dict], cells: list[str], threshold: float = 0.9) -> str:
    """The rows as a Markdown table."""
    pct = f"{100 * threshold:.0f}%"
    head = ["configuration"] + [f"{c}: final % / steps to {pct}" for c in cells] + ["first to " + pct]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows_:
        cols = [r["config"]]
        for c in cells:
            v = r["cells"][c]
            steps = ", ".join("–" if s is None else str(s) for s in v["steps"])
            cols.append(f"{100 * v['mean']:.1f} ± {100 * v['std']:.1f} / {steps}")
        cols.append(r["first"])
        lines.append("| " + " | ".join(cols) + " |")
    return "\n".join(lines)


def plot(sources: list[list[dict]], cells: list[str], length: int, path: str | Path) -> None:
    """Mean fresh-sample accuracy (± std band) per cell, one panel per configuration."""
    from .plots import np, plt

    sources = [[r for r in runs if r["config"]["length"] == length] for runs in sources]
    sources = [runs for runs in sources if runs]
    cols = min(3, len(sources))
    nrows = math.ceil(len(sources) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.6 * cols, 3.2 * nrows), squeeze=False)
    for ax, runs in zip(axes.flat, sources):
        for c in cells:
            rs = [r for r in runs if r["config"]["cell"] == c]
            if not rs:
                continue
            steps = np.array(rs[0]["steps"])
            y = np.array([r["accuracy"] for r in rs])
            m, s = y.mean(0), y.std(0)
            (line,) = ax.plot(steps, m, label=f"{c} ({len(rs)} seeds)")
            ax.fill_between(steps, (m - s).clip(0, 1), (m + s).clip(0, 1), color=line.get_color(), alpha=0.2)
        cfg = runs[0]["config"]
        ax.axhline(1 / cfg["symbols"], color="grey", ls=":", lw=1)
        ax.set_title(label(cfg).replace(", forget", ",\nforget"), fontsize=8)
        ax.set(ylim=(0, 1.02), xlabel="training step", ylabel="accuracy")
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(sources) :]:
        ax.axis("off")
    fig.suptitle(f"Palindrome task, T = {length}: which cell learns first (mean ± std over seeds)")
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.45 / fig.get_figheight()))  # room for the title
    fig.savefig(path, dpi=100 if nrows <= 3 else 75)
    plt.close(fig)
