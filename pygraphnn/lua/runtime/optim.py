"""Lua's ``optim`` package: ``OPTIM[name](opfunc, x, config, state)``.

Each algorithm reads Lua's ``config`` fields (``learningRate``, ``momentum``...) with
Lua's defaults, keeps Lua's ``state`` fields (``evalCounter``, ``m``, ``v``, ``t``,
``paramVariance``, ``dfdx``...) and updates ``x`` **in place** in Lua's order with the
runtime's Torch7 tensor methods, so the steps equal Lua's bit for bit (L-BFGS's dot
products may differ in the last bit). ``opfunc(x)`` returns ``(f, df/dx)``; the result
is ``(x, [f, ...])`` as Lua's ``x, {f}`` (L-BFGS also returns the evaluation count,
ASGD the averaged ``x``). ``config`` and ``state`` are any mutable mappings with string
keys (a dict, or a Lua table); ``state`` defaults to ``config``, as in Lua.

Example::

    >>> import torch
    >>> from pygraphnn.lua.runtime.optim import OPTIM
    >>> x = torch.tensor([1.0, -2.0], dtype=torch.float64)
    >>> def opfunc(x):                      # f = sum(x^2) / 2
    ...     return float((x * x).sum() / 2), x.clone()
    >>> config = {"learningRate": 0.1}
    >>> _, fs = OPTIM["sgd"](opfunc, x, config)
    >>> x.tolist(), fs, config["evalCounter"]
    ([0.9, -1.8], [2.5], 1)
"""

from __future__ import annotations

import math
from collections.abc import Callable, MutableMapping

import torch

from .tensor_methods import TENSOR_METHODS as T

__all__ = [
    "OPTIM",
    "adadelta",
    "adagrad",
    "adam",
    "adamax",
    "asgd",
    "lbfgs",
    "lswolfe",
    "nag",
    "polyinterp",
    "rmsprop",
    "sgd",
]


def _get(table, key: str, default=None):
    """Lua's ``table.key or default`` (nil and false both give the default)."""
    if table is None:
        return default
    v = table.get(key)
    return default if v is None or v is False else v


def _tables(config, state) -> tuple[MutableMapping, MutableMapping]:
    config = {} if config is None else config
    return config, config if state is None else state


def _like(t: torch.Tensor) -> torch.Tensor:
    """``torch.Tensor():typeAs(t):resizeAs(t)`` (zero-filled here; Lua's is uninitialised
    and always overwritten before use)."""
    return torch.zeros_like(t, memory_format=torch.contiguous_format)


# ------------------------------------------------------------------ first-order methods
def sgd(opfunc: Callable, x: torch.Tensor, config=None, state=None):
    """``optim.sgd``: learningRate (1e-3), learningRateDecay, weightDecay, weightDecays,
    momentum, dampening (= momentum), nesterov, learningRates; state.evalCounter, dfdx."""
    config, state = _tables(config, state)
    lr = _get(config, "learningRate", 1e-3)
    lrd = _get(config, "learningRateDecay", 0)
    wd = _get(config, "weightDecay", 0)
    mom = _get(config, "momentum", 0)
    damp = _get(config, "dampening", mom)
    nesterov = _get(config, "nesterov", False)
    lrs = _get(config, "learningRates")
    wds = _get(config, "weightDecays")
    state["evalCounter"] = _get(state, "evalCounter", 0)
    nevals = state["evalCounter"]
    if nesterov and not (mom > 0 and damp == 0):
        raise ValueError("optim.sgd: Nesterov momentum requires a momentum and zero dampening")
    fx, dfdx = opfunc(x)
    with torch.no_grad():
        if wd != 0:
            T["add"](dfdx, wd, x)
        elif wds is not None:
            if _get(state, "decayParameters") is None:
                state["decayParameters"] = _like(dfdx).to(x.dtype)
            T["add"](dfdx, T["cmul"](T["copy"](state["decayParameters"], wds), x))
        if mom != 0:
            if _get(state, "dfdx") is None:
                state["dfdx"] = dfdx.clone()
            else:
                T["add"](T["mul"](state["dfdx"], mom), 1 - damp, dfdx)
            if nesterov:
                T["add"](dfdx, mom, state["dfdx"])
            else:
                dfdx = state["dfdx"]
        clr = lr / (1 + nevals * lrd)
        if lrs is not None:
            if _get(state, "deltaParameters") is None:
                state["deltaParameters"] = _like(dfdx).to(x.dtype)
            T["add"](x, -clr, T["cmul"](T["copy"](state["deltaParameters"], lrs), dfdx))
        else:
            T["add"](x, -clr, dfdx)
    state["evalCounter"] = state["evalCounter"] + 1
    return x, [fx]


