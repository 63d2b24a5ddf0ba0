"""docs/t7-classes.md is what scripts/make_class_table.py writes from the registries."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("make_class_table", ROOT / "scripts" / "make_class_table.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_class_table_is_current():
    page = (ROOT / "docs" / "t7-classes.md").read_text()
    assert page == _script().render(), "docs/t7-classes.md is stale: run scripts/make_class_table.py"


def test_class_table_lists_every_loader_and_alias():
    from pygraphnn.lua.classes.aliases import ALIASES
    from pygraphnn.lua.classes.load import LOADERS

    page = (ROOT / "docs" / "t7-classes.md").read_text()
    for name in [*LOADERS, *ALIASES]:
        assert f"| `{name}` |" in page, name
