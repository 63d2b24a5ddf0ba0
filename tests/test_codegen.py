"""Generated code against the reference interpreter, on many random graphs."""

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import pygraphnn as ng
from pygraphnn import nn


@st.composite
def random_graphs(draw):
    n_inputs = draw(st.integers(1, 3))
    inputs = [nn.Identity()() for _ in range(n_inputs)]
    nodes = list(inputs)
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["linear", "tanh", "sigmoid", "add", "split", "identity", "shared"]))
        pick = lambda: nodes[draw(st.integers(0, len(nodes) - 1))]  # noqa: E731
        if kind == "linear":
            nodes.append(nn.Linear(4, 4)(pick()))
        elif kind == "shared":
            shared = getattr(random_graphs, "shared", None) or nn.Linear(4, 4)
            random_graphs.shared = shared
            nodes.append(shared(pick()))
        elif kind == "tanh":
            nodes.append(nn.Tanh()(pick()))
        elif kind == "sigmoid":
            nodes.append(nn.Sigmoid()(pick()))
        elif kind == "identity":
            nodes.append(nn.Identity()(pick()))
        elif kind == "add":
            k = draw(st.integers(1, 3))
            nodes.append(nn.CAddTable()([pick() for _ in range(k)]))
        else:
            k = draw(st.integers(1, 3))
            parts = nn.JustTable()([pick() for _ in range(k)]).split(k)
            nodes.extend(parts if k > 1 else [parts])
    sinks = [n for n in nodes if not n.children and n not in inputs]
    outputs = sinks or [inputs[0]]
    return inputs, outputs


@settings(max_examples=60, deadline=None)
@given(random_graphs(), st.integers(0, 2**16))
def test_generated_code_equals_interpreter(graph, seed):
    inputs, outputs = graph
    g = ng.gModule(inputs, outputs)
    plain = ng.gModule(inputs, outputs, inline=False)
    gen = torch.Generator().manual_seed(seed)
    xs = [torch.randn(2, 4, generator=gen) for _ in inputs]
    got, ref, called = g(*xs), ng.interpret(g.graph, xs), plain(*xs)
    flat = lambda v: [v] if isinstance(v, torch.Tensor) else [t for x in v for t in flat(x)]  # noqa: E731
    for a, b, c in zip(flat(got), flat(ref), flat(called)):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
        torch.testing.assert_close(c, b, rtol=0, atol=0)


def test_generated_code_text_is_pinned():
    x = nn.Identity()().annotate(name="x")
    h = nn.Linear(3, 2)(x).annotate(name="h")
    a, b = nn.JustTable()([h, x]).split(2)
    y = nn.CAddTable()([nn.Tanh()(a), nn.Tanh()(a)]).annotate(name="y")
    g = ng.gModule([x], [y, b])
    assert g.code == (
        "def forward(self, *inputs):\n"
        "    x, = inputs if len(inputs) == 1 else _check_inputs(inputs, 1)\n"
        "    m = self._modules\n"
        "    try:\n"
        "        h = F.linear(x, m['h'].weight, m['h'].bias)\n"
        "        justtable = [h, x]; del h, x\n"
        "        justtable_1, justtable_2, = _check_split(justtable, 2); del justtable\n"
        "        tanh = torch.tanh(justtable_1)\n"
        "        tanh_2 = torch.tanh(justtable_1); del justtable_1\n"
        "        y = tanh + tanh_2; del tanh, tanh_2\n"
        "        return [y, justtable_2]\n"
        "    except Exception as error:\n"
        "        _fail(self, error)\n"
        "        raise\n"
    )
