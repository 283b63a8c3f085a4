"""Fitting a prior on crop datasets, shared by the `prior` and `stems` recipes.

`fit_prior` prepares the prior (LoRA, full or fresh), wraps it in its objective, picks the
batch size, builds the shared trainer (validation with previews, reporting, exact resume),
fits it and exports the pack on the main rank.
"""

from __future__ import annotations

import typing as tp

import torch

from ainur_studio.data.datasets import LatentCropDataset, collate_crops
from ainur_studio.training.batch_size import pick_batch_size
from ainur_studio.training.distributed import barrier
from ainur_studio.training.loop import Trainer
from ainur_studio.training.recipes.prior_export import export_prior
from ainur_studio.training.recipes.prior_objective import (
    PriorObjective,
    count_trainable,
    prepare_prior,
)
from ainur_studio.training.recipes.prior_previews import Previews, make_validate_fn
from ainur_studio.training.runs import History, RunEnv, attach_reporting, fit, resume_or_start
from ainur_studio.training.sources import Sources
from ainur_studio.training.spec import RunSpec


def wanted_frames(spec: RunSpec, prior: tp.Any) -> int:
    """Latent frames of the crop `spec.crop_seconds` asks for, at most what the prior takes."""
    return min(round(spec.crop_seconds * prior.frame_rate), prior.fixed_frames or prior.max_frames)


def fit_prior(spec: RunSpec, sources: Sources, env: RunEnv, pack: tp.Any, *,
              objective_cls: type[PriorObjective], train_set: LatentCropDataset,
              held_set: LatentCropDataset | None, prompts: list[str], what: str,
              captioned: bool = False, with_autoencoder: bool = False,
              probe: tp.Any | None = None) -> dict[str, tp.Any]:
    """Train `pack`'s prior with `objective_cls` on the crops and export it; the run's summary.

    Args:
        prompts: the previews' prompts.
        what: what the training items are, for the log ("recordings", "clips of 5 stems").
        captioned: the items are captioned recordings (`RunSpec.prior_clasp_dropout`).
        with_autoencoder: the pack's autoencoder was fine-tuned: a LoRA pack carries it.
        probe: a `prior_closeness.ClosenessProbe`: validations measure the previews with it.
    """
    base_hash = pack.hash
    lora = prepare_prior(pack.prior, mode=spec.mode, rank=spec.rank, alpha=spec.alpha,
                         target_kinds=spec.lora_targets, seed=spec.seed)
    dropout = spec.prior_clasp_dropout(captioned=captioned)
    objective = objective_cls(pack.prior, clasp_dropout=dropout)
    _report_choices(spec, env, objective, dropout=dropout, captioned=captioned, clasp=pack.clasp)
    previews = Previews(prompts=prompts, seconds=spec.preview_seconds, steps=spec.preview_steps,
                        folder=env.out / "previews")
    history = History(env.out, enabled=env.dist.is_main)
    limit = max(1, len(train_set) // env.dist.world_size)
    batch = pick_batch_size(spec.batch_size, env.dist.device,
                            probe=_probe(objective, train_set), limit=limit)
    env.log(f"training {spec.mode} on {len(train_set)} {what} "
            f"({len(held_set) if held_set else 0} held out), "
            f"crops of {train_set.crop_frames} frames, batch {batch}")

    def build(batch_size: int) -> Trainer:
        trainer = Trainer(model=objective, dataset=train_set, collate_fn=collate_crops,
                          config=spec.train_config(batch_size, env),
                          out_dir=env.out / "checkpoints", model_config=pack.configs["prior"],
                          progress=env.progress,
                          validate_fn=make_validate_fn(objective=objective, pack=pack,
                                                       held_out=held_set, previews=previews,
                                                       device=env.dist.device,
                                                       step_of=lambda: trainer.step,
                                                       probe=probe, log=env.log))
        attach_reporting(trainer, history=history, progress=env.progress,
                         previews=lambda: list(previews.written))
        resume_or_start(trainer, resume=spec.resume, history=history, log=env.log)
        return trainer

    trainer, summary, stopped = fit(build, batch, log=env.log)
    folder = None
    if not stopped and env.dist.is_main:
        folder = export_prior(spec, pack, trainer, lora=lora, base_hash=base_hash, out=env.out,
                              log=env.log, with_autoencoder=with_autoencoder)
    barrier()
    return {**summary, "first_loss": history.first_loss(), "out": str(env.out),
            "pack": str(folder) if folder else None, "stopped": stopped,
            "batch_size": trainer.config.batch_size, "previews": list(previews.written),
            "skipped": sources.skipped(),
            "trainable_parameters": count_trainable(objective)[0], "plan": list(env.plan)}


def _report_choices(spec: RunSpec, env: RunEnv, objective: PriorObjective, *,
                    dropout: float | None, captioned: bool, clasp: tp.Any | None) -> None:
    """What this run adapts and why, for the plan (the decoder's line comes before)."""
    trainable = count_trainable(objective)[0]
    if spec.mode == "lora":
        env.choice(f"prior: LoRA rank {spec.rank} on {' and '.join(spec.lora_targets)} layers "
                   f"({trainable:,} trainable parameters; the base weights stay as they are)")
    else:
        how = "full fine-tune" if spec.mode == "full" else "trained from a fresh start"
        env.choice(f"prior: {how} ({trainable:,} trainable parameters)")
    if dropout == 1.0 and captioned:
        env.choice("conditioning: trained without the CLASP audio vector (captioned recordings:"
                   " a prompt alone reaches the prior through its text, so it learns that way)")
    elif dropout is not None:
        env.choice(f"conditioning: the CLASP vector is left out of {dropout:.0%} of the crops")
    else:
        env.choice("conditioning: the prior's own CLASP dropout (the data are a corpus)")
    if clasp is not None:
        env.choice("CLASP: kept as the base pack's (this run adapts the prior and, when needed,"
                   " the decoder)")


def _probe(objective: PriorObjective, dataset: LatentCropDataset) -> tp.Callable[[int], None]:
    def probe(batch: int) -> None:
        device = objective.prior.device
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            items = [dataset[i % len(dataset)] for i in range(batch)]
            objective.training_losses(collate_crops(items))["loss"].backward()
        objective.zero_grad(set_to_none=True)

    return probe
