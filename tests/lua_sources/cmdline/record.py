"""Record real Lua's torch.CmdLine on flags.lua for tests/test_cmdline_lua.py (needs /work/luatorch/bin/th).

    python tests/lua_sources/cmdline/record.py [/path/to/th]

Each run keeps stdout, stderr and the exit status. ``-help`` writes ``arg[0]`` in its usage
line, the path of the running interpreter (th's own path under th, ``__main__.py``'s in a
port): it is kept as ``<arg0>``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
ARG0 = re.compile(r"^Usage: \S+ \[options\]", re.M)
RUNS = {
    "arguments": ["cv/lm.t7", "out.txt"],
    "interleaved": ["-seed", "7", "cv/lm.t7", "-temperature", "0.8", "out.txt", "-verbose", "-primetext", "The "],
    "number_forms": ["-seed", "0x10", "-temperature", "1e-1", "a", "b"],
    "value_that_looks_like_help": ["a", "b", "-primetext", "-h"],
    "help": ["-help"],
    "h_after_an_argument": ["cv/lm.t7", "-h"],
    "double_dash_help": ["--help"],
    "no_arguments": [],
    "missing_argument": ["cv/lm.t7"],
    "extra_argument": ["a", "b", "c"],
    "double_dash_is_not_a_flag": ["--seed", "3", "a"],
    "flag_without_value": ["a", "b", "-seed"],
    "flag_not_a_number": ["a", "b", "-seed", "many"],
}


def main(th: str = "/work/luatorch/bin/th") -> None:
    out = {}
    for name, argv in RUNS.items():
        proc = subprocess.run([th, "flags.lua", *argv], cwd=HERE, capture_output=True, text=True)
        out[name] = {
            "argv": argv,
            "stdout": ARG0.sub("Usage: <arg0> [options]", proc.stdout),
            "stderr": proc.stderr,
            "status": proc.returncode,
        }
    (HERE / "expected.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
