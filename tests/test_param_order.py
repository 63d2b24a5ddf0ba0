"""getParameters() lays out a gModule's parameters exactly as Lua nngraph does.

nngraph adds a gModule's modules to ``self.modules`` in ``fg:topsort()`` order (a depth-first walk
from the outputs, inputs in argument order), not in the order they were declared. Each case below
is declared in Python exactly as in ``fixtures/param_order/param_order.lua`` (recorded by real Lua
Torch7 into ``param_order.json``): seed 1, build (the constructors draw Lua's default init),
``flat = getParameters()``, ``flat:uniform(-0.1, 0.1)``, forward. The flat tensors must be Lua's bit
for bit, which holds only if the layout is Lua's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from pygraphnn import nn
from pygraphnn.nn.linear import lua_uniform_

FIXTURE = Path(__file__).parent / "fixtures" / "param_order" / "param_order.json"
CASES = {c["name"]: c for c in json.loads(FIXTURE.read_text())}


def gate_before_value():
    x, h = nn.Identity()(), nn.Identity()()
    gate = nn.Sigmoid()(nn.Linear(4, 3)(h))  # declared first
    value = nn.Tanh()(nn.Linear(4, 3)(x))  # reached first from the output
    return nn.gModule([x, h], [nn.CMulTable()([value, gate])])


def outputs_reversed():
    x = nn.Identity()()
    a = nn.Linear(4, 2)(x)
    b = nn.Linear(4, 5)(nn.Tanh()(x))
    c = nn.Linear(2, 3)(a)
    return nn.gModule([x], [b, c])


def shared_module():
    x, y = nn.Identity()(), nn.Identity()()
    lin = nn.Linear(3, 3)
    other = nn.Linear(3, 3)
    a = other(y)
    b = nn.Tanh()(lin(x))
    c = lin(nn.Tanh()(a))  # the same module in a second node
    return nn.gModule([x, y], [nn.CAddTable()([b, c])])


def shared_clone():
    x = nn.Identity()()
    l1 = nn.Linear(3, 3)
    l2 = l1.clone("weight", "bias", "gradWeight", "gradBias")
    l3 = nn.Linear(3, 3)
    late = l2(nn.Tanh()(l3(x)))
    early = l1(x)
    return nn.gModule([x], [nn.CAddTable()([early, late])])


def nested():
    inner = gate_before_value()
    x, h = nn.Identity()(), nn.Identity()()
    hh = nn.Linear(4, 4)(h)
    xx = nn.Linear(4, 4)(x)
    out = nn.Linear(3, 2)(inner([xx, hh]))
    return nn.gModule([x, h], [out])


def lstm_gates_out_of_order():
    x, prev_c, prev_h = nn.Identity()(), nn.Identity()(), nn.Identity()()

    def input_sum():
        return nn.CAddTable()([nn.Linear(4, 3)(x), nn.Linear(3, 3)(prev_h)])

    out_gate = nn.Sigmoid()(input_sum())
    forget_gate = nn.Sigmoid()(input_sum())
    in_gate = nn.Sigmoid()(input_sum())
    in_transform = nn.Tanh()(input_sum())
    next_c = nn.CAddTable()([nn.CMulTable()([forget_gate, prev_c]), nn.CMulTable()([in_gate, in_transform])])
    next_h = nn.CMulTable()([out_gate, nn.Tanh()(next_c)])
    return nn.gModule([x, prev_c, prev_h], [next_c, next_h])


def split_branches():
    x = nn.Identity()()
    parts = nn.ConcatTable().add(nn.Linear(4, 3)).add(nn.Linear(4, 3))(x)
    p1, p2 = parts.split(2)
    late = nn.Linear(3, 2)(p2)
    early = nn.Linear(3, 2)(p1)
    return nn.gModule([x], [nn.CAddTable()([early, late])])


BUILDERS = [
    gate_before_value,
    outputs_reversed,
    shared_module,
    shared_clone,
    nested,
    lstm_gates_out_of_order,
    split_branches,
]


def _tensor(rec) -> torch.Tensor:
    return torch.tensor(rec["data"], dtype=torch.float64).reshape(rec["size"])


@pytest.fixture
def float64():
    prev = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(prev)


def test_every_recorded_case_is_declared_here():
    assert sorted(CASES) == sorted(b.__name__ for b in BUILDERS)


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__)
def test_get_parameters_layout_is_luas(build, float64):
    lua = CASES[build.__name__]
    torch.manual_seed(1)
    g = build()
    flat, flat_grad = g.getParameters()
    assert [(list(p.shape), p.storage_offset()) for p in g.parameters()] == _first_occurrences(lua)
    assert flat.shape == flat_grad.shape == (len(lua["init"]["data"]),)
    assert torch.equal(flat, _tensor(lua["init"])), "default initialisation, laid out by getParameters()"
    lua_uniform_(flat, -0.1, 0.1)
    assert torch.equal(flat, _tensor(lua["params"]))
    # the random stream continues as in Lua: the inputs Lua drew next are ours too
    inputs = [lua_uniform_(torch.empty(*rec["size"])) for rec in lua["input"]]
    assert all(torch.equal(a, _tensor(b)) for a, b in zip(inputs, lua["input"]))
    out = g.forward(inputs[0] if len(inputs) == 1 else inputs)
    outs = [out] if isinstance(out, torch.Tensor) else list(out)
    assert len(outs) == len(lua["output"])
    # parameters are Lua's bit for bit; the outputs differ from Lua's BLAS by summation order only (ulps)
    for got, want in zip(outs, lua["output"]):
        torch.testing.assert_close(got, _tensor(want), rtol=1e-13, atol=1e-14)


def _first_occurrences(lua) -> list[tuple[list[int], int]]:
    """Lua's parameters() lists a module used twice twice (flattening places it once, at its first
    occurrence); torch's parameters() lists it once: Lua's list without the repeats."""
    seen, out = set(), []
    for size, offset in zip(lua["sizes"], lua["offsets"]):
        if offset not in seen:
            seen.add(offset)
            out.append((size, offset))
    return out


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__)
def test_lua_parameters_list_is_luas(build, float64):
    # Lua's g:parameters(): per node in forwardnodes order, a module used twice listed twice
    lua = CASES[build.__name__]
    torch.manual_seed(1)
    g = build()
    flat, _ = g.getParameters()
    params, grads = g.luaParameters()
    assert [(list(p.shape), p.storage_offset()) for p in params] == list(zip(lua["sizes"], lua["offsets"]))
    assert all(p.data_ptr() - flat.data_ptr() == p.storage_offset() * 8 for p in params)
    assert [gr.shape for gr in grads] == [p.shape for p in params]


def test_module_registration_order_is_luas_and_names_are_declaration_order():
    torch.manual_seed(1)
    g = gate_before_value()
    lua_types = [t.removeprefix("nn.") for t in CASES["gate_before_value"]["modules"]]
    assert [type(m).__name__ for m in g.children()] == lua_types
    # attribute (state_dict) names still count in declaration order: the gate's Linear is 'linear'
    assert list(g.state_dict()) == ["linear_2.weight", "linear_2.bias", "linear.weight", "linear.bias"]
    assert g.linear.weight.shape == (3, 4) and g.module_attrs.count("linear") == 1


def test_lua_layout_survives_a_state_dict_round_trip(float64):
    torch.manual_seed(1)
    g = lstm_gates_out_of_order()
    g.getParameters()[0].copy_(_tensor(CASES["lstm_gates_out_of_order"]["params"]))
    torch.manual_seed(2)
    h = lstm_gates_out_of_order()
    h.load_state_dict(g.state_dict())
    assert torch.equal(h.getParameters()[0], _tensor(CASES["lstm_gates_out_of_order"]["params"]))


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__)
def test_saved_gmodule_lists_modules_in_luas_order(build, tmp_path):
    # Lua reads a gModule's `modules` (and runs `forwardnodes`) from the file: a graph written by
    # save_t7 must list them as nngraph would, or Lua's getParameters() lays the file out differently.
    from pygraphnn.lua import save_t7
    from pygraphnn.lua.format.t7 import load_t7_raw

    torch.manual_seed(1)
    g = build()
    save_t7(g, tmp_path / "g.t7")
    raw = load_t7_raw(tmp_path / "g.t7")
    assert [m.class_name for m in raw.modules.to_list()] == CASES[build.__name__]["modules"]
    forward = [n.data.get("module") for n in raw.forwardnodes.to_list()]
    assert [m.class_name for m in forward if m is not None] == CASES[build.__name__]["modules"]
