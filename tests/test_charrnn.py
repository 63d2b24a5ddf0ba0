"""models/charrnn: the loader, a short training whose loss falls, seeded sampling, the CLI."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from models.charrnn import __main__ as cli  # noqa: E402
from models.charrnn import train  # noqa: E402
from models.charrnn.data import TRAIN, VAL, CharSplitLMMinibatchLoader  # noqa: E402
from models.charrnn.model import Config, build  # noqa: E402
from models.charrnn.sample import load, sample  # noqa: E402

TEXT = "the cat sat on the mat.\nthe dog sat on the log.\n" * 60


@pytest.fixture
def text_file(tmp_path) -> Path:
    p = tmp_path / "input.txt"
    p.write_text(TEXT)
    return p


def test_loader_follows_charsplit(text_file):
    loader = CharSplitLMMinibatchLoader(text_file, 4, 10, (0.9, 0.1, 0.0))
    chars = sorted(set(TEXT))
    assert loader.vocab_mapping == {c: i + 1 for i, c in enumerate(chars)}  # sorted, 1-based
    n = len(TEXT) // 40 * 40
    assert loader.nbatches == n // 40
    assert loader.ntrain == int(loader.nbatches * 0.9) and loader.nval == loader.nbatches - loader.ntrain
    x, y = loader.next_batch(TRAIN)
    assert x.shape == (4, 10)
    decode = {i: c for c, i in loader.vocab_mapping.items()}
    row0 = "".join(decode[int(i)] for i in x[0])
    assert row0 == TEXT[:10] and torch.equal(y[0, :-1], x[0, 1:])
    # the stream's last target wraps to its first character
    assert int(loader.y_batches[-1][-1, -1]) == loader.vocab_mapping[TEXT[0]]
    vx, _ = loader.next_batch(VAL)
    assert torch.equal(vx, loader.x_batches[loader.ntrain])


def test_default_model_size():
    assert sum(p.numel() for p in build(Config(), 65).parameters()) == 240321  # as char-rnn prints


@pytest.mark.parametrize("model", ["lstm", "gru", "rnn"])
def test_model_sizes_match_the_lua_recordings(model):
    """train.lua prints 'number of parameters in the model: N' for the recorded config (rnn_size 32, 2 layers)."""
    text = (REPO_ROOT / "tests" / "fixtures" / "lua_programs" / f"charrnn_{model}" / "stdout.txt").read_text()
    lua = int(text.split("number of parameters in the model: ")[1].split()[0])
    assert sum(p.numel() for p in build(Config(model, 32, 2, 0.0), 65).parameters()) == lua


@pytest.mark.parametrize("model", ["lstm", "gru", "rnn"])
def test_training_lowers_the_loss_and_sampling_is_seeded(model, text_file, tmp_path, capsys):
    ck = tmp_path / "cv"
    args = cli.parser().parse_args(
        [
            "train",
            "--data",
            str(text_file),
            "--model",
            model,
            "--rnn_size",
            "32",
            "--num_layers",
            "2",
            "--dropout",
            "0.1",
            "--seq_length",
            "10",
            "--batch_size",
            "8",
            "--max_epochs",
            "4",
            "--learning_rate",
            "1e-2",
            "--checkpoint_dir",
            str(ck),
            "--print_every",
            "5",
            "--eval_val_every",
            "0",
        ]
    )
    history = train.train(args)
    losses = history["train_losses"]
    assert sum(losses[-5:]) / 5 < 0.6 * sum(losses[:5]) / 5
    vals = [v["val_loss"] for v in history["val_losses"]]
    assert len(vals) == 4 and vals[-1] < vals[0]
    assert "train_loss" in capsys.readouterr().out
    net, cfg, vocab = load(str(ck / f"lm_{model}_last.pt"))
    a = sample(net, cfg, vocab, 60, primetext="the ", seed=7, temperature=0.8)
    b = sample(net, cfg, vocab, 60, primetext="the ", seed=7, temperature=0.8)
    c = sample(net, cfg, vocab, 60, primetext="the ", seed=8, temperature=0.8)
    assert a == b and a != c and a.startswith("the ") and len(a) == 64
    g1 = sample(net, cfg, vocab, 30, primetext="the ", greedy=True, seed=1)
    g2 = sample(net, cfg, vocab, 30, primetext="the ", greedy=True, seed=2)
    assert g1 == g2


def test_sample_cli(text_file, tmp_path, capsys):
    ck = tmp_path / "cv"
    cli.main(
        [
            "train",
            "--data",
            str(text_file),
            "--rnn_size",
            "16",
            "--num_layers",
            "1",
            "--seq_length",
            "10",
            "--batch_size",
            "8",
            "--max_epochs",
            "1",
            "--checkpoint_dir",
            str(ck),
            "--savefile",
            "tiny",
        ]
    )
    capsys.readouterr()
    argv = [str(ck / "lm_tiny_last.pt"), "--length", "25", "--seed", "3", "--primetext", "the", "-verbose", "0"]
    assert cli.main(["sample", *argv]) == 0
    first = capsys.readouterr().out
    cli.main(["sample", *argv])
    assert capsys.readouterr().out == first and first.startswith("the") and len(first) == 3 + 25 + 1
    # one sampler: `pygraphnn sample` takes the same checkpoint with the same (char-rnn) flags
    from pygraphnn.cli import main as pygraphnn_main

    assert pygraphnn_main(["sample", *argv]) == 0
    assert capsys.readouterr().out == first
    net, cfg, vocab = load(str(ck / "lm_tiny_last.pt"))
    pygraphnn_main(["sample", str(ck / "lm_tiny_last.pt"), "-sample", "0", "-length", "20", "-primetext", "th"])
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == ["creating an lstm...", "seeding with th", "-" * 26]  # sample.lua's lines
    assert out[3] == sample(net, cfg, vocab, 20, primetext="th", greedy=True)
    assert cli.main(["sample", str(text_file)]) == 2
    assert "cannot use" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"], ["sample", "--help"]])
def test_cli_help(argv, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "usage" in out and ("--temperature" in out or "--rnn_size" in out or "train" in out)


def test_resume_continues_the_run(text_file, tmp_path):
    ck = tmp_path / "cv"
    common = [
        "--data",
        str(text_file),
        "--rnn_size",
        "16",
        "--num_layers",
        "1",
        "--seq_length",
        "10",
        "--batch_size",
        "8",
        "--checkpoint_dir",
        str(ck),
        "--learning_rate_decay_after",
        "1",
    ]
    args = cli.parser().parse_args(["train", *common, "--max_epochs", "1"])
    h1 = train.train(args)
    args = cli.parser().parse_args(
        ["train", *common, "--max_epochs", "2", "--resume", "--init_from", str(ck / "lm_lstm_last.pt")]
    )
    h2 = train.train(args)
    assert h2["iterations"] == 2 * h1["iterations"] == len(h2["train_losses"])
    assert [v["epoch"] for v in h2["val_losses"]] == [1.0, 2.0]
    lr = torch.load(ck / "lm_lstm_last.pt", weights_only=True)["optimizer"]["param_groups"][0]["lr"]
    assert lr == pytest.approx(2e-3 * 0.97**2)  # decayed at the end of epochs 1 and 2


def _train_args(text_file, ck, *extra):
    return cli.parser().parse_args(
        [
            "train",
            "--data",
            str(text_file),
            "--rnn_size",
            "12",
            "--num_layers",
            "2",
            "--dropout",
            "0.3",
            "--seq_length",
            "6",
            "--batch_size",
            "4",
            "--checkpoint_dir",
            str(ck),
            "--eval_val_every",
            "0",
            "--print_every",
            "1000",
            *extra,
        ]
    )


def test_resume_after_a_stop_is_exact(text_file, tmp_path, capsys):
    """N iterations straight == N/2, stop, resume to N: the same losses (batches, dropout masks, state)."""
    straight = train.train(_train_args(text_file, tmp_path / "a", "--max_epochs", "1"))
    half = train.train(_train_args(text_file, tmp_path / "b", "--max_epochs", "0.5"))
    torch.manual_seed(999)  # whatever ran in between must not matter
    resumed = train.train(
        _train_args(
            text_file,
            tmp_path / "b",
            "--max_epochs",
            "1",
            "--rnn_size",
            "64",
            "--init_from",
            str(tmp_path / "b" / "lm_lstm_last.pt"),
            "--resume",
        )
    )
    n = len(straight["train_losses"])
    assert len(half["train_losses"]) == n // 2 and resumed["iterations"] == n
    assert resumed["train_losses"] == straight["train_losses"]  # bit for bit
    out = capsys.readouterr().out
    assert "--rnn_size 64 ignored: the checkpoint's 12 is kept" in out
    assert "--max_epochs 1.0 replaces the checkpoint's 0.5" in out
    assert not [p for p in (tmp_path / "b").iterdir() if p.name.endswith(".tmp")]


def test_stale_temporaries_are_removed_and_saves_replace_atomically(text_file, tmp_path):
    ck = tmp_path / "cv"
    ck.mkdir()
    stale = ck / ".lm_lstm_last.pt.abc123.tmp"
    stale.write_bytes(b"half a checkpoint")
    train.train(_train_args(text_file, ck, "--max_epochs", "0.2"))
    assert not stale.exists()
    assert load(str(ck / "lm_lstm_last.pt"))[1].rnn_size == 12


def test_ctrl_c_saves_and_says_how_to_resume(text_file, tmp_path):
    """SIGINT to a training subprocess: one line naming the checkpoint and the resume command."""
    import os
    import signal
    import subprocess

    ck = tmp_path / "cv"
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "models.charrnn",
            "train",
            "--data",
            str(text_file),
            "--rnn_size",
            "8",
            "--num_layers",
            "1",
            "--seq_length",
            "5",
            "--batch_size",
            "4",
            "--max_epochs",
            "1000",
            "--print_every",
            "1",
            "--eval_val_every",
            "0",
            "--checkpoint_dir",
            str(ck),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        for line in proc.stdout:  # wait until training runs
            if "train_loss" in line:
                break
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    last = [line for line in err.splitlines() if line.strip()][-1]
    assert "checkpoint written to" in last and "resume with:" in last and "--resume" in last
    saved = torch.load(ck / "lm_lstm_last.pt", weights_only=True)
    assert f"interrupted after iteration {saved['iteration']}/" in last
    assert saved["iteration"] == len(saved["history"]["train_losses"]) >= 1


def test_progress_bars_for_training_and_validation(text_file, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PYGRAPHNN_PROGRESS", "1")  # stderr is not a terminal here
    train.train(_train_args(text_file, tmp_path / "cv", "--max_epochs", "0.2"))
    err = capsys.readouterr().err
    assert "training:" in err and "iteration" in err and "validation:" in err
    monkeypatch.setenv("PYGRAPHNN_PROGRESS", "0")
    train.train(_train_args(text_file, tmp_path / "cv2", "--max_epochs", "0.2"))
    assert "training:" not in capsys.readouterr().err