def adam(opfunc: Callable, x: torch.Tensor, config=None, state=None):
    """``optim.adam``: learningRate (1e-3), learningRateDecay, beta1 (0.9), beta2 (0.999),
    epsilon (1e-8), weightDecay; state.t, m, v, denom."""
    config, state = _tables(config, state)
    lr = _get(config, "learningRate", 0.001)
    lrd = _get(config, "learningRateDecay", 0)
    beta1 = _get(config, "beta1", 0.9)
    beta2 = _get(config, "beta2", 0.999)
    eps = _get(config, "epsilon", 1e-8)
    wd = _get(config, "weightDecay", 0)
    fx, dfdx = opfunc(x)
    with torch.no_grad():
        if wd != 0:
            T["add"](dfdx, wd, x)
        state["t"] = _get(state, "t", 0)
        for key in ("m", "v", "denom"):
            if _get(state, key) is None:
                state[key] = torch.zeros(dfdx.shape, dtype=x.dtype)
        clr = lr / (1 + state["t"] * lrd)
        state["t"] = state["t"] + 1
        T["add"](T["mul"](state["m"], beta1), 1 - beta1, dfdx)
        T["addcmul"](T["mul"](state["v"], beta2), 1 - beta2, dfdx, dfdx)
        T["add"](T["sqrt"](T["copy"](state["denom"], state["v"])), eps)
        bias1 = 1 - beta1 ** state["t"]
        bias2 = 1 - beta2 ** state["t"]
        step = clr * math.sqrt(bias2) / bias1
        T["addcdiv"](x, -step, state["m"], state["denom"])
    return x, [fx]


def rmsprop(opfunc: Callable, x: torch.Tensor, config=None, state=None):
    """``optim.rmsprop``: learningRate (1e-2), alpha (0.99), epsilon (1e-8), weightDecay,
    initialMean (0); state.m, tmp."""
    config, state = _tables(config, state)
    lr = _get(config, "learningRate", 1e-2)
    alpha = _get(config, "alpha", 0.99)
    eps = _get(config, "epsilon", 1e-8)
    wd = _get(config, "weightDecay", 0)
    mfill = _get(config, "initialMean", 0)
    fx, dfdx = opfunc(x)
    with torch.no_grad():
        if wd != 0:
            T["add"](dfdx, wd, x)
        if _get(state, "m") is None:
            state["m"] = T["fill"](_like(dfdx).to(x.dtype), mfill)
            state["tmp"] = _like(dfdx).to(x.dtype)
        T["mul"](state["m"], alpha)
        T["addcmul"](state["m"], 1.0 - alpha, dfdx, dfdx)
        T["add"](T["sqrt"](state["tmp"], state["m"]), eps)
        T["addcdiv"](x, -lr, dfdx, state["tmp"])
    return x, [fx]


def adagrad(opfunc: Callable, x: torch.Tensor, config=None, state=None):
    """``optim.adagrad``: learningRate (1e-3), learningRateDecay, weightDecay;
    state.evalCounter, paramVariance, paramStd."""
    config, state = _tables(config, state)
    lr = _get(config, "learningRate", 1e-3)
    lrd = _get(config, "learningRateDecay", 0)
    wd = _get(config, "weightDecay", 0)
    state["evalCounter"] = _get(state, "evalCounter", 0)
    nevals = state["evalCounter"]
    fx, dfdx = opfunc(x)
    with torch.no_grad():
        if wd != 0:
            T["add"](dfdx, wd, x)
        clr = lr / (1 + nevals * lrd)
        if _get(state, "paramVariance") is None:
            state["paramVariance"] = _like(dfdx).to(x.dtype)
            state["paramStd"] = _like(dfdx).to(x.dtype)
        T["addcmul"](state["paramVariance"], 1, dfdx, dfdx)
        T["sqrt"](T["copy"](T["resizeAs"](state["paramStd"], state["paramVariance"]), state["paramVariance"]))
        T["addcdiv"](x, -clr, dfdx, T["add"](state["paramStd"], 1e-10))
    state["evalCounter"] = state["evalCounter"] + 1
    return x, [fx]


