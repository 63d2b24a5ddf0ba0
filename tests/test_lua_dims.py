"""Lua dimensions and indices count from 1: 0 (and anything Lua refuses) is an error, never
a silent "last" or "first" slice, whether the module runs alone or inlined in a gModule.

The truth is real Lua nn, recorded by tests/fixtures/lua_dims/record.lua (record.tsv):
for each case, whether Lua raises, and otherwise the output's shape and sum.
"""

from pathlib import Path

import pytest
import torch

import pygraphnn as ng
from pygraphnn import nn

RECORD = Path(__file__).parent / "fixtures" / "lua_dims" / "record.tsv"
LUA = {f[0]: f[1:] for f in (line.rstrip("\n").rstrip("\t").split("\t") for line in RECORD.read_text().splitlines())}

X = torch.arange(1.0, 25.0, dtype=torch.float64).view(2, 3, 4)
PAIR = [X, X]
MIX = [torch.ones(2, 3, dtype=torch.float64), torch.ones(2, 4, 3, dtype=torch.float64)]

# label (as recorded) -> (module factory, input), the same cases record.lua runs
CASES = {
    "SplitTable(0)": (lambda: nn.SplitTable(0), X),
    "SplitTable(-1)": (lambda: nn.SplitTable(-1), X),
    "SplitTable(-4)": (lambda: nn.SplitTable(-4), X),
    "SplitTable(0,2)": (lambda: nn.SplitTable(0, 2), X),  # Lua's batch shift: 0 is the batch dim
    "JoinTable(0)": (lambda: nn.JoinTable(0), PAIR),
    "JoinTable(-1)": (lambda: nn.JoinTable(-1), PAIR),
    "JoinTable(5)": (lambda: nn.JoinTable(5), PAIR),
    "Select(1,0)": (lambda: nn.Select(1, 0), X),
    "Select(0,1)": (lambda: nn.Select(0, 1), X),
    "Select(1,3)": (lambda: nn.Select(1, 3), X),
    "Select(-1,-1)": (lambda: nn.Select(-1, -1), X),
    "Index(1)": (lambda: nn.Index(1), [X, torch.tensor([1, 2])]),
    "Index(-1)": (lambda: nn.Index(-1), [X, torch.tensor([1, 2])]),
    "Narrow(0,1,1)": (lambda: nn.Narrow(0, 1, 1), X),
    "Narrow(1,0,1)": (lambda: nn.Narrow(1, 0, 1), X),
    "Narrow(2,1,0)": (lambda: nn.Narrow(2, 1, 0), X),
    "Narrow(2,2,2)": (lambda: nn.Narrow(2, 2, 2), X),
    "Narrow(2,3,2)": (lambda: nn.Narrow(2, 3, 2), X),
    "Sum(0)": (lambda: nn.Sum(0), X),
    "Sum(0,2)": (lambda: nn.Sum(0, 2), X),
    "Mean(0)": (lambda: nn.Mean(0), X),
    "Max(0)": (lambda: nn.Max(0), X),
    "Min(0)": (lambda: nn.Min(0), X),
    "Replicate(2,0)": (lambda: nn.Replicate(2, 0), X),
    "Squeeze(0)": (lambda: nn.Squeeze(0), torch.zeros(1, 3, 1)),
    "Unsqueeze(0)": (lambda: nn.Unsqueeze(0), X),
    "Transpose({0,1})": (lambda: nn.Transpose((0, 1)), X),
    "Transpose({1,0})": (lambda: nn.Transpose((1, 0)), X),
    "SelectTable(0)": (lambda: nn.SelectTable(0), PAIR),
    "Padding(0,1)": (lambda: nn.Padding(0, 1), X),
    "MixtureTable(0)": (lambda: nn.MixtureTable(0), MIX),
    "MixtureTable(3)": (lambda: nn.MixtureTable(3), MIX),
    "Concat(0)": (lambda: nn.Concat(0).add(nn.Identity()).add(nn.Identity()), X),
    "Parallel(0,1)": (lambda: nn.Parallel(0, 1).add(nn.Identity()).add(nn.Identity()), X),
    "Parallel(1,0)": (lambda: nn.Parallel(1, 0).add(nn.Identity()).add(nn.Identity()), X),
    "Bottle(Linear,0)": (lambda: nn.Bottle(nn.Linear(4, 2), 0), X),
}


