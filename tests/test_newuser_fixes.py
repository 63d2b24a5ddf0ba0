"""Fixes for problems a new user met on main: each test here failed before its fix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from pygraphnn import nn
from pygraphnn.lua.classes.load import from_lua
from pygraphnn.lua.classes.save import to_torch_object
from pygraphnn.lua.format.t7 import T7Error, load_t7_raw

DATA = Path(os.environ.get("PYGRAPHNN_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data")) / "t7"
ZOO2 = DATA / "lua" / "nn_zoo2.t7"


def test_l1penalty_keeps_its_loss():
    """nn_zoo2 cases 121-123: moduleAfter.loss (Lua's l1weight * ||x||_1) survives load_t7."""
    if not ZOO2.exists():
        pytest.skip(f"fixture {ZOO2} not found (set PYGRAPHNN_DATA)")
    raw = load_t7_raw(ZOO2).to_list()
    cases = [c for c in raw if c.module.class_name == "nn.L1Penalty"]
    assert cases
    for c in cases:
        m = from_lua(c.moduleAfter)
        assert m.loss == c.moduleAfter.loss != 0.0


def test_batchnorm_blames_running_mean_when_it_is_the_odd_field():
    obj = to_torch_object(nn.BatchNormalization(10))
    obj.state["running_mean"] = torch.zeros(7, dtype=torch.float64)
    with pytest.raises(T7Error, match=r"running_mean has shape \(7,\), expected \(10,\)") as e:
        from_lua(obj)
    assert "running_var has" not in str(e.value)
    obj = to_torch_object(nn.BatchNormalization(10))
    obj.state["running_var"] = torch.zeros(7, dtype=torch.float64)
    with pytest.raises(T7Error, match=r"running_var has shape \(7,\), expected \(10,\)"):
        from_lua(obj)


def test_kept_container_label_has_no_open_brace():
    import pygraphnn as ng

    _, kept = ng.convert.convert(nn.Sequential().add(nn.MapTable(nn.Linear(3, 3))))
    assert kept == ["nn.MapTable"]


def test_save_t7_swapped_arguments_suggest_the_order(tmp_path):
    from pygraphnn.lua.classes.save import save_t7
    from pygraphnn.lua.format.t7 import LuaTable

    with pytest.raises(TypeError, match=r"object comes first and the path second.*torch\.save\(filename, obj\)"):
        save_t7(str(tmp_path / "x.t7"), LuaTable())
    with pytest.raises(TypeError, match="object comes first"):
        save_t7(tmp_path / "x.t7", nn.Linear(2, 2))
    assert not (tmp_path / "x.t7").exists()


def test_port_of_risky_calls_exits_3_and_marks_the_lines(tmp_path, capsys):
    pytest.importorskip("luaparser")
    from pygraphnn.cli import main

    src = tmp_path / "evil.lua"
    src.write_text(
        "require 'nn'\nos.execute('ls')\nlocal m = require('some' .. 'thing')\n"
        "local x = nn.Identity()()\nreturn nn.gModule({x}, {x})\n"
    )
    out = tmp_path / "evil.py"
    assert main(["port", str(src), "-o", str(out)]) == 3
    err = capsys.readouterr().err
    assert "evil.lua:2: warning: os.execute()" in err
    assert "require" not in err  # folded to a constant name: an ordinary require
    lines = out.read_text().splitlines()
    i = next(k for k, line in enumerate(lines) if "lua.os.execute(" in line)
    assert lines[i - 1].strip() == "# WARNING(port): os.execute() runs a shell command"
    assert 'm = lua.require("something")' in lines
    assert not any("WARNING" in line and "require" in line for line in lines)
    # a clean file still exits 0
    src.write_text("require 'nn'\nlocal x = nn.Identity()()\nreturn nn.gModule({x}, {x})\n")
    assert main(["port", str(src), "-o", str(out)]) == 0


def test_pcall_of_require_with_a_constant_name_is_not_risky(tmp_path, capsys):
    """char-rnn's `pcall(require, 'cunn')` names its module; `pcall(require, name)` does not."""
    pytest.importorskip("luaparser")
    from pygraphnn.cli import main

    src = tmp_path / "gpu.lua"
    src.write_text("local ok, cunn = pcall(require, 'cunn')\nprint(ok)\n")
    out = tmp_path / "gpu.py"
    assert main(["port", str(src), "-o", str(out)]) == 0
    assert "warning" not in capsys.readouterr().err
    assert 'lua.pcall(lua.require, "cunn")' in out.read_text()
    src.write_text("local name = arg[1]\nlocal ok, m = pcall(require, name)\nprint(ok)\n")
    assert main(["port", str(src), "-o", str(out)]) == 3
    assert "gpu.lua:2: warning: require()" in capsys.readouterr().err


def test_sample_help_is_plain_text(capsys):
    from pygraphnn.cli import main

    with pytest.raises(SystemExit):
        main(["sample", "--help"])
    out = capsys.readouterr().out
    assert "-length 300" in out and "pygraphnn.lua.classes.charrnn" in out
    assert "``" not in out and ":mod:" not in out


def _t7_file(tmp_path, obj, name):
    from pygraphnn.lua.classes.save import save_t7

    path = tmp_path / name
    save_t7(obj, path)
    return path


def test_convert_to_a_missing_folder_is_a_one_line_error(tmp_path, capsys):
    from pygraphnn.cli import main

    src = _t7_file(tmp_path, nn.Linear(2, 3), "lin.t7")
    out = tmp_path / "nope" / "lin.pt"
    assert main(["convert", str(src), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"folder {out.parent} does not exist" in err
    assert not out.parent.exists()


def test_convert_of_a_criterion_says_it_is_one(tmp_path, capsys):
    from pygraphnn.cli import main

    src = _t7_file(tmp_path, nn.MSECriterion(), "crit.t7")
    out = tmp_path / "crit.pt"
    assert main(["convert", str(src), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "a criterion (a loss function, not a model)" in err and "0 parameters" not in err
    assert isinstance(torch.load(out, weights_only=False), nn.MSECriterion)


def test_port_to_a_missing_folder_is_a_one_line_error(tmp_path, capsys):
    pytest.importorskip("luaparser")
    from pygraphnn.cli import main

    src = tmp_path / "m.lua"
    src.write_text("require 'nn'\nlocal x = nn.Identity()()\nreturn nn.gModule({x}, {x})\n")
    for out in (tmp_path / "nope" / "m.py", f"{tmp_path / 'nope' / 'pkg'}/"):
        assert main(["port", str(src), "-o", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"folder {tmp_path / 'nope'} does not exist" in err
    assert not (tmp_path / "nope").exists()


def test_render_output_folder_and_suffix_errors(tmp_path, capsys, monkeypatch):
    from pygraphnn.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["render", "models.cells:lstm", "-o", str(tmp_path / "nope" / "x.svg")]) == 2
    assert "folder" in capsys.readouterr().err and not (tmp_path / "nope").exists()
    assert main(["render", "models.cells:lstm", "-o", str(tmp_path / "x.jpg")]) == 2
    assert "unsupported suffix .jpg; use one of .svg, .png, .pdf, .dot" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    # --format dot without -o: DOT text on stdout, as --help says, and no file
    assert main(["render", "models.cells:lstm", "--format", "dot"]) == 0
    assert capsys.readouterr().out.startswith("digraph")
    assert list(tmp_path.iterdir()) == []


def _rename(obj, old: str, new: str) -> int:
    """Rename every Torch object of class ``old`` inside a raw object (as a renamed Lua class would read)."""
    from pygraphnn.lua.format.t7 import LuaTable, TorchObject

    seen, stack, n = set(), [obj], 0
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        if isinstance(o, TorchObject):
            if o.class_name == old:
                object.__setattr__(o, "class_name", new)
                n += 1
            stack.append(o.state)
        elif isinstance(o, LuaTable):
            stack.extend(v for v in o.values() if isinstance(v, (TorchObject, LuaTable)))
    return n


def _roundtrip_raw(obj):
    import io

    from pygraphnn.lua.classes.save import save_t7

    buf = io.BytesIO()
    save_t7(obj, buf)
    buf.seek(0)
    return load_t7_raw(buf)


def test_strict_false_keeps_an_unknown_module_inside_a_sequential():
    from pygraphnn.lua.classes.unknown import UnknownLuaModule

    raw = _roundtrip_raw(nn.Sequential().add(nn.Linear(3, 4)).add(nn.ReLU()).add(nn.Linear(4, 2)))
    assert _rename(raw, "nn.ReLU", "nn.FancyReLU") == 1
    with pytest.raises(T7Error, match=r"nn.FancyReLU"):
        from_lua(raw)
    m = from_lua(raw, strict=False)
    unknown = m[1]
    assert isinstance(unknown, UnknownLuaModule) and unknown.lua_class == "nn.FancyReLU"
    assert unknown.raw is raw.state["modules"][2]
    torch.testing.assert_close(m[2].weight, raw.state["modules"][3].state["weight"], rtol=0, atol=0)
    with pytest.raises(RuntimeError, match=r"cannot run nn\.FancyReLU \(at modules\[2\]\)"):
        m(torch.randn(5, 3, dtype=m[0].weight.dtype))
    back = _roundtrip_raw(m).state["modules"][2]
    assert back.class_name == "nn.FancyReLU"
    assert set(back.state.keys()) == set(raw.state["modules"][2].state.keys())
    assert back.state["threshold"] == raw.state["modules"][2].state["threshold"]


def test_strict_false_keeps_an_unknown_node_module_inside_a_gmodule():
    import pygraphnn as ng
    from pygraphnn.lua.classes.unknown import UnknownLuaModule

    x = nn.Identity()()
    y = nn.LogSoftMax()(nn.Linear(3, 2)(x))
    raw = _roundtrip_raw(ng.gModule([x], [y]))
    assert _rename(raw, "nn.LogSoftMax", "nn.MyFancyLogSoftMax") == 1
    with pytest.raises(T7Error, match=r"nn.MyFancyLogSoftMax"):
        from_lua(raw)
    g = from_lua(raw, strict=False)
    unknown = [m for m in g.modules() if isinstance(m, UnknownLuaModule)]
    assert len(unknown) == 1 and unknown[0].lua_class == "nn.MyFancyLogSoftMax"
    assert "data.module" in unknown[0].where
    with pytest.raises(Exception, match=r"nn.MyFancyLogSoftMax"):
        g(torch.randn(5, 3))
    back = _roundtrip_raw(g)
    assert back.class_name == "nn.gModule"
    names = [n.data.module.class_name for n in back.forwardnodes.to_list() if n.data.get("module") is not None]
    assert "nn.MyFancyLogSoftMax" in names and "nn.Linear" in names


def test_supported_classes_with_aliases_and_the_class_table_agree():
    from pygraphnn.lua.classes.aliases import ALIASES
    from pygraphnn.lua.classes.load import LOADERS, supported_classes

    assert supported_classes() == sorted(LOADERS)
    with_aliases = supported_classes(aliases=True)
    assert "cudnn.ReLU" in with_aliases and "nn.Linear" in with_aliases
    assert "cudnn.ReLU" not in supported_classes()
    # a name is a class or an alias, never both (an alias of a class with its own loader is never used)
    assert not set(ALIASES) & set(LOADERS)
    page = (Path(__file__).resolve().parents[1] / "docs" / "t7-classes.md").read_text()
    for name in with_aliases:
        assert f"| `{name}` |" in page, name
    assert "| ? |" not in page
