"""char-rnn on two processes (gloo, CPU, DistributedDataParallel) gives what one process gives
on the same global batch, dropout included, and its checkpoints resume on two or one process."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import torch
from gloo import gloo_env

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from models.charrnn import __main__ as cli  # noqa: E402
from models.charrnn import train  # noqa: E402
from models.charrnn.distributed import BatchShareDropout  # noqa: E402
from models.distributed import BatchSplitError, share_of_batch  # noqa: E402

TEXT = "the cat sat on the mat.\nthe dog sat on the log.\n" * 10  # 480 characters: 20 batches of 4 x 6

# two epochs of 16 batches; validation every 5 iterations and at epoch ends; lr decay after epoch 1
FLAGS = [
    "--model", "lstm", "--rnn_size", "12", "--num_layers", "2", "--dropout", "0.25",
    "--seq_length", "6", "--batch_size", "4", "--train_frac", "0.8", "--val_frac", "0.2",
    "--learning_rate", "1e-2", "--learning_rate_decay_after", "1", "--eval_val_every", "5",
    "--print_every", "4", "--seed", "7",
]  # fmt: skip

# Each process: one epoch into ck_a, then resumed from it for a second epoch into ck_b; then a
# long run into ck_c that the test interrupts (SIGINT to process 1 only) once it is training.
WORKER = """
import json, sys, torch
torch.set_default_dtype(torch.float64)
from models.charrnn import __main__ as cli
flags, tmp = json.loads(sys.argv[1]), sys.argv[2]
assert cli.main(["train", *flags, "--max_epochs", "1", "--checkpoint_dir", tmp + "/ck_a"]) == 0
assert cli.main(["train", *flags, "--max_epochs", "2", "--checkpoint_dir", tmp + "/ck_b",
                 "--init_from", tmp + "/ck_a/lm_lstm_last.pt", "--resume"]) == 0
print("long run", flush=True)
sys.exit(cli.main(["train", *flags, "--max_epochs", "1000", "--eval_val_every", "0", "--print_every", "1",
                   "--checkpoint_dir", tmp + "/ck_c"]))