def in_gmodule(make, inp):
    """Declare ``make()`` as the one node of a gModule (table inputs as separate graph inputs) and run it."""
    if isinstance(inp, list):
        ins = [nn.Identity()() for _ in inp]
        g = nn.gModule(ins, [make()(ins)])
        return g(*inp)
    x = nn.Identity()()
    return nn.gModule([x], [make()(x)])(inp)


def summary(out):
    if isinstance(out, list):
        return [f"table{len(out)}"]
    return ["x".join(map(str, out.shape)), f"{float(out.sum()):g}"]


def test_every_recorded_case_is_checked():
    assert set(LUA) == set(CASES)


@pytest.mark.parametrize("label", sorted(CASES))
@pytest.mark.parametrize("run", ["forward", "gModule"])
def test_matches_lua(label, run):
    make, inp = CASES[label]
    status, *want = LUA[label]
    call = (lambda: make().forward(inp)) if run == "forward" else (lambda: in_gmodule(make, inp))
    if status == "ERR":
        with pytest.raises((ValueError, IndexError, ng.GraphRuntimeError)):
            call()
    else:
        assert summary(call()) == want


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.SplitTable(0),
        lambda: nn.JoinTable(0),
        lambda: nn.Select(2, 0),
        lambda: nn.Index(0),
        lambda: nn.Narrow(1, 0),
        lambda: nn.Sum(0),
        lambda: nn.Concat(0),
        lambda: nn.Parallel(0, 1),
    ],
)
def test_zero_is_refused_at_construction_naming_module_and_lua_range(make):
    lua_range = r"^nn\.\w+\(.*\): \w+ 0 is not valid in Lua, which counts from 1 \(valid: 1 \.\. n"
    with pytest.raises(ValueError, match=lua_range):
        make()


def test_out_of_range_messages_speak_lua_numbers():
    x = nn.Identity()()
    g = nn.gModule([x], [nn.JoinTable(5)([x, x])])
    want = r"nn\.JoinTable: dimension 5 out of range for a 2-D input \(Lua dimensions 1\.\.2 or -2\.\.-1\)"
    with pytest.raises(ng.GraphRuntimeError, match=want) as info:
        g(torch.randn(2, 3))
    assert "got 4" not in str(info.value)
    with pytest.raises(IndexError, match=r"nn\.Select\(1, 3\): index 3 out of range for size 2 of dimension 1") as info:
        nn.Select(1, 3)(torch.randn(2, 3))
    assert "index 2" not in str(info.value)
    with pytest.raises(ng.GraphRuntimeError, match=r"nn\.SplitTable: dimension -4 out of range for a 3-D input"):
        in_gmodule(lambda: nn.SplitTable(-4), X)


@pytest.mark.parametrize(
    "call, want",
    [
        (
            lambda: nn.LookupTable(5, 2)(torch.tensor([0, 1, 6])),
            r"nn\.LookupTable: indices \[0, 6\] out of range "
            r"\(Lua indices are 1\.\.5\)",
        ),
        (
            lambda: nn.ClassNLLCriterion().forward(torch.zeros(2, 3), torch.tensor([0, 1])),
            r"ClassNLLCriterion: targets \[0\] out of range for 3 classes \(Lua class indices are 1\.\.3\)",
        ),
        (
            lambda: nn.Index(1)([torch.zeros(3, 2), torch.tensor([0, 4])]),
            r"nn\.Index\(1\): indices \[0, 4\] out of range for size 3 \(Lua indices are 1\.\.3\)",
        ),
        (lambda: nn.Index(3)([torch.zeros(3, 2), torch.tensor([1])]), r"nn\.Index\(3\): dimension out of range"),
    ],
)
def test_bad_lua_indices_in_data_are_reported_1_based(call, want):
    """torch says "index -1 is out of bounds" or "index out of range in self" for Lua's 0 or n+1."""
    with pytest.raises(IndexError, match=want) as info:
        call()
    assert "-1" not in str(info.value) and "in self" not in str(info.value)
