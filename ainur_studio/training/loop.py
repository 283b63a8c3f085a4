"""A small framework-free trainer shared by every model.

A model plugs in by exposing `training_losses(batch) -> dict[str, Tensor]` with a "loss" key.
The trainer adds AdamW, a warm-up + cosine schedule, gradient clipping and accumulation, EMA,
mixed precision on GPU (bf16, or fp16 with loss scaling; fp32 on CPU), optional
`torch.compile`, DDP under torchrun, a deterministic resumable data order and checkpoints that
resume exactly. Progress goes to callbacks (`add_callback("on_batch_end", fn)`, fn receives the
trainer); `progress.should_stop()` (`ainur_studio.progress.Progress`) is polled before every
step: a checkpoint is written (when an output folder is set) and `TrainingStopped` raised.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import random
import time
import typing as tp
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ainur_studio.progress import Progress
from ainur_studio.training import checkpoint as ckpt
from ainur_studio.training.data import ResumableBatchSampler
from ainur_studio.training.distributed import barrier, setup_distributed
from ainur_studio.training.ema import EMA
from ainur_studio.training.schedule import SCHEDULES

EVENTS = ("on_batch_end", "on_checkpoint", "on_validation", "on_train_end")


class TrainingError(RuntimeError):
    """Training cannot go on (non-finite loss, a model without `training_losses`, ...)."""


class TrainingStopped(Exception):
    """The caller asked to stop (`progress.should_stop()`); a checkpoint was written first."""


@dataclass
class TrainConfig:
    """Run settings (kept apart from the model config)."""

    max_steps: int = 1000              # optimizer steps
    batch_size: int = 8                # items per micro-batch per process
    grad_accum: int = 1                # micro-batches per optimizer step
    lr: float = 1e-4
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.01
    schedule: str = "cosine"           # "cosine" | "constant" (both with linear warm-up)
    warmup_steps: int = 100
    min_lr_ratio: float = 0.1          # cosine floor as a fraction of lr
    clip_grad_norm: float | None = 1.0
    ema_decay: float | None = 0.999    # None = no EMA
    precision: str = "auto"            # "auto" (bf16/fp16 on GPU, fp32 on CPU) | fp32 | bf16 | fp16
    compile: bool = False
    seed: int = 0
    checkpoint_every: int = 0          # steps; 0 = only at the end and on cancel
    keep_last: int = 3                 # checkpoints kept by rotation (0 = all)
    validate_every: int = 0            # steps; 0 = never
    num_workers: int = 0               # >0 loads batches in worker processes (exact resume
                                       # then needs items that do not draw from torch's RNG)
    find_unused_parameters: bool = True  # DDP: allow parts unused in a step (e.g. no lyrics)
    device: str | None = None          # None = this rank's GPU if any, else CPU
    extra: dict[str, tp.Any] = field(default_factory=dict)  # free-form notes kept in checkpoints


def _resolve_precision(precision: str, device: torch.device) -> torch.dtype | None:
    """Autocast dtype, or None for fp32."""
    if precision not in ("auto", "fp32", "bf16", "fp16"):
        raise ValueError(f"unknown precision {precision!r}; use auto, fp32, bf16 or fp16")
    if precision == "auto":
        if device.type != "cuda":
            return None
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]


class _LossModule(nn.Module):
    """Routes `forward` to `training_losses` so DDP and torch.compile see one call."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, batch: tp.Any) -> dict[str, torch.Tensor]:
        return self.model.training_losses(batch)


