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
    assert loader.vocab_mapping == {c: i + 1 for i, c in enumerate(chars)}       # sorted, 1-based
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
    assert sum(p.numel() for p in build(Config(), 65).parameters()) == 240321   # as char-rnn prints


@pytest.mark.parametrize("model", ["lstm", "gru", "rnn"])
def test_training_lowers_the_loss_and_sampling_is_seeded(model, text_file, tmp_path, capsys):
    ck = tmp_path / "cv"
    args = cli.parser().parse_args([
        "train", "--data", str(text_file), "--model", model, "--rnn_size", "32", "--num_layers", "2",
        "--dropout", "0.1", "--seq_length", "10", "--batch_size", "8", "--max_epochs", "4",
        "--learning_rate", "1e-2", "--checkpoint_dir", str(ck), "--print_every", "5", "--eval_val_every", "0"])
    history = args.func(args)
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
    cli.main(["train", "--data", str(text_file), "--rnn_size", "16", "--num_layers", "1", "--seq_length", "10",
              "--batch_size", "8", "--max_epochs", "1", "--checkpoint_dir", str(ck), "--savefile", "tiny"])
    capsys.readouterr()
    cli.main(["sample", str(ck / "lm_tiny_last.pt"), "--length", "25", "--seed", "3", "--primetext", "the"])
    first = capsys.readouterr().out
    cli.main(["sample", str(ck / "lm_tiny_last.pt"), "--length", "25", "--seed", "3", "--primetext", "the"])
    assert capsys.readouterr().out == first and first.startswith("the") and len(first) == 3 + 25 + 1


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"], ["sample", "--help"]])
def test_cli_help(argv, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "usage" in out and ("--temperature" in out or "--rnn_size" in out or "train" in out)


def test_resume_continues_the_run(text_file, tmp_path):
    ck = tmp_path / "cv"
    common = ["--data", str(text_file), "--rnn_size", "16", "--num_layers", "1", "--seq_length", "10",
              "--batch_size", "8", "--checkpoint_dir", str(ck), "--learning_rate_decay_after", "1"]
    args = cli.parser().parse_args(["train", *common, "--max_epochs", "1"])
    h1 = args.func(args)
    args = cli.parser().parse_args(["train", *common, "--max_epochs", "2", "--resume",
                                    "--init_from", str(ck / "lm_lstm_last.pt")])
    h2 = args.func(args)
    assert h2["iterations"] == 2 * h1["iterations"] == len(h2["train_losses"])
    assert [v["epoch"] for v in h2["val_losses"]] == [1.0, 2.0]
    lr = torch.load(ck / "lm_lstm_last.pt", weights_only=True)["optimizer"]["param_groups"][0]["lr"]
    assert lr == pytest.approx(2e-3 * 0.97 ** 2)       # decayed at the end of epochs 1 and 2
