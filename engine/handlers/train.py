"""The `train` job: `ainur_studio.training.train.train(spec, ...)` with the job's context as its
progress contract, so optimizer steps become `training_progress` events and `stop_training` /
`cancel` end it at the next step (with a checkpoint).

The trainer is injected as `runtime.train_fn(spec, *, device, precision, progress) -> dict`;
the default is imported on first use.
"""

from __future__ import annotations

import typing as tp

from engine.handlers.runtime import Runtime, import_model_function
from engine.jobs import JobCancelled, JobContext, JobError
from engine.protocol import ErrorCode


def default_train_fn() -> tp.Callable[..., tp.Any]:
    return import_model_function("ainur_studio.training.train", "train", "has no trainer")


def run(params: dict[str, tp.Any], ctx: JobContext, *, runtime: Runtime) -> dict[str, tp.Any]:
    """Run the trainer on ``params.spec``; `stop_training` ends it with a checkpoint,
    `cancel` ends it as cancelled."""
    spec = params.get("spec")
    if not isinstance(spec, dict):
        raise JobError(ErrorCode.BAD_PARAMS, "train needs params.spec, the training "
                       "settings object (data folder, base pack, mode, steps, ...)")
    train = runtime.train_fn or default_train_fn()
    result = train(spec, device=runtime.device.device, precision=runtime.device.precision,
                   progress=ctx)
    if ctx.cancelled:
        raise JobCancelled(ctx.job.id)
    out = dict(result) if isinstance(result, dict) else {}
    return {**out, "stopped": ctx.stop_requested}
