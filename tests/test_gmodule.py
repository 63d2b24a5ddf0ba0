"""gModule as a torch.nn.Module: call idioms, autograd, compile, export, copies, devices."""

import copy
import io

import pytest
import torch

import pygraphnn as ng
from pygraphnn import nn


def two_in_two_out():
    torch.manual_seed(1)
    a, b = nn.Identity()(), nn.Identity()()
    s = nn.CAddTable()([nn.Linear(4, 3)(a), nn.Linear(5, 3)(b)]).annotate(name="sum")
    t = nn.Tanh()(s).annotate(name="act")
    return nn.gModule([a, b], [t, s])


def reference(g, a, b):
    s = g.linear(a) + g.linear_2(b)
    return [torch.tanh(s), s]


def test_call_idioms_and_output_shapes():
    g = two_in_two_out()
    a, b = torch.randn(2, 4), torch.randn(2, 5)
    for out in (g(a, b), g([a, b]), g((a, b))):
        assert isinstance(out, list) and len(out) == 2
        for o, r in zip(out, reference(g, a, b)):
            torch.testing.assert_close(o, r)


def test_generated_code_is_straight_line_with_readable_names():
    g = two_in_two_out()
    lines = [l.strip() for l in g.code.splitlines()]
    assert not any("+" in l and "F.linear" in l for l in lines)  # one statement per node
    assert any(l.startswith("linear = F.linear(input1") for l in lines)
    assert any(l.startswith("sum_ = linear + linear_2") for l in lines)  # builtins get a _
    assert any(l.startswith("act = torch.tanh(sum_)") for l in lines)
    assert "return [act, sum_]" in lines
    assert "for " not in g.code and "while " not in g.code


def test_generated_code_matches_interpreter_and_autograd():
    g = two_in_two_out().double()
    a = torch.randn(3, 4, dtype=torch.double, requires_grad=True)
    b = torch.randn(3, 5, dtype=torch.double, requires_grad=True)
    out = g(a, b)
    ref = ng.interpret(g.graph, [a, b])
    for o, r in zip(out, ref):
        torch.testing.assert_close(o, r)
    assert torch.autograd.gradcheck(lambda x, y: tuple(g(x, y)), (a, b))


def test_torch_compile_and_export():
    g = two_in_two_out()
    a, b = torch.randn(2, 4), torch.randn(2, 5)
    compiled = torch.compile(g, backend="eager", fullgraph=True)
    for o, r in zip(compiled(a, b), g(a, b)):
        torch.testing.assert_close(o, r)
    ep = torch.export.export(g, (a, b))
    for o, r in zip(ep.module()(a, b), g(a, b)):
        torch.testing.assert_close(o, r)


def test_state_dict_dtype_train_eval_and_copies():
    g = two_in_two_out()
    keys = list(g.state_dict())
    assert keys == ["linear.weight", "linear.bias", "linear_2.weight", "linear_2.bias"]
    g2 = two_in_two_out()
    with torch.no_grad():
        for p in g2.parameters():
            p.add_(1)
    g2.load_state_dict(g.state_dict())
    a, b = torch.randn(2, 4), torch.randn(2, 5)
    torch.testing.assert_close(g2(a, b)[0], g(a, b)[0])
    g.double()
    assert g(a.double(), b.double())[0].dtype == torch.float64
    g.eval()
    assert not any(m.training for m in g.modules())
    g.train()
    assert all(m.training for m in g.modules())
    clone = copy.deepcopy(g)
    assert clone.linear.weight is not g.linear.weight
    torch.testing.assert_close(clone(a.double(), b.double())[0], g(a.double(), b.double())[0])
    buf = io.BytesIO()
    torch.save(g, buf)
    buf.seek(0)
    loaded = torch.load(buf, weights_only=False)
    torch.testing.assert_close(loaded(a.double(), b.double())[1], g(a.double(), b.double())[1])


