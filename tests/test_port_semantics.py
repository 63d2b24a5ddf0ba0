"""Each case the translator used to get silently wrong (issue 11), translated and run.

Tensor methods with Torch's meaning come from rt-torch's tensor_methods when it is
there; these tests check what the translation emits for them and, where the
meaning is the language's (identity, indexing by ranges, dispatch), run it.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

import pytest

pytest.importorskip("luaparser")
import torch

from pygraphnn.lua.runtime.table import LuaTable
from pygraphnn.lua.translator.emit import port_source


def port(src: str) -> str:
    result = port_source(src, "case.lua")
    assert not result.issues, [i.format("case.lua") for i in result.issues]
    return result.code


def run(src: str, **env) -> tuple[dict, str]:
    code = port(src)
    ns = {"__name__": "case", **env}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<case>", "exec"), ns)
    return ns, out.getvalue()


def test_table_filled_by_insert_in_a_field_is_not_a_dict():
    _ns, out = run("local obj = {}\nobj.items = {}\ntable.insert(obj.items, 'a')\nprint(#obj.items)\n")
    assert out == "1\t\n"


def test_pairs_over_a_list_walks_it_in_order():
    _ns, out = run(
        "local t = {}\nfor i = 1, 3 do table.insert(t, i * 10) end\nfor k, v in pairs(t) do print(k, v) end\n"
    )
    assert out == "1\t10\t\n2\t20\t\n3\t30\t\n"


def test_character_keys_are_keys_not_shifted_indices():
    src = "function lookup(vocab, c) return vocab[c] end\n"
    code = port(src)
    assert "lua.index(vocab, c)" in code and "c - 1" not in code
    ns, _ = run(src)
    assert ns["lookup"]({"a": 1, "b": 2}, "b") == 2
    assert ns["lookup"](LuaTable({"x": 7}), "x") == 7
    assert ns["lookup"](["p", "q"], 2) == "q"


def test_tensor_inequality_is_identity():
    src = "function same(x, params) return x ~= params end\n"
    assert "not lua.eq(x, params)" in port(src)
    ns, _ = run(src)
    a = torch.zeros(3)
    assert ns["same"](a, torch.zeros(3)) is True  # different tensors, equal values
    assert ns["same"](a, a) is False
    assert ns["same"](1, 1) is False and ns["same"]("a", "b") is True


def test_tensor_indexed_by_ranges():
    src = "function head(bias, a, b) return bias[{{a, b}}] end\nfunction put(x) x[{{2, 3}, 1}] = 5 end\n"
    code = port(src)
    assert "lua.index(bias, [[a, b]])" in code and "lua.setindex(x, [[2, 3], 1], 5)" in code
    ns, _ = run(src)
    bias = torch.arange(1.0, 7.0)
    assert ns["head"](bias, 2, 4).tolist() == [2.0, 3.0, 4.0]
    assert ns["head"](bias, -2, -1).tolist() == [5.0, 6.0]
    m = torch.zeros(3, 2)
    ns["put"](m)
    assert m[:, 0].tolist() == [0.0, 5.0, 5.0] and m[:, 1].tolist() == [0.0, 0.0, 0.0]


def test_add_with_a_scale_keeps_torchs_meaning():
    src = "function step(x, s, y) x:add(s, y) return x end\n"
    code = port(src)
    assert 'lua.invoke(x, "add", s, y)' in code and "add_(s, y)" not in code
    ns, _ = run(src)
    x = torch.ones(2)
    assert ns["step"](x, 3, torch.tensor([1.0, 2.0])).tolist() == [4.0, 7.0]


@pytest.mark.parametrize(
    "call, emitted",
    [
        ("x:squeeze(2)", 'lua.invoke(x, "squeeze", 2)'),
        ("x:split(3, 2)", 'lua.invoke(x, "split", 3, 2)'),
        ("x:exp()", 'lua.invoke(x, "exp")'),
        ("x:pow(2)", 'lua.invoke(x, "pow", 2)'),
        ("x:addmm(a, b)", 'lua.invoke(x, "addmm", a, b)'),
        ("x:cumsum(1)", 'lua.invoke(x, "cumsum", 1)'),
        ("x:sub(1, 2)", 'lua.invoke(x, "sub", 1, 2)'),
    ],
)
def test_torch_methods_go_to_the_runtime_with_luas_arguments(call, emitted):
    """In place and 1-based in Torch: never PyTorch's copy-returning, 0-based method of the same name."""
    code = port(f"function f(x, a, b) return {call} end\n")
    assert emitted in code, code


