"""Every build-time mistake gets a clear error naming the node and where it was declared."""

import re

import pytest
import torch

import pygraphnn as ng
from pygraphnn import nn

HERE = re.escape(__file__)


def test_module_instead_of_node_suggests_second_parens():
    with pytest.raises(
        ng.GraphError, match=r"is a module \(nn\.Identity\), not a node .*Did you forget the second \(\)"
    ):
        nn.Linear(3, 4)(nn.Identity())
    with pytest.raises(ng.GraphError, match=r"input 2 of nn\.CAddTable is a module .*second \(\)"):
        x = nn.Identity()()
        nn.CAddTable()([x, nn.Tanh()])


def test_none_in_inputs_or_outputs_is_reported_as_a_typo():
    x = nn.Identity()()
    with pytest.raises(ng.GraphError, match=rf"input 2 of nn\.CAddTable is None \(declared at {HERE}:\d+.*typo"):
        nn.CAddTable()([x, None])
    with pytest.raises(ng.GraphError, match=r"gModule outputs\[1\] is None .*typo"):
        nn.gModule([x], [None])
    with pytest.raises(ng.GraphError, match=r"gModule inputs\[1\] is None"):
        nn.gModule([None], [x])


def test_empty_list_passed_to_a_module():
    with pytest.raises(ng.GraphError, match=r"nn\.CAddTable was called with an empty list at .*test_graph_errors"):
        nn.CAddTable()([])


def test_unused_split_output_names_declaration_and_split_sites():
    x = nn.Identity()()
    t = nn.JustTable()([x, x])
    a, _b = t.split(2)  # line of the split
    with pytest.raises(
        ng.GraphError,
        match=rf"output 2 of 2 from split\(2\) of .*JustTable.* declared at {HERE}:\d+.*"
        rf"\(split at {HERE}:\d+ .*\) is never used",
    ):
        nn.gModule([x], [nn.Tanh()(a)])


def test_dangling_node_is_named():
    x = nn.Identity()()
    h = nn.Tanh()(x)
    stray = nn.Sigmoid()(x)  # noqa: F841 - the mistake under test
    with pytest.raises(
        ng.GraphError, match=rf"nn\.Sigmoid\) declared at {HERE}:\d+ .*does not reach any gModule output"
    ):
        nn.gModule([x], [h])


def test_input_node_with_inputs():
    x = nn.Identity()()
    h = nn.Tanh()(x)
    with pytest.raises(ng.GraphError, match=r"gModule inputs\[1\] .*has inputs of its own"):
        nn.gModule([h], [nn.Sigmoid()(h)])


def test_output_not_computable_from_inputs():
    x, forgotten = nn.Identity()(), nn.Identity()()
    y = nn.CAddTable()([x, forgotten])
    with pytest.raises(
        ng.GraphError,
        match=r"outputs\[1\] .* is not computable from the inputs: it depends on "
        rf"node #\d+ \(nn\.Identity\) declared at {HERE}",
    ):
        nn.gModule([x], [y])


def test_cycle_is_detected():
    x = nn.Identity()()
    a = nn.Tanh()(x)
    b = nn.Sigmoid()(a)
    a.inputs = (b,)  # only possible by editing internals (or a corrupt file)
    b.children.append(a)
    with pytest.raises(ng.GraphError, match="cycle"):
        nn.gModule([x], [b])


def test_wrong_call_shapes():
    x = nn.Identity()()
    with pytest.raises(ng.GraphError, match=r"called with 2 arguments .*one list"):
        nn.CAddTable()(x, x)
    with pytest.raises(ng.GraphError, match=r"nested list.*ng\.nest"):
        nn.CAddTable()([x, [x]])
    with pytest.raises(ng.GraphError, match=r"is a tensor of shape \(2,\)"):
        nn.CAddTable()([x, torch.zeros(2)])
    with pytest.raises(ng.GraphError, match=r"repeats inputs\[1\]"):
        nn.gModule([x, x], [nn.Tanh()(x)])
    with pytest.raises(ng.GraphError, match=r"split\(n\) needs a positive integer"):
        x.split(0)
    with pytest.raises(ng.GraphError, match="cannot be unpacked"):
        _a, _b = x


def test_runtime_error_names_node_site_shapes_and_generated_line():
    x = nn.Identity()()
    h = nn.Linear(3, 4)(x)
    g = nn.gModule([x], [h], name="tiny")
    with pytest.raises(ng.GraphRuntimeError) as info:
        g(torch.randn(2, 5))
    msg = str(info.value)
    assert re.search(rf"nn\.Linear\(3 -> 4\)\) declared at {HERE}:\d+", msg)
    assert "received: input: Tensor[2x5]" in msg
    assert "generated line" in msg and "F.linear(" in msg
    assert isinstance(info.value.__cause__, RuntimeError)


def test_wrong_number_of_inputs_at_run_time():
    a, b = nn.Identity()(), nn.Identity()()
    g = nn.gModule([a, b], [nn.CAddTable()([a, b])])
    with pytest.raises(ng.GraphError, match="takes 2 inputs, got 3"):
        g(torch.zeros(1), torch.zeros(1), torch.zeros(1))
    x = nn.Identity()()
    g1 = nn.gModule([x], [nn.Tanh()(x)])
    with pytest.raises(ng.GraphError, match=r"takes 1 input, got 2: pass g\(x\)"):
        g1(torch.zeros(1), torch.zeros(1))


def test_traceback_shows_the_generated_line():
    import traceback

    x = nn.Identity()()
    g = nn.gModule([x], [nn.Linear(3, 4)(x)])
    try:
        g(torch.randn(2, 5))
    except ng.GraphRuntimeError as e:
        text = "".join(traceback.format_exception(e.__cause__))
    assert "F.linear(input, m['linear'].weight, m['linear'].bias)" in text


def test_nodes_of_an_earlier_gmodule_are_not_dangling_for_a_later_one():
    x = nn.Identity()()
    h = nn.Tanh()(x)
    y = nn.Sigmoid()(h)
    full = nn.gModule([x], [y])
    head = nn.gModule([x], [h])  # a sub-graph of `full`: y is not dangling here
    t = torch.randn(3)
    torch.testing.assert_close(head(t), torch.tanh(t))
    torch.testing.assert_close(full(t), torch.sigmoid(torch.tanh(t)))
    stray = nn.Exp()(h)  # noqa: F841 - new, in no gModule: dangling
    with pytest.raises(ng.GraphError, match=r"nn\.Exp\) declared at .*dangling"):
        nn.gModule([x], [h])


def test_received_line_shows_a_non_default_dtype():
    x = nn.Identity()()
    g = nn.gModule([x], [nn.Linear(10, 3)(x)])
    with pytest.raises(ng.GraphRuntimeError) as info:
        g(torch.randn(4, 10, dtype=torch.float64))  # double input, float weights
    assert "received: input: Tensor[4x10 float64]" in str(info.value)
    with pytest.raises(ng.GraphRuntimeError, match=r"received: input: Tensor\[4x10 int64\]"):
        g(torch.ones(4, 10, dtype=torch.long))
    with pytest.raises(ng.GraphRuntimeError, match=r"received: input: Tensor\[2x5\]\n"):  # float32: no dtype
        g(torch.randn(2, 5))
