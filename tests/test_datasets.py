"""``pygraphnn data``: downloads checked against the canonical files' checksums, and trainers
that find the data (or say the exact command that fetches it).

There is no internet here: a local ``http.server`` on 127.0.0.1 serves ``../shared/data`` (the
canonical files, same layout as a data folder) and stands in for the canonical sources through
``--mirror``. The checksums in :data:`models.datasets.CORPORA` were computed from those files;
the first test recomputes them.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading
from pathlib import Path

import pytest
from conftest import shared_data_dir

from models import datasets
from pygraphnn.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def shared() -> Path:
    d = shared_data_dir()
    if not (d / "ptb" / "ptb.train.txt").is_file() or not (d / "tinyshakespeare" / "input.txt").is_file():
        pytest.skip(f"the canonical corpora are not in {d} (set PYGRAPHNN_DATA)")
    return d


def _serve(folder: Path):
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def mirror(shared):
    server, url = _serve(shared)
    yield url
    server.shutdown()


def test_checksums_are_those_of_the_canonical_files(shared):
    for remotes in datasets.CORPORA.values():
        for r in remotes:
            assert hashlib.sha256((shared / r.path).read_bytes()).hexdigest() == r.sha256, r.path


def test_download_from_a_mirror_verifies_and_keeps(tmp_path, mirror, shared):
    folder = datasets.download("tinyshakespeare", tmp_path, mirror=mirror, progress=False)
    assert folder == tmp_path / "tinyshakespeare"
    assert (folder / "input.txt").read_bytes() == (shared / "tinyshakespeare" / "input.txt").read_bytes()


def test_ptb_char_derives_the_original_character_files(tmp_path, mirror, shared):
    folder = datasets.download("ptb-char", tmp_path, mirror=mirror, progress=False)
    for split in ("valid", "test"):
        name = f"ptb.char.{split}.txt"
        assert (folder / name).read_bytes() == (shared / "ptb" / name).read_bytes()
    assert (folder / "ptb.char.train.txt").is_file() and (folder / "ptb.train.txt").is_file()


def test_checksum_mismatch_is_refused_and_nothing_kept(tmp_path, capsys):
    bad = tmp_path / "bad_mirror" / "tinyshakespeare"
    bad.mkdir(parents=True)
    (bad / "input.txt").write_text("First Citizen:\nnot quite Shakespeare\n")
    server, url = _serve(tmp_path / "bad_mirror")
    try:
        status = main(["data", "tinyshakespeare", "--dir", str(tmp_path / "data"), "--mirror", url, "--quiet"])
    finally:
        server.shutdown()
    err = capsys.readouterr().err
    assert status == 2, err
    assert "pygraphnn data: error:" in err
    assert datasets.CORPORA["tinyshakespeare"][0].sha256 in err  # says what was expected
    assert not (tmp_path / "data" / "tinyshakespeare" / "input.txt").exists()


def test_cli_prints_where_it_put_the_corpus(tmp_path, mirror, capsys):
    assert main(["data", "tinyshakespeare", "--dir", str(tmp_path), "--mirror", mirror, "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == f"tinyshakespeare: {tmp_path / 'tinyshakespeare'}"
    assert f"--data-dir {tmp_path}" in err


def test_default_folder_and_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(datasets.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert datasets.data_root() == tmp_path / "cache" / "pygraphnn"
    assert datasets.fetch_command("ptb") == "pygraphnn data ptb"
    monkeypatch.setenv(datasets.ENV_VAR, str(tmp_path / "env"))
    assert datasets.data_root() == tmp_path / "env"
    assert datasets.data_root(tmp_path / "arg") == tmp_path / "arg"
    assert datasets.fetch_command("ptb", tmp_path / "arg") == f"pygraphnn data ptb --dir {tmp_path / 'arg'}"


@pytest.mark.parametrize(
    "argv, command",
    [
        (["ptb", "train", "--no-test"], "pygraphnn data ptb"),
        (["ptb", "train", "--level", "char", "--data-dir", "{d}"], "pygraphnn data ptb --dir {d}"),
        (["charrnn", "train"], "pygraphnn data tinyshakespeare"),
        (["charrnn", "train", "--data-dir", "{d}"], "pygraphnn data tinyshakespeare --dir {d}"),
    ],
)
def test_trainers_without_data_give_the_command_to_run(tmp_path, argv, command, monkeypatch, capsys):
    d = str(tmp_path / "empty")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(datasets.ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)
    assert main([a.format(d=d) for a in argv]) == 2
    err = capsys.readouterr().err
    assert f"run: {command.format(d=d)}" in err, err


def test_trainers_find_data_through_the_environment(tmp_path, mirror, monkeypatch, capsys):
    datasets.download("tinyshakespeare", tmp_path, mirror=mirror, progress=False)
    monkeypatch.setenv(datasets.ENV_VAR, str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert (
        main(
            [
                "charrnn",
                "train",
                "--rnn_size",
                "8",
                "--num_layers",
                "1",
                "--seq_length",
                "20",
                "--batch_size",
                "20",
                "--max_epochs",
                "0.005",
                "--train_frac",
                "0.99",
                "--val_frac",
                "0.01",
                "--checkpoint_dir",
                str(tmp_path / "cv"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "number of parameters" in out and "data batches in train: 2760" in out


def test_results_give_commands_without_machine_paths():
    text = (ROOT / "docs" / "results.md").read_text()
    assert "/work/" not in text and "PYGRAPHNN_DATA=/" not in text
    assert "pygraphnn data ptb" in text and "pygraphnn ptb train" in text
