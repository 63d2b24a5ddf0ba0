"""karpathy/char-rnn checkpoints: its ``OneHot`` module and ``sample.lua``'s text generation.

>>> ckpt = load_checkpoint('cv/lm_lstm_epoch30.00_1.3950.t7')        # doctest: +SKIP
>>> text = b''.join(generate(ckpt, primetext='ROMEO:', length=300, sample=False))  # doctest: +SKIP

:func:`generate` follows ``sample.lua`` step by step: the state starts as zeros of
``1 x rnn_size`` per layer (``c`` and ``h`` for an LSTM, ``h`` alone otherwise); the
primetext is echoed and fed one *byte* at a time (Lua strings are bytes; ``gmatch'.'``);
an empty primetext starts from a uniform distribution over the vocabulary instead; then
``length`` characters are generated, each from ``prediction``, the last output of the
previous step (log-probabilities): greedy takes the arg-max (the first one on ties, as
Torch7's ``max``), sampling draws from ``exp(prediction / temperature)`` normalised. A
final newline ends the text, as ``io.write('\\n')`` does.

Greedy output is exactly Lua's. Sampling is deterministic for a given ``seed`` (a
private ``torch.Generator``), but it cannot reproduce Lua's text: Torch7's
``multinomial`` consumes its random stream differently.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import torch

from ...nn.onehot import OneHot

__all__ = ["CheckpointError", "OneHot", "generate", "load_checkpoint"]


class CheckpointError(ValueError):
    """The object is not a char-rnn checkpoint (or lacks what sampling needs, or its model
    fails to run)."""


def load_checkpoint(path: Any) -> Any:
    """``load_t7`` a char-rnn checkpoint and check it has ``protos.rnn`` (a gModule), ``opt``
    (``rnn_size``, ``num_layers``, ``model``) and ``vocab`` (char -> index), consistent
    with each other. Raises :class:`~pygraphnn.lua.format.t7.T7Error` for a corrupt file and
    :class:`CheckpointError` for a file that is not a usable checkpoint."""
    from .load import load_t7

    ckpt = load_t7(path)
    check_checkpoint(ckpt)
    return ckpt


def _short(v: Any) -> str:
    """A value from the file for a message: numbers and strings shown (cut short), other
    values by type only (a table's repr could be huge or nested past the recursion limit)."""
    if isinstance(v, (bool, int, float, str)) or v is None:
        return f"{v!r:.40}"
    return f"a {type(v).__name__}"


def _is_index(v: Any) -> bool:
    """A Lua number holding an integer (finite, no fraction)."""
    return (
        isinstance(v, (int, float))
        and not isinstance(v, bool)
        and (isinstance(v, int) or (math.isfinite(v) and v.is_integer()))
    )


def check_checkpoint(ckpt: Any) -> None:
    from ...gmodule import gModule

    if not isinstance(ckpt, dict):
        raise CheckpointError(f"not a char-rnn checkpoint: the file holds a {type(ckpt).__name__}, not a table")
    # Lua tables from the file: checked field by field below
    protos: Any = ckpt.get("protos")
    opt: Any = ckpt.get("opt")
    vocab: Any = ckpt.get("vocab")
    missing = [k for k, v in (("protos", protos), ("opt", opt), ("vocab", vocab)) if not isinstance(v, dict)]
    if missing:
        keys = sorted(map(str, ckpt))
        shown = ", ".join(k[:40] for k in keys[:12]) + (", ..." if len(keys) > 12 else "")
        raise CheckpointError(f"not a char-rnn checkpoint: no table {', '.join(missing)} (it has {shown})")
    if not isinstance(protos.get("rnn"), gModule):
        raise CheckpointError(f"checkpoint protos.rnn should be an nn.gModule, got {type(protos.get('rnn')).__name__}")
    for k in ("rnn_size", "num_layers"):
        v = opt.get(k)
        if not _is_index(v) or v < 1:
            raise CheckpointError(f"checkpoint opt.{k} should be a positive integer, got {_short(v)}")
    if not isinstance(opt.get("model", "lstm"), str):
        raise CheckpointError(
            f"checkpoint opt.model should be a string ('lstm', 'gru' or 'rnn'), got {type(opt.get('model')).__name__}"
        )
    if not vocab:
        raise CheckpointError("checkpoint vocab is empty")
    for c, i in vocab.items():
        if not isinstance(c, str) or not _is_index(i):
            raise CheckpointError(
                f"checkpoint vocab should map characters to indices, found {_short(c)} -> {_short(i)}"
            )
    # The state sampling allocates comes from opt: it must match the model in the file,
    # not just be a number (opt.rnn_size = 1e9 would allocate gigabytes).
    rnn = protos.rnn
    per_layer = 2 if opt.get("model", "lstm") == "lstm" else 1
    n_state = len(rnn.graph.inputs) - 1
    if int(opt.num_layers) * per_layer != n_state:
        raise CheckpointError(
            f"checkpoint opt.num_layers = {int(opt.num_layers)} ({opt.get('model', 'lstm')}) "
            f"means {int(opt.num_layers) * per_layer} state inputs, but protos.rnn takes "
            f"{n_state} besides the character"
        )
    n_params = sum(p.numel() for p in rnn.parameters())
    if int(opt.rnn_size) > n_params:
        raise CheckpointError(
            f"checkpoint opt.rnn_size = {int(opt.rnn_size)} is larger than protos.rnn "
            f"({n_params} parameters in all) can use"
        )


def _char_bytes(c: str) -> bytes:
    return c.encode("utf-8", "surrogateescape")


def generate(
    ckpt: Any,
    *,
    length: int = 2000,
    primetext: str | bytes = "",
    sample: bool = True,
    temperature: float = 1.0,
    seed: int = 123,
) -> Iterator[bytes]:
    """Yield what ``sample.lua`` writes with ``io.write``, one character (bytes) at a time:
    the echoed primetext, ``length`` generated characters, then ``b'\\n'``.

    Raises :class:`CheckpointError` for a primetext character missing from the vocabulary.
    """
    check_checkpoint(ckpt)
    rnn = ckpt.protos.rnn
    opt = ckpt.opt
    rnn.eval()  # sample.lua: protos.rnn:evaluate()
    vocab = {_char_bytes(c): int(i) for c, i in ckpt.vocab.items()}
    ivocab = {i: c for c, i in vocab.items()}
    n_vocab = len(ivocab)
    params = [p for p in rnn.parameters()]
    dtype = params[0].dtype if params else torch.float64
    per_layer = 2 if opt.get("model", "lstm") == "lstm" else 1
    state = [torch.zeros(1, int(opt.rnn_size), dtype=dtype) for _ in range(int(opt.num_layers) * per_layer)]
    state_size = len(state)
    gen = torch.Generator().manual_seed(int(seed))
    seed_bytes = primetext.encode("utf-8", "surrogateescape") if isinstance(primetext, str) else bytes(primetext)

    def step(index: int) -> torch.Tensor:
        nonlocal state
        x = torch.tensor([float(index)], dtype=dtype)
        try:
            out = rnn(x, *state)
        except Exception as e:  # a model read from a file that cannot run is the file's fault
            raise CheckpointError(f"protos.rnn fails to run ({type(e).__name__}): {str(e)[:300]}") from e
        if not isinstance(out, (list, tuple)) or len(out) != state_size + 1:
            got = f"{len(out)} outputs" if isinstance(out, (list, tuple)) else "one output"
            raise CheckpointError(
                f"protos.rnn should return {state_size} state tensors and the log-probabilities, it returned {got}"
            )
        state = list(out[:state_size])
        return out[-1]

    with torch.no_grad():
        if seed_bytes:
            for b in seed_bytes:
                ch = bytes([b])
                if ch not in vocab:
                    raise CheckpointError(f"primetext character {ch!r} is not in the checkpoint's vocabulary")
                yield ch
                prediction = step(vocab[ch])
        else:
            prediction = torch.full((1, n_vocab), 1.0 / n_vocab, dtype=dtype)
        for _ in range(int(length)):
            if sample:
                probs = torch.exp(prediction / temperature).reshape(-1)
                probs = probs / probs.sum()
                if not bool(torch.isfinite(probs).all()):  # NaN/inf weights in the file
                    raise CheckpointError(
                        "protos.rnn's prediction is not a probability distribution (it holds NaN or infinite values)"
                    )
                index = int(torch.multinomial(probs.float(), 1, generator=gen)[0]) + 1
            else:
                index = int(torch.argmax(prediction.reshape(1, -1), dim=1)[0]) + 1
            prediction = step(index)
            if index not in ivocab:
                raise CheckpointError(f"the model predicted index {index}, which is not in the vocabulary")
            yield ivocab[index]
    yield b"\n"
