"""gModule.forwardnodes: Lua nngraph's node walk over a pygraphnn gModule (order checked
against real Lua in tests/fixtures/lua_diff/lang/program_idioms.lua)."""

from __future__ import annotations

import copy

import torch

from pygraphnn import nn


def lstm_like():
    x, h = nn.Identity()(), nn.Identity()()
    i2h = nn.Linear(3, 8)(x).annotate(name="i2h_1")
    h2h = nn.Linear(4, 8)(h).annotate(name="h2h_1")
    a, b = nn.SplitTable(2)(nn.View(2, 4)(nn.CAddTable()([i2h, h2h]))).split(2)
    return nn.gModule([x, h], [nn.Tanh()(a), nn.Sigmoid()(b)])


def test_nodes_hold_the_gmodules_own_modules_also_in_a_copy():
    for g in [lstm_like(), copy.deepcopy(lstm_like())]:
        mods = {id(m) for m in g.modules()}
        nodes = g.forwardnodes
        assert all(n.data.module is None or id(n.data.module) in mods for n in nodes)
        (i2h,) = [n for n in nodes if n.data.annotations.name == "i2h_1"]
        i2h.data.module.bias.data[2:4].fill_(1.0)
        params = torch.cat([p.reshape(-1) for p in g.parameters()])
        assert (params == 1).nonzero().flatten().tolist() == [26, 27]  # Lua's 27, 28: registration order


def test_split_outputs_have_no_module_and_mapindex_follows_arguments():
    nodes = lstm_like().forwardnodes
    selects = [n for n in nodes if n.data.module is None and n.data.selectindex is not None]
    assert [n.data.selectindex for n in selects] == [1, 2]
    add = next(n for n in nodes if isinstance(n.data.module, nn.CAddTable))
    assert [d.annotations.name for d in add.data.mapindex] == ["i2h_1", "h2h_1"]
    assert add in next(n for n in nodes if n.data.annotations.name == "i2h_1").children
    assert nodes[0].data.annotations.missing is None  # Lua's nil for an absent field
