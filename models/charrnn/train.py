"""char-rnn's ``train.lua``: truncated BPTT over ``seq_length`` steps of a compiled one-step graph.

What follows char-rnn exactly: defaults (2 x 128 LSTM, seq 50, batch 50, RMSProp lr 2e-3 with
``alpha = decay_rate = 0.95`` and ``epsilon = 1e-8`` as ``optim.rmsprop``, lr x 0.97 at the end of
every epoch from epoch 10 on, 95/5 split, seed 123); init uniform(-0.08, 0.08) with LSTM
forget-gate biases at 1; the state carried from one batch to the next; the gradient is the
*sum* over time steps of the per-step batch-mean losses (char-rnn does not divide it by
``seq_length``) and is clipped **element-wise** to ``[-grad_clip, grad_clip]``
(``grad_params:clamp``, not a norm); training stops if the loss explodes (> 3 x the first).
Differences: validation is evaluated every ``eval_val_every`` iterations *and* at the end of
every epoch (``--eval_val_every 0``: only at epoch ends), ``--max_minutes`` stops early,
checkpoints are ``torch.save`` files (``.pt``) of plain data, not ``.t7``, written atomically,
and they also hold the optimizer state, the carried RNN state and the random generator's state,
so ``--init_from CK --resume`` continues a run exactly where it stopped: the same batches, the
same dropout masks, the same losses as a run that never stopped. With ``--resume`` the model,
data and optimizer options are the checkpoint's (a flag that disagrees gets a note saying so);
how long to run, logging and where to write come from the command line. Ctrl-C finishes the
current iteration, writes ``lm_<savefile>_last.pt`` and prints how to resume.

Started by ``torchrun --nproc_per_node=N -m models.charrnn train ...`` the batch's sequences
are shared out over the N processes, with the same losses, parameters and checkpoints as one
process on the whole batch (see :mod:`models.charrnn.distributed`).
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import time
from pathlib import Path

import torch

import pygraphnn as ng
from models.interrupt import INTERRUPTED_EXIT_STATUS, StopRequest
from models.resume_flags import reconcile
from pygraphnn import nn
from pygraphnn.checkpoint import load_checkpoint_file, save_checkpoint_file, write_text_atomically
from pygraphnn.progress import bar

from . import data as chardata
from . import distributed
from .model import MODELS, Config, build, charrnn_init, init_state


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data",
        default=None,
        metavar="FILE",
        help="text file to train on (default: tinyshakespeare/input.txt in the data folder)",
    )
    p.add_argument(
        "--data_dir",
        "--data-dir",
        default=None,
        metavar="DIR",
        help="data folder (default: $PYGRAPHNN_DATA, else the folder `pygraphnn data tinyshakespeare` downloads to)",
    )
    p.add_argument("--model", default="lstm", choices=MODELS, help="the recurrent cell")
    p.add_argument("--rnn_size", type=int, default=128, help="hidden units in each layer")
    p.add_argument("--num_layers", type=int, default=2, help="stacked recurrent layers")
    p.add_argument("--dropout", type=float, default=0.0, help="dropout after each RNN layer (0 = none)")
    p.add_argument("--learning_rate", type=float, default=2e-3, help="RMSProp learning rate")
    p.add_argument(
        "--learning_rate_decay",
        type=float,
        default=0.97,
        help="factor applied to the learning rate at the end of each epoch past --learning_rate_decay_after",
    )
    p.add_argument(
        "--learning_rate_decay_after", type=float, default=10, help="epochs before the learning rate starts to decay"
    )
    p.add_argument("--decay_rate", type=float, default=0.95, help="RMSProp's alpha")
    p.add_argument("--seq_length", type=int, default=50, help="time steps of truncated backpropagation")
    p.add_argument("--batch_size", type=int, default=50, help="sequences a minibatch")
    p.add_argument("--max_epochs", type=float, default=50, help="epochs to train in all (fractions allowed)")
    p.add_argument("--max_minutes", type=float, default=None, help="stop (evaluate, save) after this long")
    p.add_argument("--grad_clip", type=float, default=5.0, help="element-wise gradient clip")
    p.add_argument("--train_frac", type=float, default=0.95, help="fraction of the batches used for training")
    p.add_argument("--val_frac", type=float, default=0.05, help="fraction of the batches used for validation")
    p.add_argument("--seed", type=int, default=123, help="random seed (initialisation, dropout)")
    p.add_argument("--print_every", type=int, default=10, help="iterations between progress lines")
    p.add_argument(
        "--eval_val_every",
        type=int,
        default=1000,
        help="iterations between validation runs (also run at every epoch end); 0: epoch ends only",
    )
    p.add_argument("--checkpoint_dir", default="cv", help="folder for the checkpoints (lm_*.pt)")
    p.add_argument("--savefile", default=None, help="checkpoint name stem (default: the model name)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    p.add_argument(
        "--init_from",
        default="",
        help="start from this checkpoint's weights (its model options override these); "
        "default: a freshly initialised model",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="with --init_from: also restore the optimizer, learning rate, iteration count and history",
    )


class Unrolled(torch.nn.Module):
    """The one-step ``net`` run over the ``seq_length`` steps of a batch:
    ``(x, y, *state) -> (loss, next state)``, the loss the mean per-character NLL.
    One call a batch, as DistributedDataParallel wants one forward per backward.

    >>> loss, state = Unrolled(net)(x, y, *init_state(cfg, x.shape[0]))   # doctest: +SKIP
    """

    def __init__(self, net: torch.nn.Module):
        super().__init__()
        self.net = net
        self.crit = nn.ClassNLLCriterion()

    def forward(self, x: torch.Tensor, y: torch.Tensor, *state: torch.Tensor):
        preds = []
        for t in range(x.shape[1]):
            out = self.net(x[:, t], *state)
            state, pred = out[:-1], out[-1]
            preds.append(pred)
        return self.crit(torch.cat(preds), y.t().reshape(-1)), list(state)  # mean over T x B


@torch.no_grad()
def eval_split(net, cfg: Config, loader, split: int, max_batches: int | None = None) -> float:
    """Mean per-character NLL over a split, the state carried across its batches (``eval_split``)."""
    n = loader.split_sizes[split] if max_batches is None else min(max_batches, loader.split_sizes[split])
    loader.reset_batch_pointer(split)
    net.eval()
    state = init_state(cfg, loader.batch_size)
    unrolled = Unrolled(net)
    total = 0.0
    for _ in bar(range(n), "validation", unit="batch"):
        x, y = loader.next_batch(split)
        loss, state = unrolled(x, y, *state)
        total += float(loss)
    net.train()
    return total / max(n, 1)


# With --resume these come from the checkpoint (they fix the model, the batches and the optimizer);
# every other option (run length, logging, output) is the command line's.
CHECKPOINT_WINS = (
    "model",
    "rnn_size",
    "num_layers",
    "dropout",
    "learning_rate",
    "learning_rate_decay",
    "learning_rate_decay_after",
    "decay_rate",
    "seq_length",
    "batch_size",
    "grad_clip",
    "train_frac",
    "val_frac",
    "seed",
)
COMMAND_LINE_WINS = (
    "max_epochs",
    "max_minutes",
    "print_every",
    "eval_val_every",
    "checkpoint_dir",
    "savefile",
    "threads",
)


class TrainingInterrupted(Exception):
    """Ctrl-C stopped training after a checkpoint was written; the message says how to resume."""

    exit_status = INTERRUPTED_EXIT_STATUS


def save_checkpoint(
    path: Path,
    net,
    cfg: Config,
    loader,
    opt: dict,
    history: dict,
    optimizer=None,
    iteration: int = 0,
    rnn_state=None,
    loss0: float | None = None,
) -> Path:
    """Write a checkpoint of plain data atomically; with ``rnn_state`` (the state carried into the
    next batch) it also holds the random generator's state, so a resume continues exactly."""
    return save_checkpoint_file(
        {
            "state_dict": net.state_dict(),
            "config": cfg.asdict(),
            "vocab": loader.vocab_mapping,
            "opt": opt,
            "history": history,
            "iteration": iteration,
            "optimizer": optimizer.state_dict() if optimizer is not None else None,
            "rnn_state": [t.detach().clone() for t in rnn_state] if rnn_state is not None else None,
            "rng_state": torch.get_rng_state(),
            "loss0": loss0,
        },
        path,
    )