def test_table_sort_runs():
    _ns, out = run("local t = {3, 1, 2}\ntable.sort(t, function(a, b) return a > b end)\nprint(t[1], t[3])\n")
    assert out == "3\t1\t\n"


def test_tostring_of_a_whole_float():
    _, out = run("print(tostring(4.0), tostring(2 * 2.5), 1 / 4 .. '')\n")
    assert out == "4\t5\t0.25\t\n"


def test_parenthesised_concatenation_terminates():
    _, out = run("local b = 'x'\nlocal s = ('a' .. b) .. (('c' .. b) .. 'd')\nprint(s)\n")
    assert out == "axcxd\t\n"


def test_setting_a_field_of_a_dict_to_nil_removes_it():
    _ns, out = run(
        "local t = {}\nt[1] = 'x'\nt.a = 1\nt.a = nil\nt[1] = nil\nlocal n = 0\n"
        "for k in pairs(t) do n = n + 1 end\nprint(n, t.a)\n"
    )
    assert out == "0\tnil\t\n"


def test_lua_written_nn_module_class_works_in_a_graph():
    """torch.class('Doubler', 'nn.Module') (char-rnn's OneHot pattern): a module nngraph can call."""
    from pathlib import Path

    src = (Path(__file__).parent / "lua_sources" / "lua_module_class.lua").read_text()
    ns, out = run(src)
    assert out == "times 2\tDoubler\t\n"  # what th prints for this file
    x = torch.randn(5, dtype=torch.float64, requires_grad=True)
    y = ns["g"](x)
    torch.testing.assert_close(y, torch.tanh(3 * x))
    (gx,) = torch.autograd.grad(y.sum(), x)
    torch.testing.assert_close(gx, 3 * (1 - torch.tanh(3 * x) ** 2))


def test_tensor_new_read_as_a_field_is_torchs_constructor():
    code = port("function alloc(p, n) local Tensor = p.new\nreturn Tensor(n) end\n")
    assert 'lua.index(p, "new")' in code


def test_torch_pointer_identifies_a_storage_by_its_memory():
    from pygraphnn.lua import runtime as lua

    t = torch.zeros(4)
    assert lua.torch.pointer(t) == lua.torch.pointer(t) and lua.torch.pointer(t) != lua.torch.pointer(t.clone())
    assert lua.torch.pointer(t.untyped_storage()) == lua.torch.pointer(t[1:].untyped_storage())


def test_pcall_require_of_gpu_packages_gives_the_runtime_tables():
    """char-rnn: `local ok, cunn = pcall(require, 'cunn')`, then cutorch.setDevice(...) on a GPU."""
    from pygraphnn.lua import runtime as lua

    ok, cutorch = lua.pcall(lua.require, "cutorch")
    assert ok is True and cutorch is lua.cutorch
    assert lua.require("torch") is lua.torch and lua.require("optim") is lua.optim


def test_importing_the_optim_module_keeps_the_lua_optim_table():
    """`lua.optim` is Lua's library table even after something imports runtime/optim.py."""
    code = (
        "from pygraphnn.lua import runtime as lua\n"
        "before = lua.optim\n"
        "import pygraphnn.lua.runtime.optim\n"
        "assert lua.optim is before and lua.require('optim') is lua.optim, lua.optim\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


@pytest.mark.parametrize(
    "lua",
    [
        # found by scripts/port_smoke.py on public Torch7 code: each gave Python that did not compile
        "local t = {a = {}}\nt['a'].f = function(x) return x end\n",  # a function stored under an indexed owner
        "getmetatable('').__mod = function(a, b) return a end\n",  # penlight's stringx
        "local f = function(_, _) return 1 end\n",  # a repeated parameter name (the later one wins)
        "local t = {}\nt.m = function(_, a, b) return math.max(a, b) end\nprint(t.m(nil, 1, 2))\n",
    ],
)
def test_translation_compiles_for_names_python_refuses(lua):
    code = port_source(lua, "smoke.lua").code
    compile(code, "smoke.py", "exec")
