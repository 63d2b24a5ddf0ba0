"""Check with real Lua Torch7 that what ``save_t7`` writes for the convolutional zoo runs.

Every module of ``nn_zoo2.t7``'s convolutional cases and of
``tests/fixtures/lua_spatial/extra_cases.t7`` is loaded by pygraphnn, written back with
``save_t7``, loaded by Lua's ``torch.load`` and run on the case's input; Lua's output
must equal the recorded one to 1e-10. Needs Lua Torch7 (``th``); not a test.

    python scripts/check_spatial_saves_in_lua.py [--th /work/luatorch/bin/th]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

LUA = r"""
require 'nn'
torch.setnumthreads(1)
local cases = torch.load(arg[1])
local bad = 0
for _, c in ipairs(cases) do
   local ok, err = pcall(function()
      local d = (c.module:forward(c.input) - c.output):abs():max()
      if d > 1e-10 then print('DIFF', c.ctor, d); bad = bad + 1 end
   end)
   if not ok then print('ERROR', c.ctor, err); bad = bad + 1 end
end
print(#cases .. ' modules saved by pygraphnn, run by Lua: ' .. bad .. ' wrong')
os.exit(bad == 0 and 0 or 1)
"""


def main() -> int:
    from test_nn_zoo2_spatial import SPATIAL

    from pygraphnn.lua.classes.load import load_t7
    from pygraphnn.lua.classes.save import to_lua
    from pygraphnn.lua.format.t7 import load_t7_raw, save_t7

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--th", default="/work/luatorch/bin/th", help="Lua Torch's th")
    args = parser.parse_args()
    data = Path(os.environ.get("PYGRAPHNN_DATA", ROOT.parent / "shared" / "data")) / "t7" / "lua"
    out = []
    for path, wanted in ((data / "nn_zoo2.t7", SPATIAL), (ROOT / "tests/fixtures/lua_spatial/extra_cases.t7", None)):
        raw, loaded = load_t7_raw(path).to_list(), load_t7(path, strict=False).to_list()
        for case, entry in zip(raw, loaded):
            if case.kind != "module" or (wanted is not None and case.module.class_name[3:] not in wanted):
                continue
            out.append({"ctor": case.ctor, "module": to_lua(entry.module), "input": case.input, "output": case.output})
    with tempfile.TemporaryDirectory() as tmp:
        saved, script = Path(tmp) / "saved.t7", Path(tmp) / "check.lua"
        save_t7(out, saved)
        script.write_text(LUA)
        return subprocess.call([args.th, str(script), str(saved)])


if __name__ == "__main__":
    sys.exit(main())
