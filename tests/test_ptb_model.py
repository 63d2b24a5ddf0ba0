"""The PTB language model: network, the two trainers, checkpoints, CLI, completion."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from models.ptb.complete import complete
from models.ptb.model import CONFIGS, Config, create_network, create_predictor, num_parameters, zero_state
from models.ptb.train import (
    DataState,
    LuaTrainer,
    RunOptions,
    Session,
    TorchTrainer,
    TrainingInterrupted,
    load_checkpoint,
    network_from_checkpoint,
)

ROOT = Path(__file__).resolve().parent.parent
V = 20
TINY = Config(
    batch_size=3,
    seq_length=5,
    layers=2,
    rnn_size=8,
    dropout=0.0,
    init_weight=0.1,
    lr=1.0,
    max_grad_norm=0.5,
    max_epoch=1,
    max_max_epoch=3,
    decay=2.0,
)


def tiny_data(rows: int = 61, seed: int = 0) -> torch.Tensor:
    """A learnable stream (a noisy cycle over the vocabulary), 1-based, rows x batch."""
    g = torch.Generator().manual_seed(seed)
    base = torch.arange(rows * TINY.batch_size) % (V - 2)
    noise = (torch.rand(base.shape, generator=g) < 0.1).long() * torch.randint(0, V, base.shape, generator=g)
    return ((base + noise) % V + 1).view(TINY.batch_size, rows).t().contiguous()


class Vocab:
    def __init__(self, itos):
        self.itos = tuple(itos)

    def __len__(self):
        return len(self.itos)


TINY_VOCAB = Vocab(["<unk>", "<eos>"] + [f"w{i}" for i in range(V - 2)])


def test_shapes_and_parameter_count():
    for name, cfg in CONFIGS.items():
        assert num_parameters(cfg, 10000) > 0, name
    assert num_parameters(CONFIGS["small"], 10000) == 4_653_200  # the tutorial's small model
    core = create_network(TINY, V, dtype=torch.float64)
    assert sum(p.numel() for p in core.parameters()) == num_parameters(TINY, V)
    flat, _ = core.getParameters()
    assert flat.abs().max() <= TINY.init_weight
    x = torch.tensor([1, 5, 20])
    err, next_s = core(x, x, zero_state(TINY, 3, torch.float64))
    assert err.shape == (1,) and len(next_s) == 2 * TINY.layers
    assert all(s.shape == (3, TINY.rnn_size) for s in next_s)
    # same seed, same initial parameters
    assert torch.equal(create_network(TINY, V, dtype=torch.float64).getParameters()[0], flat)
    # the predictor shares the core's parameters and gives the same loss
    log_probs, s2 = create_predictor(core)(x, zero_state(TINY, 3, torch.float64))
    assert torch.allclose(-log_probs.gather(1, (x - 1)[:, None]).mean(), err[0])
    assert all(torch.equal(a, b) for a, b in zip(s2, next_s))


def _run(kind: str, cfg: Config, data: torch.Tensor, steps: int):
    core = create_network(cfg, V, dtype=torch.float64)
    tr = LuaTrainer(core, cfg) if kind == "lua" else TorchTrainer(core, cfg, batched_head=kind == "torch")
    st = DataState(data)
    torch.manual_seed(7)
    errs = [tr.train_step(st) for _ in range(steps)]
    valid = tr.run_valid(DataState(data))
    test = tr.run_test(DataState(data[:20]))
    test += tr.run_test(DataState(data[:20, :1].expand(20, cfg.batch_size)))  # main.lua's test matrix
    return errs, tr.paramx.clone(), valid, test, st.pos, tr.norm_dw


@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_lua_and_torch_trainers_agree(dropout):
    cfg = TINY.with_(dropout=dropout)
    data = tiny_data()
    steps = 14  # 12 windows fit: the run wraps to the start of the data
    a = _run("lua", cfg, data, steps)
    for kind in ("torch", "torch-stepwise"):
        b = _run(kind, cfg, data, steps)
        _agree(a, b)


def _agree(a, b):
    assert max(abs(x - y) for x, y in zip(a[0], b[0])) < 1e-10
    assert (a[1] - b[1]).abs().max() < 1e-10
    assert abs(a[2] - b[2]) < 1e-10 and abs(a[3] - b[3]) < 1e-9
    assert a[4] == b[4] == 10 and abs(a[5] - b[5]) < 1e-10


def test_loss_falls_on_tiny_data():
    cfg = TINY.with_(rnn_size=16, init_weight=0.3, max_grad_norm=5.0)
    errs = _run("torch", cfg, tiny_data(), 80)[0]
    assert sum(errs[-10:]) / 10 < 0.85 * sum(errs[:10]) / 10


def _session(tmp_path, trainer="torch", max_epochs=None, ck=None, dropout=0.2, level="word", log=None, **options):
    data = {"train": tiny_data(31), "valid": tiny_data(16, 1), "test": tiny_data(12, 2)[:, :1].expand(12, 3)}
    opts = RunOptions(
        level=level,
        trainer=trainer,
        dtype="float64",
        max_epochs=max_epochs,
        epoch_size_limit=4,
        checkpoint_dir=str(tmp_path),
        **options,
    )
    lines = []
    s = Session(
        TINY.with_(dropout=dropout), TINY_VOCAB, data, opts, config_name="tiny", log=log or lines.append, checkpoint=ck
    )
    return s, lines


def test_checkpoint_resume_is_exact(tmp_path):
    full, _ = _session(tmp_path / "full")
    r_full = full.run()
    first, _ = _session(tmp_path / "part", max_epochs=1)
    first.run()
    torch.manual_seed(123)  # whatever happens in between must not matter
    ck = load_checkpoint(tmp_path / "part")
    assert sorted(p.name for p in (tmp_path / "part").iterdir()) == ["last.pt"]  # no temporary left
    resumed, lines = _session(tmp_path / "part", ck=ck)
    r_res = resumed.run()
    assert torch.equal(resumed.trainer.paramx, full.trainer.paramx)
    assert r_res["valid_perplexities"] == r_full["valid_perplexities"]
    assert r_res["test_perplexity"] == r_full["test_perplexity"]
    assert resumed.trainer.lr == full.trainer.lr == 0.25  # decayed after epochs 2 and 3
    assert any("train perp." in line and "ETA" in line for line in lines)


@pytest.mark.parametrize("trainer", ["torch", "lua"])
def test_ctrl_c_mid_epoch_then_resume_is_exact(tmp_path, trainer):
    """A real SIGINT in the middle of epoch 2: the run stops at the step boundary, writes a
    checkpoint, and the resumed run ends exactly where the uninterrupted one does."""
    full, _ = _session(tmp_path / "full", trainer)
    r_full = full.run()

    def log(line):
        if line.startswith("epoch = 1.500"):  # step 6 of 12
            os.kill(os.getpid(), signal.SIGINT)

    part, _ = _session(tmp_path / "part", trainer, log=log, resume_hint="pygraphnn ptb train --resume X")
    with pytest.raises(
        TrainingInterrupted,
        match=r"after step 6/12: checkpoint written to .*last.pt; "
        r"resume with: pygraphnn ptb train --resume X",
    ):
        part.run()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored
    ck = load_checkpoint(tmp_path / "part")
    assert ck["progress"]["step"] == 6
    resumed, _ = _session(tmp_path / "part", trainer, ck=ck)
    r_res = resumed.run()
    assert torch.equal(resumed.trainer.paramx, full.trainer.paramx)
    assert r_res["valid_perplexities"] == r_full["valid_perplexities"]
    assert r_res["test_perplexity"] == r_full["test_perplexity"]
    assert r_res["train_perplexity"] == r_full["train_perplexity"]


def test_checkpoint_every_min_writes_mid_epoch(tmp_path):
    (tmp_path / ".last.pt.stale.tmp").write_bytes(b"left by a killed run")
    (tmp_path / ".last.k2j3h4.tmp").write_bytes(b"an orphan of the older PTB save")
    s, lines = _session(tmp_path, max_epochs=1, checkpoint_every_min=1e-9)
    s.run()
    mid = [line for line in lines if "--checkpoint-every-min" in line]
    assert [m.split("(step ")[1].split(",")[0] for m in mid] == ["1", "2", "3"]  # step 4 ends the epoch
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.pt"]


def test_char_level_reports_bits(tmp_path):
    s, lines = _session(tmp_path, trainer="lua", max_epochs=1, level="char")
    r = s.run()
    assert any("bits per character" in line for line in lines)
    assert r["test_perplexity"] > 1


def test_complete_on_a_tiny_checkpoint(tmp_path):
    s, _ = _session(tmp_path, max_epochs=1)
    s.run()
    ck = load_checkpoint(tmp_path)
    notes = []
    words = complete(ck, "w1 w2 nonsense", 6, greedy=True, warn=notes.append)
    assert len(words) == 6 and all(w in TINY_VOCAB.itos for w in words)
    assert notes and "nonsense" in notes[0] and "<unk>" in notes[0]
    assert complete(ck, "w1 w2", 6, greedy=True) == complete(ck, "w1 w2", 6, greedy=True)
    sampled = complete(ck, "w1", 5, temperature=0.7, seed=3)
    assert sampled == complete(ck, "w1", 5, temperature=0.7, seed=3)
    core = network_from_checkpoint(ck)
    assert torch.equal(core.getParameters()[0], ck["params"])


def _cli(*args, **kw):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "models.ptb", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        **kw,
    )


def test_cli_help(capsys):
    from models.ptb.__main__ import build_parser

    for argv, flags in (
        [[], ("train", "complete")],
        [
            ["train"],
            (
                "--config",
                "--data",
                "--resume",
                "--checkpoint-dir",
                "--max-epochs",
                "--epoch-size-limit",
                "--threads",
                "--trainer",
                "--level",
            ),
        ],
        [["complete"], ("--checkpoint", "--words", "--temperature", "--greedy")],
    ):
        with pytest.raises(SystemExit) as exit_:
            build_parser().parse_args(argv + ["--help"])
        assert exit_.value.code == 0
        out = capsys.readouterr().out
        assert all(f in out for f in flags), out


def test_cli_complete(tmp_path):
    s, _ = _session(tmp_path, max_epochs=1)
    s.run()
    r = _cli("complete", "--checkpoint", str(tmp_path), "w1 w2 zzz", "--words", "4", "--greedy")
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.split()) == 4 and "<unk>" in r.stderr
    r = _cli("train", "--data", str(tmp_path / "nowhere"), "--no-test")
    assert r.returncode == 2 and "error" in r.stderr


def _tiny_ptb(folder: Path) -> Path:
    """PTB-shaped files (a line a sentence, blanks around words) of a 30-word vocabulary."""
    g = torch.Generator().manual_seed(0)
    folder.mkdir(parents=True, exist_ok=True)
    for split, n in (("train", 120), ("valid", 60), ("test", 20)):
        lines = [" " + " ".join(f"w{int(i)}" for i in torch.randint(0, 30, (9,), generator=g)) + " " for _ in range(n)]
        (folder / f"ptb.{split}.txt").write_text("\n".join(lines) + "\n")
    return folder


def test_cli_resume_says_which_flags_win_and_ctrl_c_exits_cleanly(tmp_path):
    data = _tiny_ptb(tmp_path / "data")
    runs = tmp_path / "runs"
    # SIGINT to a training subprocess: one line saying where the checkpoint is and how to resume
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "models.ptb",
            "train",
            "--data",
            str(data),
            "--threads",
            "1",
            "--checkpoint-dir",
            str(runs),
            "--max-epochs",
            "50",
            "--log-every",
            "1",
            "--valid-limit",
            "1",
            "--no-test",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        for line in proc.stdout:
            if line.startswith("epoch = "):
                break
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert f"checkpoint written to {runs / 'last.pt'}; resume with: pygraphnn ptb train --resume {runs}" in last
    step = load_checkpoint(runs)["progress"]["step"]
    assert f"interrupted after step {step}/" in last
    # --resume with flags that disagree with the checkpoint: the checkpoint's win, and a note says so
    r = _cli(
        "train",
        "--resume",
        str(runs),
        "--data",
        str(data),
        "--config",
        "medium",
        "--level",
        "word",
        "--seed",
        "5",
        "--max-epochs",
        "1",
        "--epoch-size-limit",
        str(step + 1),
        "--valid-limit",
        "1",
        "--no-test",
        "--threads",
        "1",
    )
    assert r.returncode == 0, r.stderr
    assert "note: --config medium ignored: the checkpoint's small is kept" in r.stdout
    assert "note: --seed 5 ignored: the checkpoint's 1 is kept" in r.stdout
    assert "note: --max-epochs 1 replaces the checkpoint's 50" in r.stdout
    assert "--level" not in r.stdout  # it agrees with the checkpoint: nothing to say


def test_progress_bars_for_training_validation_and_test(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PYGRAPHNN_PROGRESS", "1")
    s, _ = _session(tmp_path, max_epochs=1)
    s.run()
    err = capsys.readouterr().err
    assert "training:" in err and "validation:" in err and "test:" in err and "step" in err
