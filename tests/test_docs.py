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
