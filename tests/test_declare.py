"""Declaring graphs the nngraph way: the public API's names and shapes."""

import torch

import pygraphnn as ng
from pygraphnn import nn


def test_calling_a_module_on_a_node_gives_a_node_with_its_site():
    x = nn.Identity()()
    h = nn.Linear(20, 10)(x)
    assert isinstance(x, ng.Node) and isinstance(h, ng.Node)
    assert h.inputs == (x,) and not h.table_input
    assert h.site.filename == __file__ and h.site.function.startswith("test_calling")
    assert h.site.lineno == x.site.lineno + 1


def test_table_input_and_chaining_forms_are_equivalent():
    torch.manual_seed(0)
    lin, tanh = nn.Linear(4, 3), nn.Tanh()
    x = nn.Identity()()
    y1 = tanh(lin(x))
    g1 = nn.gModule([x], [y1])
    x2 = nn.Identity()()
    y2 = x2 - lin - tanh
    g2 = nn.gModule([x2], [y2])
    a = torch.randn(5, 4)
    torch.testing.assert_close(g1(a), g2(a))
    torch.testing.assert_close(g1(a), torch.tanh(lin(a)))


def test_list_minus_module_and_negated_module():
    i = -nn.Linear(4, 4)  # an input node feeding that module
    j = nn.Identity()()
    s = [i, j] - nn.CAddTable()
    g = ng.gModule([i, j], [s])
    a, b = torch.randn(2, 4), torch.randn(2, 4)
    lin = i.module
    torch.testing.assert_close(g(a, b), lin(a) + b)
    torch.testing.assert_close(g([a, b]), lin(a) + b)


def test_annotate_returns_the_node_and_accepts_a_lua_style_dict():
    x = nn.Identity()()
    h = nn.Tanh()(x).annotate(name="L1", description="Level 1", graphAttributes={"color": "red"})
    assert isinstance(h, ng.Node)
    assert h.annotations == {"name": "L1", "description": "Level 1", "graphAttributes": {"color": "red"}}
    h2 = nn.Tanh()(x).annotate({"name": "L2"})
    assert h2.name == "L2"


def test_plain_torch_modules_join_graphs_without_patching_torch():
    x = nn.Identity()()
    gelu = torch.nn.GELU()
    y = ng.node(gelu)(x)
    z = y - torch.nn.Softplus()
    g = nn.gModule([x], [z])
    a = torch.randn(3, 4)
    torch.testing.assert_close(g(a), torch.nn.functional.softplus(torch.nn.functional.gelu(a)))
    assert not hasattr(torch.nn.Module, "__rsub__")


def test_split_gives_n_nodes_and_split_one_gives_the_element():
    x = nn.Identity()()
    a, b = nn.JustTable()([x, x]).split(2)
    assert a.select_index == 1 and b.select_index == 2
    (only,) = [nn.JustTable()([x]).split(1)]
    g = nn.gModule([x], [nn.CAddTable()([a, b]), only])
    t = torch.randn(3)
    s, o = g(t)
    torch.testing.assert_close(s, 2 * t)
    torch.testing.assert_close(o, t)


def test_same_node_twice_in_one_table_is_allowed():
    x = nn.Identity()()
    g = nn.gModule([x], [nn.CAddTable()([x, x])])
    t = torch.randn(4)
    torch.testing.assert_close(g(t), 2 * t)


def test_annotate_nodes_names_nodes_after_variables():
    x = nn.Identity()()
    hidden = nn.Tanh()(x)
    named = nn.Sigmoid()(hidden).annotate(name="kept")
    ng.annotate_nodes()
    assert x.name == "x" and hidden.name == "hidden" and named.name == "kept"
    g = nn.gModule([x], [named])
    assert "hidden = torch.tanh(x)" in g.code


def test_nest_builds_nested_tables():
    a, b, c = nn.Identity()(), nn.Identity()(), nn.Identity()()
    state = ng.nest([a, [b, c]])
    g = nn.gModule([a, b, c], [state])
    ta, tb, tc = torch.randn(2), torch.randn(2), torch.randn(2)
    out = g(ta, tb, tc)
    assert isinstance(out, list) and isinstance(out[1], list)
    assert out[0] is ta and out[1][0] is tb and out[1][1] is tc
