"""Smoke test of the translator on every ``.lua`` file of fetched public Torch7 repositories.

    python scripts/port_smoke.py [--mirror /work/.mirror] [--show 20]

Each file (read from the bare git snapshots ``<mirror>/<owner>+<name>/repo``, nothing checked
out) goes through :func:`pygraphnn.lua.port_source`; the generated Python must compile. A
:class:`~pygraphnn.lua.PortSyntaxError` (the file is not Lua 5.1 that luaparser reads) is
counted apart; any other exception is a translator crash and makes the exit status 1. Prints
files, lines, flagged lines, syntax errors, crashes (with their first lines) and the time.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pygraphnn.lua import PortSyntaxError, port_source  # noqa: E402


def lua_files(repo: Path) -> list[tuple[str, str]]:
    """``(path, text)`` of every ``.lua`` file at HEAD of a bare git repository."""
    names = subprocess.run(
        ["git", "--git-dir", str(repo), "ls-tree", "-r", "--name-only", "HEAD"], capture_output=True, text=True
    ).stdout.split()
    out = []
    for name in names:
        if name.endswith(".lua"):
            blob = subprocess.run(["git", "--git-dir", str(repo), "show", f"HEAD:{name}"], capture_output=True)
            out.append((name, blob.stdout.decode("utf-8", errors="replace")))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mirror", default="/work/.mirror", help="folder of fetched snapshots [/work/.mirror]")
    ap.add_argument("--show", type=int, default=20, help="crashes to print in full [20]")
    args = ap.parse_args(argv)
    files = lines = flagged = syntax = 0
    crashes: list[str] = []
    start = time.perf_counter()
    for repo in sorted(Path(args.mirror).glob("*/repo")):
        for name, text in lua_files(repo):
            where = f"{repo.parent.name}:{name}"
            files += 1
            lines += text.count("\n") + 1
            try:
                result = port_source(text, Path(name).name)
                compile(result.code, where, "exec")
                flagged += len(result.issues)
            except PortSyntaxError:
                syntax += 1
            except Exception:  # a crash is what this script counts
                crashes.append(f"{where}: {traceback.format_exc(limit=3)}")
    took = time.perf_counter() - start
    print(f"{files} files, {lines} lines, {len(list(Path(args.mirror).glob('*/repo')))} repositories, {took:.1f} s")
    print(f"flagged lines {flagged}, not Lua 5.1 that parses {syntax}, translator crashes {len(crashes)}")
    for c in crashes[: args.show]:
        print(c)
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