"""


@pytest.fixture
def float64():
    saved = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(saved)


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory) -> tuple[Path, list[int], list[tuple[str, str]]]:
    """Runs WORKER in 2 gloo processes; returns the folder, their exit statuses and (stdout, stderr)."""
    tmp = tmp_path_factory.mktemp("charrnn_ddp")
    (tmp / "input.txt").write_text(TEXT)
    env = gloo_env(2, PYTHONUNBUFFERED="1", PYGRAPHNN_PROGRESS="0")
    flags = [*FLAGS, "--data", str(tmp / "input.txt")]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, json.dumps(flags), str(tmp)],
            env=dict(env, RANK=str(r), LOCAL_RANK=str(r)),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for r in range(2)
    ]
    watchdog = threading.Timer(180, lambda: [p.kill() for p in procs])  # a process left waiting for a dead peer
    watchdog.start()
    try:
        seen, long_run = [], False
        for line in procs[0].stdout:  # wait until the long run trains
            seen.append(line)
            long_run = long_run or line.startswith("long run")
            if long_run and "train_loss" in line:
                break
        procs[1].send_signal(signal.SIGINT)
        outs = [p.communicate() for p in procs]
    finally:
        watchdog.cancel()
        for p in procs:
            p.kill()
    outs[0] = ("".join(seen) + outs[0][0], outs[0][1])
    return tmp, [p.returncode for p in procs], outs


def one_process(tmp_path: Path, ckdir: str, *extra: str) -> dict:
    args = cli.parser().parse_args(
        ["train", *FLAGS, "--data", str(tmp_path / "input.txt"), "--checkpoint_dir", str(tmp_path / ckdir), *extra]
    )
    return train.train(args)


def checkpoint(path: Path) -> dict:
    return torch.load(path, weights_only=True)


def assert_same_run(got: dict, want: dict) -> None:
    """Two checkpoints at the same iteration of the same run (float64: summation order only)."""
    close = dict(rtol=1e-10, atol=1e-12)
    assert got["iteration"] == want["iteration"]
    torch.testing.assert_close(got["state_dict"], want["state_dict"], **close)
    torch.testing.assert_close(got["rnn_state"], want["rnn_state"], **close)
    torch.testing.assert_close(got["optimizer"]["state"], want["optimizer"]["state"], **close)
    assert got["optimizer"]["param_groups"][0]["lr"] == want["optimizer"]["param_groups"][0]["lr"]
    assert torch.equal(got["rng_state"], want["rng_state"])  # the same dropout draws
    torch.testing.assert_close(got["history"]["train_losses"], want["history"]["train_losses"], **close)
    got_val = [(v["iteration"], v["val_loss"]) for v in got["history"]["val_losses"]]
    want_val = [(v["iteration"], v["val_loss"]) for v in want["history"]["val_losses"]]
    assert [i for i, _ in got_val] == [i for i, _ in want_val]
    torch.testing.assert_close([v for _, v in got_val], [v for _, v in want_val], **close)


def test_two_gloo_processes_equal_one_process_with_dropout_and_resume(two_processes, float64):
    tmp_path, _, outs = two_processes
    assert (tmp_path / "ck_b" / "lstm_history.json").exists(), "\n".join(o + e for o, e in outs)
    assert "2 processes (DistributedDataParallel), 2 sequences of each batch each" in outs[0][0]
    assert "train_loss" in outs[0][0] and "validation loss" in outs[0][0]
    assert "train_loss" not in outs[1][0] and "validation loss" not in outs[1][0]  # process 1 prints nothing

    two_first = checkpoint(tmp_path / "ck_a" / "lm_lstm_last.pt")
    two_resumed = checkpoint(tmp_path / "ck_b" / "lm_lstm_last.pt")
    assert two_first["iteration"] == 16 and two_resumed["iteration"] == 32
    assert [t.shape for t in two_first["rnn_state"]] == [(4, 12)] * 4  # every row of the batch, c and h a layer

    one_process(tmp_path, "ref_a", "--max_epochs", "1")
    assert_same_run(two_first, checkpoint(tmp_path / "ref_a" / "lm_lstm_last.pt"))
    ref = one_process(tmp_path, "ref", "--max_epochs", "2")
    want = checkpoint(tmp_path / "ref" / "lm_lstm_last.pt")
    assert_same_run(two_resumed, want)
    assert json.loads((tmp_path / "ck_b" / "lstm_history.json").read_text())["train_losses"] == pytest.approx(
        ref["train_losses"], rel=1e-10
    )
    # the two processes' checkpoint resumes in one process as well
    ck_a = str(tmp_path / "ck_a" / "lm_lstm_last.pt")
    one_process(tmp_path, "one_resumed", "--max_epochs", "2", "--init_from", ck_a, "--resume")
    assert_same_run(checkpoint(tmp_path / "one_resumed" / "lm_lstm_last.pt"), want)


def test_ctrl_c_in_one_process_stops_both_at_the_same_iteration(two_processes):
    """SIGINT to process 1 only: both stop after the same iteration, process 0 writes the
    checkpoint and alone says how to resume (with torchrun)."""
    tmp_path, status, outs = two_processes
    assert status == [130, 130], outs
    last = [line for line in outs[0][1].splitlines() if line.strip()][-1]
    assert "checkpoint written to" in last and "resume with: torchrun --nproc_per_node=2 -m models.charrnn" in last
    assert "checkpoint written to" not in outs[1][1] and "Traceback" not in outs[0][1] + outs[1][1]
    saved = checkpoint(tmp_path / "ck_c" / "lm_lstm_last.pt")
    assert f"interrupted after iteration {saved['iteration']}/" in last
    assert saved["iteration"] == len(saved["history"]["train_losses"]) >= 1


def test_a_batch_that_does_not_split_is_refused_before_joining(tmp_path, monkeypatch, capsys):
    (tmp_path / "input.txt").write_text(TEXT)
    monkeypatch.setenv("WORLD_SIZE", "2")  # as torchrun --nproc_per_node=2 sets it; no peer is ever reached
    monkeypatch.setenv("RANK", "0")
    argv = ["train", "--data", str(tmp_path / "input.txt"), "--batch_size", "5", "--seq_length", "6"]
    assert cli.main([*argv, "--checkpoint_dir", str(tmp_path / "cv")]) == 2
    err = capsys.readouterr().err
    assert "pygraphnn charrnn train: error: --batch_size 5 does not split over 2 processes" in err
    assert "Traceback" not in err and not (tmp_path / "cv").exists()
    with pytest.raises(BatchSplitError, match="batch size 6 does not split over 4 processes"):
        share_of_batch(6, 0, 4)
    assert [share_of_batch(6, r, 3) for r in range(3)] == [slice(0, 2), slice(2, 4), slice(4, 6)]


def test_train_help_says_how_to_run_on_several_processes(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    assert "torchrun --nproc_per_node=N -m models.charrnn train" in " ".join(capsys.readouterr().out.split())


def test_batch_share_dropout_applies_its_rows_of_the_whole_batch_mask(float64):
    x = torch.randn(6, 5)
    torch.manual_seed(3)
    whole = torch.nn.functional.dropout(x, 0.4, True)  # one process's draw for the whole batch
    for rows in (slice(0, 2), slice(2, 4), slice(4, 6)):
        torch.manual_seed(3)
        torch.testing.assert_close(BatchShareDropout(0.4, rows, 6)(x[rows]), whole[rows], rtol=0, atol=0)
    d = BatchShareDropout(0.4, slice(2, 4), 6)
    d.eval()
    assert torch.equal(d(x[2:4]), x[2:4])
