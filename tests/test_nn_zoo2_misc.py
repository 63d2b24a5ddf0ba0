"""The activation, distance, table-combining, pass-through and criterion classes against
real Lua Torch: every case of ``nn_zoo2.t7`` whose classes pygraphnn has (the
convolution/pooling/normalisation half belongs to other modules), loaded with
``load_t7``, run Lua-style, and compared to 1e-10 (output, gradInput, params, gradParams;
criterions: loss and gradInput; ``moduleAfter`` state); then saved, reloaded and rerun.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
import torch

from pygraphnn import nn
from pygraphnn.lua.classes.load import LOADERS, load_t7
from pygraphnn.lua.classes.save import save_t7
from pygraphnn.lua.format.t7 import LuaTable, TorchObject, load_t7_raw

DATA = Path(os.environ.get("PYGRAPHNN_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data")) / "t7"
ZOO2 = DATA / "lua" / "nn_zoo2.t7"

# the classes of this part of the zoo (the cases' outermost classes)
MISC = {
    "LeakyReLU",
    "ELU",
    "PReLU",
    "RReLU",
    "SoftPlus",
    "SoftSign",
    "SoftShrink",
    "HardShrink",
    "Threshold",
    "Clamp",
    "LogSigmoid",
    "Contiguous",
    "Padding",
    "Copy",
    "Bottle",
    "MaskedSelect",
    "Index",
    "Euclidean",
    "WeightedEuclidean",
    "Cosine",
    "CosineDistance",
    "PairwiseDistance",
    "DotProduct",
    "Bilinear",
    "MV",
    "CMaxTable",
    "CMinTable",
    "MixtureTable",
    "L1Penalty",
    "MarginCriterion",
    "MultiMarginCriterion",
    "MultiLabelMarginCriterion",
    "SoftMarginCriterion",
    "MultiLabelSoftMarginCriterion",
    "SmoothL1Criterion",
    "DistKLDivCriterion",
    "HingeEmbeddingCriterion",
    "CosineEmbeddingCriterion",
    "MarginRankingCriterion",
    "L1HingeEmbeddingCriterion",
    "ParallelCriterion",
    "MultiCriterion",
    "ClassSimplexCriterion",
    "SpatialClassNLLCriterion",
}


def _classes(obj) -> set[str]:
    """Every Torch class inside a raw object (children of containers and criterions too)."""
    seen, stack = set(), [obj]
    while stack:
        o = stack.pop()
        if isinstance(o, TorchObject):
            seen.add(o.class_name)
            stack.extend(v for v in o.state.values() if isinstance(v, (TorchObject, LuaTable)))
        elif isinstance(o, LuaTable):
            stack.extend(v for v in o.values() if isinstance(v, (TorchObject, LuaTable)))
    return seen


def _case_ids() -> list[int]:
    if not ZOO2.exists():
        return []
    raw = load_t7_raw(ZOO2).to_list()
    return [i for i, c in enumerate(raw) if c.module.class_name.split(".")[-1] in MISC]


@pytest.fixture(scope="module")
def zoo2():
    if not ZOO2.exists():
        pytest.skip(f"fixture {ZOO2} not found (set PYGRAPHNN_DATA)")
    return load_t7_raw(ZOO2).to_list()


def plain(v):
    if isinstance(v, LuaTable):
        return [plain(x) for x in v.to_list()]
    return v


def assert_close(got, want, tol, what):
    if isinstance(want, (list, tuple)):
        assert isinstance(got, (list, tuple)) and len(got) == len(want), f"{what}: {got!r:.80} vs {len(want)} entries"
        for i, (g, w) in enumerate(zip(got, want), 1):
            assert_close(g, w, tol, f"{what}[{i}]")
        return
    if isinstance(want, torch.Tensor):
        assert isinstance(got, torch.Tensor), f"{what}: got {type(got).__name__}"
        assert tuple(got.shape) == tuple(want.shape), f"{what}: shape {tuple(got.shape)} vs {tuple(want.shape)}"
        if want.is_floating_point():
            assert got.dtype == want.dtype, f"{what}: dtype {got.dtype} vs {want.dtype}"
            diff = (got.double() - want.double()).abs().max().item() if want.numel() else 0.0
            assert diff <= tol, f"{what}: max abs diff {diff:.3g} > {tol}"
        else:
            assert torch.equal(got.to(want.dtype), want), what
        return
    assert abs(float(got) - float(want)) <= tol * max(1.0, abs(float(want))), f"{what}: {got} vs {want}"


def _target(t):
    return plain(t) if isinstance(t, LuaTable) else t


def run_and_check(case, m, what):
    if case.kind == "criterion":
        x, t = plain(case.input), _target(case.get("target"))
        assert_close(m.forward(x, t), case.output, 1e-10, what + " loss")
        assert_close(m.backward(x, t), plain(case.gradInput), 1e-10, what + " gradInput")
        return
    params, grads = m.getParameters()
    m.zeroGradParameters()
    x = plain(case.input)
    assert_close(m.forward(x), plain(case.output), 1e-10, what + " output")
    assert_close(m.backward(x, plain(case.gradOutput)), plain(case.gradInput), 1e-10, what + " gradInput")
    if case.get("params") is not None:
        assert_close(params, case.params, 0, what + " params")
        assert_close(grads, case.gradParams, 1e-10, what + " gradParams")
    else:
        assert params.numel() == 0, what
    after = case.get("moduleAfter")
    if after is not None and "loss" in after.state:
        assert_close(m.loss, after.loss, 1e-10, what + " loss (moduleAfter)")


@pytest.mark.parametrize("i", _case_ids() or [0])
def test_zoo2_case(zoo2, i):
    case = zoo2[i]
    what = f"case {i + 1} {case.ctor}"
    missing = sorted(c for c in _classes(case.module) if c not in LOADERS)
    if missing:
        pytest.skip(f"{what}: needs {', '.join(missing)} (another part of the zoo)")
    m = load_t7(io.BytesIO(_raw_bytes(case.module)))
    assert type(m).__name__ == case.module.class_name.split(".")[-1], what
    assert m.training == (case.module.get("train", True) is not False), what
    for k, v in (case.get("set") or {}).items():  # the fields Lua set after construction are loaded
        assert getattr(m, k) == v, f"{what}: {k}"
    run_and_check(case, m, what)
    buf = io.BytesIO()
    save_t7(m, buf)
    m2 = load_t7(io.BytesIO(buf.getvalue()))
    assert type(m2) is type(m), what
    run_and_check(case, m2, what + " (saved and reloaded)")


def _raw_bytes(obj) -> bytes:
    from pygraphnn.lua.format.t7 import save_t7 as save_raw

    buf = io.BytesIO()
    save_raw(obj, buf)
    return buf.getvalue()


def test_every_misc_class_has_cases(zoo2):
    names = {c.module.class_name.split(".")[-1] for c in zoo2}
    assert names >= MISC
    assert all(isinstance(getattr(nn, n), type) for n in MISC)