def adadelta(opfunc: Callable, x: torch.Tensor, config=None, state=None):
    """``optim.adadelta``: rho (0.9), eps (1e-6), weightDecay; state.evalCounter,
    paramVariance, paramStd, delta, accDelta."""
    config, state = _tables(config, state)
    rho = _get(config, "rho", 0.9)
    eps = _get(config, "eps", 1e-6)
    wd = _get(config, "weightDecay", 0)
    state["evalCounter"] = _get(state, "evalCounter", 0)
    fx, dfdx = opfunc(x)
    with torch.no_grad():
        if wd != 0:
            T["add"](dfdx, wd, x)
        if _get(state, "paramVariance") is None:
            for key in ("paramVariance", "paramStd", "delta", "accDelta"):
                state[key] = _like(dfdx).to(x.dtype)
        pv, pstd, delta, acc = state["paramVariance"], state["paramStd"], state["delta"], state["accDelta"]
        T["addcmul"](T["mul"](pv, rho), 1 - rho, dfdx, dfdx)
        T["sqrt"](T["add"](T["copy"](T["resizeAs"](pstd, pv), pv), eps))
        T["cmul"](T["cdiv"](T["sqrt"](T["add"](T["copy"](T["resizeAs"](delta, pv), acc), eps)), pstd), dfdx)
        T["add"](x, -1, delta)
        T["addcmul"](T["mul"](acc, rho), 1 - rho, delta, delta)
    state["evalCounter"] = state["evalCounter"] + 1
    return x, [fx]


def nag(opfunc: Callable, x: torch.Tensor, config=None, state=None):
    """``optim.nag`` (Nesterov's accelerated gradient): learningRate (1e-3),
    learningRateDecay, weightDecay, momentum (0.9), learningRates; state.evalCounter, dfdx."""
    config, state = _tables(config, state)
    lr = _get(config, "learningRate", 1e-3)
    lrd = _get(config, "learningRateDecay", 0)
    wd = _get(config, "weightDecay", 0)
    mom = _get(config, "momentum", 0.9)
    lrs = _get(config, "learningRates")
    state["evalCounter"] = _get(state, "evalCounter", 0)
    nevals = state["evalCounter"]
    if mom <= 0:
        raise ValueError(f"optim.nag: momentum must be positive for Nesterov Accelerated Gradient, got {mom}")
    with torch.no_grad():
        if _get(state, "dfdx") is not None:
            T["add"](x, mom, state["dfdx"])
    fx, dfdx = opfunc(x)
    with torch.no_grad():
        if wd != 0:
            T["add"](dfdx, wd, x)
        clr = lr / (1 + nevals * lrd)
        if _get(state, "dfdx") is None:
            state["dfdx"] = _like(dfdx)
        else:
            T["mul"](state["dfdx"], mom)
        if lrs is not None:
            if _get(state, "deltaParameters") is None:
                state["deltaParameters"] = _like(dfdx).to(x.dtype)
            T["cmul"](T["copy"](state["deltaParameters"], lrs), dfdx)
            T["add"](x, -clr, state["deltaParameters"])
            T["add"](state["dfdx"], -clr, state["deltaParameters"])
        else:
            T["add"](x, -clr, dfdx)
            T["add"](state["dfdx"], -clr, dfdx)
    state["evalCounter"] = state["evalCounter"] + 1
    return x, [fx]


