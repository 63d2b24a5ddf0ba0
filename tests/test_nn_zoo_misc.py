"""Activations, distances, table combiners, pass-through modules and the margin /
regression criterions: the shared float64 contract against plain-torch expressions,
extra real-Lua recordings (tests/fixtures/lua/zoo_misc_extra.t7, made by the .lua next
to it), Lua's default initialisation, and the errors. nn_zoo2.t7 is checked in
test_nn_zoo2_misc.py."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from contract import check_module
from test_nn_zoo2_misc import assert_close, run_and_check

import pygraphnn
from pygraphnn import nn
from pygraphnn.lua.classes.load import load_t7
from pygraphnn.lua.classes.save import save_t7
from pygraphnn.lua.format.t7 import Storage, load_t7_raw

EXTRA = Path(__file__).resolve().parent / "fixtures" / "lua" / "zoo_misc_extra.t7"


def _r(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


# ------------------------------------------------------------------ contract: one input
def _where(c, a, b):
    return c * a + (~c) * b


MODULES = [
    (lambda: nn.LeakyReLU(), lambda x, m: _where(x > 0, x, x / 100)),
    (lambda: nn.LeakyReLU(0.2, True), lambda x, m: torch.maximum(x, 0.2 * x)),
    (lambda: nn.ELU(0.5), lambda x, m: _where(x > 0, x, 0.5 * (torch.exp(x) - 1))),
    (lambda: nn.PReLU(), lambda x, m: _where(x > 0, x, x * m.weight[0])),
    (lambda: nn.RReLU(0.1, 0.3).evaluate(), lambda x, m: _where(x >= 0, x, 0.2 * x)),
    (lambda: nn.SoftPlus(2), lambda x, m: torch.log(1 + torch.exp(2 * x)) / 2),
    (lambda: nn.SoftSign(), lambda x, m: x / (1 + torch.sqrt(x * x))),
    (lambda: nn.SoftShrink(0.3), lambda x, m: torch.sign(x) * torch.relu(x.abs() - 0.3)),
    (lambda: nn.HardShrink(0.3), lambda x, m: x * (x.abs() > 0.3)),
    (lambda: nn.Threshold(0.1, -2), lambda x, m: _where(x > 0.1, x, torch.full_like(x, -2.0))),
    (lambda: nn.Clamp(-0.5, 0.7), lambda x, m: torch.where(x < -0.5, -0.5, torch.where(x > 0.7, 0.7, x))),
    (lambda: nn.LogSigmoid(), lambda x, m: -torch.log(1 + torch.exp(-x))),
    (lambda: nn.ReLU6(), lambda x, m: torch.where(x > 6, 6.0, torch.relu(x))),
    (lambda: nn.TanhShrink(), lambda x, m: x - (torch.exp(2 * x) - 1) / (torch.exp(2 * x) + 1)),
    (lambda: nn.Contiguous(), lambda x, m: x * 1),
    (lambda: nn.Copy("torch.DoubleTensor", "torch.DoubleTensor", True), lambda x, m: x * 1),
    (lambda: nn.Padding(2, 2), lambda x, m: torch.cat([x, torch.zeros(x.shape[0], 2, dtype=x.dtype)], 1)),
    (
        lambda: nn.Padding(2, -1, None, 3.5),
        lambda x, m: torch.cat([torch.full((x.shape[0], 1), 3.5, dtype=x.dtype), x], 1),
    ),
    (
        lambda: nn.Padding(1, 2, 1, 0, 2),
        lambda x, m: torch.cat([x[:, :4], torch.zeros(x.shape[0], 2, dtype=x.dtype), x[:, 4:]], 1),
    ),
    (lambda: nn.Bottle(nn.Linear(5, 2)), lambda x, m: x @ m.module.weight.t() + m.module.bias),
    (lambda: nn.CReLU(1), lambda x, m: torch.cat([torch.relu(x), torch.relu(-x)], 1)),
    (lambda: nn.SoftMin(), lambda x, m: torch.exp(-x) / torch.exp(-x).sum(1, keepdim=True)),
    (lambda: nn.GatedLinearUnit(1), lambda x, m: x[:2] * torch.sigmoid(x[2:])),
    (
        lambda: nn.Parallel(1, 1).add(nn.Linear(5, 2)).add(nn.Tanh()).add(nn.Identity()).add(nn.Linear(5, 1)),
        lambda x, m: torch.cat(
            [
                x[0] @ m.get(1).weight.t() + m.get(1).bias,
                torch.tanh(x[1]),
                x[2],
                x[3] @ m.get(4).weight.t() + m.get(4).bias,
            ]
        ),
    ),
    (
        lambda: nn.LinearWeightNorm(5, 3),
        lambda x, m: x @ (m.v * m.g / torch.sqrt((m.v * m.v).sum(1, keepdim=True))).t() + m.bias,
    ),
    (
        lambda: nn.Cosine(5, 3),
        lambda x, m: (x @ m.weight.t()) / (x.norm(dim=1, keepdim=True) + 1e-12) / (m.weight.norm(dim=1) + 1e-12),
    ),
]


@pytest.mark.parametrize("make, ref", MODULES, ids=[f"module{i}" for i in range(len(MODULES))])
def test_module_contract(make, ref):
    torch.manual_seed(0)
    x = _r(4, 5)
    x[0, 0] = 0.1 + 1e-3  # near, not at, a kink: gradcheck needs differentiable points
    check_module(make(), x, ref)


@pytest.mark.parametrize("nplanes, shape", [(3, (2, 3, 4, 4)), (4, (5, 4)), (3, (3, 2, 2))])
def test_prelu_per_channel_contract(nplanes, shape):
    torch.manual_seed(0)
    m = nn.PReLU(nplanes)
    with torch.no_grad():
        m.weight.copy_(torch.linspace(-0.5, 0.5, nplanes))
    dim = 0 if len(shape) == 3 else 1

    def ref(x, m):
        view = [1] * len(shape)
        view[dim] = nplanes
        return _where(x > 0, x, x * m.weight.view(view))

    check_module(m, _r(*shape), ref)


def test_bottle_over_time_and_reduce():
    torch.manual_seed(0)
    check_module(
        nn.Bottle(nn.Linear(4, 3)),
        _r(6, 2, 4),
        lambda x, m: (x.reshape(12, 4) @ m.module.weight.t() + m.module.bias).reshape(6, 2, 3),
    )
    check_module(nn.Bottle(nn.Sum(2), 2, 1), _r(3, 5, 4), lambda x, m: x.sum(2))
    check_module(nn.Collapse(2), _r(3, 5, 4), lambda x, m: torch.stack([t.flatten() for t in x]))
    check_module(nn.Collapse(3), _r(3, 5, 4), lambda x, m: torch.cat([t.flatten() for t in x]))


# Lua divides by (distance + eps) in its backward (see pygraphnn/nn/distance.py), so the exact
# derivative of the plain reference differs by about eps / distance (p - 1 times that for a p-norm): compared
# to 1e-6 (1e-5 for p = 3) here, and
# to Lua's own gradients at 1e-10 in test_nn_zoo2_misc.py.
@pytest.mark.parametrize(
    "make, ref",
    [
        (lambda: nn.Euclidean(5, 3), lambda x, m: torch.sqrt(((x.unsqueeze(2) - m.weight) ** 2).sum(1))),
        (
            lambda: nn.WeightedEuclidean(5, 3),
            lambda x, m: torch.sqrt((((x.unsqueeze(2) - m.weight) * m.diagCov) ** 2).sum(1)),
        ),
    ],
)
def test_template_distance_contract(make, ref):
    torch.manual_seed(0)
    m = make()
    if isinstance(m, nn.WeightedEuclidean):
        with torch.no_grad():
            m.diagCov.uniform_(0.5, 1.5)
    check_module(m, _r(4, 5), ref, atol=1e-6)


# ------------------------------------------------------------------ contract: table input
def _pair(n=4, d=5):
    return [_r(n, d, seed=1), _r(n, d, seed=2)]


def test_pair_modules_contract():
    a_b = _pair()
    check_module(nn.DotProduct(), a_b, lambda x, m: torch.einsum("ij,ij->i", x[0], x[1]))
    check_module(nn.CosineDistance(), a_b, lambda x, m: F.cosine_similarity(x[0], x[1], dim=1, eps=0))
    check_module(nn.PairwiseDistance(1), a_b, lambda x, m: (x[0] - x[1]).abs().sum(1))
    check_module(nn.PairwiseDistance(2), a_b, lambda x, m: torch.sqrt(((x[0] - x[1]) ** 2).sum(1)), atol=1e-6)
    check_module(nn.PairwiseDistance(3), a_b, lambda x, m: ((x[0] - x[1]).abs() ** 3).sum(1) ** (1 / 3), atol=1e-5)
    check_module(nn.CMaxTable(), [*a_b, _r(4, 5, seed=3)], lambda x, m: torch.stack(x).amax(0))
    check_module(nn.CMinTable(), a_b, lambda x, m: torch.stack(x).amin(0))
    torch.manual_seed(0)
    check_module(nn.MapTable(nn.Linear(5, 2)), a_b, lambda x, m: [t @ m.module.weight.t() + m.module.bias for t in x])
    check_module(nn.CAddTensorTable(), [a_b[0], [a_b[1], 2 * a_b[1]]], lambda x, m: [x[0] + x[1][0], x[0] + x[1][1]])
    check_module(nn.ZipTable(), [a_b, [a_b[1], a_b[0]]], lambda x, m: [[x[0][0], x[1][0]], [x[0][1], x[1][1]]])
    check_module(nn.ZipTableOneToMany(), [a_b[0], a_b], lambda x, m: [[x[0], x[1][0]], [x[0], x[1][1]]])
    torch.manual_seed(0)
    check_module(nn.Bilinear(5, 5, 3), a_b, lambda x, m: torch.einsum("bi,kij,bj->bk", x[0], m.weight, x[1]) + m.bias)


def test_matrix_table_modules_contract():
    M, v = _r(3, 4, 5), _r(3, 5, seed=1)
    check_module(nn.MV(), [M, v], lambda x, m: torch.einsum("bij,bj->bi", x[0], x[1]))
    check_module(nn.MV(True), [M.transpose(1, 2).contiguous(), v], lambda x, m: torch.einsum("bji,bj->bi", *x))
    check_module(nn.MV(), [M[0], v[0]], lambda x, m: x[0] @ x[1])
    g, experts = torch.softmax(_r(3, 4), 1), [_r(3, 6, seed=k) for k in range(4)]
    check_module(nn.MixtureTable(), [g, experts], lambda x, m: sum(x[0][:, i : i + 1] * e for i, e in enumerate(x[1])))
    check_module(nn.MixtureTable(2), [g, torch.stack(experts, 1)], lambda x, m: torch.einsum("be,bed->bd", *x))
    mask = (_r(4, 5, seed=9) > 0).to(torch.uint8)
    check_module(nn.MaskedSelect(), [_r(4, 5), mask], lambda x, m: x[0][x[1].bool()])
    idx = torch.tensor([3, 1, 3])
    check_module(nn.Index(2), [_r(4, 5), idx], lambda x, m: x[0][:, idx - 1])


# ------------------------------------------------------------------ criterions
class _Loss(pygraphnn.Module):
    """A criterion with its target bound, so the module contract can run on it."""

    def __init__(self, crit, target):
        super().__init__()
        self.crit, self.target = crit, target

    def forward(self, x):
        return self.crit(x, self.target)


Y = torch.tensor([1.0, -1.0, -1.0, 1.0], dtype=torch.float64)
K = torch.tensor([2, 5, 1, 2])


def _multimargin_ref(x, t, p=1, margin=1.0, w=None):
    xt = x.gather(1, (t - 1).unsqueeze(1))
    z = torch.relu(margin - xt + x) ** p
    z = z * (1 - F.one_hot(t - 1, x.shape[1]).to(x.dtype))
    if w is not None:
        z = z * w[t - 1].unsqueeze(1)
    return z.sum() / x.shape[1] / x.shape[0]


def _multilabel_margin_ref(x, t):
    """Per sample, written as loops: targets up to the first 0, hinge against every non-target."""
    total = x.new_zeros(())
    for xi, ti in zip(x, t):
        labels = []
        for v in ti.tolist():
            if v == 0:
                break
            labels.append(v - 1)
        others = [c for c in range(x.shape[1]) if c not in labels]
        for j in labels:
            for i in others:
                total = total + torch.clamp(1 - (xi[j] - xi[i]), min=0)
    return total / x.shape[1] / x.shape[0]


CRITERIONS = [
    (
        lambda: nn.MarginCriterion(0.5),
        _r(4, 3),
        Y.reshape(4, 1).expand(4, 3).contiguous(),
        lambda x, t: torch.clamp(0.5 - x * t, min=0).mean(),
    ),
    (
        lambda: nn.MultiLabelMarginCriterion(),
        _r(3, 5),
        torch.tensor([[3, 1, 0, 2, 0], [5, 4, 3, 2, 1], [0, 2, 3, 0, 0]]),
        _multilabel_margin_ref,
    ),
    (
        lambda: nn.SoftMarginCriterion(),
        _r(4, 3),
        Y.reshape(4, 1).expand(4, 3).contiguous(),
        lambda x, t: torch.log(1 + torch.exp(-x * t)).mean(),
    ),
    (lambda: nn.MultiMarginCriterion(), _r(4, 5), K, lambda x, t: _multimargin_ref(x, t)),
    (
        lambda: nn.MultiMarginCriterion(2, torch.tensor([1, 2, 0.5, 1, 3.0]), 0.5),
        _r(4, 5),
        K,
        lambda x, t: _multimargin_ref(x, t, 2, 0.5, torch.tensor([1, 2, 0.5, 1, 3.0], dtype=torch.float64)),
    ),
    (
        lambda: nn.MultiLabelSoftMarginCriterion(),
        _r(4, 5),
        (_r(4, 5, seed=4) > 0).double(),
        lambda x, t: -(t * torch.log(torch.sigmoid(x)) + (1 - t) * torch.log(1 - torch.sigmoid(x))).mean(),
    ),
    (lambda: nn.SmoothL1Criterion(), 2 * _r(4, 5), _r(4, 5, seed=4), lambda x, t: F.huber_loss(x, t, delta=1.0)),
    (
        lambda: nn.DistKLDivCriterion(),
        torch.log_softmax(_r(4, 5), 1),
        torch.softmax(_r(4, 5, seed=4), 1),
        lambda x, t: (t * (torch.log(t) - x)).mean(),
    ),
    (
        lambda: nn.HingeEmbeddingCriterion(0.7),
        _r(4).abs(),
        Y,
        lambda x, t: torch.where(t > 0, x, torch.clamp(0.7 - x, min=0)).mean(),
    ),
    (lambda: nn.ClassSimplexCriterion(5), _r(4, 5), K, None),
    (
        lambda: nn.WeightedMSECriterion(torch.tensor([1, 2, 0.5, 0, 3.0])),
        _r(4, 5),
        _r(4, 5, seed=4),
        lambda x, t: ((x - t * torch.tensor([1, 2, 0.5, 0, 3.0], dtype=torch.float64)) ** 2).mean(),
    ),
    (lambda: nn.L1Cost(), _r(4, 5), None, lambda x, t: x.abs().sum()),
    (
        lambda: nn.SpatialClassNLLCriterion(torch.tensor([1, 2, 0.5, 1.0])),
        torch.log_softmax(_r(2, 4, 3, 3), 1),
        torch.randint(1, 5, (2, 3, 3), generator=torch.Generator().manual_seed(0)),
        lambda x, t: F.nll_loss(x, t - 1, weight=torch.tensor([1, 2, 0.5, 1], dtype=torch.float64)),
    ),
]


def _simplex_ref(x, t):
    # vertices of the regular simplex: unit vectors with pairwise dot product -1/(n-1), padded with a 0 column
    crit = nn.ClassSimplexCriterion(5)
    s = crit.simplex
    gram = s @ s.t()
    assert torch.allclose(gram.diagonal(), torch.ones(5, dtype=torch.float64), atol=1e-12)
    off = gram[~torch.eye(5, dtype=torch.bool)]
    assert torch.allclose(off, torch.full_like(off, -1 / 4), atol=1e-12)
    assert torch.all(s[:, -1] == 0)
    return ((x - s[t - 1]) ** 2).mean()


@pytest.mark.parametrize("make, x, t, ref", CRITERIONS, ids=[f"criterion{i}" for i in range(len(CRITERIONS))])
def test_criterion_contract(make, x, t, ref):
    ref = ref or _simplex_ref
    check_module(_Loss(make(), t), x, lambda x, m: ref(x, t))


def test_pair_criterions_contract():
    a_b = _pair()
    cos = lambda x: F.cosine_similarity(x[0], x[1], dim=1, eps=0)  # noqa: E731
    check_module(
        _Loss(nn.CosineEmbeddingCriterion(0.1), Y),
        a_b,
        lambda x, m: torch.where(Y > 0, 1 - cos(x), torch.clamp(cos(x) - 0.1, min=0)).mean(),
    )
    s1, s2 = _r(4), _r(4, seed=1)
    check_module(
        _Loss(nn.MarginRankingCriterion(0.5), Y),
        [s1, s2],
        lambda x, m: torch.clamp(-Y * (x[0] - x[1]) + 0.5, min=0).mean(),
    )
    check_module(
        _Loss(nn.L1HingeEmbeddingCriterion(2.0), -1),
        [s1, s2],
        lambda x, m: torch.clamp(2.0 - (x[0] - x[1]).abs().sum(), min=0),
    )
    p = nn.ParallelCriterion().add(nn.MSECriterion(), 0.5).add(nn.MarginRankingCriterion(), 2)
    check_module(
        _Loss(p, [s2, Y]),
        [s1, [s1, s2]],
        lambda x, m: 0.5 * ((x[0] - s2) ** 2).mean() + 2 * torch.clamp(-Y * (x[1][0] - x[1][1]) + 1, min=0).mean(),
    )
    mc = nn.MultiCriterion().add(nn.MSECriterion(), 0.5).add(nn.AbsCriterion(), 3)
    check_module(_Loss(mc, s2), s1, lambda x, m: 0.5 * ((x - s2) ** 2).mean() + 3 * (x - s2).abs().mean())


# ------------------------------------------------------------------ gradient-only modules
def test_l1penalty_and_gradient_reversal():
    x = _r(3, 4)
    x[0, 0] = 0.0
    g = _r(3, 4, seed=1)
    for size_average, provide in ((False, True), (True, True), (False, False)):
        m = nn.L1Penalty(0.1, size_average, provide)
        scale = 0.1 / x.numel() if size_average else 0.1
        assert torch.equal(m.forward(x), x)
        assert m.loss == pytest.approx(scale * float(x.abs().sum()), abs=1e-12)
        gi = m.backward(x, g)
        torch.testing.assert_close(gi, (g if provide else 0) + scale * torch.sign(x), atol=1e-15, rtol=0)
    zg = nn.ZeroGrad()
    assert torch.equal(zg.forward(x), x) and torch.equal(zg.backward(x, g), torch.zeros_like(x))
    c = nn.Constant(torch.tensor([1.0, 2.0]), 1)
    assert torch.equal(c.forward(x), torch.tensor([[1.0, 2.0]] * 3, dtype=torch.float64))
    assert torch.equal(c.backward(x, torch.ones(3, 2, dtype=torch.float64)), torch.zeros_like(x))
    m = nn.GradientReversal(0.3)
    assert torch.equal(m.forward(x), x)
    torch.testing.assert_close(m.backward(x, g), -0.3 * g, atol=0, rtol=0)
    m.setLambda(2)
    m.forward(x)
    torch.testing.assert_close(m.backward(x, g), -2 * g, atol=0, rtol=0)


# ------------------------------------------------------------------ real-Lua extras
@pytest.fixture(scope="module")
def extra():
    return load_t7_raw(EXTRA)


def test_extra_cases(extra):
    for i, case in enumerate(extra.cases.to_list(), 1):
        what = f"extra case {i} {case.ctor}"
        m = load_t7(io.BytesIO(_roundtrip_raw(case.module)))
        # wrappers load as what they wrap; Sequential subclasses that only build children as a Sequential
        loads_as = {"nn.Maxout": "Sequential", "nn.Decorator": "Linear", "nn.NaN": "Tanh", "nn.PrintSize": "Identity"}
        assert type(m).__name__ == loads_as.get(case.module.class_name, case.module.class_name[3:]), what
        if case.get("noise") is None:
            run_and_check(case, m, what)
            continue
        # RReLU training: the slopes come from Lua's generator, reseeded as Lua did before forward
        torch.manual_seed(_seed(case.ctor))
        m.zeroGradParameters()
        assert_close(m.forward(case.input), case.output, 1e-15, what + " output")
        assert_close(m.noise, case.noise, 0, what + " noise")
        assert_close(m.backward(case.input, case.gradOutput), case.gradInput, 1e-15, what + " gradInput")


def _seed(ctor: str) -> int:
    return {"nn.RReLU()": 5, "nn.RReLU(0.1, 0.6)": 11}[ctor]


def _roundtrip_raw(obj) -> bytes:
    from pygraphnn.lua.format.t7 import save_t7 as save_raw

    buf = io.BytesIO()
    save_raw(obj, buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    "ctor",
    [
        "nn.Euclidean(5, 3)",
        "nn.WeightedEuclidean(5, 3)",
        "nn.Cosine(5, 3)",
        "nn.Bilinear(4, 3, 2)",
        "nn.Bilinear(4, 3, 2, False)",
        "nn.PReLU(3)",
        "nn.LinearWeightNorm(5, 3)",
    ],
)
def test_default_init_is_luas(extra, ctor):
    want = {r.ctor.replace("false", "False"): r.params for r in extra.init.to_list()}[ctor]
    torch.manual_seed(123)
    dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # Lua's numbers are doubles
    try:
        m = eval(ctor, {"nn": nn})
    finally:
        torch.set_default_dtype(dtype)
    got, _ = m.getParameters()
    assert_close(got, want, 0, ctor)


# ------------------------------------------------------------------ errors and rules
def test_threshold_in_place_rule_and_errors():
    with pytest.raises(ValueError, match=r"in-place processing requires value \(0.5\) not exceed threshold \(0.2\)"):
        nn.Threshold(0.2, 0.5, True)
    m = nn.Threshold(0.2, -0.5, True)
    m.val = 1.0  # Lua re-checks at every forward
    with pytest.raises(ValueError, match="in-place"):
        m(torch.zeros(2))
    with pytest.raises(ValueError, match=r"nn.PReLU\(3\): expected .* 3 channels.*\(2, 4\)"):
        nn.PReLU(3)(torch.zeros(2, 4))
    with pytest.raises(ValueError, match="one gater output per expert"):
        nn.MixtureTable()([torch.zeros(2, 3), [torch.zeros(2, 4)] * 2])
    with pytest.raises(ValueError, match=r"nn.Euclidean\(5 -> 3\).*got shape \(4, 6\)"):
        nn.Euclidean(5, 3)(torch.zeros(4, 6))
    with pytest.raises(ValueError, match="only p=1 and p=2"):
        nn.MultiMarginCriterion(3)
    with pytest.raises(ValueError, match="wrong number of output dims"):
        nn.Bottle(nn.Linear(4, 3), 2, 3)(torch.zeros(5, 2, 4))
    assert not nn.LeakyReLU(-0.1, True).inplace  # Lua: a negative slope cannot run in place
    assert nn.LeakyReLU(True).negval == 0.01 and nn.LeakyReLU(True).inplace


def test_copy_converts_both_ways():
    m = nn.Copy("torch.DoubleTensor", "torch.FloatTensor")
    x = _r(3)
    y = m.forward(x)
    assert y.dtype == torch.float32
    gi = m.backward(x, torch.ones(3, dtype=torch.float32))
    assert gi.dtype == torch.float64 and torch.equal(gi, torch.ones(3, dtype=torch.float64))
    buf = io.BytesIO()
    save_t7(m, buf)
    m2 = load_t7(io.BytesIO(buf.getvalue()))
    assert (m2.intype, m2.outtype) == ("torch.DoubleTensor", "torch.FloatTensor")


def test_rrelu_training_draws_only_for_nonpositive():
    x = torch.tensor([1.0, -1.0, 0.0, 2.0, -3.0], dtype=torch.float64)
    torch.manual_seed(3)
    m = nn.RReLU(0.2, 0.4)
    m.forward(x)
    assert torch.equal(m.noise[[0, 3]], torch.ones(2, dtype=torch.float64))
    assert bool(((m.noise[[1, 2, 4]] >= 0.2) & (m.noise[[1, 2, 4]] <= 0.4)).all())
    assert math.isclose(float(m.output[4]), -3.0 * float(m.noise[4]))


# ------------------------------------------------------------------ what save_t7 writes
def _recorded_cases():
    from test_nn_zoo2_misc import ZOO2, _case_ids

    cases = load_t7_raw(EXTRA).cases.to_list()
    if ZOO2.exists():
        zoo2 = load_t7_raw(ZOO2).to_list()
        cases += [zoo2[i] for i in _case_ids()]
    return cases


def test_saved_modules_have_the_fields_luas_constructors_make():
    """Lua's methods use the buffers its constructors create without checking, so a file
    lacking one loads in Lua but fails at the first forward. The recorded modules are
    Lua's constructions: what save_t7 writes must have all their fields (and the class
    version). scripts/check_saver_in_lua.py runs the written files in real Lua."""
    from test_nn_zoo2_misc import _classes

    from pygraphnn.lua.classes.load import LOADERS, from_lua
    from pygraphnn.lua.classes.save import to_lua

    checked = 0
    for case in _recorded_cases():
        if not _classes(case.module) <= set(LOADERS):
            continue  # classes of another part of the zoo
        saved = to_lua(from_lua(case.module))
        if saved.class_name != case.module.class_name:
            continue  # wrappers (Decorator...) load as what they wrap
        lua_fields = {k for k in case.module.state if isinstance(k, str)}
        missing = lua_fields - {k for k in saved.state if isinstance(k, str)}
        assert not missing, f"{case.ctor}: save_t7 omits {sorted(missing)}"
        assert saved.version == case.module.version, case.ctor
        checked += 1
    assert checked >= 25


@pytest.mark.parametrize(
    "name",
    [
        "activation",
        "distance",
        "table_combine",
        "passthrough",
        "padding_dim",
        "bottle",
        "criterion_margin",
        "criterion_regression",
        "criterion_combine",
        "containers_apply",
        "linear_weight_norm",
    ],
)
def test_docstring_examples(name):
    import doctest
    import importlib

    module = importlib.import_module(f"pygraphnn.nn.{name}")
    result = doctest.testmod(module)
    assert result.attempted and not result.failed


def test_loader_errors_name_the_field_and_place():
    from pygraphnn.lua.format.t7 import LuaTable, T7Error, TorchObject
    from pygraphnn.lua.format.t7 import save_t7 as save_raw

    def load(obj):
        buf = io.BytesIO()
        save_raw({"model": obj}, buf)
        buf.seek(0)
        return load_t7(buf)

    d = torch.float64
    bad = [
        (
            TorchObject("nn.PReLU", LuaTable(nOutputPlane=3.0, weight=torch.zeros(4, dtype=d))),
            r"nn.PReLU.weight has shape \(4,\), expected \(3,\)",
            "model.weight",
        ),
        (TorchObject("nn.Bilinear", LuaTable(weight=torch.zeros(2, 3, dtype=d))), "should be 3-D", "model.weight"),
        (
            TorchObject(
                "nn.WeightedEuclidean", LuaTable(weight=torch.zeros(5, 3, dtype=d), diagCov=torch.ones(3, 5, dtype=d))
            ),
            r"diagCov has shape \(3, 5\), expected \(5, 3\)",
            "model.diagCov",
        ),
        (TorchObject("nn.Padding", LuaTable(dim=1.0)), "lacks its field 'pad'", "model.pad"),
        (
            TorchObject("nn.Bottle", LuaTable(modules=[TorchObject("nn.Tanh", LuaTable())] * 2)),
            "should hold one module, it holds 2",
            "model.modules",
        ),
        (
            TorchObject(
                "nn.MapTable",
                LuaTable(
                    shared=False,
                    modules=[
                        TorchObject(
                            "nn.Linear", LuaTable(weight=torch.zeros(2, 3, dtype=d), bias=torch.zeros(2, dtype=d))
                        ),
                        TorchObject(
                            "nn.Linear", LuaTable(weight=torch.ones(2, 3, dtype=d), bias=torch.zeros(2, dtype=d))
                        ),
                    ],
                ),
            ),
            "shared = false holds 2 clones",
            "model.modules",
        ),
        (
            TorchObject(
                "nn.MultiCriterion",
                LuaTable(
                    criterions=[TorchObject("nn.MSECriterion", LuaTable())], weights=Storage(torch.ones(2, dtype=d))
                ),
            ),
            "should hold 1 numbers",
            "model.weights",
        ),
        (TorchObject("nn.Threshold", LuaTable(threshold=0.1, val=0.5, inplace=True)), "in-place processing", "model"),
    ]
    for obj, message, where in bad:
        with pytest.raises(T7Error, match=message) as e:
            load(obj)
        assert e.value.path == where, (message, e.value.path)


def test_relu_with_other_threshold_loads_as_threshold():
    from pygraphnn.lua.format.t7 import LuaTable, TorchObject
    from pygraphnn.lua.format.t7 import save_t7 as save_raw

    buf = io.BytesIO()
    save_raw(TorchObject("nn.ReLU", LuaTable(threshold=0.5, val=-1.0, inplace=False)), buf)
    m = load_t7(io.BytesIO(buf.getvalue()))
    assert isinstance(m, nn.Threshold) and (m.threshold, m.val) == (0.5, -1.0)
    assert torch.equal(m(torch.tensor([0.2, 0.7])), torch.tensor([-1.0, 0.7]))
