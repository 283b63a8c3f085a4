"""Training CLASP and the autoencoder (from scratch or from a pack), and fresh priors.

The same trainer, checkpoints, resume, history and stop rules as prior fine-tuning
(`ainur_studio.training.run`); only the data differ: CLASP trains on caption/lyrics-paired crops,
the autoencoder (or only its decoder, "decoder") on raw audio crops. A from-scratch component is
exported as `<run>/model` (config + weights); a fine-tuned one as a full pack in `<run>/pack`.
"""

from __future__ import annotations

import json
import typing as tp
from pathlib import Path

import torch

from ainur_studio.data.datasets import split_holdout
from ainur_studio.training.clasp_data import ClaspClipDataset, ClaspPair, collate_clips, read_window
from ainur_studio.training.distributed import DistInfo, barrier
from ainur_studio.training.loop import TrainConfig, Trainer
from ainur_studio.training.run_common import (
    Callback,
    History,
    Log,
    StopContext,
    attach_reporting,
    fit,
    resume_or_start,
)
from ainur_studio.training.run_sources import Sources
from ainur_studio.training.run_spec import RunSpec

PREFIX = {"prior": "prior", "clasp": "clasp", "autoencoder": "autoencoder",
          "decoder": "autoencoder"}


def resolve_config(component: str, name: str) -> dict[str, tp.Any]:
    """A model config: a JSON file, a shipped config ("prior_small"), or a short name
    ("small" -> "<component>_small")."""
    from ainur_studio.models.factory import load_config

    path = Path(name).expanduser()
    if path.suffix == ".json":
        if not path.is_file():
            raise ValueError(f"config file {path} does not exist")
        return json.loads(path.read_text(encoding="utf-8"))
    prefix = PREFIX[component]
    return load_config(name if name.startswith(f"{prefix}_") else f"{prefix}_{name}")


def fresh_diffusion(pack: tp.Any, config: str, *, seed: int) -> None:
    """Replace the pack's prior by a freshly initialised one built from `config`."""
    from ainur_studio.models.factory import create_model_from_config
    from ainur_studio.models.pretrained import PackError, check_components

    cfg = resolve_config("prior", config)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        pack.diffusion = create_model_from_config(cfg)
    pack.diffusion.attach_text_encoder(pack.text_encoder)
    pack.configs["diffusion"] = cfg
    problems = check_components(pack)
    if problems:
        raise PackError(f"prior config {config!r} does not fit base pack {pack.name!r}: "
                        + "; ".join(problems))


class AudioCropDataset:
    """Map-style dataset: index -> a random stereo crop [2, T] (zero-padded when shorter)."""

    def __init__(self, paths: list[str], *, seconds: float, sample_rate: int,
                 random_crop: bool = True) -> None:
        import soundfile as sf

        self.paths, self.seconds, self.sample_rate = paths, seconds, sample_rate
        self.random_crop = random_crop
        self.durations = [sf.info(p).duration for p in paths]

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> torch.Tensor:
        slack = max(self.durations[i] - self.seconds, 0.0)
        start = float(torch.rand(())) * slack if self.random_crop else 0.0
        wav = read_window(self.paths[i], start, self.seconds, sample_rate=self.sample_rate)
        n = round(self.seconds * self.sample_rate)
        return torch.nn.functional.pad(wav[:, :n], (0, max(0, n - wav.shape[-1])))


def _model(run: RunSpec, pack: tp.Any | None) -> tuple[torch.nn.Module, dict]:
    """The module to train and its config."""
    if run.mode == "scratch":
        from ainur_studio.models.factory import create_model_from_config

        cfg = resolve_config(run.component, run.config)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(run.seed)
            return create_model_from_config(cfg), cfg
    name = "clasp" if run.component == "clasp" else "autoencoder"
    module = getattr(pack, name)
    if module is None:
        raise ValueError(f"base pack {run.base!r} has no {name} to fine-tune")
    module.train().requires_grad_(True)
    if run.component == "decoder":
        module.encoder.requires_grad_(False)
    return module, pack.configs[name]


def _clasp_pairs(items: list) -> list[ClaspPair]:
    """Recordings with a caption or lyrics to contrast the audio with."""
    return [ClaspPair(path=it.path, text=it.prompt, lyrics=it.lyrics) for it in items
            if it.prompt.strip() or it.lyrics is not None]


