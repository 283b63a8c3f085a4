"""One module trained on audio crops, from scratch or from a pack: what the `clasp` and
`autoencoder` recipes share (the prior has its own, over cached latents).

The same trainer, checkpoints, resume, history and stop rules as the prior; only the data
differ (each recipe gives its `data(spec, sources, model)`). A from-scratch component is
exported as `<run>/model` (config + weights); a fine-tuned one as a full pack in `<run>/pack`.
"""

from __future__ import annotations

import json
import typing as tp
from pathlib import Path

import torch

from ainur_studio.data.datasets import split_holdout
from ainur_studio.training.distributed import barrier
from ainur_studio.training.lookup_packs import build_model, features_for, load_base_pack
from ainur_studio.training.loop import Trainer
from ainur_studio.training.runs import (
    History,
    RunEnv,
    attach_reporting,
    ema_weights,
    fit,
    resume_or_start,
)
from ainur_studio.training.sources import Sources
from ainur_studio.training.spec import RunSpec

PREFIX = {"prior": "prior", "clasp": "clasp", "autoencoder": "autoencoder",
          "decoder": "autoencoder"}
PACK_FIELD = {"clasp": "clasp", "autoencoder": "autoencoder", "decoder": "autoencoder"}

# (train set, held-out set or None, collate_fn or None)
Data = tuple[tp.Any, tp.Any, tp.Any]
DataFn = tp.Callable[[RunSpec, list, list, tp.Any], Data]
# (held-out set, collate_fn) -> the trainer's validate_fn(model) -> metrics
ValidationFn = tp.Callable[[tp.Any, tp.Any], tp.Callable[[tp.Any], dict[str, float]]]


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
    full = name if name.startswith(f"{prefix}_") else f"{prefix}_{name}"
    try:
        return load_config(full)
    except ValueError:
        from importlib import resources

        shipped = sorted(p.name[len(prefix) + 1:-5] for p in
                         (resources.files("ainur_studio") / "configs").iterdir()
                         if p.name.startswith(f"{prefix}_") and p.name.endswith(".json"))
        raise ValueError(f"unknown config {name!r} for the {component}: use one of "
                         f"{', '.join(shipped)} or a JSON file") from None


def run_module(spec: RunSpec, sources: Sources, env: RunEnv, *, data: DataFn,
               validation: ValidationFn | None = None) -> dict[str, tp.Any]:
    """Train the spec's component (a module with `training_losses`) on `data`'s sets;
    `validation` measures the held-out set (default: its loss)."""
    validation = validation or held_out_loss
    table = features_for(spec, sources)
    pack = load_base_pack(spec.base, table) if spec.mode != "scratch" else None
    model, cfg = _model(spec, pack, table)
    train, held = sources.train, sources.held_out
    if not held and spec.preview_every:
        train, held = split_holdout(train, fraction=spec.holdout, seed=spec.seed)
    train_set, held_set, collate = data(spec, train, held, model)
    if len(train_set) < 1:
        raise ValueError(f"no usable recordings for the {spec.component} in {spec.data}")
    history = History(env.out, enabled=env.dist.is_main)
    batch = min(spec.batch_size or 4, max(1, len(train_set) // env.dist.world_size))
    env.log(f"training the {spec.component} ({spec.mode}) on {len(train_set)} recordings, "
            f"batch {batch}")

    def build(batch_size: int) -> Trainer:
        trainer = Trainer(model=model, dataset=train_set, collate_fn=collate,
                          config=spec.train_config(batch_size, env, validates=bool(held_set)),
                          out_dir=env.out / "checkpoints", model_config=cfg,
                          progress=env.progress,
                          validate_fn=validation(held_set, collate) if held_set else None)
        attach_reporting(trainer, history=history, progress=env.progress)
        resume_or_start(trainer, resume=spec.resume, history=history, log=env.log)
        return trainer

    trainer, summary, stopped = fit(build, batch, log=env.log)
    folder = None
    if not stopped and env.dist.is_main:
        folder = _export(spec, trainer, pack, env)
    barrier()
    return {**summary, "out": str(env.out), "stopped": stopped, "batch_size": batch,
            "pack": str(folder) if folder and pack is not None else None,
            "model": str(folder) if folder and pack is None else None,
            "skipped": sources.skipped()}


def _model(spec: RunSpec, pack: tp.Any | None, table: tp.Any | None
           ) -> tuple[torch.nn.Module, dict]:
    """The module to train and its config (`table`: looked-up text features, or None)."""
    if spec.mode == "scratch":
        cfg = resolve_config(spec.component, spec.config)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(spec.seed)
            return build_model(cfg, table), cfg
    name = PACK_FIELD[spec.component]
    module = getattr(pack, name)
    if module is None:
        raise ValueError(f"base pack {spec.base!r} has no {name} to fine-tune")
    module.train().requires_grad_(True)
    if spec.component == "decoder":
        module.encoder.requires_grad_(False)
    return module, pack.configs[name]


def held_out_loss(held: tp.Any, collate: tp.Any) -> tp.Callable[[tp.Any], dict[str, float]]:
    """The mean loss on (at most 16 of) the held-out items, with fixed noise."""
    def validate(model: tp.Any) -> dict[str, float]:
        items = [held[i] for i in range(min(len(held), 16))]
        batch = collate(items) if collate else torch.stack(items)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(1234)
            return {"held_out_loss": float(model.training_losses(batch)["loss"])}

    return validate


def _export(spec: RunSpec, trainer: Trainer, pack: tp.Any | None, env: RunEnv) -> Path:
    if pack is None:
        folder = trainer.export(env.out / "model")
        env.log(f"exported the {spec.component} to {folder}")
        return folder
    from ainur_studio.training.export import export_full_pack, install_pack

    with ema_weights(trainer):
        folder = export_full_pack(pack, env.out / "pack", name=spec.pack_name(),
                                  training_data=f"{spec.component} fine-tuned on {spec.data}")
    env.log(f"exported pack to {folder}")
    if spec.install:
        install_pack(folder, spec.pack_name(), env.log)
    return folder
