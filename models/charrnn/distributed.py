"""char-rnn's training on several processes (``torchrun``, DistributedDataParallel).

    torchrun --nproc_per_node=2 -m models.charrnn train --batch_size 50 ...

Each process takes an equal contiguous share of every batch's sequences (rows 0-24 and
25-49 above), carries the recurrent state of those rows, and runs the unrolled sequence
under ``DistributedDataParallel`` (gloo: :mod:`models.charrnn.train` runs on the CPU),
which averages the gradients. A process's loss is the mean over its rows, so the average
is the whole batch's gradient: the element-wise clipping and the RMSprop step see what one
process computes on the whole batch, and every process keeps the same parameters.

Dropout: every process draws the mask of the *whole* batch from the same random stream
and keeps its rows (:class:`BatchShareDropout`), so the masks, and the random generator
states, are exactly those of one process. A checkpoint therefore holds one generator
state and the whole batch's recurrent state, and does not depend on the number of
processes: a run resumes on any number of processes that divides the batch (one included).

Losses and the validation loss are averaged over the processes (equal shares: the whole
batch's mean); process 0 alone prints and writes checkpoints. :class:`OneProcess` is the
same interface for an ordinary run, so :func:`models.charrnn.train.train` has one code path.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import torch
import torch.distributed as dist

from models.distributed import (
    any_process,
    init,
    is_distributed,
    launched_rank_and_world,
    mean_over_processes,
    process_zero_decides,
    share_of_batch,
)
from pygraphnn import nn

__all__ = ["BatchShareDropout", "DataParallel", "OneProcess", "processes", "quiet_unless_process_zero"]


class BatchShareDropout(nn.Dropout):
    """``nn.Dropout(p)`` on ``rows`` of a batch of ``batch_size``: the mask is drawn for the
    whole batch (as one process draws it) and only this process's rows are applied.

    >>> d = BatchShareDropout(0.5, slice(2, 4), 4)
    >>> d(torch.ones(2, 3)).shape
    torch.Size([2, 3])
    """

    def __init__(self, p: float, rows: slice, batch_size: int):
        super().__init__(p)
        self.rows = rows
        self.batch_size = batch_size

    def forward(self, input):
        if not self.training or self.p <= 0:
            return input  # Dropout(p) scales at training time: evaluation is the identity
        # the same draw as F.dropout on the whole batch: bernoulli(1 - p), scaled by 1 / (1 - p)
        noise = input.new_empty((self.batch_size, *input.shape[1:])).bernoulli_(1 - self.p)[self.rows]
        return input * noise.div_(1 - self.p)

    def _inline(self, ref, args, table_input):
        return None  # the generated forward must call this module, not F.dropout

    def extra_repr(self) -> str:
        return f"{self.p:f}, rows {self.rows.start}-{self.rows.stop - 1} of {self.batch_size}"


class OneProcess:
    """An ordinary run: the whole batch, nothing to agree on."""

    rank = 0
    world = 1
    rows = slice(None)
    writes = True  # prints and writes checkpoints

    def make_dropout(self, p: float) -> torch.nn.Module:
        return nn.Dropout(p)

    def wrap(self, module: torch.nn.Module) -> torch.nn.Module:
        return module

    def mean(self, value: float) -> float:
        return value

    def any(self, flag: bool) -> bool:
        return flag

    def zero_decides(self, flag: bool) -> bool:
        return flag

    def own_rows(self, state: list[torch.Tensor]) -> list[torch.Tensor]:
        return [t.clone() for t in state]

    def whole_batch(self, state: list[torch.Tensor]) -> list[torch.Tensor]:
        return state

    def saved(self) -> None:
        """Called by every process after process 0 wrote a checkpoint."""


class DataParallel(OneProcess):
    """Process ``rank`` of ``world``, started by ``torchrun``: joins the gloo group; its rows
    of each batch of ``batch_size`` are :attr:`rows`."""

    def __init__(self, batch_size: int):
        rank, world = launched_rank_and_world()
        # checked before joining, so that a bad size fails at once instead of waiting for peers
        self.rows = share_of_batch(batch_size, rank, world, option="--batch_size")
        self.rank, self.world = init("gloo")
        self.batch_size = batch_size
        self.writes = self.rank == 0

    def make_dropout(self, p: float) -> torch.nn.Module:
        return BatchShareDropout(p, self.rows, self.batch_size)

    def wrap(self, module: torch.nn.Module) -> torch.nn.Module:
        return torch.nn.parallel.DistributedDataParallel(module)

    def mean(self, value: float) -> float:
        return mean_over_processes(value)

    def any(self, flag: bool) -> bool:
        return any_process(flag)

    def zero_decides(self, flag: bool) -> bool:
        return process_zero_decides(flag)

    def own_rows(self, state: list[torch.Tensor]) -> list[torch.Tensor]:
        return [t[self.rows].clone() for t in state]

    def whole_batch(self, state: list[torch.Tensor]) -> list[torch.Tensor]:
        """Every process's rows of ``state``, in order (all processes take part)."""
        whole = []
        for t in state:
            parts = [torch.empty_like(t) for _ in range(self.world)]
            dist.all_gather(parts, t.detach().contiguous())
            whole.append(torch.cat(parts))
        self._check_same_random_state()
        return whole

    def _check_same_random_state(self) -> None:
        """A checkpoint holds one generator state: it is every process's (dropout draws the
        whole batch's mask in each of them), or the run is no longer one process's."""
        states: list[Any] = [None] * self.world
        dist.all_gather_object(states, torch.get_rng_state())
        if any(not torch.equal(s, states[0]) for s in states):
            raise RuntimeError("the processes' random generators have diverged; the run cannot be checkpointed")

    def saved(self) -> None:
        dist.barrier()  # the file is complete before any process goes on (and may read it)


def processes(batch_size: int) -> OneProcess:
    """:class:`DataParallel` when started by ``torchrun`` (``WORLD_SIZE`` > 1), else :class:`OneProcess`."""
    return DataParallel(batch_size) if is_distributed() else OneProcess()


@contextlib.contextmanager
def quiet_unless_process_zero() -> Iterator[None]:
    """Only process 0 prints (its log is the run's); the others' stdout and progress bars are
    dropped. Errors still reach every process's stderr."""
    rank, _ = launched_rank_and_world()
    if rank == 0:
        yield
        return
    os.environ["PYGRAPHNN_PROGRESS"] = "0"  # this process is a torchrun worker: its own environment
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        yield
