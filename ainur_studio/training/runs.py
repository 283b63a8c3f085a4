"""Pieces every training run shares, whatever its recipe: where it runs (`RunEnv`), progress
reports, the loss history file, resume rules, the EMA swap for export and the out-of-memory
retry around `Trainer.fit`."""

from __future__ import annotations

import contextlib
import json
import math
import typing as tp
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ainur_studio.progress import SILENT, Progress
from ainur_studio.training import checkpoint as ckpt
from ainur_studio.training.batch_size import is_out_of_memory
from ainur_studio.training.distributed import DistInfo
from ainur_studio.training.loop import Trainer, TrainingStopped

HISTORY = "history.jsonl"


@dataclass
class RunEnv:
    """Where and how a recipe runs: its run folder, the process group, the precision and the
    progress contract (reports, stop requests, status lines; only the main rank reports)."""

    out: Path
    dist: DistInfo
    precision: str = "auto"
    progress: Progress = SILENT
    plan: list[str] = field(default_factory=list)

    def log(self, message: str) -> None:
        if self.dist.is_main:
            self.progress.log(message)

    def choice(self, message: str) -> None:
        """A choice the run made and its reason ("decoder: ...: adapting"): kept in `plan`
        for the summary and reported as a "plan" stage line, which the Training page shows
        beside the dataset report and `train` prints."""
        if self.dist.is_main:
            self.plan.append(message)
            self.progress.report(0, 0, stage="plan", message=message)


class History:
    """One JSON line per optimizer step in `<run>/history.jsonl` (main rank), so the loss curve
    survives restarts; on resume, lines after the checkpoint's step are dropped."""

    def __init__(self, folder: Path, *, enabled: bool = True) -> None:
        self.path, self.enabled = folder / HISTORY, enabled

    def truncate(self, step: int) -> None:
        if not self.enabled or not self.path.is_file():
            return
        keep = [line for line in self.path.read_text(encoding="utf-8").splitlines()
                if line.strip() and json.loads(line).get("step", 0) <= step]
        self.path.write_text("".join(line + "\n" for line in keep), encoding="utf-8")

    def append(self, record: dict[str, tp.Any]) -> None:
        if self.enabled:
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record) + "\n")

    def first_loss(self) -> float | None:
        """The training loss of the run's first recorded step."""
        for record in self.read():
            if "loss" in record:
                return float(record["loss"])
        return None

    def read(self) -> list[dict[str, tp.Any]]:
        if not self.path.is_file():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines()
                if line.strip()]


def step_data(trainer: Trainer, previews: tp.Sequence[str] = (), *,
              event: str = "step") -> dict[str, tp.Any]:
    """The figures of the trainer's current step that go with a progress report; `event` is
    "step" after an optimizer step, "validation" after a validation."""
    return {"event": event, "loss": trainer.last_losses.get("loss", math.nan), "lr": trainer.lr,
            "samples_per_s": trainer.samples_per_s, "eta": trainer.eta_s,
            "previews": list(previews), "validation": dict(trainer.last_validation)}


def attach_reporting(trainer: Trainer, *, history: History, progress: Progress,
                     previews: tp.Callable[[], list[str]] = list) -> None:
    """History lines and a `progress.report(step, total, stage="train", ...)` after every
    step and every validation (main rank)."""
    def report(t: Trainer, data: dict[str, tp.Any]) -> None:
        progress.report(t.step, t.config.max_steps, stage="train", **data)

    def on_step(t: Trainer) -> None:
        history.append({"step": t.step, "lr": t.lr, "samples_per_s": t.samples_per_s,
                        **t.last_losses})
        report(t, step_data(t))

    def on_validation(t: Trainer) -> None:
        history.append({"step": t.step, "validation": t.last_validation,
                        "previews": previews()})
        report(t, step_data(t, previews(), event="validation"))

    if trainer.dist.is_main:
        trainer.add_callback("on_batch_end", on_step)
        trainer.add_callback("on_validation", on_validation)


def ema_weights(trainer: Trainer) -> contextlib.AbstractContextManager:
    """The EMA weights swapped into the model for the block (export them), if any."""
    if trainer.ema is None:
        return contextlib.nullcontext()
    return trainer.ema.swapped_in(trainer.model)


def resume_or_start(trainer: Trainer, *, resume: bool, history: History,
                    log: tp.Callable[[str], None] | None = None) -> int:
    """Restore the newest checkpoint when `resume`; refuse to start over existing ones.

    Returns:
        The step training continues from.

    Raises:
        RuntimeError: checkpoints exist but `resume` is False.
        CheckpointError: `resume`, but every checkpoint is damaged.
    """
    folder = trainer.out_dir
    existing = ckpt.list_checkpoints(folder) if folder is not None else []
    if existing and not resume:  # damaged ones count too: a run never mixes with another
        raise RuntimeError(f"{folder} already holds checkpoints (newest {existing[-1].name}); "
                           "resume that run or choose another output folder")
    found = ckpt.latest_checkpoint(folder) if existing else None  # the newest intact one
    if existing and found is None:
        raise ckpt.CheckpointError(f"every checkpoint in {folder} is damaged; delete them to "
                                   "start the run over")
    if found is None:
        history.truncate(0)
        return 0
    trainer.resume(found)
    history.truncate(trainer.step)
    if log is not None:
        log(f"resumed at step {trainer.step} from {found.name}")
    return trainer.step


def fit(build: tp.Callable[[int], Trainer], batch_size: int, *,
        log: tp.Callable[[str], None] | None = None,
        before_fit: tp.Callable[[Trainer], None] | None = None
        ) -> tuple[Trainer, dict[str, tp.Any], bool]:
    """Build a trainer and fit it, halving the batch on out-of-memory before the first step.

    Returns:
        (trainer, summary, stopped): `stopped` is True when a stop request ended training.
    """
    while True:
        trainer = build(batch_size)
        if before_fit is not None:
            before_fit(trainer)
        start = trainer.step
        try:
            return trainer, trainer.fit(), False
        except TrainingStopped:
            return trainer, {"steps": trainer.step,
                             "loss": trainer.last_losses.get("loss", math.nan),
                             "checkpoint": str(trainer.last_checkpoint or "")}, True
        except Exception as exc:
            if not is_out_of_memory(exc) or batch_size == 1 or trainer.step > start:
                raise
            trainer.optimizer.zero_grad(set_to_none=True)
            batch_size //= 2
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            if log is not None:
                log(f"out of memory: retrying with batch size {batch_size}")


def json_safe(summary: dict[str, tp.Any]) -> dict[str, tp.Any]:
    """`summary` with non-finite floats (a run with no step has no loss) replaced by None, so
    it travels as strict JSON."""
    return {k: None if isinstance(v, float) and not math.isfinite(v) else v
            for k, v in summary.items()}
