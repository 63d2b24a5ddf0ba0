"""The Python code blocks of README.md and docs/*.md run as written.

Blocks fenced as ```python run in order, in one namespace per file, in a
temporary working directory; other fences (```text, ```bash, ```lua) do not run.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_doc_code_blocks_run(path, tmp_path, monkeypatch):
    blocks = BLOCK.findall(path.read_text())
    if not blocks:
        pytest.skip("no python blocks")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(ROOT))
    namespace: dict = {"__name__": f"doc_{path.stem}"}
    for i, block in enumerate(blocks, 1):
        code = compile(block, f"{path.name}[block {i}]", "exec")
        exec(code, namespace)  # our own documentation


def test_install_lines_name_the_extras_the_makefile_installs():
    """A new user following getting-started.md must get what `make` gets (`port` for `pygraphnn port`)."""
    extras = re.search(r"-e '(\.\[[\w,]+\])'", (ROOT / "Makefile").read_text()).group(1)
    for doc in ("README.md", "docs/getting-started.md"):
        text = (ROOT / doc).read_text()
        assert re.findall(r"-e\s+'(\.\[[\w,]+\])'", text) == [extras], doc
    # graphviz's Python package is an install requirement: telling users to pip install it is noise
    assert "pip install graphviz" not in (ROOT / "docs/getting-started.md").read_text()
