"""The contract every pygraphnn module passes (Keras' run_layer_test, micrograd's helper_test_op).

``check_module(module, input, reference)`` runs the module in float64 and checks:

1. the PyTorch idiom ``module(input)`` equals ``reference(input)``, an independent
   expression written with plain torch ops;
2. gradients w.r.t. the input and the parameters equal the reference's
   (autograd through the reference) and pass ``torch.autograd.gradcheck``;
3. the Lua idiom: ``module.forward(input)`` / ``module.backward(input, gradOutput)``
   give the same output, gradInput and accumulated parameter gradients.

``reference`` receives the input and the module (to read its parameters).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from pygraphnn.tables import flatten, map_structure, unflatten


def _float_leaves(value: Any) -> list[torch.Tensor]:
    return [t for t in flatten(value) if t.is_floating_point()]


def _clone_input(value: Any, requires_grad: bool) -> Any:
    def c(t):
        t = t.detach().clone()
        return t.requires_grad_(requires_grad) if t.is_floating_point() else t

    return map_structure(c, value)


def check_module(
    module: torch.nn.Module,
    input: Any,
    reference: Callable[[Any, torch.nn.Module], Any],
    *,
    atol: float = 1e-10,
    gradcheck: bool = True,
    seed: int = 0,
) -> None:
    module = module.double()
    input = map_structure(lambda t: t.double() if t.is_floating_point() else t, input)

    # 1. values
    x_mod = _clone_input(input, True)
    x_ref = _clone_input(input, True)
    out = module(x_mod)
    ref = reference(x_ref, module)
    outs, refs = flatten(out), flatten(ref)
    assert len(outs) == len(refs), f"output has {len(outs)} tensors, reference {len(refs)}"
    for o, r in zip(outs, refs):
        assert o.shape == r.shape, f"shape {tuple(o.shape)} != reference {tuple(r.shape)}"
        torch.testing.assert_close(o, r, atol=atol, rtol=0)

    # 2. gradients against the reference, for a random gradOutput
    g = torch.Generator().manual_seed(seed)
    grad_out = [torch.randn(o.shape, generator=g, dtype=o.dtype) for o in outs]
    params = [p for p in module.parameters() if p.requires_grad]
    diff_outs = [(o, r, go) for o, r, go in zip(outs, refs, grad_out) if o.requires_grad]
    leaves_mod = _float_leaves(x_mod) + params
    leaves_ref = _float_leaves(x_ref) + params
    if diff_outs and leaves_mod:
        gm = torch.autograd.grad(
            [o for o, _, _ in diff_outs], leaves_mod, [go for *_, go in diff_outs], allow_unused=True, retain_graph=True
        )
        gr = torch.autograd.grad(
            [r for _, r, _ in diff_outs], leaves_ref, [go for *_, go in diff_outs], allow_unused=True, retain_graph=True
        )
        for a, b in zip(gm, gr):
            if a is None or b is None:
                assert a is None or not a.any(), "module has a gradient where the reference has none"
                assert b is None or not b.any(), "reference has a gradient where the module has none"
                continue
            torch.testing.assert_close(a, b, atol=atol, rtol=0)

    if gradcheck and (_float_leaves(input) or params):
        floats = _float_leaves(input)

        def fn(*xs):
            it = iter(xs)
            rebuilt = map_structure(lambda t: next(it) if t.is_floating_point() else t, input)
            return tuple(o for o in flatten(module(rebuilt)) if o.is_floating_point())

        xs = [t.detach().clone().requires_grad_(True) for t in floats]
        if xs:
            assert torch.autograd.gradcheck(fn, xs, eps=1e-6, atol=1e-6)

    # 3. Lua idiom
    module.zeroGradParameters()
    lua_in = _clone_input(input, False)
    lua_out = module.forward(lua_in)
    for o, r in zip(flatten(lua_out), refs):
        torch.testing.assert_close(o, r.detach(), atol=atol, rtol=0)
    lua_go = unflatten(lua_out, iter(grad_out))
    gi = module.backward(lua_in, lua_go)
    if diff_outs:
        ref_in = _float_leaves(x_ref)
        gr_in = (
            torch.autograd.grad(
                [r for _, r, _ in diff_outs], ref_in, [go for *_, go in diff_outs], allow_unused=True, retain_graph=True
            )
            if ref_in
            else []
        )
        for a, b in zip(_float_leaves(gi), gr_in):
            torch.testing.assert_close(a, b if b is not None else torch.zeros_like(a), atol=atol, rtol=0)
        if params:
            gr_p = torch.autograd.grad(
                [r for _, r, _ in diff_outs], params, [go for *_, go in diff_outs], allow_unused=True
            )
            for p, b in zip(params, gr_p):
                torch.testing.assert_close(p.grad, b if b is not None else torch.zeros_like(p), atol=atol, rtol=0)
