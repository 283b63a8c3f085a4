"""`train(spec, ...)`: one training run, as the CLI and the engine's `train` job start it.

For the prior (LoRA, full or from scratch): read the data (folder or manifest, broken files
reported and skipped), encode it once into the run's cache, train on random latent crops with
the shared trainer (checkpoints, exact resume, validation with previews), and export a pack.
Other components (`clasp`, `autoencoder`, `decoder`) go to `ainur_studio.training.scratch`.
Under torchrun every rank runs this same function; only the main rank writes files.
"""

from __future__ import annotations

import json
import typing as tp
from pathlib import Path

import torch

from ainur_studio.data.datasets import LatentCropDataset, collate_crops, crop_length, split_holdout
from ainur_studio.training.batch_size import pick_batch_size
from ainur_studio.training.distributed import DistInfo, barrier, setup_distributed
from ainur_studio.training.finetune import (
    ClaspVectors,
    PriorObjective,
    count_trainable,
    prepare_prior,
)
from ainur_studio.training.loop import TrainConfig, Trainer
from ainur_studio.training.precache import precache
from ainur_studio.training.run_common import (
    Callback,
    History,
    Log,
    StopContext,
    attach_reporting,
    fit,
    json_safe,
    resume_or_start,
)
from ainur_studio.training.run_sources import Sources, load_sources
from ainur_studio.training.run_spec import RunSpec
from ainur_studio.training.validation import Previews, make_validate_fn


def user_data_dir() -> Path:
    """The app's user data folder (`AINUR_STUDIO_HOME` overrides)."""
    from ainur_studio.models.pretrained import user_models_dir

    return user_models_dir().parent


def train(spec: tp.Mapping[str, tp.Any] | RunSpec, *, device: str | None = None,
          precision: str = "auto", callback: Callback | None = None,
          should_stop: tp.Callable[[], bool] | None = None,
          log: Log | None = None) -> dict[str, tp.Any]:
    """Run (or resume) one training run.

    Args:
        spec: a `RunSpec` or its JSON object (see `RunSpec.from_dict`).
        device: "cpu", "cuda", "cuda:1", ... (None = this rank's GPU if any, else CPU).
        precision: "auto" | "fp32" | "bf16" | "fp16".
        callback: `callback(info)` after every optimizer step and validation, with "step",
            "total", "loss", "lr", "samples_per_s", "eta", "previews" (WAV paths), "validation".
        should_stop: polled before every step; True saves a checkpoint and returns.
        log: receives one-line status messages (data report, encoding, exports).

    Returns:
        Summary: "steps", "loss", "first_loss", "seconds", "steps_per_s", "checkpoint",
        "pack" (exported folder or None), "out", "stopped", "skipped" (the report's skipped
        files), "batch_size", "trainable_parameters".
    """
    run = spec if isinstance(spec, RunSpec) else RunSpec.from_dict(spec)
    dist = setup_distributed(device=device)
    out = run.run_folder(user_data_dir())
    say = log if (log is not None and dist.is_main) else (lambda _msg: None)
    if dist.is_main:
        out.mkdir(parents=True, exist_ok=True)
        (out / "spec.json").write_text(json.dumps(run.to_dict(), indent=2) + "\n",
                                       encoding="utf-8")
    sources = load_sources(run.data)
    say(sources.report.summary())
    if run.component != "prior":
        from ainur_studio.training.scratch import train_component

        return json_safe(train_component(run, sources, out=out, dist=dist, precision=precision,
                                         callback=callback, should_stop=should_stop, log=say))
    return json_safe(_train_prior(run, sources, out=out, dist=dist, precision=precision,
                                  callback=callback, should_stop=should_stop, log=say))


def load_base(run: RunSpec, device: torch.device) -> tp.Any:
    """The base pack; in "scratch" mode its prior is replaced by a fresh one from `config`."""
    from ainur_studio.models.pretrained import load_pack

    pack = load_pack(run.base)
    if run.mode == "scratch":
        from ainur_studio.training.scratch import fresh_diffusion

        fresh_diffusion(pack, run.config, seed=run.seed)
    return pack.to(device)


def _encode(run: RunSpec, sources: Sources, pack: tp.Any, out: Path, dist: DistInfo,
            log: Log) -> tuple[list, list]:
    """(train, held-out) `LatentItem`s; the main rank encodes, the others read the cache."""
    if not sources.train:
        raise ValueError(f"no usable recordings in {run.data}:\n{sources.report.summary()}")
    cache = Path(run.cache_dir).expanduser() if run.cache_dir else out / "cache"
    everything = sources.train + sources.held_out

    def progress(done: int, total: int, path: str) -> None:
        log(f"encoded {done}/{total}: {Path(path).name}")

    if dist.is_main:
        precache(everything, pack, cache_dir=cache, progress=progress, prune=not run.cache_dir)
    barrier()
    items = precache(everything, pack, cache_dir=cache)
    train_items, held = items[: len(sources.train)], items[len(sources.train):]
    if not held and run.preview_every:  # hold out only when something validates on them
        train_items, held = split_holdout(train_items, fraction=run.holdout, seed=run.seed)
    return train_items, held


