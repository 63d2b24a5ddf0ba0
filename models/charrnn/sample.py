"""char-rnn's ``sample.lua``: run a checkpoint one character at a time.

``primetext`` is fed first (and printed); without it the first character is drawn
uniformly. Each next character is drawn from ``softmax(log_probs / temperature)``
(``greedy``, char-rnn's ``-sample 0``, takes the argmax instead). ``seed`` seeds a
private ``torch.Generator``, so a seed gives the same text every time.

The command line is ``pygraphnn sample`` (:mod:`pygraphnn.lua.commands.sample`), the same
for these checkpoints and for Lua char-rnn's ``.t7`` ones.
"""

from __future__ import annotations

import torch

from pygraphnn.checkpoint import load_checkpoint_file

from .model import Config, build, init_state


def load(path: str):
    """``(net, cfg, vocab)`` from a checkpoint, the net in evaluation mode."""
    ck = load_checkpoint_file(path)  # plain data only: nothing in the file is executed
    cfg = Config(**ck["config"])
    net = build(cfg, len(ck["vocab"]))
    net.load_state_dict(ck["state_dict"])
    net.eval()
    return net, cfg, ck["vocab"]


@torch.no_grad()
def sample(
    net,
    cfg: Config,
    vocab: dict[str, int],
    length: int,
    *,
    primetext: str = "",
    temperature: float = 1.0,
    greedy: bool = False,
    seed: int = 123,
) -> str:
    """``primetext`` followed by ``length`` sampled characters."""
    if temperature <= 0 and not greedy:
        raise ValueError(f"temperature must be positive, got {temperature}")
    ivocab = {i: c for c, i in vocab.items()}
    gen = torch.Generator().manual_seed(seed)
    state = init_state(cfg, 1)
    log_probs = None
    for ch in primetext:
        if ch not in vocab:
            raise ValueError(f"primetext character {ch!r} is not in the model's vocabulary")
        out = net(torch.tensor([vocab[ch]]), *state)
        state, log_probs = out[:-1], out[-1]
    chars = []
    for _ in range(length):
        if log_probs is None:
            nxt = int(torch.randint(1, len(vocab) + 1, (1,), generator=gen))
        elif greedy:
            nxt = int(log_probs[0].argmax()) + 1
        else:
            probs = torch.softmax(log_probs[0].double() / temperature, 0)
            nxt = int(torch.multinomial(probs, 1, generator=gen)) + 1
        chars.append(ivocab[nxt])
        out = net(torch.tensor([nxt]), *state)
        state, log_probs = out[:-1], out[-1]
    return primetext + "".join(chars)