def adamax(opfunc: Callable, x: torch.Tensor, config=None, state=None):
    """``optim.adamax``: learningRate (0.002), beta1 (0.9), beta2 (0.999), epsilon (1e-38),
    weightDecay; state.t, m, u, max."""
    config, state = _tables(config, state)
    lr = _get(config, "learningRate", 0.002)
    beta1 = _get(config, "beta1", 0.9)
    beta2 = _get(config, "beta2", 0.999)
    eps = _get(config, "epsilon", 1e-38)
    wd = _get(config, "weightDecay", 0)
    fx, dfdx = opfunc(x)
    with torch.no_grad():
        if wd != 0:
            T["add"](dfdx, wd, x)
        state["t"] = _get(state, "t", 0)
        for key in ("m", "u"):
            if _get(state, key) is None:
                state[key] = torch.zeros(dfdx.shape, dtype=x.dtype)
        if _get(state, "max") is None:
            state["max"] = torch.zeros((2,) + tuple(dfdx.shape), dtype=x.dtype)
        state["t"] = state["t"] + 1
        T["add"](T["mul"](state["m"], beta1), 1 - beta1, dfdx)
        T["mul"](T["copy"](state["max"][0], state["u"]), beta2)
        T["add"](T["abs"](T["copy"](state["max"][1], dfdx)), eps)
        state["u"].copy_(state["max"].max(0).values)  # state.u:max(state.max, 1)
        step = lr / (1 - beta1 ** state["t"])
        T["addcdiv"](x, -step, state["m"], state["u"])
    return x, [fx]


def asgd(opfunc: Callable, x: torch.Tensor, config=None, state=None):
    """``optim.asgd`` (averaged SGD): eta0 (1e-4), lambda (1e-4), alpha (0.75), t0 (1e6)
    written back into ``config`` as Lua does; state.eta_t, mu_t, t, ax. Returns
    ``(x, [f], ax)``."""
    config, state = _tables(config, state)
    for key, default in (("eta0", 1e-4), ("lambda", 1e-4), ("alpha", 0.75), ("t0", 1e6)):
        config[key] = _get(config, key, default)
    state["eta_t"] = _get(state, "eta_t", config["eta0"])
    state["mu_t"] = _get(state, "mu_t", 1)
    state["t"] = _get(state, "t", 0)
    fx, dfdx = opfunc(x)
    with torch.no_grad():
        T["mul"](x, 1 - config["lambda"] * state["eta_t"])
        T["add"](x, -state["eta_t"], dfdx)
        if _get(state, "ax") is None:
            state["ax"] = _like(x)
        if _get(state, "tmp") is None:
            state["tmp"] = _like(state["ax"])
        if state["mu_t"] != 1:
            T["copy"](state["tmp"], x)
            T["mul"](T["add"](state["tmp"], -1, state["ax"]), state["mu_t"])
            T["add"](state["ax"], state["tmp"])
        else:
            T["copy"](state["ax"], x)
    state["t"] = state["t"] + 1
    state["eta_t"] = config["eta0"] / math.pow(1 + config["lambda"] * config["eta0"] * state["t"], config["alpha"])
    state["mu_t"] = 1 / max(1, state["t"] - config["t0"])
    return x, [fx], state["ax"]


# ------------------------------------------------------------------ L-BFGS
def _sqrt(v: float) -> float:
    return math.sqrt(v) if v >= 0 else math.nan


def _roots(c: list[float]) -> list[tuple[float, float]]:
    """Roots (real, imaginary) of the polynomial with coefficients ``c`` (highest power
    first), as optim's polyinterp computes them (companion-matrix eigenvalues)."""
    c = [0.0 if abs(v) < 1e-12 else v for v in c]
    if not any(v != 0 for v in c):
        return []
    c = c[next(i for i, v in enumerate(c) if v != 0) :]
    nz = 0
    while c and c[-1] == 0:
        c.pop()
        nz += 1
    n = len(c) - 1
    zeros = [(0.0, 0.0)] * nz
    if n == 1:
        return [(-c[1] / c[0], 0.0)] + zeros
    if n > 1:
        a = torch.diag(torch.ones(n - 1, dtype=torch.float64), -1)
        a[0] = -torch.tensor(c[1:], dtype=torch.float64) / c[0]
        ev = torch.linalg.eigvals(a)
        return [(float(z.real), float(z.imag)) for z in ev] + zeros
    return zeros


