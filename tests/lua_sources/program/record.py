"""Record real Lua's output of this program for tests/test_port_program.py (needs /work/luatorch/bin/th).

    python tests/lua_sources/program/record.py [/path/to/th]
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
RUNS = {"defaults": [], "flags": ["-chunk", "4", "-upper", "-text", "a b a c b a"]}


def main(th: str = "/work/luatorch/bin/th") -> None:
    out = {name: subprocess.run([th, "main.lua", *argv], cwd=HERE, capture_output=True, text=True,
                                check=True).stdout for name, argv in RUNS.items()}
    (HERE / "expected.json").write_text(json.dumps({"argv": RUNS, "stdout": out}, indent=1) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
