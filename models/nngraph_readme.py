"""The example graphs of nngraph's README, declared with pygraphnn.

Used by the gallery (``scripts/make_gallery.py``) and by the tests that compare our
diagrams with the ``.dot`` files Lua's ``graph.dot`` wrote for the same graphs
(``shared/data/t7/lua/readme_*_fg.dot``).
"""

from __future__ import annotations

from pygraphnn import nn


def mlp() -> nn.gModule:
    """Two hidden layers; the input node is ``-nn.Linear(20, 10)``'s Lua form."""
    h1 = nn.Linear(20, 10)()
    h2 = nn.Linear(10, 1)(nn.Tanh()(nn.Linear(10, 10)(nn.Tanh()(h1))))
    return nn.gModule([h1], [h2], name="mlp")


def two_in_two_out() -> nn.gModule:
    h1 = nn.Linear(20, 20)()
    h2 = nn.Linear(10, 10)()
    hh1 = nn.Linear(20, 1)(nn.Tanh()(h1))
    hh2 = nn.Linear(10, 1)(nn.Tanh()(h2))
    madd = nn.CAddTable()([hh1, hh2])
    return nn.gModule([h1, h2], [nn.Sigmoid()(madd), nn.Tanh()(madd)], name="two_in_two_out")


def containers() -> nn.gModule:
    """A Sequential(SplitTable, ParallelTable) node whose table output is split."""
    m = nn.Sequential()
    m.add(nn.SplitTable(1))
    m.add(nn.ParallelTable().add(nn.Linear(10, 20)).add(nn.Linear(10, 30)))
    x = nn.Identity()()
    in1, in2 = m(x).split(2)
    return nn.gModule([x], [nn.JoinTable(1)([in1, in2])], name="containers")


def more_fun_annotated() -> nn.gModule:
    """Skip connections with JoinTable; L1..L3 annotated with the README's graphAttributes."""
    x = nn.Identity()()
    l1 = nn.Tanh()(nn.Linear(10, 20)(x)).annotate(
        name="L1", description="Level 1 Node", graphAttributes={"color": "red"}
    )
    l2 = nn.Tanh()(nn.Linear(30, 60)(nn.JoinTable(1)([x, l1]))).annotate(
        name="L2", description="Level 2 Node", graphAttributes={"color": "blue", "fontcolor": "green"}
    )
    l3 = nn.Tanh()(nn.Linear(80, 160)(nn.JoinTable(1)([l1, l2]))).annotate(
        name="L3",
        description="Level 3 Node",
        graphAttributes={"color": "green", "style": "filled", "fillcolor": "yellow"},
    )
    return nn.gModule([x], [l3], name="more_fun_annotated")