def to_device(batch: tp.Any, device: torch.device) -> tp.Any:
    """`batch` with every tensor in it (also inside dicts, lists, tuples and dataclasses) on
    `device`; anything else is kept as is."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)) and not hasattr(batch, "_fields"):
        return type(batch)(to_device(v, device) for v in batch)
    if dataclasses.is_dataclass(batch) and not isinstance(batch, type):
        return dataclasses.replace(batch, **{f.name: to_device(getattr(batch, f.name), device)
                                             for f in dataclasses.fields(batch) if f.init})
    return batch


def _default_collate(items: list[tp.Any]) -> tp.Any:
    from torch.utils.data import default_collate

    return default_collate(items)


class Trainer:
    """Train `model` on `dataset` (map-style: `len` and `[i]`).

    Args:
        model: exposes `training_losses(batch) -> dict` with "loss".
        dataset: items combined by `collate_fn` into the batch `training_losses` takes.
        config: run settings.
        collate_fn: list of items -> batch (default: torch's default_collate).
        out_dir: checkpoint folder (None = no checkpoints).
        model_config: the JSON config that rebuilds `model`; embedded in checkpoints.
        progress: `should_stop()` is polled before each step (see `TrainingStopped`).
        validate_fn: `fn(model) -> dict[str, float]`, run on the main rank with EMA weights.

    Construction joins the torchrun process group when launched by torchrun, moves the model
    to the device and seeds Python, NumPy and torch with `config.seed + rank`.
    """

    def __init__(self, *, model: nn.Module, dataset: tp.Any, config: TrainConfig,
                 collate_fn: tp.Callable[[list[tp.Any]], tp.Any] | None = None,
                 out_dir: str | Path | None = None, model_config: dict | None = None,
                 progress: Progress | None = None,
                 validate_fn: tp.Callable[[nn.Module], dict[str, float]] | None = None) -> None:
        if not callable(getattr(model, "training_losses", None)):
            raise TrainingError(f"{type(model).__name__} has no training_losses(batch) method")
        self.config, self.dataset, self.progress = config, dataset, progress
        self.collate_fn = collate_fn or _default_collate
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.model_config, self.validate_fn = model_config, validate_fn
        self.dist = setup_distributed(device=config.device)
        self._seed_everything(config.seed + self.dist.rank)
        self.model = model.to(self.dist.device)
        self.amp_dtype = _resolve_precision(config.precision, self.dist.device)
        params = [p for p in self.model.parameters() if p.requires_grad]
        if not params:
            raise TrainingError("the model has no trainable parameters")
        self.optimizer = torch.optim.AdamW(params, lr=config.lr, betas=config.betas,
                                           eps=config.eps, weight_decay=config.weight_decay)
        self.scaler = torch.amp.GradScaler(
            self.dist.device.type, enabled=self.amp_dtype == torch.float16)
        self.ema = EMA(self.model, decay=config.ema_decay) if config.ema_decay else None
        self.loss_module = self._wrap(self.model)
        self.callbacks: dict[str, list[tp.Callable[[Trainer], None]]] = {e: [] for e in EVENTS}
        self.step = 0                  # optimizer steps done
        self.position = 0              # micro-batches consumed by this rank
        self.last_losses: dict[str, float] = {}
        self.last_validation: dict[str, float] = {}
        self.lr = 0.0
        self.samples_per_s = 0.0
        self.eta_s = 0.0
        self.last_checkpoint: Path | None = None
        self._sampler: ResumableBatchSampler | None = None
        self._batches: tp.Iterator[tp.Any] | None = None
        self._saved_step = -1

    # --- setup ---------------------------------------------------------------------------

    @staticmethod
    def _seed_everything(seed: int) -> None:
        random.seed(seed)
        np.random.seed(seed % 2**32)
        torch.manual_seed(seed)

    def _wrap(self, model: nn.Module) -> nn.Module:
        module: nn.Module = _LossModule(model)
        if self.dist.enabled:
            from torch.nn.parallel import DistributedDataParallel

            ids = [self.dist.device.index] if self.dist.device.type == "cuda" else None
            module = DistributedDataParallel(
                module, device_ids=ids,
                find_unused_parameters=self.config.find_unused_parameters)
        if self.config.compile:
            module = tp.cast(nn.Module, torch.compile(module))
        return module

    def add_callback(self, event: str, fn: tp.Callable[[Trainer], None]) -> None:
        """Call `fn(trainer)` on `event` (one of EVENTS)."""
        if event not in self.callbacks:
            raise ValueError(f"unknown trainer event {event!r}; known: {', '.join(EVENTS)}")
        self.callbacks[event].append(fn)

    def _trigger(self, event: str) -> None:
        for fn in self.callbacks[event]:
            fn(self)

    # --- data ----------------------------------------------------------------------------

    def _batch_stream(self) -> tp.Iterator[tp.Any]:
        self._sampler = ResumableBatchSampler(
            len(self.dataset), batch_size=self.config.batch_size, seed=self.config.seed,
            rank=self.dist.rank, world_size=self.dist.world_size, start=self.position)
        if self.config.num_workers > 0:
            from torch.utils.data import DataLoader

            loader = DataLoader(self.dataset, batch_sampler=self._sampler,
                                collate_fn=self.collate_fn, num_workers=self.config.num_workers,
                                generator=torch.Generator().manual_seed(self.config.seed),
                                persistent_workers=True)
            return iter(loader)
        return (self.collate_fn([self.dataset[i] for i in idx]) for idx in self._sampler)

    def _next_batch(self) -> tp.Any:
        if self._batches is None:
            self._batches = self._batch_stream()
        self.position += 1
        return next(self._batches)

    # --- one step ------------------------------------------------------------------------

    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.dist.device.type, dtype=self.amp_dtype)

    def _micro_step(self, sync: bool) -> dict[str, float]:
        batch = to_device(self._next_batch(), self.dist.device)
        no_sync = getattr(self.loss_module, "no_sync", None)
        guard = no_sync() if (no_sync is not None and not sync) else contextlib.nullcontext()
        with guard:
            with self._autocast():
                out = self.loss_module(batch)
            loss = out["loss"]
            if not self.scaler.is_enabled() and not torch.isfinite(loss):
                raise TrainingError(f"loss is {loss.item()} at step {self.step + 1}; lower the "
                                    "learning rate or check the data")
            self.scaler.scale(loss / self.config.grad_accum).backward()
        return {k: float(v.detach().float().mean()) for k, v in out.items()
                if isinstance(v, torch.Tensor)}

    def _set_lr(self) -> None:
        c = self.config
        factor = SCHEDULES[c.schedule](self.step, warmup_steps=c.warmup_steps,
                                       total_steps=c.max_steps, min_ratio=c.min_lr_ratio)
        self.lr = c.lr * factor
        for group in self.optimizer.param_groups:
            group["lr"] = self.lr

    def train_step(self) -> dict[str, float]:
        """One optimizer step over `grad_accum` micro-batches; returns mean losses."""
        self.model.train()
        sums: dict[str, float] = {}
        for micro in range(self.config.grad_accum):
            for k, v in self._micro_step(sync=micro == self.config.grad_accum - 1).items():
                sums[k] = sums.get(k, 0.0) + v / self.config.grad_accum
        self.scaler.unscale_(self.optimizer)
        if self.config.clip_grad_norm:
            norm = torch.nn.utils.clip_grad_norm_(
                [p for g in self.optimizer.param_groups for p in g["params"]],
                self.config.clip_grad_norm)
            sums["grad_norm"] = float(norm)
        self._set_lr()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.optimizer.zero_grad(set_to_none=True)
        if self.ema is not None:
            self.ema.update(self.model)
        self.step += 1
        return sums

    # --- run -----------------------------------------------------------------------------

    def fit(self, *, until_step: int | None = None) -> dict[str, tp.Any]:
        """Train until `config.max_steps` (or stop early at `until_step`; the schedule still
        spans max_steps); returns a summary (steps, final loss, timing)."""
        start, start_step = time.perf_counter(), self.step
        per_step = self.config.batch_size * self.config.grad_accum * self.dist.world_size
        stop = min(self.config.max_steps, until_step or self.config.max_steps)
        while self.step < stop:
            self._poll_cancel()
            t0 = time.perf_counter()
            self.last_losses = self.train_step()
            dt = max(time.perf_counter() - t0, 1e-9)
            self.samples_per_s = per_step / dt
            self.eta_s = dt * (self.config.max_steps - self.step)
            self._trigger("on_batch_end")
            self._maybe_validate()
            if self.config.checkpoint_every and self.step % self.config.checkpoint_every == 0:
                self.save_checkpoint()
        if self.out_dir is not None and self._saved_step != self.step:
            self.save_checkpoint()
        seconds = time.perf_counter() - start
        self._trigger("on_train_end")
        return {"steps": self.step, "loss": self.last_losses.get("loss", math.nan),
                "seconds": seconds, "steps_per_s": (self.step - start_step) / max(seconds, 1e-9),
                "checkpoint": str(self.last_checkpoint) if self.last_checkpoint else None}

    def _poll_cancel(self) -> None:
        if self.progress is None or not self.progress.should_stop():
            return
        if self.out_dir is not None and self.step > 0:
            self.save_checkpoint()
        raise TrainingStopped(f"stopped at step {self.step}")

    def _maybe_validate(self) -> None:
        every = self.config.validate_every
        if not (self.validate_fn and every and self.step % every == 0):
            return
        if self.dist.is_main:
            self.last_validation = self.validate(self.validate_fn)
            self._trigger("on_validation")
        barrier()

    def validate(self, fn: tp.Callable[[nn.Module], dict[str, float]]) -> dict[str, float]:
        """Run `fn(model)` in eval mode with the EMA weights (raw weights without EMA)."""
        self.model.eval()
        with torch.no_grad():
            if self.ema is None:
                result = fn(self.model)
            else:
                with self.ema.swapped_in(self.model):
                    result = fn(self.model)
        self.model.train()
        return result

    # --- checkpoints ---------------------------------------------------------------------

    def state(self) -> dict[str, tp.Any]:
        """Small trainer state stored in `state.json`."""
        return {"step": self.step, "position": self.position, "lr": self.lr,
                "world_size": self.dist.world_size, "train_config": asdict(self.config),
                "last_losses": self.last_losses}

    def save_checkpoint(self) -> Path | None:
        """Write a checkpoint of the current step into `out_dir` (all ranks must call this)."""
        if self.out_dir is None:
            return None
        staging = ckpt.staging_dir(self.out_dir, self.step)
        if self.dist.is_main:
            ckpt.clean_staging(self.out_dir)
            staging.mkdir(parents=True)
        barrier()
        ckpt.save_rng(staging, self.dist.rank)
        if self.dist.is_main:
            ckpt.save_main(staging, model=self.model, optimizer=self.optimizer, ema=self.ema,
                           scaler=self.scaler, state=self.state(), model_config=self.model_config)
        barrier()
        self.last_checkpoint = staging.parent / ckpt.checkpoint_name(self.step)
        self._saved_step = self.step
        if self.dist.is_main:
            ckpt.finalize(staging, keep_last=self.config.keep_last)
        barrier()
        self._trigger("on_checkpoint")
        return self.last_checkpoint

    def resume(self, path: str | Path | None = None) -> bool:
        """Continue from checkpoint `path` (default: the newest in `out_dir`).

        Returns:
            False when no checkpoint exists (a fresh start), True after restoring.
        """
        if path is None:
            path = ckpt.latest_checkpoint(self.out_dir) if self.out_dir is not None else None
            if path is None:
                return False
        state = ckpt.load_into(path, model=self.model, optimizer=self.optimizer, ema=self.ema,
                               scaler=self.scaler, rank=self.dist.rank, device=self.dist.device)
        if state["world_size"] != self.dist.world_size:
            raise ckpt.CheckpointError(
                f"{path} was written by {state['world_size']} processes, this run has "
                f"{self.dist.world_size}; the data order would change: resume with the same count")
        self.step, self.position = int(state["step"]), int(state["position"])
        self.lr, self.last_losses = float(state["lr"]), dict(state["last_losses"])
        self.last_checkpoint, self._batches = Path(path), None
        self._saved_step = self.step
        return True

    def export(self, folder: str | Path) -> Path:
        """Inference weights (EMA when on) + `model_config.json` into `folder` (main rank)."""
        if self.model_config is None:
            raise TrainingError("export needs the model config: pass model_config to Trainer")
        return ckpt.save_inference(folder, model=self.model, model_config=self.model_config,
                                   ema=self.ema)