def test_nested_gmodule_and_shared_module():
    lin = nn.Linear(4, 4)
    a, b = nn.Identity()(), nn.Identity()()
    inner = nn.gModule([a, b], [nn.CAddTable()([lin(a), lin(b)])])
    p, q = nn.Identity()(), nn.Identity()()
    h = inner([p, q]) - nn.Tanh()
    outer = nn.gModule([p, q], [lin(h)])
    assert len(list(outer.parameters())) == 2  # the shared Linear counts once
    x, y = torch.randn(3, 4), torch.randn(3, 4)
    torch.testing.assert_close(outer(x, y), lin(torch.tanh(lin(x) + lin(y))))
    outer(x, y).sum().backward()
    assert lin.weight.grad is not None


def test_single_input_receiving_a_table_and_nested_outputs():
    x = nn.Identity()()
    a, b = x.split(2)
    g = nn.gModule([x], [ng.nest([nn.CAddTable()([a, b]), [a]])])
    t1, t2 = torch.randn(3), torch.randn(3)
    out = g([t1, t2])
    torch.testing.assert_close(out[0], t1 + t2)
    assert out[1][0] is t1


def test_split_of_wrong_arity_at_run_time_is_named():
    x = nn.Identity()()
    a, b = x.split(2)
    g = nn.gModule([x], [nn.CAddTable()([a, b])])
    with pytest.raises(ng.GraphRuntimeError, match=r"split\(2\) expects a table of 2 entries, got a table of 3"):
        g([torch.zeros(1)] * 3)


def test_hooks_registered_after_compilation_fire_without_recompile():
    """An inlined module (tanh -> torch.tanh) gets a hook: the next call recompiles so it runs."""
    x = nn.Identity()()
    g = nn.gModule([x], [nn.Tanh()(x)])
    assert "torch.tanh(" in g.code
    inp = torch.randn(3)
    seen, pre = [], []
    handle = g.tanh.register_forward_hook(lambda m, i, o: seen.append(o))
    g.tanh.register_forward_pre_hook(lambda m, i: pre.append(i[0]))
    out = g(inp)
    assert "m['tanh'](" in g.code
    assert len(seen) == len(pre) == 1 and torch.equal(seen[0], out) and torch.equal(pre[0], inp)
    handle.remove()
    g(inp)
    assert len(seen) == 1 and len(pre) == 2
    # An explicit recompile with no hook change keeps the same compiled function.
    fwd = g._fwd
    g.recompile()
    assert g._fwd is fwd


def test_global_module_hooks_see_every_graph_module():
    x = nn.Identity()()
    g = nn.gModule([x], [nn.Sigmoid()(nn.Tanh()(x))])
    seen = []
    handle = torch.nn.modules.module.register_module_forward_hook(lambda m, i, o: seen.append(type(m).__name__))
    try:
        g(torch.zeros(2))
    finally:
        handle.remove()
    assert seen == ["Identity", "Tanh", "Sigmoid", "gModule"]
    g(torch.zeros(2))  # hooks gone: inlined again on the next compilation
    assert len(seen) == 4 and "torch.tanh(" in g.code


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda():
    g = two_in_two_out().cuda()
    a, b = torch.randn(2, 4, device="cuda"), torch.randn(2, 5, device="cuda")
    assert g(a, b)[0].device.type == "cuda"


def test_to_device_moves_parameters_and_runs():
    g = two_in_two_out().to("meta")
    assert all(p.device.type == "meta" for p in g.parameters())
    out = g(torch.empty(2, 4, device="meta"), torch.empty(2, 5, device="meta"))
    assert out[0].device.type == "meta" and out[0].shape == (2, 3)


def test_dropout_follows_train_and_eval():
    x = nn.Identity()()
    g = nn.gModule([x], [nn.Dropout(0.5)(x)])
    t = torch.ones(1000)
    g.train()
    y = g(t)
    assert set(y.unique().tolist()) == {0.0, 2.0}  # Lua v2: scaled by 1/(1-p)
    g.evaluate()
    assert torch.equal(g(t), t)
