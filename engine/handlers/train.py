"""The `train` job: the trainer's callbacks become `training_progress` events.

The trainer is injected as `runtime.train_fn(spec, *, device, precision, callback,
should_stop, log) -> dict`, where `callback(info)` is called at least once per optimiser step with
``step``, ``total``, ``loss``, ``lr``, ``samples_per_s`` and optionally ``previews`` (paths of
rendered preview clips), and `should_stop()` is polled once per step. When it returns True the
trainer saves a checkpoint and returns. The default trainer is
`ainur_studio.training.run.train`, imported on first use.
"""

from __future__ import annotations

import time
import typing as tp

from engine.handlers import Runtime, import_model_function
from engine.jobs import JobCancelled, JobContext, JobError
from engine.protocol import ErrorCode, EventName


def default_train_fn() -> tp.Callable[..., tp.Any]:
    return import_model_function("ainur_studio.training.run", "train", "has no trainer")


def progress_data(info: tp.Mapping[str, tp.Any], elapsed: float) -> dict[str, tp.Any]:
    """A trainer callback dict -> the `training_progress` payload (ETA extrapolated)."""
    step = int(info.get("step", 0))
    total = int(info.get("total", 0) or 0)
    eta = info.get("eta")
    if eta is None and 0 < step < total:
        eta = elapsed * (total - step) / step
    return {"step": step, "total": total,
            "loss": _float(info.get("loss")), "lr": _float(info.get("lr")),
            "samples_per_s": _float(info.get("samples_per_s")),
            "eta": None if eta is None else round(float(eta), 3),
            "previews": [str(p) for p in info.get("previews", []) or []]}


def _float(value: tp.Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def run(params: dict[str, tp.Any], ctx: JobContext, *, runtime: Runtime) -> dict[str, tp.Any]:
    """Run the trainer on ``params.spec``; `stop_training` ends it with a checkpoint,
    `cancel` ends it as cancelled."""
    spec = params.get("spec")
    if not isinstance(spec, dict):
        raise JobError(ErrorCode.BAD_PARAMS, "train needs params.spec, the training "
                       "settings object (data folder, base pack, mode, steps, ...)")
    train = runtime.train_fn or default_train_fn()
    t0 = time.monotonic()

    def callback(info: dict[str, tp.Any]) -> None:
        ctx.emit(EventName.TRAINING_PROGRESS.value, progress_data(info, time.monotonic() - t0))

    result = train(spec, device=runtime.device.device, precision=runtime.device.precision,
                   callback=callback, should_stop=lambda: ctx.cancelled or ctx.stop_requested,
                   log=lambda msg: ctx.report(0, 0, stage="prepare", message=msg))
    if ctx.cancelled:
        raise JobCancelled(ctx.job.id)
    out = dict(result) if isinstance(result, dict) else {}
    return {**out, "stopped": ctx.stop_requested}
