"""Continue a text with a trained PTB language model (``python -m models.ptb complete``).

The prompt is tokenised like the corpus (words for a word-level checkpoint; for a
character-level one, characters with ``_`` between words), fed one token at a time
from a zero state, then tokens are drawn one at a time from the softmax (``temperature``
scales the log-probabilities; ``greedy`` takes the most likely). Prompt tokens that are
not in the vocabulary become ``<unk>``, with a notice through ``warn``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import torch

from models.ptb.model import Config, create_predictor, zero_state
from models.ptb.train import network_from_checkpoint

__all__ = ["complete", "prompt_tokens"]

UNK = "<unk>"


def prompt_tokens(text: str, level: str) -> list[str]:
    """The tokens of ``text`` as the corpus of ``level`` has them."""
    if level == "char":
        from models.ptb.data import char_tokens

        return [t for t in char_tokens(text.strip() + "\n") if t != "<eos>"] + ["_"]
    return text.split()


def complete(
    ck: dict,
    text: str,
    n: int = 10,
    *,
    temperature: float = 1.0,
    greedy: bool = False,
    seed: int | None = None,
    warn: Callable[[str], None] | None = None,
) -> list[str]:
    """``n`` tokens continuing ``text`` under the checkpoint ``ck`` (see the module docstring)."""
    warn = warn or (lambda msg: print(msg, file=sys.stderr))
    if n < 0:
        raise ValueError("the number of tokens must be >= 0")
    if not greedy and temperature <= 0:
        raise ValueError("temperature must be > 0 (or use greedy)")
    itos: list[str] = list(ck["vocab"])
    stoi = {t: i for i, t in enumerate(itos)}
    level = ck.get("level", "word")
    tokens = prompt_tokens(text, level)
    unknown = sorted({t for t in tokens if t not in stoi})
    if unknown:
        if UNK not in stoi:
            raise ValueError(f"not in the vocabulary (which has no {UNK}): {unknown}")
        warn(f"note: not in the vocabulary, read as {UNK}: {' '.join(unknown)}")
        tokens = [t if t in stoi else UNK for t in tokens]
    if not tokens:
        tokens = ["<eos>"]
    core = network_from_checkpoint(ck)
    predictor = create_predictor(core).eval()
    cfg = Config(**ck["config"])
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    s = zero_state(cfg, 1, next(core.parameters()).dtype)
    out: list[str] = []
    with torch.no_grad():
        for t in tokens:  # 1-based ids, batch of one
            log_probs, s = predictor(torch.tensor([stoi[t] + 1]), s)
        for _ in range(n):
            if greedy:
                idx = int(log_probs[0].argmax())
            else:
                probs = torch.softmax(log_probs[0].double() / temperature, 0)
                idx = int(torch.multinomial(probs, 1, generator=gen))
            out.append(itos[idx])
            log_probs, s = predictor(torch.tensor([idx + 1]), s)
    return out


def detokenize(tokens: list[str], level: str) -> str:
    """Tokens as text: ``<eos>`` becomes a newline; char level joins and maps ``_`` to a blank."""
    if level == "char":
        return "".join(" " if t == "_" else "\n" if t == "<eos>" else t for t in tokens)
    text = " ".join("\n" if t == "<eos>" else t for t in tokens)
    return text.replace(" \n ", "\n").replace("\n ", "\n").replace(" \n", "\n")