def _data(run: RunSpec, sources: Sources, model: tp.Any) -> tuple[tp.Any, tp.Any, tp.Any]:
    """(train set, held-out set or None, collate_fn)."""
    train, held = sources.train, sources.held_out
    if not held and run.preview_every:
        train, held = split_holdout(train, fraction=run.holdout, seed=run.seed)
    if run.component == "clasp":
        rate = model.audio_sample_rate
        train_set = ClaspClipDataset(_clasp_pairs(train), crop_seconds=run.crop_seconds,
                                     sample_rate=rate)
        pairs = _clasp_pairs(held)
        held_set = ClaspClipDataset(pairs, crop_seconds=run.crop_seconds, sample_rate=rate,
                                    random_crop=False) if len(pairs) >= 2 else None
        return train_set, held_set, collate_clips
    train_set = AudioCropDataset([it.path for it in train], seconds=run.crop_seconds,
                                 sample_rate=model.sample_rate)
    held_set = AudioCropDataset([it.path for it in held], seconds=run.crop_seconds,
                                sample_rate=model.sample_rate, random_crop=False) if held else None
    return train_set, held_set, None


def _held_out_loss(held: tp.Any, collate: tp.Any) -> tp.Callable[[tp.Any], dict[str, float]]:
    def validate(model: tp.Any) -> dict[str, float]:
        items = [held[i] for i in range(min(len(held), 16))]
        batch = collate(items) if collate else torch.stack(items)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(1234)
            return {"held_out_loss": float(model.training_losses(batch)["loss"])}

    return validate


def train_component(run: RunSpec, sources: Sources, *, out: Path, dist: DistInfo,
                    precision: str, callback: Callback | None,
                    should_stop: tp.Callable[[], bool] | None, log: Log) -> dict[str, tp.Any]:
    """Train CLASP, the autoencoder or its decoder; see the module docstring."""
    pack = None
    if run.mode != "scratch":
        from ainur_studio.models.pretrained import load_pack

        pack = load_pack(run.base)
    model, cfg = _model(run, pack)
    train_set, held_set, collate = _data(run, sources, model)
    if len(train_set) < 1:
        raise ValueError(f"no usable recordings for the {run.component} in {run.data}")
    history = History(out, enabled=dist.is_main)
    batch = min(run.batch_size or 4, max(1, len(train_set) // dist.world_size))
    log(f"training the {run.component} ({run.mode}) on {len(train_set)} recordings, "
        f"batch {batch}")

    def build(batch_size: int) -> Trainer:
        config = TrainConfig(max_steps=run.steps, batch_size=batch_size,
                             grad_accum=run.grad_accum, lr=run.lr,
                             warmup_steps=min(run.warmup, run.steps // 10),
                             clip_grad_norm=run.clip_grad_norm, ema_decay=run.ema_decay,
                             precision=precision, compile=run.compile, seed=run.seed,
                             checkpoint_every=run.save_every, keep_last=run.keep_last,
                             validate_every=run.preview_every if held_set else 0,
                             device=str(dist.device))
        trainer = Trainer(model=model, dataset=train_set, config=config, collate_fn=collate,
                          out_dir=out / "checkpoints", model_config=cfg,
                          ctx=StopContext(should_stop),
                          validate_fn=_held_out_loss(held_set, collate) if held_set else None)
        attach_reporting(trainer, history=history, callback=callback)
        resume_or_start(trainer, resume=run.resume, history=history)
        return trainer

    trainer, summary, stopped = fit(build, batch, log=log)
    folder = None
    if not stopped and dist.is_main:
        folder = _export(run, trainer, pack, out, log)
    barrier()
    return {**summary, "out": str(out), "stopped": stopped, "batch_size": batch,
            "pack": str(folder) if folder and pack is not None else None,
            "model": str(folder) if folder and pack is None else None,
            "skipped": [s.__dict__ for s in sources.report.skipped]}


def _export(run: RunSpec, trainer: Trainer, pack: tp.Any | None, out: Path, log: Log) -> Path:
    if pack is None:
        folder = trainer.export(out / "model")
        log(f"exported the {run.component} to {folder}")
        return folder
    from ainur_studio.training.export import export_full_pack
    from ainur_studio.training.run_export import ema_weights, install, pack_name

    with ema_weights(trainer):
        folder = export_full_pack(pack, out / "pack", name=pack_name(run),
                                  training_data=f"{run.component} fine-tuned on {run.data}")
    log(f"exported pack to {folder}")
    if run.install:
        install(folder, pack_name(run), log)
    return folder
