"""Training the PTB language model: ``main.lua``'s loop with two interchangeable trainers.

* :class:`LuaTrainer` -- the tutorial's idiom, kept faithful: ``T`` clones of the core
  network (``ng.clone_many_times``), ``fp`` runs ``clones[i].forward({x, y, s[i-1]})`` for
  ``i = 1..T``, ``bp`` runs ``clones[i].backward({x, y, s}, {derr, ds})`` for ``i = T..1``,
  with ``model.s``, ``model.ds`` and ``model.start_s`` as in ``main.lua``; then the shrink
  factor and ``paramx:add(paramdx:mul(-lr))`` on the flat parameters.
* :class:`TorchTrainer` -- the PyTorch idiom: the same core network called ``T`` times
  (autograd records the unrolled graph), ``loss.backward()``, the same clipping and the
  same SGD on the same flat parameters.

For the same seed both give the same numbers (``tests/test_ptb_model.py`` checks it to
1e-10 in float64, dropout included: both draw the masks in the same order with the
same ``bernoulli_`` calls).

The driver (:class:`Session`) is ``main()``: ``epoch_size = floor(rows / T)`` steps an
epoch, validation perplexity after each epoch, lr divided by ``decay`` after epochs past
``max_epoch``, test perplexity at the end (one token at a time over the whole test
stream, as ``run_test``). What ``main.lua`` does and is easy to miss, reproduced here:
``run_valid`` leaves ``start_s`` at the state reached at the end of the validation set,
and training goes on from it; a wrap to the start of the training data keeps the carried
state (``fp`` copies ``start_s`` before ``reset_state`` zeroes it).

Checkpoints (``Session.save``) are written atomically after every epoch (and every
``checkpoint_every_min`` minutes, and when Ctrl-C stops a run at a step boundary) and hold
the flat parameters, the schedule, the data position, ``start_s``, the perplexity window and
the RNG state, so ``--resume`` continues exactly as if the run had not stopped.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

import pygraphnn as ng
from models.interrupt import INTERRUPTED_EXIT_STATUS, StopRequest
from models.ptb.model import Config, create_body, create_network, h2y, zero_state
from pygraphnn.checkpoint import load_checkpoint_file, save_checkpoint_file
from pygraphnn.progress import bar, counter, say

__all__ = [
    "CHECKPOINT_NAME",
    "TRAINERS",
    "DataState",
    "LuaTrainer",
    "RunOptions",
    "Session",
    "TorchTrainer",
    "WindowTrainer",
    "load_checkpoint",
    "load_data",
    "network_from_checkpoint",
]

CHECKPOINT_NAME = "last.pt"
FORMAT = "pygraphnn-ptb-1"


def _replace_table(to: list[torch.Tensor], frm: list[torch.Tensor]) -> None:
    """``g_replace_table``: copy ``frm[d]`` into ``to[d]`` in place."""
    assert len(to) == len(frm)
    for a, b in zip(to, frm):
        a.copy_(b)


@dataclass
class DataState:
    """``state_train`` / ``state_valid`` / ``state_test``: a ``rows x batch`` matrix of
    1-BASED ids and the position ``pos`` (0-based here; Lua's was 1-based)."""

    data: torch.Tensor
    pos: int = 0


class _Trainer:
    """What both trainers share: the flat parameters, ``start_s`` and ``reset_state``."""

    def __init__(self, core: torch.nn.Module, cfg: Config):
        self.core = core
        self.cfg = cfg
        self.T = cfg.seq_length
        self.lr = cfg.lr
        self.norm_dw = 0.0
        dtype = next(core.parameters()).dtype
        self.paramx, self.paramdx = core.getParameters()
        self.start_s = zero_state(cfg, dtype=dtype)

    def reset_state(self, state: DataState) -> None:
        state.pos = 0
        for t in self.start_s:
            t.zero_()

    def _sgd(self) -> None:
        """Clip by norm (shrink factor), then ``paramx:add(paramdx:mul(-lr))``."""
        self.norm_dw = ng.clip_gradient_norm(self.paramdx, self.cfg.max_grad_norm)
        self.paramx.add_(self.paramdx.mul_(-self.lr))

    # the three things the driver asks for
    def train_step(self, state: DataState) -> float:
        raise NotImplementedError

    def run_valid(self, state: DataState, limit: int | None = None) -> float:
        """``run_valid``: every full window of the validation data from a zero state,
        dropout off; the perplexity of the mean per-step loss."""
        self.reset_state(state)
        self._train_mode(False)  # g_disable_dropout
        n = (state.data.shape[0] - 1) // self.T
        if limit is not None:
            n = min(n, limit)
        perp = 0.0
        with torch.no_grad():
            for _ in bar(range(n), "validation", unit="window"):
                perp += self._valid_window(state)
        self._train_mode(True)
        return math.exp(perp / n)

    def run_test(self, state: DataState, limit: int | None = None) -> float:
        raise NotImplementedError

    def _train_mode(self, mode: bool) -> None:
        raise NotImplementedError

    def _valid_window(self, state: DataState) -> float:
        """Mean per-step loss of the next window (no gradients)."""
        raise NotImplementedError


class LuaTrainer(_Trainer):
    """``main.lua``'s ``setup``/``fp``/``bp``/``run_valid``/``run_test``, clone by clone."""

    def __init__(self, core: torch.nn.Module, cfg: Config):
        super().__init__(core, cfg)
        self._setup(cfg.batch_size)
        self.rnns = ng.clone_many_times(core, self.T)

    def _setup(self, batch_size: int) -> None:
        dtype = self.paramx.dtype
        self.s = [zero_state(self.cfg, batch_size, dtype) for _ in range(self.T + 1)]
        self.ds = zero_state(self.cfg, batch_size, dtype)
        self.err = torch.zeros(self.T, dtype=torch.float64)

    def fp(self, state: DataState) -> float:
        _replace_table(self.s[0], self.start_s)
        if state.pos + self.T >= state.data.shape[0]:  # Lua: pos + T > size (pos 1-based)
            self.reset_state(state)
        for i in range(1, self.T + 1):
            x = state.data[state.pos]
            y = state.data[state.pos + 1]
            err, self.s[i] = self.rnns[i - 1].forward([x, y, self.s[i - 1]])
            self.err[i - 1] = float(err)
            state.pos += 1
        _replace_table(self.start_s, self.s[self.T])
        return float(self.err.mean())

    def bp(self, state: DataState) -> None:
        self.paramdx.zero_()
        for d in self.ds:
            d.zero_()
        derr = torch.ones(1, dtype=self.paramx.dtype)
        for i in range(self.T, 0, -1):
            state.pos -= 1
            x = state.data[state.pos]
            y = state.data[state.pos + 1]
            tmp = self.rnns[i - 1].backward([x, y, self.s[i - 1]], [derr, self.ds])[2]
            _replace_table(self.ds, tmp)
        state.pos += self.T
        self._sgd()

    def train_step(self, state: DataState) -> float:
        perp = self.fp(state)
        self.bp(state)
        return perp

    def _train_mode(self, mode: bool) -> None:
        ng.set_training(self.rnns, mode)

    def _valid_window(self, state: DataState) -> float:
        return self.fp(state)

    def run_test(self, state: DataState, limit: int | None = None) -> float:
        self.reset_state(state)
        ng.set_training(self.rnns, False)
        n = state.data.shape[0] if limit is None else min(limit + 1, state.data.shape[0])
        perp = 0.0
        _replace_table(self.s[0], self.start_s)
        with torch.no_grad():
            for i in bar(range(n - 1), "test", unit="token"):
                x = state.data[i]
                y = state.data[i + 1]
                err, self.s[1] = self.rnns[0].forward([x, y, self.s[0]])
                perp += float(err)
                _replace_table(self.s[0], self.s[1])
        ng.set_training(self.rnns, True)
        return math.exp(perp / (n - 1))


class TorchTrainer(_Trainer):
    """The PyTorch idiom: run the network ``T`` times, ``loss.backward()``.

    The loss is the *sum* over the ``T`` steps of the per-step mean error: what the
    clones' ``backward`` with ``derr = 1`` at every step computes in ``main.lua``.

    With ``batched_head`` (the default) the steps run the network up to the output layer
    (:func:`create_body`, the same modules) and ``h2y``/``LogSoftMax``/``ClassNLLCriterion``
    run once over the ``T x batch`` stacked hidden states: the same numbers (the dropout
    masks are drawn in the same order), one large matrix product instead of ``T`` small
    ones. ``batched_head=False`` calls the core gModule ``{x, y, prev_s} -> {err, next_s}``
    at every step, exactly as declared.
    """

    def __init__(self, core: torch.nn.Module, cfg: Config, batched_head: bool = True):
        super().__init__(core, cfg)
        self.body = create_body(core) if batched_head else None
        self.h2y = h2y(core)

    def _window(self, state: DataState) -> tuple[torch.Tensor, torch.Tensor]:
        if state.pos + self.T >= state.data.shape[0]:
            state.pos = 0  # reset_state after start_s was read: the carried state stays
        x = state.data[state.pos : state.pos + self.T]
        y = state.data[state.pos + 1 : state.pos + self.T + 1]
        state.pos += self.T
        return x, y

    def _unroll(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Per-step mean errors (a ``T``-vector) of the window, state carried in ``start_s``."""
        s = self.start_s
        if self.body is None:
            errs = []
            for t in range(x.shape[0]):
                err, s = self.core(x[t], y[t], s)
                errs.append(err)
            out = torch.cat(errs)
        else:
            body, tops = self.body, []
            for t in range(x.shape[0]):
                top, s = body(x[t], s)
                tops.append(top)
            log_probs = torch.log_softmax(self.h2y(torch.stack(tops)), -1)  # T x B x V
            out = -log_probs.gather(2, (y - 1).unsqueeze(2)).squeeze(2).mean(1)  # 1-based targets
        self.start_s = [t.detach() for t in s]
        return out

    def _train_mode(self, mode: bool) -> None:
        self.core.train(mode)
        if self.body is not None:
            self.body.train(mode)

    def train_step(self, state: DataState) -> float:
        x, y = self._window(state)
        loss = self._unroll(x, y).sum()
        self._reset_grads()
        loss.backward()
        self._sgd()
        return loss.item() / self.T

    def _reset_grads(self) -> None:
        self.paramdx.zero_()  # the gradients are views into it: backward adds into zeros

    def _valid_window(self, state: DataState) -> float:
        return float(self._unroll(*self._window(state)).mean())

    def run_test(self, state: DataState, limit: int | None = None) -> float:
        """``run_test``: one token at a time over the whole stream from a zero state. The
        tutorial's test matrix repeats the stream in every column; then one column gives
        the same errors at a batch-size-th of the cost."""
        self.reset_state(state)
        self._train_mode(False)
        data = state.data
        n = data.shape[0] if limit is None else min(limit + 1, data.shape[0])
        carried = self.start_s
        if torch.equal(data, data[:, :1].expand_as(data)):
            data = data[:, :1]
            self.start_s = [t[:1].clone() for t in carried]
        errs = []
        with torch.no_grad():
            for i in bar(range(n - 1), "test", unit="token"):
                errs.append(self._unroll(data[i : i + 1], data[i + 1 : i + 2]))
        self.start_s = carried if data is not state.data else self.start_s
        self._train_mode(True)
        return math.exp(float(torch.cat(errs).double().sum()) / (n - 1))


class WindowTrainer(TorchTrainer):
    """The PyTorch idiom on :func:`pygraphnn.compile_window` of the core network: one
    generated function a window (embedding, input-side products, decoder and loss once
    for all ``T`` steps; a loop a layer). Same numbers as :class:`TorchTrainer` within
    float rounding (dropout masks drawn in another order)."""

    def __init__(self, core: torch.nn.Module, cfg: Config, compile: bool = False, generated_backward: bool = True):
        _Trainer.__init__(self, core, cfg)
        self.body = None
        # {x, y, prev_s} -> {err, next_s}; under torch.compile, plain autograd (it fuses by itself)
        self.window = ng.compile_window(
            core,
            state=[(2, 1)],
            batch_weight_grads=not compile,
            fuse_loss=not compile,
            generated_backward=generated_backward and not compile,
        )
        self.run_window = torch.compile(self.window, dynamic=False) if compile else self.window
        self.params = [q for q in core.parameters() if q.requires_grad]

    def _reset_grads(self) -> None:
        """Autograd's own gradient tensors (``.grad`` set to ``None``), not views into the flat
        ``paramdx``: no pass to zero ``paramdx`` and none to add each gradient into it."""
        for q in self.params:
            q.grad = None

    def _sgd(self) -> None:
        """``main.lua``'s clip and update in one pass over the parameters:
        ``param += -lr * shrink * grad`` with the shrink factor of the gradients' joint norm."""
        params = [q for q in self.params if q.grad is not None]
        grads = [q.grad for q in params]
        norm = float(torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))) if grads else 0.0
        shrink = self.cfg.max_grad_norm / norm if norm > self.cfg.max_grad_norm and math.isfinite(norm) else 1.0
        self.norm_dw = norm
        with torch.no_grad():
            torch._foreach_add_(params, grads, alpha=-self.lr * shrink)

    def _unroll(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        errs, (s,) = self.run_window([x, y], [self.start_s])
        self.start_s = [t.detach() for t in s]
        return errs.reshape(-1)


TRAINERS: dict[str, Callable[[torch.nn.Module, Config], _Trainer]] = {
    "lua": LuaTrainer,
    "torch": TorchTrainer,
    "torch-stepwise": lambda core, cfg: TorchTrainer(core, cfg, batched_head=False),
    "window": WindowTrainer,
    "window-compile": lambda core, cfg: WindowTrainer(core, cfg, compile=True),
}


# --------------------------------------------------------------------------- data


def load_data(level: str, batch_size: int, data_dir: str | os.PathLike | None = None):
    """``(vocab, {'train', 'valid', 'test'} matrices of 1-based ids)`` as ``main.lua`` builds them."""
    from models.ptb import data as ptb

    corpus = ptb.load_word_corpus(data_dir) if level == "word" else ptb.load_char_corpus(data_dir)
    mats = ptb.tutorial_batches(corpus, batch_size)
    return corpus.vocab, {k: (v + 1).contiguous() for k, v in mats.items()}  # Lua's ids


# --------------------------------------------------------------------------- driver


@dataclass
class RunOptions:
    """How a run is driven (not the model's hyper-parameters)."""

    level: str = "word"
    trainer: str = "window"
    dtype: str = "float32"
    max_epochs: int | None = None  # overrides cfg.max_max_epoch
    epoch_size_limit: int | None = None  # steps an epoch (smoke runs)
    valid_limit: int | None = None  # validation windows
    test_limit: int | None = None  # test tokens (None: all)
    skip_test: bool = False
    log_every: int | None = None  # steps; default: a tenth of an epoch
    checkpoint_dir: str | None = None
    checkpoint_every_min: float | None = None  # also checkpoint mid-epoch this often
    resume_hint: str | None = None  # the command that resumes (said on Ctrl-C)


class TrainingInterrupted(Exception):
    """Ctrl-C stopped training at a step boundary (after a checkpoint, when there is a folder
    for one); the message says where it is and how to resume."""

    exit_status = INTERRUPTED_EXIT_STATUS


@dataclass
class Progress:
    """The schedule and data position: what ``--resume`` restores."""

    step: int = 0
    lr: float = 1.0
    train_pos: int = 0
    perps: list[float] | None = None
    valid_perplexities: list[float] = field(default_factory=list)
    train_seconds: float = 0.0


def _bits(ppl: float) -> float:
    return math.log2(ppl)


class Session:
    """``main()`` of ``main.lua``: the epoch loop, logging, validation, decay, checkpoints, test."""

    def __init__(
        self,
        cfg: Config,
        vocab: Any,
        data: dict[str, torch.Tensor],
        opts: RunOptions,
        *,
        config_name: str = "custom",
        log: Callable[[str], None] | None = None,
        checkpoint: dict | None = None,
    ):
        self.cfg, self.vocab, self.opts, self.config_name = cfg, vocab, opts, config_name
        self.log = log or say
        dtype = getattr(torch, opts.dtype)
        self.core = create_network(cfg, len(vocab), dtype=dtype)
        if checkpoint is not None:
            self.core.getParameters()[0].copy_(checkpoint["params"])
        self.trainer = TRAINERS[opts.trainer](self.core, cfg)
        self.states = {k: DataState(v) for k, v in data.items()}
        rows = data["train"].shape[0]
        self.epoch_size = rows // cfg.seq_length
        if opts.epoch_size_limit:
            self.epoch_size = min(self.epoch_size, opts.epoch_size_limit)
        self.max_epochs = opts.max_epochs or cfg.max_max_epoch
        self.progress = Progress(lr=cfg.lr)
        if checkpoint is not None:
            self._restore(checkpoint)
        self.trainer.lr = self.progress.lr

    # ------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict:
        return {
            "format": FORMAT,
            "config": asdict(self.cfg),
            "config_name": self.config_name,
            "level": self.opts.level,
            "dtype": self.opts.dtype,
            "vocab": list(self.vocab.itos),
            "params": self.trainer.paramx.detach().clone(),
            "start_s": [t.clone() for t in self.trainer.start_s],
            "progress": asdict(self.progress),
            "epoch_size": self.epoch_size,
            "max_epochs": self.max_epochs,
            "rng_state": torch.get_rng_state(),
        }

    def _restore(self, ck: dict) -> None:
        self.progress = Progress(**ck["progress"])
        if ck["epoch_size"] != self.epoch_size:
            self.log(f"note: checkpoint epoch size {ck['epoch_size']} kept (this run asked for {self.epoch_size})")
            self.epoch_size = ck["epoch_size"]
        _replace_table(self.trainer.start_s, ck["start_s"])
        self.states["train"].pos = self.progress.train_pos
        torch.set_rng_state(ck["rng_state"])

    def save(self) -> Path | None:
        """Write ``<checkpoint_dir>/last.pt`` atomically (temporary file, then rename)."""
        if not self.opts.checkpoint_dir:
            return None
        return save_checkpoint_file(self.state_dict(), Path(self.opts.checkpoint_dir) / CHECKPOINT_NAME)

    def _save_mid_epoch(self, perps: torch.Tensor | None, since: float) -> Path | None:
        """A checkpoint between epoch ends: the position and the perplexity window as they are now."""
        pr = self.progress
        pr.train_seconds += time.perf_counter() - since
        pr.train_pos = self.states["train"].pos
        pr.perps = perps.tolist() if perps is not None else None
        return self.save()

    # ------------------------------------------------------------------- loop
    def _unit(self) -> str:
        return "char" if self.opts.level == "char" else "word"

    def _ppl_text(self, ppl: float) -> str:
        text = f"{ppl:.3f}"
        if self.opts.level == "char":
            text += f" ({_bits(ppl):.4f} bits per character)"
        return text

    def run(self) -> dict:
        """Train to ``max_epochs`` (from where a checkpoint left off), then test. The first Ctrl-C
        stops at the next step boundary, writes a checkpoint and raises :class:`TrainingInterrupted`."""
        with StopRequest(
            notice="stopping after this step to save a checkpoint (Ctrl-C again to quit without saving)"
        ) as self._stop:
            return self._run()

    # Both decisions are methods so that a multi-process session can make every process agree
    # (one all_reduce each) before any of them saves: a save may involve collectives.
    def _stop_requested(self) -> bool:
        """Ctrl-C was pressed: stop at this step boundary."""
        return self._stop.requested

    def _time_to_checkpoint(self, last_save: float, every_min: float) -> bool:
        """``--checkpoint-every-min`` has elapsed since the last checkpoint."""
        return time.monotonic() - last_save >= 60 * every_min

    def _run(self) -> dict:
        cfg, tr, pr = self.cfg, self.trainer, self.progress
        state = self.states["train"]
        words_per_step = cfg.seq_length * cfg.batch_size
        log_every = self.opts.log_every or max(1, round(self.epoch_size / 10))
        total_steps = self.epoch_size * self.max_epochs
        perps = torch.tensor(pr.perps, dtype=torch.float64) if pr.perps else None
        self.log(
            f"{self.config_name} config ({self.opts.level} level, {self.opts.trainer} trainer, "
            f"{self.opts.dtype}): {cfg}"
        )
        self.log(
            f"{sum(p.numel() for p in self.core.parameters())} parameters; vocabulary {len(self.vocab)}; "
            f"{self.epoch_size} steps an epoch of {words_per_step} {self._unit()}s; {self.max_epochs} epochs"
        )
        start = time.perf_counter()
        start_step = pr.step
        last_save, every = time.monotonic(), self.opts.checkpoint_every_min
        steps = counter("training", total=total_steps, initial=pr.step, unit="step")
        while pr.step < total_steps and not self._stop_requested():
            perp = tr.train_step(state)
            steps.update()
            if perps is None:
                perps = torch.full((self.epoch_size,), perp, dtype=torch.float64)
            perps[pr.step % self.epoch_size] = perp
            pr.step += 1
            if not math.isfinite(perp):
                raise FloatingPointError(f"training diverged at step {pr.step} (mean error {perp})")
            if pr.step % log_every == 0:
                elapsed = time.perf_counter() - start
                rate = (pr.step - start_step) / elapsed
                eta = (total_steps - pr.step) / rate
                self.log(
                    f"epoch = {pr.step / self.epoch_size:.3f}, train perp. = "
                    f"{math.exp(float(perps.mean())):.3f}, {self._unit()}s/s = "
                    f"{rate * words_per_step:.0f}, dw:norm() = {tr.norm_dw:.3f}, lr = {tr.lr:.3f}, "
                    f"elapsed = {(pr.train_seconds + elapsed) / 60:.1f} min, ETA = {eta / 60:.1f} min"
                )
            if pr.step % self.epoch_size == 0:
                pr.train_seconds += time.perf_counter() - start
                epoch = pr.step // self.epoch_size
                ppl = tr.run_valid(self.states["valid"], self.opts.valid_limit)
                pr.valid_perplexities.append(ppl)
                self.log(f"Epoch {epoch}: validation set perplexity : {self._ppl_text(ppl)}")
                if epoch > cfg.max_epoch:
                    tr.lr = tr.lr / cfg.decay
                pr.lr = tr.lr
                pr.train_pos = state.pos
                pr.perps = perps.tolist()
                saved = self.save()
                if saved:
                    self.log(f"checkpoint written: {saved}")
                start, start_step = time.perf_counter(), pr.step  # wps/ETA count training only
                last_save = time.monotonic()
            elif every and self._time_to_checkpoint(last_save, every):
                saved = self._save_mid_epoch(perps, start)
                start, start_step, last_save = time.perf_counter(), pr.step, time.monotonic()
                self.log(f"checkpoint written: {saved} (step {pr.step}, --checkpoint-every-min {every:g})")
        steps.close()
        if pr.step < total_steps:  # stopped by Ctrl-C
            saved = self._save_mid_epoch(perps, start)
            where = f"checkpoint written to {saved}" if saved else "no --checkpoint-dir, nothing saved"
            hint = f"; resume with: {self.opts.resume_hint}" if saved and self.opts.resume_hint else ""
            raise TrainingInterrupted(f"interrupted after step {pr.step}/{total_steps}: {where}{hint}")
        result = {
            "valid_perplexities": list(pr.valid_perplexities),
            "train_seconds": pr.train_seconds,
            "train_perplexity": math.exp(float(perps.mean())) if perps is not None else None,
            "steps": pr.step,
        }
        if not self.opts.skip_test:
            t0 = time.perf_counter()
            ppl = tr.run_test(self.states["test"], self.opts.test_limit)
            result["test_perplexity"] = ppl
            self.log(f"Test set perplexity : {self._ppl_text(ppl)} ({time.perf_counter() - t0:.0f} s)")
        self.log("Training is over.")
        return result


# ----------------------------------------------------------------- checkpoints


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Read a checkpoint file (or ``<dir>/last.pt``)."""
    p = Path(path)
    if p.is_dir():
        p = p / CHECKPOINT_NAME
    ck = load_checkpoint_file(p)  # plain data only: nothing in the file is executed
    if not isinstance(ck, dict) or ck.get("format") != FORMAT:
        raise ValueError(f"{p} is not a pygraphnn PTB checkpoint")
    return ck


def network_from_checkpoint(ck: dict) -> torch.nn.Module:
    """The core network of a checkpoint, parameters loaded."""
    cfg = Config(**ck["config"])
    core = create_network(cfg, len(ck["vocab"]), dtype=getattr(torch, ck["dtype"]), init=False)
    core.getParameters()[0].copy_(ck["params"])
    return core


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: python -m models.ptb train ...")