def resume_command(checkpoint: Path, args: argparse.Namespace, processes: int = 1) -> str:
    """The command line that continues a run from ``checkpoint`` (on ``processes`` processes)."""
    words = [
        "--data",
        str(args.data),
        "--init_from",
        str(checkpoint),
        "--resume",
        "--max_epochs",
        f"{args.max_epochs:g}",
        "--checkpoint_dir",
        str(args.checkpoint_dir),
    ]
    launch = f"torchrun --nproc_per_node={processes} -m models.charrnn" if processes > 1 else "pygraphnn charrnn"
    return f"{launch} train " + " ".join(shlex.quote(w) for w in words)


def train(args: argparse.Namespace) -> dict:
    """Run a training; returns the history (losses, validation losses, timings, checkpoint paths).
    Under ``torchrun`` every process runs it on its share of the batches; process 0 prints."""
    with distributed.quiet_unless_process_zero():
        return _train(args)


def _train(args: argparse.Namespace) -> dict:
    torch.set_num_threads(args.threads)
    ng.reuse_freed_memory()  # the step's large tensors come back from the heap, not fresh pages
    checkpoint = load_checkpoint_file(args.init_from) if args.init_from else None
    if checkpoint is not None and args.resume:  # the same model, batches and optimizer as the saved run
        for note in reconcile(
            args, checkpoint["opt"], checkpoint_wins=CHECKPOINT_WINS, command_line_wins=COMMAND_LINE_WINS
        ):
            print(f"note: {note}")
    procs = distributed.processes(args.batch_size)  # one, unless started by torchrun
    torch.manual_seed(args.seed)
    args.data = str(chardata.find_input(args.data, args.data_dir))
    test_frac = max(0.0, 1 - (args.train_frac + args.val_frac))
    loader = chardata.CharSplitLMMinibatchLoader(
        args.data,
        args.batch_size,
        args.seq_length,
        (args.train_frac, args.val_frac, test_frac),
        rows=procs.rows,
        verbose=True,
    )
    if procs.world > 1:
        print(f"{procs.world} processes (DistributedDataParallel), {loader.batch_size} sequences of each batch each")
    if checkpoint is not None:
        if checkpoint["vocab"] != loader.vocab_mapping:
            raise ValueError(f"the character vocabulary of {args.data} and the one in {args.init_from} differ")
        c = checkpoint["config"]
        print(
            f"loading a model from checkpoint {args.init_from}: rnn_size={c['rnn_size']}, "
            f"num_layers={c['num_layers']}, model={c['model']}"
        )
        cfg = Config(
            c["model"], c["rnn_size"], c["num_layers"], c.get("dropout", args.dropout) if args.resume else args.dropout
        )
    else:
        cfg = Config(args.model, args.rnn_size, args.num_layers, args.dropout)
    net = build(cfg, loader.vocab_size, procs.make_dropout)
    if checkpoint is not None:
        net.load_state_dict(checkpoint["state_dict"])
    else:
        charrnn_init(net, cfg)
    n_params = sum(p.numel() for p in net.parameters())
    print(f"creating an {cfg.model} with {cfg.num_layers} layers; number of parameters in the model: {n_params}")
    optimizer = torch.optim.RMSprop(net.parameters(), lr=args.learning_rate, alpha=args.decay_rate, eps=1e-8)
    step = procs.wrap(Unrolled(net))  # DistributedDataParallel averages the gradients over the processes
    ckdir = Path(args.checkpoint_dir)
    ckdir.mkdir(parents=True, exist_ok=True)
    stem = args.savefile or cfg.model
    history = {
        "train_losses": [],
        "val_losses": [],
        "n_params": n_params,
        "checkpoints": [],
        "vocab_size": loader.vocab_size,
        "ntrain": loader.ntrain,
        "nval": loader.nval,
    }
    opt = {k: v for k, v in vars(args).items() if k != "func" and not k.endswith("_")}

    first = 1
    state = init_state(cfg, loader.batch_size)
    loss0 = None
    if checkpoint is not None and args.resume:
        history = checkpoint["history"]
        done = checkpoint.get("iteration") or len(history["train_losses"])
        if checkpoint.get("optimizer") is not None:
            optimizer.load_state_dict(checkpoint["optimizer"])
        else:  # an older checkpoint: the learning rate from the schedule, RMSProp statistics restart
            epochs = done // loader.ntrain
            decays = (
                max(0, epochs - math.ceil(args.learning_rate_decay_after) + 1) if args.learning_rate_decay < 1 else 0
            )
            for group in optimizer.param_groups:
                group["lr"] = args.learning_rate * args.learning_rate_decay**decays
            print("warning: the checkpoint has no optimizer state; RMSProp's statistics restart from zero")
        first = done + 1
        loader.batch_ix[chardata.TRAIN] = done % loader.ntrain
        if checkpoint.get("rnn_state") is not None:  # exactly where it stopped
            state = procs.own_rows(checkpoint["rnn_state"])  # the whole batch's, saved by any number of processes
            torch.set_rng_state(checkpoint["rng_state"])
            loss0 = checkpoint.get("loss0")
        else:
            print("warning: the checkpoint has no RNN/RNG state; the state restarts from zeros")
        print(f"resuming at iteration {first}, learning rate {optimizer.param_groups[0]['lr']:g}")
    prior_seconds = history.get("train_seconds", 0.0)
    iterations = int(args.max_epochs * loader.ntrain)
    start = time.perf_counter()
    train_time = 0.0
    T = args.seq_length
    i = first - 1

    def save(path: Path, i: int) -> Path:
        rnn_state = procs.whole_batch(state)  # every process takes part
        if procs.writes:
            save_checkpoint(path, net, cfg, loader, opt, history, optimizer, i, rnn_state, loss0)
        procs.saved()
        return path

    def evaluate_and_save(i: int, epoch: float) -> None:
        t0 = time.perf_counter()
        val = procs.mean(eval_split(net, cfg, loader, chardata.VAL))  # equal shares: the whole batch's mean
        history["val_losses"].append(
            {"iteration": i, "epoch": epoch, "val_loss": val, "train_minutes": (prior_seconds + train_time) / 60}
        )
        history["train_seconds"] = prior_seconds + train_time
        path = ckdir / f"lm_{stem}_epoch{epoch:.2f}_{val:.4f}.pt"
        save(path, i)
        save(ckdir / f"lm_{stem}_last.pt", i)
        history["checkpoints"].append(str(path))
        print(
            f"validation loss {val:.4f} at epoch {epoch:.2f} ({time.perf_counter() - t0:.1f}s); saved {path}",
            flush=True,
        )

    stop = StopRequest(
        notice="stopping after this iteration to save a checkpoint (Ctrl-C again to quit without saving)"
    )
    with stop:
        for i in bar(range(first, iterations + 1), "training", unit="iteration"):
            if procs.any(stop.requested):  # Ctrl-C in any process stops them all here
                i -= 1
                break
            epoch = i / loader.ntrain
            t0 = time.perf_counter()
            x, y = loader.next_batch(chardata.TRAIN)
            loss, state = step(x, y, *state)  # mean over T x B = sum_t(mean_b) / T
            optimizer.zero_grad(set_to_none=False)
            (loss * T).backward()
            state = [s.detach() for s in state]
            grads = [p.grad for p in net.parameters()]
            grad_norm = float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads])))
            for g in grads:
                g.clamp_(-args.grad_clip, args.grad_clip)
            optimizer.step()
            dt = time.perf_counter() - t0
            train_time += dt
            train_loss = procs.mean(loss.item())
            history["train_losses"].append(train_loss)
            loss0 = loss0 if loss0 is not None else train_loss

            if i % loader.ntrain == 0 and args.learning_rate_decay < 1 and epoch >= args.learning_rate_decay_after:
                for group in optimizer.param_groups:
                    group["lr"] *= args.learning_rate_decay
                print(
                    f"decayed learning rate by a factor {args.learning_rate_decay} to "
                    f"{optimizer.param_groups[0]['lr']:g}"
                )
            if i % args.print_every == 0:
                print(
                    f"{i}/{iterations} (epoch {epoch:.3f}), train_loss = {train_loss:6.4f}, "
                    f"grad norm = {grad_norm:6.4e}, time/batch = {dt:.4f}s, "
                    f"{args.batch_size * T / dt:,.0f} chars/s",
                    flush=True,
                )
            out_of_time = args.max_minutes is not None and procs.zero_decides(
                time.perf_counter() - start > 60 * args.max_minutes
            )
            if (
                (args.eval_val_every and i % args.eval_val_every == 0)
                or i % loader.ntrain == 0
                or i == iterations
                or out_of_time
            ):
                evaluate_and_save(i, epoch)
            if not math.isfinite(train_loss):
                print("loss is NaN. This usually indicates a bug.")
                break
            if train_loss > loss0 * 3:
                print("loss is exploding, aborting.")
                break
            if out_of_time:
                print(f"stopping after {args.max_minutes} minutes (--max_minutes)")
                break
    history["iterations"] = i
    if procs.any(stop.requested):
        history["train_seconds"] = prior_seconds + train_time
        last = save(ckdir / f"lm_{stem}_last.pt", i)
        raise TrainingInterrupted(
            f"interrupted after iteration {i}/{iterations}: checkpoint written to {last}; "
            f"resume with: {resume_command(last, args, procs.world)}"
        )
    history["train_seconds"] = prior_seconds + train_time
    history["chars_per_second"] = (i - first + 1) * args.batch_size * T / train_time if train_time else None
    if procs.writes:
        write_text_atomically(json.dumps(history, indent=1), ckdir / f"{stem}_history.json")
    if train_time:
        print(
            f"{i - first + 1} iterations in {train_time:.0f}s of training: {history['chars_per_second']:,.0f} chars/s"
        )
    return history