def polyinterp(points: list[list[float]], xmin_bound: float | None = None, xmax_bound: float | None = None):
    """``optim.polyinterp``: the minimiser of the cubic through points ``[x, f, f']``
    (closed form for two points without bounds, else a least-squares fit within bounds)."""
    n_points = len(points)
    order = n_points * 2 - 1
    xs = [p[0] for p in points]
    if n_points == 2 and order == 3 and xmin_bound is None and xmax_bound is None:
        lo = 0 if xs[0] <= xs[1] else 1
        hi = 1 - lo
        p_lo, p_hi = points[lo], points[hi]
        d1 = p_lo[2] + p_hi[2] - 3 * (p_lo[1] - p_hi[1]) / (p_lo[0] - p_hi[0])
        d2 = _sqrt(d1**2 - p_lo[2] * p_hi[2])
        if d2 == d2:
            t = p_hi[0] - (p_hi[0] - p_lo[0]) * ((p_hi[2] + d2 - d1) / (p_hi[2] - p_lo[2] + 2 * d2))
            return min(max(t, p_lo[0]), p_hi[0])
        return (xs[0] + xs[1]) / 2
    xmin_bound = min(xs) if xmin_bound is None else xmin_bound
    xmax_bound = max(xs) if xmax_bound is None else xmax_bound
    a = torch.zeros(n_points * 2, order + 1, dtype=torch.float64)
    b = torch.zeros(n_points * 2, 1, dtype=torch.float64)
    for i, (px, pf, pg) in enumerate(points):
        a[i] = torch.tensor([px**j for j in range(order, -1, -1)], dtype=torch.float64)
        b[i] = pf
        a[n_points + i] = torch.tensor(
            [(order - j + 1) * px ** (order - j) for j in range(1, order + 1)] + [0.0], dtype=torch.float64
        )
        b[n_points + i] = pg
    params = torch.linalg.lstsq(a, b, driver="gels").solution[: n_points * 2].reshape(-1)
    params[params.abs() <= 1e-12] = 0
    params = params.tolist()
    d_params = [params[i] * (order - i) for i in range(len(params) - 1)]
    candidates = [(xmin_bound, 0.0), (xmax_bound, 0.0)] + [(px, 0.0) for px in xs]
    if not any(v != v or v == math.inf for v in d_params):
        candidates += _roots(d_params)
    fmin, min_pos = math.inf, (xmin_bound + xmax_bound) / 2
    for re_x, im_x in candidates:
        if im_x == 0 and xmin_bound <= re_x <= xmax_bound:
            f = 0.0
            for k, pc in enumerate(params):
                f = f + pc * re_x ** (len(params) - 1 - k)
            if f < fmin:
                min_pos, fmin = re_x, f
    return min_pos, fmin


