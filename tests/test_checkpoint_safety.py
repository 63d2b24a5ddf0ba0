"""Checkpoints are plain data: a file whose pickle would run code is refused, and nothing runs.

Every loader of a trainer's checkpoint goes through :func:`pygraphnn.checkpoint.load_checkpoint_file`
(``torch.load(weights_only=True)``); these tests hand each entry point (the library function,
PTB's ``--resume`` and ``complete``, char-rnn's ``--init_from`` and its sampler) a crafted file
whose unpickling would write a marker file, and assert the marker never appears.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from pygraphnn.checkpoint import CheckpointError, load_checkpoint_file, save_checkpoint_file

ROOT = Path(__file__).resolve().parent.parent


class _Payload:
    """Unpickling this calls ``os.system`` (what a hostile checkpoint would do)."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _hostile(tmp_path: Path, name: str = "last.pt") -> tuple[Path, Path]:
    marker = tmp_path / "PWNED"
    path = tmp_path / name
    # looks like a PTB checkpoint, except for one field
    torch.save({"format": "pygraphnn-ptb-1", "params": torch.zeros(3), "config": _Payload(marker)}, path)
    # the payload is live: an unsafe load would run it (checked on a copy, so the marker stays absent)
    assert not marker.exists()
    return path, marker


def test_payload_would_run_under_an_unsafe_load(tmp_path):
    path, marker = _hostile(tmp_path)
    torch.load(path, weights_only=False)  # what models/ptb did before
    assert marker.exists()  # so the tests below test something


def test_library_loader_refuses_code(tmp_path):
    path, marker = _hostile(tmp_path)
    with pytest.raises(CheckpointError, match=r"refused to load.*plain data") as e:
        load_checkpoint_file(path)
    assert str(path) in str(e.value) and "system" in str(e.value)
    assert not marker.exists()


def test_plain_data_round_trips(tmp_path):
    obj = {
        "config": {"rnn_size": 8, "name": "x", "dropout": None},
        "w": torch.arange(4.0),
        "history": [1.5, {"epoch": 2}],
        "rng": torch.get_rng_state(),
    }
    back = load_checkpoint_file(save_checkpoint_file(obj, tmp_path / "ck.pt"))
    assert back["config"] == obj["config"] and back["history"] == obj["history"]
    assert torch.equal(back["w"], obj["w"]) and torch.equal(back["rng"], obj["rng"])


def test_truncated_or_foreign_files_get_our_error(tmp_path):
    good = save_checkpoint_file({"w": torch.zeros(100)}, tmp_path / "ck.pt")
    bad = tmp_path / "cut.pt"
    bad.write_bytes(good.read_bytes()[:50])
    with pytest.raises(CheckpointError, match=r"cut.pt: not a readable checkpoint"):
        load_checkpoint_file(bad)
    (tmp_path / "text.pt").write_text("hello")
    with pytest.raises(CheckpointError, match=r"text.pt"):
        load_checkpoint_file(tmp_path / "text.pt")


@pytest.mark.parametrize(
    "argv",
    [
        ["ptb", "train", "--resume", "{ck}"],
        ["ptb", "complete", "--checkpoint", "{ck}", "the"],
        ["charrnn", "sample", "{ck}"],
        ["sample", "{ck}"],
        ["charrnn", "train", "--data", "{text}", "--init_from", "{ck}", "--resume"],
    ],
)
def test_commands_refuse_a_hostile_checkpoint(tmp_path, argv, capsys):
    from pygraphnn.cli import main

    ck, marker = _hostile(tmp_path)
    text = tmp_path / "input.txt"
    text.write_text("abc abc\n" * 50)
    assert main([a.format(ck=ck, text=text) for a in argv]) == 2
    assert not marker.exists(), "the checkpoint's code ran"
    assert "refused to load" in capsys.readouterr().err


def test_python_m_entry_point_refuses_without_a_traceback(tmp_path):
    ck, marker = _hostile(tmp_path)
    r = subprocess.run(
        [sys.executable, "-m", "models.ptb", "train", "--resume", str(ck)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        timeout=120,
    )
    assert r.returncode == 2 and not marker.exists()
    assert "refused to load" in r.stderr and "Traceback" not in r.stderr, r.stderr


class _Unpicklable:
    def __reduce__(self):
        raise RuntimeError("killed mid-save")


def test_a_save_that_dies_midway_leaves_the_previous_checkpoint(tmp_path):
    path = save_checkpoint_file({"step": 1, "w": torch.ones(1000)}, tmp_path / "last.pt")
    with pytest.raises(RuntimeError, match="killed mid-save"):
        save_checkpoint_file({"step": 2, "w": torch.zeros(1000), "x": _Unpicklable()}, path)
    assert load_checkpoint_file(path)["step"] == 1  # never a 0-byte or half file
    assert [p.name for p in tmp_path.iterdir()] == ["last.pt"]  # and no temporary left
