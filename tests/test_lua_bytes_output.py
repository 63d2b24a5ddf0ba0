"""Lua strings are bytes: what a ported program prints reaches stdout as those bytes.

The runtime holds a Lua string as a Python str of one character per byte (codes 0-255,
as files are read). On a real stdout (one with a byte buffer) ``print`` and ``io.write``
write the bytes themselves, as Lua does; the differential snippets in
tests/fixtures/lua_diff/lang/bytes.lua check the text-only path (a StringIO).
"""

from __future__ import annotations

import subprocess
import sys


def run_printing(code: str) -> bytes:
    return subprocess.run(
        [sys.executable, "-c", "from pygraphnn.lua import runtime as lua\n" + code],
        capture_output=True,
        check=True,
    ).stdout


def test_print_writes_the_strings_bytes():
    # 'h\195\169' in Lua is h, then the two UTF-8 bytes of é; th writes exactly those bytes
    assert run_printing("lua.print('h\\xc3\\xa9', 2)") == b"h\xc3\xa9\t2\t\n"


def test_io_write_writes_bytes_that_are_not_utf8():
    # Lua writes any byte; '\200' alone is not UTF-8 and still comes out unchanged
    assert run_printing("lua.io.write('a\\xc8b', 1.5, '\\n')") == b"a\xc8b1.5\n"


def test_ascii_and_interleaving_keep_their_order():
    code = "lua.print('x')\nlua.io.write('\\xc3\\xa9\\n')\nlua.print('y')"
    assert run_printing(code) == b"x\t\n\xc3\xa9\ny\t\n"
