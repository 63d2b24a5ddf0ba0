"""The hostile ``.t7`` suite at scale: every (field, hostile value) pair of the two small real
Lua files, and as many random byte flips as asked, through ``load_t7`` and char-rnn's
sampler. Prints each escape (an exception other than T7Error / CheckpointError) and a
summary; exit status 1 if anything escaped.

    .venv/bin/python scripts/fuzz_t7.py                  # all field pairs + 2000 flips each
    .venv/bin/python scripts/fuzz_t7.py --flips 20000 --seed 3

The generators are the ones ``tests/test_t7_hostile.py`` samples from (a few hundred cases
run in the test suite; this runs tens of thousands).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

import test_t7_hostile as hostile  # noqa: E402

from pygraphnn.lua.classes.load import from_lua  # noqa: E402
from pygraphnn.lua.format.t7 import T7Error, load_t7_raw  # noqa: E402

FILES = ["small_gmodule.t7", "small_charrnn.t7"]


def run_case(label: str, fn, escapes: list) -> str:
    """'ok', 'error' (T7Error), or 'escape' (recorded)."""
    try:
        res = fn()
    except T7Error:
        return "error"
    except Exception as e:  # finding these is the point
        escapes.append((label, f"{type(e).__name__}: {e}", traceback.format_exc(limit=6)))
        return "escape"
    return "error" if isinstance(res, T7Error) else "ok"


def fields(name: str, escapes: list, limit: int | None, rng: random.Random) -> dict:
    raw = load_t7_raw(hostile.SMALL / name)
    pairs = [(s, v) for s in hostile.field_slots(raw) for v in hostile.HOSTILE]
    if limit is not None and limit < len(pairs):
        pairs = rng.sample(pairs, limit)
    tally = {"ok": 0, "error": 0, "escape": 0}
    for (what, table, key), value_name in pairs:
        old = dict.__getitem__(table, key)
        value = hostile.HOSTILE[value_name]()
        if value is hostile.DELETE:
            dict.__delitem__(table, key)
        else:
            dict.__setitem__(table, key, value)

        def case():
            res = from_lua(raw)
            if name == "small_charrnn.t7":
                hostile.try_checkpoint(res)
            return res

        try:
            tally[run_case(f"{name}: {what} = {value_name}", case, escapes)] += 1
        finally:
            dict.__setitem__(table, key, old)
    return tally


def flips(name: str, escapes: list, n: int, rng: random.Random) -> dict:
    raw = (hostile.SMALL / name).read_bytes()
    tally = {"ok": 0, "error": 0, "escape": 0}
    for trial in range(n):
        d = bytearray(raw)
        for _ in range(rng.randint(1, 6)):
            i = rng.randrange(len(d))
            d[i] = rng.choice([rng.randrange(256), d[i] ^ (1 << rng.randrange(8)), 0, 255])
        data = bytes(d)

        def case(data=data):  # bound now: ruff's B023 cannot see it runs in this iteration
            res = hostile.load_bytes(data)
            if name == "small_charrnn.t7" and not isinstance(res, T7Error):
                hostile.try_checkpoint(res)
            return res

        tally[run_case(f"{name}: flip trial {trial}", case, escapes)] += 1
    return tally


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--flips", type=int, default=2000, help="byte-flip trials per file (default 2000)")
    p.add_argument("--fields", type=int, default=None, help="field pairs per file (default: all)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = p.parse_args(argv)
    rng = random.Random(args.seed)
    escapes: list = []
    t0 = time.time()
    for name in FILES:
        print(name, "fields", fields(name, escapes, args.fields, rng), flush=True)
        print(name, "flips", flips(name, escapes, args.flips, rng), flush=True)
    for label, msg, tb in escapes[:20]:
        print(f"ESCAPE {label}: {msg}\n{tb}")
    print(f"{len(escapes)} escapes, {time.time() - t0:.0f} s")
    return 1 if escapes else 0


if __name__ == "__main__":
    sys.exit(main())