def lswolfe(
    opfunc: Callable, x: torch.Tensor, t: float, d: torch.Tensor, f: float, g: torch.Tensor, gtd: float, options=None
):
    """``optim.lswolfe``: a line search along ``d`` for the strong Wolfe conditions
    (options c1 (1e-4), c2 (0.9), tolX (1e-9), maxIter (20)). Returns
    ``(f_new, g_new, x, t, evaluations)``; ``x`` ends at ``x + t d``."""
    c1 = _get(options, "c1", 1e-4)
    c2 = _get(options, "c2", 0.9)
    tol_x = _get(options, "tolX", 1e-9)
    max_iter = _get(options, "maxIter", 20)

    def dot(a, b):
        return T["dot"](a, b)

    x_init = x.clone()
    with torch.no_grad():
        T["add"](x, t, d)
    f_new, g_new = opfunc(x)
    evals = 1
    gtd_new = dot(g_new, d)
    ls_iter, t_prev, done = 0, 0.0, False
    f_prev, g_prev, gtd_prev = f, g.clone(), gtd
    bracket: list = []
    while ls_iter < max_iter:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket, fvals, gvals = [t_prev, t], [f_prev, f_new], [g_prev.clone(), g_new.clone()]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, fvals, gvals = [t], [f_new], [g_new.clone()]
            done = True
            break
        if gtd_new >= 0:
            bracket, fvals, gvals = [t_prev, t], [f_prev, f_new], [g_prev.clone(), g_new.clone()]
            break
        tmp = t_prev
        t_prev = t
        min_step = t + 0.01 * (t - tmp)
        max_step = t * 10
        t, _ = polyinterp([[tmp, f_prev, gtd_prev], [t, f_new, gtd_new]], min_step, max_step)
        f_prev, g_prev, gtd_prev = f_new, g_new.clone(), gtd_new
        with torch.no_grad():
            x.copy_(x_init)
            T["add"](x, t, d)
        f_new, g_new = opfunc(x)
        evals += 1
        gtd_new = dot(g_new, d)
        ls_iter += 1
    if ls_iter == max_iter:
        bracket, fvals, gvals = [0, t], [f, f_new], [g.clone(), g_new.clone()]
    insuf_progress = False
    while not done and ls_iter < max_iter:
        lo = 0 if fvals[0] <= fvals[1] else 1
        f_lo = fvals[lo]
        hi = 1 - lo
        t = polyinterp([[bracket[0], fvals[0], dot(gvals[0], d)], [bracket[1], fvals[1], dot(gvals[1], d)]])
        bmax, bmin = max(bracket), min(bracket)
        if min(bmax - t, t - bmin) / (bmax - bmin) < 0.1:
            if insuf_progress or t >= bmax or t <= bmin:
                if abs(t - bmax) < abs(t - bmin):
                    t = bmax - 0.1 * (bmax - bmin)
                else:
                    t = bmin + 0.1 * (bmax - bmin)
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        with torch.no_grad():
            x.copy_(x_init)
            T["add"](x, t, d)
        f_new, g_new = opfunc(x)
        evals += 1
        gtd_new = dot(g_new, d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= f_lo:
            bracket[hi], fvals[hi], gvals[hi] = t, f_new, g_new.clone()
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[hi] - bracket[lo]) >= 0:
                bracket[hi], fvals[hi], gvals[hi] = bracket[lo], fvals[lo], gvals[lo]
            bracket[lo], fvals[lo], gvals[lo] = t, f_new, g_new.clone()
        if not done and abs((bracket[0] - bracket[1]) * gtd_new) < tol_x:
            break
    lo = min(range(len(fvals)), key=lambda i: (fvals[i], i))
    t, f_new, g_new = bracket[lo], fvals[lo], gvals[lo]
    with torch.no_grad():
        x.copy_(x_init)
        T["add"](x, t, d)
    return f_new, g_new, x, t, evals


