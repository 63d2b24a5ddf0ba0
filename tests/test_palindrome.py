"""models/palindrome: the data, a quick training, the plots and the CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from models.palindrome import __main__ as cli  # noqa: E402
from models.palindrome import compare  # noqa: E402
from models.palindrome.data import palindromes, task  # noqa: E402
from models.palindrome.train import Config, PalindromeNet, run  # noqa: E402


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("length", [2, 5, 6, 20])
@pytest.mark.parametrize("symbols", [2, 10])
def test_palindromes_read_the_same_backwards(length, symbols):
    seq = palindromes(500, length, symbols, gen(0))
    assert seq.shape == (500, length) and seq.dtype == torch.int64
    assert torch.equal(seq, seq.flip(1))
    assert seq.min() >= 0 and seq.max() == symbols - 1


def test_palindromes_are_seeded_and_uniform():
    a, b, c = palindromes(4000, 9, 10, gen(0)), palindromes(4000, 9, 10, gen(0)), palindromes(4000, 9, 10, gen(1))
    assert torch.equal(a, b) and not torch.equal(a, c)
    freq = torch.bincount(a[:, 0], minlength=10).double() / len(a)
    assert (freq - 0.1).abs().max() < 0.03  # the symbol to remember is uniform: chance is 10%
    # the free half is independent: symbols 0 and 1 agree about 1 time in 10
    assert abs(float((a[:, 0] == a[:, 1]).double().mean()) - 0.1) < 0.03


def test_task_target_is_the_first_symbol():
    x, y = task(100, 7, 10, gen(3))
    assert x.shape == (100, 6) and y.shape == (100,)
    assert torch.equal(y, x[:, 0])
    with pytest.raises(ValueError):
        palindromes(1, 1)


def test_embedding_inputs_run():
    net = PalindromeNet(Config(cell="peephole", length=6, hidden=8, inputs="embedding", embedding=4))
    x, _ = task(3, 6, 10, gen(0))
    assert net(x).shape == (3, 10)


def test_scalar_inputs_feed_the_digit_value():
    """--inputs scalar: one input unit carrying the digit's value (the UvA assignment's input_dim = 1)."""
    net = PalindromeNet(Config(cell="lstm", length=6, hidden=8, inputs="scalar"))
    first = next(n.module for n in net.cell.graph.nodes if n.name == "g_1_x")
    assert first.weight.shape == (8, 1)
    seen = []
    hook = first.register_forward_hook(lambda m, args, out: seen.append(args[0].clone()))
    x, _ = task(3, 6, 10, gen(0))
    assert net(x).shape == (3, 10)
    hook.remove()
    assert torch.equal(torch.stack(seen, 1), x.unsqueeze(-1).float())
    with pytest.raises(ValueError, match="unknown inputs"):
        PalindromeNet(Config(inputs="bits"))


def test_tiny_lstm_solves_length_5():
    cfg = Config(
        cell="lstm",
        length=5,
        hidden=24,
        lr=1e-2,
        batch=64,
        steps=250,
        eval_every=250,
        eval_samples=200,
        final_samples=1000,
    )
    r = run(cfg, 0)
    assert r.final_accuracy > 0.95, r
    assert r.steps == [250] and len(r.accuracy) == 1
    # reproducible: the same seed gives the same run
    r2 = run(Config(**{**cfg.asdict(), "steps": 20, "eval_every": 10}), 1)
    r3 = run(Config(**{**cfg.asdict(), "steps": 20, "eval_every": 10}), 1)
    assert r2.loss == r3.loss and r2.accuracy == r3.accuracy


def test_cli_run_and_plot(tmp_path, capsys):
    png, js = tmp_path / "c.png", tmp_path / "r.json"
    cli.main(
        [
            "--cell",
            "rnn",
            "--length",
            "4",
            "--seeds",
            "0",
            "1",
            "--hidden",
            "8",
            "--steps",
            "20",
            "--eval_every",
            "10",
            "--plot",
            str(png),
            "--json",
            str(js),
            "--symbols",
            "2",
        ]
    )
    out = capsys.readouterr().out
    assert "rnn, T=4: accuracy" in out and png.stat().st_size > 1000 and js.exists()


def test_cli_train_subcommand(capsys):
    """``palindrome train --cell rnn`` (it used to fail: "unrecognized arguments: train")."""
    assert (
        cli.main(
            [
                "train",
                "--cell",
                "rnn",
                "--length",
                "3",
                "--seeds",
                "0",
                "--hidden",
                "4",
                "--steps",
                "4",
                "--eval_every",
                "2",
                "--symbols",
                "2",
            ]
        )
        == 0
    )
    assert "rnn, T=3: accuracy" in capsys.readouterr().out


def test_cli_sweep_writes_plots(tmp_path, capsys):
    cli.main(
        [
            "sweep",
            "--cells",
            "rnn",
            "peephole",
            "--lengths",
            "3",
            "4",
            "--seeds",
            "0",
            "1",
            "--hidden",
            "8",
            "--steps",
            "10",
            "--eval_every",
            "5",
            "--out",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    assert "| rnn |" in out and "T = 4" in out
    for name in ("accuracy_vs_length.png", "curves_T3.png", "curves_T4.png", "palindrome_sweep.json"):
        assert (tmp_path / name).stat().st_size > 100


@pytest.mark.parametrize(
    "argv, option",
    [
        (["--help"], "{train,sweep,compare}"),
        (["train", "--help"], "--seeds"),
        (["sweep", "--help"], "--seeds"),
        (["compare", "--help"], "--threshold"),
    ],
)
def test_cli_help(argv, option, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    assert e.value.code == 0
    assert option in capsys.readouterr().out


def fake_run(cell: str, seed: int, accuracy: list[float], length: int = 20, **cfg) -> dict:
    config = {**Config(cell=cell, length=length, **cfg).asdict()}
    return {
        "config": config,
        "seed": seed,
        "steps": [100 * (i + 1) for i in range(len(accuracy))],
        "loss": [0.0] * len(accuracy),
        "accuracy": accuracy,
        "final_accuracy": accuracy[-1],
    }


def test_compare_names_the_cell_that_reaches_the_threshold_first():
    slow_lstm = (
        [fake_run("lstm", s, [0.1, 0.5, 0.95]) for s in range(3)]
        + [
            fake_run("peephole", 0, [0.9, 1.0, 1.0]),
            fake_run("peephole", 1, [0.2, 0.91, 1.0]),
            fake_run("peephole", 2, [0.1, 0.1, 0.1]),
        ]
        + [fake_run("lstm", 0, [0.1, 0.1, 0.1], length=30)]
    )  # other T: ignored
    fast_lstm = [
        fake_run(c, s, acc, optimizer="rmsprop", lr=1e-3)
        for c, acc in [("lstm", [0.95, 1, 1]), ("peephole", [0.1, 0.95, 1])]
        for s in range(2)
    ]
    never = [fake_run(c, 0, [0.1, 0.2, 0.3]) for c in ("lstm", "peephole")]
    one_of_three = [fake_run("lstm", s, [0.1, 0.1, 0.1]) for s in range(3)] + [
        fake_run("peephole", s, acc) for s, acc in enumerate([[0.1, 0.2, 0.3], [0.1, 0.5, 0.95], [0.1, 0.1, 0.5]])
    ]
    rows = compare.rows([slow_lstm, fast_lstm, never, one_of_three], ["lstm", "peephole"], 20, threshold=0.9)
    assert [r["first"] for r in rows] == ["peephole", "lstm", "none", "peephole (only 1 of 3 seeds)"]
    # medians over seeds, a seed that never gets there counting as infinitely slow
    assert rows[0]["cells"]["lstm"]["steps"] == [300, 300, 300] and rows[0]["cells"]["peephole"]["median"] == 200
    assert rows[0]["cells"]["peephole"]["steps"] == [100, 200, None]
    assert rows[1]["config"].startswith("rmsprop 0.001, hidden 64")
    text = compare.table(rows, ["lstm", "peephole"], 0.9)
    assert "| 70.0 ± 42.4 / 100, 200, – |" in text and text.count("\n") == 5


def test_cli_compare(tmp_path, capsys):
    d = tmp_path / "sweep"
    d.mkdir()
    (d / "palindrome_sweep.json").write_text(
        json.dumps([fake_run("lstm", 0, [0.2, 0.95]), fake_run("peephole", 0, [0.95, 1.0])])
    )
    cli.main(["compare", str(d), "--plot", str(tmp_path / "map.png")])
    assert "| peephole |" in capsys.readouterr().out
    assert (tmp_path / "map.png").stat().st_size > 10_000
    assert cli.main(["compare", str(tmp_path / "missing")]) == 2
    assert "compare: error: no sweep results at" in capsys.readouterr().err
    assert cli.main(["compare", str(d), "--length", "30"]) == 2
    assert "no sweep has runs of all of" in capsys.readouterr().err


def test_ctrl_c_ends_a_run_with_one_line():
    """Palindrome runs keep no checkpoint: Ctrl-C says so in one line, without a traceback."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "models.palindrome",
            "train",
            "--cell",
            "rnn",
            "--length",
            "3",
            "--seeds",
            "0",
            "--hidden",
            "4",
            "--steps",
            "1000000",
            "--eval_every",
            "1",
            "--symbols",
            "2",
            "--threads",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=root,
        env=dict(os.environ, PYTHONPATH=str(root), PYTHONUNBUFFERED="1"),
    )
    try:
        for line in proc.stdout:
            if "step" in line:
                break
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130 and "Traceback" not in err
    assert err.strip().splitlines()[-1] == (
        "pygraphnn palindrome train: interrupted (palindrome runs keep no "
        "checkpoint; run the command again to start over)"
    )
