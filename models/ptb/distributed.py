"""Multi-process training of the PTB model with ``torch.distributed`` (DistributedDataParallel).

    torchrun --nproc_per_node=2 -m models.ptb train --trainer window ...

Each process takes an equal share of the batch's columns (the columns of the tutorial's
data matrix are independent streams, each with its own carried state), runs the window
(:class:`~models.ptb.train.WindowTrainer`) on them under ``DistributedDataParallel``
(gloo on CPU, nccl on GPUs), which averages the gradients: the mean of the processes'
losses is the loss of the whole batch, so clipping and SGD see the gradient one process
would compute on the whole batch, and every process keeps the same parameters.

Process 0 writes the logs and the checkpoints; a checkpoint holds the state of every
column and every process's random state, so ``--resume`` continues with the same number
of processes exactly as one uninterrupted run.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import torch
import torch.distributed as dist

from models.distributed import any_process as _any
from models.distributed import init, is_distributed, process_zero_decides
from models.distributed import mean_over_processes as _mean
from models.ptb.model import Config
from models.ptb.train import RunOptions, Session, WindowTrainer

__all__ = ["DistributedSession", "DistributedWindowTrainer", "init", "is_distributed"]


class DistributedWindowTrainer(WindowTrainer):
    """:class:`WindowTrainer` on this process's columns, gradients averaged by DDP; the
    losses it reports are the whole batch's."""

    def __init__(self, core: torch.nn.Module, cfg: Config):
        super().__init__(core, cfg)
        self.run_window = torch.nn.parallel.DistributedDataParallel(self.window)

    def train_step(self, state) -> float:
        return _mean(super().train_step(state))

    def _valid_window(self, state) -> float:
        return _mean(super()._valid_window(state))

    def _unroll(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if torch.is_grad_enabled():
            return super()._unroll(x, y)
        errs, (s,) = self.window([x, y], [self.start_s])  # validation and test: no DDP
        self.start_s = [t.detach() for t in s]
        return errs.reshape(-1)


class DistributedSession(Session):
    """:class:`~models.ptb.train.Session` on ``world_size`` processes (see the module docstring)."""

    def __init__(self, cfg: Config, vocab: Any, data: dict[str, torch.Tensor], opts: RunOptions, **kw: Any):
        self.rank, self.world = init()
        if cfg.batch_size % self.world:
            raise ValueError(f"batch size {cfg.batch_size} does not split over {self.world} processes")
        if opts.trainer != "window":
            raise ValueError(f"multi-process training runs the window trainer (--trainer window), not {opts.trainer!r}")
        self.global_cfg = cfg
        share = cfg.batch_size // self.world
        self.columns = slice(self.rank * share, (self.rank + 1) * share)
        local = {k: (v[:, self.columns].contiguous() if k == "train" or k == "valid" else v) for k, v in data.items()}
        if self.rank != 0:
            kw["log"] = lambda line: None
        super().__init__(cfg.with_(batch_size=share), vocab, local, opts, **kw)
        carried = self.trainer
        self.trainer = DistributedWindowTrainer(self.core, self.cfg)
        self.trainer.lr = carried.lr
        self.trainer.start_s = carried.start_s
        ck = kw.get("checkpoint")
        rng = ck.get("rng_states") if ck is not None else None
        if rng is not None:
            torch.set_rng_state(rng[self.rank])
        elif ck is None and self.rank:
            torch.manual_seed(cfg.seed + 100003 * self.rank)  # own dropout masks; process 0 as one process

    def _restore(self, ck: dict) -> None:
        ck = dict(ck, start_s=[t[self.columns] for t in ck["start_s"]])
        super()._restore(ck)

    def state_dict(self) -> dict:
        if "_gathered" in self.__dict__:
            return self.__dict__["_gathered"]
        state = super().state_dict()
        parts = [[torch.empty_like(t) for _ in range(self.world)] for t in self.trainer.start_s]
        for out, t in zip(parts, self.trainer.start_s):
            dist.all_gather(out, t.contiguous())
        rng: list[Any] = [None] * self.world
        dist.all_gather_object(rng, torch.get_rng_state())
        state.update(
            config=asdict(self.global_cfg), start_s=[torch.cat(p) for p in parts], rng_states=rng, processes=self.world
        )
        return state

    # Every process must take the same decision at the same step: a save gathers from all of them.
    def _stop_requested(self) -> bool:
        """Ctrl-C in any process stops all of them at this step boundary."""
        return _any(super()._stop_requested())

    def _time_to_checkpoint(self, last_save: float, every_min: float) -> bool:
        """Process 0's clock decides when ``--checkpoint-every-min`` has elapsed."""
        return process_zero_decides(super()._time_to_checkpoint(last_save, every_min))

    def save(self):
        state = self.state_dict()  # every process takes part in gathering it
        path = None
        if self.rank == 0:
            self.__dict__["_gathered"] = state
            try:
                path = super().save()
            finally:
                del self.__dict__["_gathered"]
        dist.barrier()  # the file is complete before anyone may read it
        return path
