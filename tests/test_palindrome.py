"""models/palindrome: the data, a quick training, the plots and the CLI."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from models.palindrome import __main__ as cli  # noqa: E402
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
    assert (freq - 0.1).abs().max() < 0.03          # the symbol to remember is uniform: chance is 10%
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
    cfg = Config(cell="lstm", length=5, hidden=24, lr=1e-2, batch=64, steps=250, eval_every=250,
                 eval_samples=200, final_samples=1000)
    r = run(cfg, 0)
    assert r.final_accuracy > 0.95, r
    assert r.steps == [250] and len(r.accuracy) == 1
    # reproducible: the same seed gives the same run
    r2 = run(Config(**{**cfg.asdict(), "steps": 20, "eval_every": 10}), 1)
    r3 = run(Config(**{**cfg.asdict(), "steps": 20, "eval_every": 10}), 1)
    assert r2.loss == r3.loss and r2.accuracy == r3.accuracy


def test_cli_run_and_plot(tmp_path, capsys):
    png, js = tmp_path / "c.png", tmp_path / "r.json"
    cli.main(["--cell", "rnn", "--length", "4", "--seeds", "0", "1", "--hidden", "8", "--steps", "20",
              "--eval_every", "10", "--plot", str(png), "--json", str(js), "--symbols", "2"])
    out = capsys.readouterr().out
    assert "rnn, T=4: accuracy" in out and png.stat().st_size > 1000 and js.exists()


def test_cli_sweep_writes_plots(tmp_path, capsys):
    cli.main(["sweep", "--cells", "rnn", "peephole", "--lengths", "3", "4", "--seeds", "0", "1", "--hidden", "8",
              "--steps", "10", "--eval_every", "5", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "| rnn |" in out and "T = 4" in out
    for name in ("accuracy_vs_length.png", "curves_T3.png", "curves_T4.png", "palindrome_sweep.json"):
        assert (tmp_path / name).stat().st_size > 100


@pytest.mark.parametrize("argv", [["--help"], ["sweep", "--help"]])
def test_cli_help(argv, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    assert e.value.code == 0
    assert "--seeds" in capsys.readouterr().out