def lbfgs(opfunc: Callable, x: torch.Tensor, config=None, state=None):
    """``optim.lbfgs``: maxIter (20), maxEval (1.25 maxIter), tolFun (1e-5), tolX (1e-9),
    nCorrection (100), lineSearch (a function such as :func:`lswolfe`, else fixed steps of
    learningRate (1)), lineSearchOptions; state.funcEval, nIter, d, t, old_dirs, old_stps,
    Hdiag, g_old, f_old. Returns ``(x, [f...], evaluations)``."""
    config, state = _tables(config, state)
    max_iter = _get(config, "maxIter", 20)
    max_eval = _get(config, "maxEval", max_iter * 1.25)
    tol_fun = _get(config, "tolFun", 1e-5)
    tol_x = _get(config, "tolX", 1e-9)
    n_correction = _get(config, "nCorrection", 100)
    line_search = _get(config, "lineSearch")
    ls_options = _get(config, "lineSearchOptions")
    lr = _get(config, "learningRate", 1)
    state["funcEval"] = _get(state, "funcEval", 0)
    state["nIter"] = _get(state, "nIter", 0)

    f, g = opfunc(x)
    f_hist = [f]
    current_evals = 1
    state["funcEval"] = state["funcEval"] + 1
    if _get(state, "tmp1") is None:
        state["tmp1"] = torch.zeros(g.shape, dtype=g.dtype)
    tmp1 = state["tmp1"]
    if T["sum"](T["abs"](T["copy"](tmp1, g))) <= tol_fun:
        return x, f_hist, current_evals
    if _get(state, "dir_bufs") is None:
        p = g.numel()
        state["dir_bufs"] = [torch.zeros(p, dtype=g.dtype) for _ in range(n_correction + 1)]
        state["stp_bufs"] = [torch.zeros(p, dtype=g.dtype) for _ in range(n_correction + 1)]
    d, t = _get(state, "d"), _get(state, "t")
    old_dirs, old_stps = _get(state, "old_dirs"), _get(state, "old_stps")
    hdiag, g_old, f_old = _get(state, "Hdiag"), _get(state, "g_old"), _get(state, "f_old")
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        state["nIter"] = state["nIter"] + 1
        if state["nIter"] == 1:
            d = T["mul"](g.clone(), -1)
            old_dirs, old_stps, hdiag = [], [], 1
        else:
            y = state["dir_bufs"].pop()
            s = state["stp_bufs"].pop()
            T["add"](y, g, -1, g_old)
            T["mul"](s, d, t)
            ys = T["dot"](y, s)
            if ys > 1e-10:
                if len(old_dirs) == n_correction:
                    state["dir_bufs"].append(old_dirs.pop(0))
                    state["stp_bufs"].append(old_stps.pop(0))
                old_dirs.append(s)
                old_stps.append(y)
                hdiag = ys / T["dot"](y, y)
            else:
                state["dir_bufs"].append(y)
                state["stp_bufs"].append(s)
            k = len(old_dirs)
            ro = [1 / T["dot"](old_stps[i], old_dirs[i]) for i in range(k)]
            q = T["mul"](tmp1, g, -1)
            al = [0.0] * k
            for i in range(k - 1, -1, -1):
                al[i] = T["dot"](old_dirs[i], q) * ro[i]
                T["add"](q, -al[i], old_stps[i])
            r = T["mul"](d, q, hdiag)
            for i in range(k):
                be_i = T["dot"](old_stps[i], r) * ro[i]
                T["add"](r, al[i] - be_i, old_dirs[i])
        if g_old is None:
            g_old = g.clone()
        T["copy"](g_old, g)
        f_old = f
        gtd = T["dot"](g, d)
        if gtd > -tol_x:
            break
        if state["nIter"] == 1:
            t = min(1, 1 / T["sum"](T["abs"](T["copy"](tmp1, g)))) * lr
        else:
            t = lr
        ls_evals = 0
        if callable(line_search):
            f, g, x, t, ls_evals = line_search(opfunc, x, t, d, f, g, gtd, ls_options)
            f_hist.append(f)
        else:
            T["add"](x, t, d)
            if n_iter != max_iter:
                f, g = opfunc(x)
                ls_evals = 1
                f_hist.append(f)
        current_evals += ls_evals
        state["funcEval"] = state["funcEval"] + ls_evals
        if n_iter == max_iter or current_evals >= max_eval:
            break
        if T["sum"](T["abs"](T["copy"](tmp1, g))) <= tol_fun:
            break
        if T["sum"](T["abs"](T["mul"](T["copy"](tmp1, d), t))) <= tol_x:
            break
        if abs(f - f_old) < tol_x:
            break
    state["old_dirs"], state["old_stps"], state["Hdiag"] = old_dirs, old_stps, hdiag
    state["g_old"], state["f_old"], state["t"], state["d"] = g_old, f_old, t, d
    return x, f_hist, current_evals


#: ``optim.<name>`` -> function
OPTIM: dict[str, Callable] = {
    "sgd": sgd,
    "adam": adam,
    "rmsprop": rmsprop,
    "adagrad": adagrad,
    "adadelta": adadelta,
    "nag": nag,
    "adamax": adamax,
    "asgd": asgd,
    "lbfgs": lbfgs,
    "lswolfe": lswolfe,
    "polyinterp": polyinterp,
}

from .logger import Logger  # noqa: E402  (a class, not an optimiser: kept out of the list above)

OPTIM["Logger"] = Logger
