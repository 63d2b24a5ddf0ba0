"""Two processes (gloo, CPU) with DistributedDataParallel give what one process gives on
the same global batch, and resume from a checkpoint written by process 0."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import torch
from gloo import gloo_env

from models.ptb.model import Config
from models.ptb.train import RunOptions, Session

ROOT = Path(__file__).resolve().parent.parent
CFG = Config(
    batch_size=4,
    seq_length=5,
    layers=2,
    rnn_size=6,
    dropout=0.0,
    init_weight=0.1,
    lr=1.0,
    max_grad_norm=0.5,
    max_epoch=1,
    max_max_epoch=2,
    decay=2.0,
)
V = 12

WORKER = """
import json, sys, torch
from models.ptb.model import Config
from models.ptb.train import RunOptions, load_checkpoint
from models.ptb.distributed import DistributedSession
cfg = Config(**json.loads(sys.argv[1])); data = torch.load(sys.argv[2]); out, ckdir = sys.argv[3], sys.argv[4]
V = int(sys.argv[5])
class Vocab:
    itos = tuple(f"w{i}" for i in range(V))
    def __len__(self): return len(self.itos)
opts = lambda n: RunOptions(trainer="window", dtype="float64", max_epochs=n, skip_test=True, checkpoint_dir=ckdir)
DistributedSession(cfg, Vocab(), data, opts(1)).run()           # epoch 1, checkpoint
s = DistributedSession(cfg, Vocab(), data, opts(2), checkpoint=load_checkpoint(ckdir))
result = s.run()                                                # resumed: epoch 2
if s.rank == 0:
    torch.save({"params": s.trainer.paramx, "valid": result["valid_perplexities"]}, out)
"""


class Vocab:
    itos = tuple(f"w{i}" for i in range(V))

    def __len__(self):
        return len(self.itos)


def data() -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    mat = lambda rows: torch.randint(1, V + 1, (rows, CFG.batch_size), generator=g)  # noqa: E731
    return {"train": mat(31), "valid": mat(16), "test": mat(11)}


def test_two_gloo_processes_equal_one_process_and_resume(tmp_path):
    d = data()
    torch.save(d, tmp_path / "data.pt")
    env = gloo_env(2)
    cfg_json = json.dumps(vars(CFG))
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WORKER,
                cfg_json,
                str(tmp_path / "data.pt"),
                str(tmp_path / "out.pt"),
                str(tmp_path / "ck"),
                str(V),
            ],
            env=dict(env, RANK=str(r), LOCAL_RANK=str(r)),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for r in range(2)
    ]
    logs = [p.communicate(timeout=240)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), "\n".join(logs)
    assert "validation set perplexity" in logs[0] and "validation set perplexity" not in logs[1]
    got = torch.load(tmp_path / "out.pt")
    ck = torch.load(tmp_path / "ck" / "last.pt", weights_only=False)
    assert ck["config"]["batch_size"] == CFG.batch_size and ck["start_s"][0].shape == (CFG.batch_size, 6)

    one = Session(
        CFG,
        Vocab(),
        d,
        RunOptions(trainer="window", dtype="float64", max_epochs=2, skip_test=True),
        log=lambda line: None,
    )
    ref = one.run()
    torch.testing.assert_close(got["params"], one.trainer.paramx, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(torch.tensor(got["valid"]), torch.tensor(ref["valid_perplexities"]), rtol=1e-10, atol=0)
