"""What the multi-process tests share: an environment that makes ``subprocess``-started
Python processes one gloo group on this machine, as ``torchrun`` would."""

from __future__ import annotations

import os
import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gloo_env(world: int, **extra: str) -> dict[str, str]:
    """The environment of every process of a ``world``-process group (each adds its ``RANK``)."""
    return dict(
        os.environ,
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(free_port()),
        WORLD_SIZE=str(world),
        OMP_NUM_THREADS="1",
        PYTHONPATH=str(ROOT),
        **extra,
    )