def _datasets(run: RunSpec, pack: tp.Any, train_items: list, held: list
              ) -> tuple[LatentCropDataset, LatentCropDataset | None]:
    d = pack.diffusion
    wanted = min(round(run.crop_seconds * d.frame_rate), d.fixed_frames or d.max_frames)
    frames = crop_length(train_items + held, wanted=wanted, multiple=d.length_multiple)
    clasp_fn = ClaspVectors(pack.clasp) if d.clasp is not None else None
    train_set = LatentCropDataset(train_items, crop_frames=frames, frame_rate=d.frame_rate,
                                  clasp_fn=clasp_fn)
    held_set = LatentCropDataset(held, crop_frames=frames, frame_rate=d.frame_rate,
                                 clasp_fn=clasp_fn, random_crop=False) if held else None
    return train_set, held_set


def _train_config(run: RunSpec, batch: int, precision: str, device: torch.device) -> TrainConfig:
    return TrainConfig(max_steps=run.steps, batch_size=batch, grad_accum=run.grad_accum,
                       lr=run.lr, warmup_steps=min(run.warmup, max(run.steps // 10, 0)),
                       clip_grad_norm=run.clip_grad_norm, ema_decay=run.ema_decay,
                       precision=precision, compile=run.compile, seed=run.seed,
                       checkpoint_every=run.save_every, keep_last=run.keep_last,
                       validate_every=run.preview_every, device=str(device))


def _probe(objective: PriorObjective, dataset: LatentCropDataset) -> tp.Callable[[int], None]:
    def probe(batch: int) -> None:
        device = objective.diffusion.device
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            items = [dataset[i % len(dataset)] for i in range(batch)]
            objective.training_losses(collate_crops(items))["loss"].backward()
        objective.zero_grad(set_to_none=True)

    return probe


def _train_prior(run: RunSpec, sources: Sources, *, out: Path, dist: DistInfo, precision: str,
                 callback: Callback | None, should_stop: tp.Callable[[], bool] | None,
                 log: Log) -> dict[str, tp.Any]:
    pack = load_base(run, dist.device)
    base_hash = pack.hash
    train_items, held = _encode(run, sources, pack, out, dist, log)
    train_set, held_set = _datasets(run, pack, train_items, held)
    lora = prepare_prior(pack.diffusion, mode=run.mode, rank=run.rank, alpha=run.alpha,
                         target_kinds=run.lora_targets, seed=run.seed)
    objective = PriorObjective(pack.diffusion)
    prompts = run.preview_prompts or [it.prompt or "music" for it in (held or train_items)[:2]]
    previews = Previews(prompts=prompts, seconds=run.preview_seconds, steps=run.preview_steps,
                        folder=out / "previews")
    history = History(out, enabled=dist.is_main)
    limit = max(1, len(train_set) // dist.world_size)
    batch = pick_batch_size(run.batch_size, dist.device, probe=_probe(objective, train_set),
                            limit=limit)
    log(f"training {run.mode} on {len(train_set)} recordings ({len(held)} held out), "
        f"crops of {train_set.crop_frames} frames, batch {batch}")

    def build(batch_size: int) -> Trainer:
        trainer = Trainer(model=objective, dataset=train_set, collate_fn=collate_crops,
                          config=_train_config(run, batch_size, precision, dist.device),
                          out_dir=out / "checkpoints", model_config=pack.configs["diffusion"],
                          ctx=StopContext(should_stop),
                          validate_fn=make_validate_fn(objective=objective, pack=pack,
                                                       held_out=held_set, previews=previews,
                                                       device=dist.device,
                                                       step_of=lambda: trainer.step))
        attach_reporting(trainer, history=history, callback=callback,
                         previews=lambda: list(previews.written))
        resume_or_start(trainer, resume=run.resume, history=history)
        return trainer

    trainer, summary, stopped = fit(build, batch, log=log)
    folder = None
    if not stopped and dist.is_main:
        from ainur_studio.training.run_export import export_prior

        folder = export_prior(run, pack, trainer, lora=lora, base_hash=base_hash, out=out,
                              log=log)
    barrier()
    return {**summary, "first_loss": _first_loss(history), "out": str(out),
            "pack": str(folder) if folder else None, "stopped": stopped,
            "batch_size": trainer.config.batch_size, "previews": list(previews.written),
            "skipped": [s.__dict__ for s in sources.report.skipped],
            "trainable_parameters": count_trainable(objective)[0]}


def _first_loss(history: History) -> float | None:
    for record in history.read():
        if "loss" in record:
            return float(record["loss"])
    return None
