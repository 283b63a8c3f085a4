"""Export at the end of a run: the EMA weights as a pack in `<run>/pack`, optionally installed
into the user's models folder so the app lists it."""

from __future__ import annotations

import contextlib
import shutil
import typing as tp
from pathlib import Path

from ainur_studio.training.export import export_full_pack, export_lora_pack
from ainur_studio.training.loop import Trainer
from ainur_studio.training.lora import LoraSettings, lora_state_dict
from ainur_studio.training.run_common import Log
from ainur_studio.training.run_spec import RunSpec


def pack_name(run: RunSpec) -> str:
    """The exported pack's name: `run.name`, else `<data name>-<mode>`."""
    return run.name or f"{Path(run.data).stem or 'data'}-{run.mode}"


def ema_weights(trainer: Trainer) -> contextlib.AbstractContextManager:
    if trainer.ema is None:
        return contextlib.nullcontext()
    return trainer.ema.swapped_in(trainer.model)


def export_prior(run: RunSpec, pack: tp.Any, trainer: Trainer, *, lora: LoraSettings | None,
                 base_hash: str, out: Path, log: Log) -> Path:
    """Write `<out>/pack` (a LoRA pack naming the base by hash, or a full pack)."""
    name = pack_name(run)
    note = f"fine-tuned ({run.mode}) on {run.data} for {trainer.step} steps"
    with ema_weights(trainer):
        if lora is not None:
            adapter = lora_state_dict(pack.diffusion.prior)
            base = _Base(pack, base_hash)
            folder = export_lora_pack(base, adapter, lora, out / "pack", name=name,
                                      training_data=note)
        else:
            folder = export_full_pack(pack, out / "pack", name=name, training_data=note)
    log(f"exported pack {name!r} to {folder}")
    if run.install:
        install(folder, name, log)
    return folder


class _Base:
    """The base pack as `export_lora_pack` sees it, with the hash taken before training
    (full fine-tuning and adapters must not change what the LoRA pack points at)."""

    def __init__(self, pack: tp.Any, base_hash: str) -> None:
        self.name, self.hash, self.path = pack.name, base_hash, pack.path
        self.sample_rate, self.info = pack.sample_rate, pack.info


def install(folder: Path, name: str, log: Log) -> Path:
    """Copy an exported pack into `<user models>/<name>` (replacing an earlier install)."""
    from ainur_studio.models.pretrained import user_models_dir

    target = user_models_dir() / name
    staging = target.with_name(f".{name}.tmp")
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(folder, staging)
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    log(f"installed pack {name!r} in {target}")
    return target
