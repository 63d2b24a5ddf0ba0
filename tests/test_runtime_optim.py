"""Lua's optim algorithms in the runtime against real Lua (optim_recorded.txt, made by
tests/fixtures/lua_diff/torch/run_optim.lua): x and every returned loss after each call,
bit for bit, L-BFGS with its Wolfe line search included (this relies on torch's CPU
kernels fusing ``y + a*x`` as OpenBLAS's axpy/dot do, true on FMA-capable x86)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from pygraphnn.lua.runtime.optim import OPTIM

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "lua_diff" / "torch"
RUNS = json.loads((FIXTURES / "optim_cases.json").read_text())


def _recorded() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    current = None
    for line in (FIXTURES / "optim_recorded.txt").read_text().splitlines():
        line = line.strip()
        if line.startswith("@"):
            current = out.setdefault(line[1:], [])
        elif current is not None and line:
            current.append(line)
    return out


RECORDED = _recorded()


# the objectives of run_optim.lua, operation for operation
def rosen(x: torch.Tensor, grad: torch.Tensor):
    v = x.tolist()
    g = [0.0] * len(v)
    f = 0
    for i in range(len(v) - 1):
        a = v[i + 1] - v[i] ** 2
        b = 1 - v[i]
        f = f + 100 * a**2 + b**2
        g[i] = g[i] - 400 * v[i] * a - 2 * b
        g[i + 1] = g[i + 1] + 200 * a
    grad.copy_(torch.tensor(g, dtype=torch.float64))
    return f, grad


QA, QB = [1, 3, 0.5], [0.5, -1, 2]


def quad(x: torch.Tensor, grad: torch.Tensor):
    v = x.tolist()
    f = 0
    g = grad.tolist()
    for i in range(len(v)):
        f = f + 0.5 * QA[i] * v[i] ** 2 + QB[i] * v[i]
        g[i] = QA[i] * v[i] + QB[i]
    grad.copy_(torch.tensor(g, dtype=torch.float64))
    return f, grad


def _fmt(v) -> str:
    return f"{float(v):.17g}"


def _vals(t: torch.Tensor) -> str:
    return ",".join(_fmt(v) for v in t.reshape(-1).tolist())


@pytest.mark.parametrize("spec", RUNS, ids=[r["id"] for r in RUNS])
def test_optim_matches_lua(spec):
    x = torch.tensor(spec["x0"], dtype=torch.float64)
    grad = torch.zeros(len(spec["x0"]), dtype=torch.float64)
    fn = rosen if spec["fn"] == "rosen" else quad
    config = {}
    for k, v in spec["config"].items():
        if isinstance(v, dict):
            config[k] = torch.tensor(v["tensor"], dtype=torch.float64)
        elif k == "lineSearch":
            config[k] = OPTIM[v]
        else:
            config[k] = v
    state: dict = {}
    lines = []
    for c in range(1, spec["calls"] + 1):
        res = OPTIM[spec["algo"]](lambda p: fn(p, grad), x, config, state)
        extra = ""
        if spec["algo"] == "lbfgs":
            extra = f" evals={_fmt(res[2])}"
        if spec["algo"] == "asgd":
            extra = f" ax={_vals(res[2])}"
        same = "true" if res[0] is x else "false"
        lines.append(f"{c} x={_vals(x)} f={','.join(_fmt(f) for f in res[1])}{extra} same={same}")
    want = RECORDED[spec["id"]]
    assert len(lines) == len(want)
    for got, exp in zip(lines, want):
        assert got == exp, f"{spec['id']}:\n  runtime: {got}\n  Lua:     {exp}"


def test_state_defaults_to_config_and_lua_fields():
    x = torch.tensor([1.0, 2.0], dtype=torch.float64)
    config = {"learningRate": 0.1, "momentum": 0.5}
    OPTIM["sgd"](lambda p: (float((p * p).sum()), p * 2), x, config)
    assert config["evalCounter"] == 1 and torch.is_tensor(config["dfdx"])


def test_nesterov_without_momentum_is_refused():
    with pytest.raises(ValueError, match="Nesterov"):
        OPTIM["sgd"](lambda p: (0.0, p.clone()), torch.zeros(2, dtype=torch.float64), {"nesterov": True})
