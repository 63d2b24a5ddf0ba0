"""What every multi-process (``torchrun``) trainer of the models needs from ``torch.distributed``.

``torchrun --nproc_per_node=N -m models.ptb train ...`` (or ``models.charrnn``) starts N
processes with ``WORLD_SIZE``/``RANK`` in their environment; each joins the process group
(:func:`init`) and takes its share of every batch (:func:`share_of_batch`). The small
collectives below let all processes agree on a number or a decision at a step boundary.

Example (in a process started by ``torchrun``)::

    >>> rank, world = init("gloo")                        # doctest: +SKIP
    >>> rows = share_of_batch(50, rank, world)            # doctest: +SKIP
    >>> loss = mean_over_processes(local_loss)            # doctest: +SKIP
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist

__all__ = [
    "BatchSplitError",
    "any_process",
    "init",
    "is_distributed",
    "mean_over_processes",
    "process_zero_decides",
    "share_of_batch",
]


class BatchSplitError(ValueError):
    """The batch does not split into equal shares over the processes."""


def is_distributed() -> bool:
    """True when started by ``torchrun`` (or any launcher that sets ``WORLD_SIZE`` > 1)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def launched_rank_and_world() -> tuple[int, int]:
    """``(RANK, WORLD_SIZE)`` as the launcher set them, readable before joining the group."""
    return int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))


def init(backend: str | None = None) -> tuple[int, int]:
    """Join the process group; returns ``(rank, world_size)``.

    ``backend`` defaults to nccl when CUDA is available, else gloo; a model that runs on the
    CPU whatever the machine has passes ``"gloo"``.
    """
    if not dist.is_initialized():
        dist.init_process_group(backend or ("nccl" if torch.cuda.is_available() else "gloo"))
    return dist.get_rank(), dist.get_world_size()


def share_of_batch(batch_size: int, rank: int, world: int, *, option: str = "batch size") -> slice:
    """The contiguous rows of a batch that process ``rank`` of ``world`` takes (equal shares).

    >>> share_of_batch(8, 1, 2)
    slice(4, 8, None)
    """
    if batch_size % world:
        raise BatchSplitError(
            f"{option} {batch_size} does not split over {world} processes: each process takes an equal "
            f"share of the batch, so use a multiple of {world} (or another --nproc_per_node)"
        )
    share = batch_size // world
    return slice(rank * share, (rank + 1) * share)


def mean_over_processes(value: float) -> float:
    """The mean over the processes of a number each of them has."""
    t = torch.tensor([value], dtype=torch.float64)
    dist.all_reduce(t)
    return float(t) / dist.get_world_size()


def any_process(flag: bool) -> bool:
    """True in every process when it is true in at least one."""
    t = torch.tensor([float(flag)], dtype=torch.float64)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item())


def process_zero_decides(flag: bool) -> bool:
    """Process 0's ``flag`` in every process (for decisions taken on a clock)."""
    t = torch.tensor([float(flag)], dtype=torch.float64)
    dist.broadcast(t, src=0)
    return bool(t.item())
