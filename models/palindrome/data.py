"""Seeded palindromes and the last-symbol prediction task built on them."""

from __future__ import annotations

import torch


def palindromes(n: int, length: int, symbols: int = 10, generator: torch.Generator | None = None) -> torch.Tensor:
    """``n`` palindromes of ``length`` symbols in ``0..symbols-1`` (``n x length``, int64).

    The first ``ceil(length / 2)`` symbols are uniform and independent; the rest mirror them.

    >>> palindromes(2, 5, generator=torch.Generator().manual_seed(0))   # rows like 3 1 4 1 3
    """
    if length < 2:
        raise ValueError(f"a palindrome task needs length >= 2, got {length}")
    if symbols < 2:
        raise ValueError(f"need at least 2 symbols, got {symbols}")
    half = torch.randint(0, symbols, (n, (length + 1) // 2), generator=generator)
    return torch.cat([half, half[:, : length // 2].flip(1)], 1)


def task(n: int, length: int, symbols: int = 10, generator: torch.Generator | None = None):
    """``(inputs, target)``: the first ``length - 1`` symbols (``n x (length-1)``) and the last (``n``), 0-based."""
    seq = palindromes(n, length, symbols, generator)
    return seq[:, :-1], seq[:, -1]
