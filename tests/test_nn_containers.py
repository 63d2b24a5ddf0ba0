"""Containers (Sequential, Concat, ConcatTable, ParallelTable): Lua fixtures (parameters in
Lua's flat order), the contract against plain torch, and the Lua container API."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import pytest
import torch
import torch.nn.functional as F
from contract import check_module
from test_nn_shape import lua_cases, run_module_case

import pygraphnn.nn as nn


@pytest.mark.parametrize("case", lua_cases(["Sequential", "Concat", "ConcatTable", "ParallelTable"]))
def test_lua_fixture(case):
    run_module_case(case)


# ------------------------------------------------------------------------ contract


def _r(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def _lin(m, x):
    return F.linear(x, m.weight, m.bias)


def _seq():
    torch.manual_seed(1)
    return nn.Sequential().add(nn.Linear(5, 4)).add(nn.Tanh()).add(nn.Linear(4, 3))


def _seq_ref(x, m):
    return _lin(m.get(3), torch.tanh(_lin(m.get(1), x)))


def _concat(d):
    torch.manual_seed(2)
    return nn.Concat(d).add(nn.Linear(5, 3)).add(nn.Tanh()).add(nn.Linear(5, 2))


def _concat_ref(x, m):
    return torch.cat([_lin(m.get(1), x), torch.tanh(x), _lin(m.get(3), x)], x.dim() - 1)


def _ct():
    torch.manual_seed(3)
    return (
        nn.ConcatTable()
        .add(nn.Linear(5, 3))
        .add(nn.Identity())
        .add(nn.Sequential().add(nn.Tanh()).add(nn.Linear(5, 2)))
    )


def _ct_ref(x, m):
    return [_lin(m.get(1), x), x, _lin(m.get(3).get(2), torch.tanh(x))]


def _pt():
    torch.manual_seed(4)
    return (
        nn.ParallelTable()
        .add(nn.Linear(5, 3))
        .add(nn.Tanh())
        .add(nn.ConcatTable().add(nn.Identity()).add(nn.Linear(2, 2)))
    )


def _pt_ref(x, m):
    return [_lin(m.get(1), x[0]), torch.tanh(x[1]), [x[2], _lin(m.get(3).get(2), x[2])]]


@pytest.mark.parametrize(
    "make, x, ref",
    [
        (_seq, _r(5), _seq_ref),
        (_seq, _r(4, 5), _seq_ref),
        (lambda: _concat(1), _r(5), _concat_ref),
        (lambda: _concat(2), _r(4, 5), _concat_ref),
        (lambda: _concat(-1), _r(4, 5), _concat_ref),
        (_ct, _r(5), _ct_ref),
        (_ct, _r(4, 5), _ct_ref),
        (
            lambda: nn.ConcatTable().add(nn.SelectTable(1)).add(nn.CAddTable()),
            [_r(3, 5), _r(3, 5, seed=1)],
            lambda x, m: [x[0], x[0] + x[1]],
        ),
        (_pt, [_r(5), _r(2, seed=1), _r(2, seed=2)], _pt_ref),
        (_pt, [_r(4, 5), _r(4, 2, seed=1), _r(4, 2, seed=2)], _pt_ref),
    ],
)
def test_contract(make, x, ref):
    check_module(make(), x, ref)


# ------------------------------------------------------------------- Lua API


def test_add_get_size_and_indexing():
    a, b, c = nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)
    s = nn.Sequential()
    assert s.add(a) is s
    s.add(b).add(c)
    assert s.size() == len(s) == 3
    assert s.get(1) is a and s.get(3) is c
    assert s[0] is a and s[-1] is c and list(s) == [a, b, c]
    with pytest.raises(IndexError):
        s.get(0)
    with pytest.raises(IndexError):
        s.get(4)
    s.insert(nn.Identity(), 2)
    assert isinstance(s.get(2), nn.Identity) and s.get(3) is b and s.size() == 4
    assert isinstance(s.remove(2), nn.Identity) and s.get(2) is b
    assert s.remove() is c and s.size() == 2
    for cls in (nn.ConcatTable, nn.ParallelTable):
        m = cls()
        assert m.add(a) is m and m.get(1) is a and m.size() == 1
    m = nn.Concat(2)
    assert m.add(a) is m and m.get(1) is a and m.dimension == 2


def test_parameters_follow_lua_order():
    torch.manual_seed(0)
    l1, l2, l3 = nn.Linear(2, 3), nn.Linear(3, 4), nn.Linear(2, 5)
    m = (
        nn.Sequential()
        .add(nn.ConcatTable().add(l1).add(nn.Sequential().add(l3)))
        .add(nn.ParallelTable().add(l2).add(nn.Identity()))
    )
    want = [l1.weight, l1.bias, l3.weight, l3.bias, l2.weight, l2.bias]
    assert [id(p) for p in m.parameters()] == [id(p) for p in want]
    flat, _grad = m.getParameters()
    assert flat.numel() == sum(p.numel() for p in want)
    assert torch.equal(flat[:6], l1.weight.detach().reshape(-1))
    assert list(m.state_dict()) == ["0.0.weight", "0.0.bias", "0.1.0.weight", "0.1.0.bias", "1.0.weight", "1.0.bias"]


def test_lua_labels():
    torch.manual_seed(0)
    s = nn.Sequential().add(nn.Linear(5, 4)).add(nn.Tanh())
    assert s.lua_label() == (
        "nn.Sequential {\n  [input -> (1) -> (2) -> output]\n  (1): nn.Linear(5 -> 4)\n  (2): nn.Tanh\n}"
    )
    ct = nn.ConcatTable().add(nn.Identity()).add(nn.Sequential().add(nn.Tanh()))
    assert ct.lua_label() == (
        "nn.ConcatTable {\n  input\n    |`-> (1): nn.Identity\n"
        "     `-> (2): nn.Sequential {\n           [input -> (1) -> output]\n"
        "           (1): nn.Tanh\n         }\n     ... -> output\n}"
    )
    pt = nn.ParallelTable().add(nn.Identity()).add(nn.Tanh())
    assert pt.lua_label().startswith("nn.ParallelTable {\n  input\n    |`-> (1): nn.Identity\n")
    assert (
        nn.Concat(1).add(nn.Tanh()).lua_label() == "nn.Concat {\n  input\n     `-> (1): nn.Tanh\n     ... -> output\n}"
    )


def test_containers_in_a_graph():
    torch.manual_seed(0)
    x = nn.Identity()()
    pair = nn.ConcatTable().add(nn.Linear(4, 3)).add(nn.Sequential().add(nn.Linear(4, 3)).add(nn.Tanh()))(x)
    a, b = pair.split(2)
    y = nn.CAddTable()([a, b])
    g = nn.gModule([x], [y])
    xs = torch.randn(2, 4)
    ct = pair.module
    want = ct.get(1)(xs) + ct.get(2)(xs)
    assert torch.equal(g(xs), want)
    assert len(list(g.parameters())) == 4


def test_train_eval_reach_children():
    s = nn.Sequential().add(nn.Tanh()).add(nn.ConcatTable().add(nn.Identity()))
    s.evaluate()
    assert not any(m.training for m in s.modules())
    s.train()
    assert all(m.training for m in s.modules())


def test_parallel_table_needs_enough_inputs():
    with pytest.raises(ValueError):
        nn.ParallelTable().add(nn.Tanh()).add(nn.Tanh())([torch.zeros(2)])
    with pytest.raises(TypeError):
        nn.ParallelTable().add(nn.Tanh())(torch.zeros(2))
