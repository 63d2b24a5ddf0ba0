"""Figures for the palindrome task (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from .sweep import summary


def _by(results: list[dict], cell: str, T: int) -> list[dict]:
    return [r for r in results if r["config"]["cell"] == cell and r["config"]["length"] == T]


def curves(results: list[dict], path: str | Path, *, title: str | None = None) -> None:
    """Training curves (fresh-sample accuracy and training loss vs step), mean over seeds
    with a shaded ±1 std band; one line per (cell, T)."""
    fig, (ax_acc, ax_loss) = plt.subplots(1, 2, figsize=(11, 4))
    keys = list(dict.fromkeys((r["config"]["cell"], r["config"]["length"]) for r in results))
    for cell, T in keys:
        runs = _by(results, cell, T)
        steps = np.array(runs[0]["steps"])
        label = f"{cell}, T={T} ({len(runs)} seeds)"
        for ax, key in ((ax_acc, "accuracy"), (ax_loss, "loss")):
            y = np.array([r[key] for r in runs])
            m, s = y.mean(0), y.std(0)
            lo, hi = m - s, m + s
            if key == "accuracy":
                lo, hi = lo.clip(0, 1), hi.clip(0, 1)
            else:
                lo = lo.clip(0, None)
            (line,) = ax.plot(steps, m, label=label)
            ax.fill_between(steps, lo, hi, color=line.get_color(), alpha=0.2)
    symbols = results[0]["config"]["symbols"]
    ax_acc.axhline(1 / symbols, color="grey", ls=":", lw=1, label="chance")
    ax_acc.set(xlabel="training step", ylabel="accuracy on fresh samples", ylim=(0, 1.02))
    ax_loss.set(xlabel="training step", ylabel="training loss (last step cross-entropy)")
    ax_acc.legend(fontsize=8)
    fig.suptitle(title or "Palindrome task: predict the last symbol (mean ± std over seeds)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def accuracy_vs_length(results: list[dict], path: str | Path) -> None:
    """Final accuracy vs T, mean ± std over seeds, one line per cell."""
    s = summary(results)
    fig, ax = plt.subplots(figsize=(6, 4))
    for cell in dict.fromkeys(r["config"]["cell"] for r in results):
        Ts = sorted(T for c, T in s if c == cell)
        m = np.array([s[cell, T][0] for T in Ts])
        sd = np.array([s[cell, T][1] for T in Ts])
        (line,) = ax.plot(Ts, m, "o-", label=cell)
        ax.fill_between(Ts, (m - sd).clip(0, 1), (m + sd).clip(0, 1), color=line.get_color(), alpha=0.2)
    symbols = results[0]["config"]["symbols"]
    ax.axhline(1 / symbols, color="grey", ls=":", lw=1, label="chance")
    ax.set(
        xlabel="sequence length T",
        ylabel="accuracy on fresh samples",
        ylim=(0, 1.02),
        title="Palindrome task: accuracy vs T (mean ± std over seeds)",
    )
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
