import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def shared_data_dir() -> Path:
    """``$PYGRAPHNN_DATA`` or ``<repo>/../shared/data``."""
    env = os.environ.get("PYGRAPHNN_DATA")
    return Path(env) if env else HERE.parent.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    d = shared_data_dir()
    if not d.is_dir():
        pytest.skip(f"shared data not found at {d} (set PYGRAPHNN_DATA)")
    return d
