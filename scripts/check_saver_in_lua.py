"""Does real Lua Torch run what ``save_t7`` writes? For every case of the zoo recordings
(``nn_zoo2.t7`` cases of the classes pygraphnn has, and tests/fixtures/lua/zoo_misc_extra.t7),
load the Lua module with ``load_t7``, write it back with ``save_t7``, and have Lua
(``th scripts/check_saver_in_lua.lua``) load that file, run forward/backward on the case's
input and compare with the values Lua recorded originally. A gModule made of several of
these classes is checked too, against pygraphnn's own forward/backward.

    .venv/bin/python scripts/check_saver_in_lua.py [--th /work/luatorch/bin/th]

Needs a Lua Torch7 (``th``) with nn; prints one line per case and exits 1 on a mismatch.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pygraphnn.lua.classes.load import LOADERS, from_lua  # noqa: E402
from pygraphnn.lua.classes.save import to_lua  # noqa: E402
from pygraphnn.lua.format.t7 import TorchObject, load_t7_raw, save_t7  # noqa: E402

DATA = Path(os.environ.get("PYGRAPHNN_DATA", REPO.parent / "shared" / "data")) / "t7" / "lua"


def _classes(obj, seen):
    if isinstance(obj, TorchObject):
        seen.add(obj.class_name)
        for v in obj.state.values():
            _classes(v, seen)
    elif isinstance(obj, dict):
        for v in obj.values():
            _classes(v, seen)
    return seen


def _graph_case() -> dict:
    """A gModule built here from several of these classes, with pygraphnn's forward/backward
    values: Lua (nngraph) must load it and compute the same."""
    import torch

    from pygraphnn import nn

    torch.manual_seed(0)
    x, y = nn.Identity()(), nn.Identity()()
    h = nn.PReLU(4)(nn.Linear(3, 4)(x))
    d = nn.CosineDistance()([h, nn.Linear(5, 4)(y)])
    e = nn.Bottle(nn.Linear(4, 2))(nn.LeakyReLU(0.1)(h))
    m = nn.CMaxTable()([nn.SoftPlus()(h), nn.ELU()(h), nn.Euclidean(4, 4)(h)])
    g = nn.gModule([x, y], [d, e, m]).double()
    inputs = [torch.randn(6, 3, dtype=torch.float64), torch.randn(6, 5, dtype=torch.float64)]
    params, grads = g.getParameters()
    g.zeroGradParameters()
    module = to_lua(g)  # before forward, as the recorded cases
    out = [t.clone() for t in g.forward(inputs)]
    grad_out = [torch.randn_like(t) for t in out]
    grad_in = [t.clone() for t in g.backward(inputs, grad_out)]
    return {
        "kind": "module",
        "ctor": "gModule of PReLU, CosineDistance, Bottle, LeakyReLU, CMaxTable, Euclidean...",
        "module": module,
        "input": inputs,
        "output": out,
        "gradOutput": grad_out,
        "gradInput": grad_in,
        "params": params.clone(),
        "gradParams": grads.clone(),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--th", default="/work/luatorch/bin/th")
    args = ap.parse_args()
    cases = []
    sources = [(DATA / "nn_zoo2.t7", None), (REPO / "tests" / "fixtures" / "lua" / "zoo_misc_extra.t7", "cases")]
    for path, key in sources:
        raw = load_t7_raw(path)
        for c in (raw[key] if key else raw).to_list():
            if c.get("noise") is not None or c.get("backwardError") is not None:
                continue  # random (RReLU training) or no backward
            if not all(n in LOADERS for n in _classes(c.module, set())):
                continue  # classes of another part of the zoo
            c.module = to_lua(from_lua(c.module))  # what pygraphnn writes for this module
            cases.append(c)
    cases.append(_graph_case())
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "saved_cases.t7"
        save_t7(cases, str(f))
        proc = subprocess.run(
            [args.th, str(REPO / "scripts" / "check_saver_in_lua.lua"), str(f)], capture_output=True, text=True
        )
    print(proc.stdout, end="")
    print(proc.stderr, end="", file=sys.stderr)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
