"""Time ``pygraphnn port`` on a 20,000-line Lua file and on 150 nested ifs.

    python benchmarks/port_scale.py

The big file repeats tests/lua_sources/char_rnn_lstm.lua (a model builder with
loops, tables and string building) with renamed functions until it has 20,000
lines. Prints the parse and the whole-translation time.
"""

from __future__ import annotations

import time
from pathlib import Path

from pygraphnn.lua.translator.emit import port_source
from pygraphnn.lua.translator.parse import parse

ROOT = Path(__file__).resolve().parent.parent


def big_source(lines: int = 20000) -> str:
    unit = (ROOT / "tests" / "lua_sources" / "char_rnn_lstm.lua").read_text()
    parts, n = [], 0
    while sum(p.count("\n") for p in parts) < lines:
        parts.append(
            unit.replace("LSTM.lstm", f"LSTM.lstm{n}")
            .replace("local LSTM = {}", "" if n else "local LSTM = {}")
            .replace("return LSTM", "")
        )
        n += 1
    return "".join(parts) + "\nreturn LSTM\n"


def main() -> None:
    src = big_source()
    t0 = time.perf_counter()
    parse(src)
    t1 = time.perf_counter()
    result = port_source(src, "big.lua")
    t2 = time.perf_counter()
    print(f"{src.count(chr(10))} lines: parse {t1 - t0:.2f} s, whole port {t2 - t1:.2f} s, {len(result.issues)} flags")
    deep = "local x = 0\n" + "".join("  " * i + f"if x >= {-i} then\n" for i in range(150)) + "x = 1\n" + "end\n" * 150
    t0 = time.perf_counter()
    port_source(deep, "deep.lua")
    print(f"150 nested ifs: {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
