"""The prior's export at the end of a run: the EMA weights as a pack in `<run>/pack` (a LoRA pack
naming its base by hash, with the fine-tuned autoencoder when the decoder stage ran; or a full
pack), optionally installed so the app lists it."""

from __future__ import annotations

import typing as tp
from pathlib import Path

from ainur_studio.training.export import export_full_pack, export_lora_pack, install_pack
from ainur_studio.training.loop import Trainer
from ainur_studio.training.lora import LoraSettings, lora_state_dict
from ainur_studio.training.runs import ema_weights
from ainur_studio.training.spec import RunSpec


def export_prior(run: RunSpec, pack: tp.Any, trainer: Trainer, *, lora: LoraSettings | None,
                 base_hash: str, out: Path, log: tp.Callable[[str], None],
                 with_autoencoder: bool = False) -> Path:
    """Write `<out>/pack` (a LoRA pack naming the base by hash, carrying `pack`'s autoencoder
    when `with_autoencoder`, or a full pack)."""
    name = run.pack_name()
    note = f"fine-tuned ({run.mode}) on {run.data} for {trainer.step} steps"
    with ema_weights(trainer):
        if lora is not None:
            adapter = lora_state_dict(pack.prior.unet)
            base = _Base(pack, base_hash)
            autoencoder = ((pack.autoencoder, pack.configs["autoencoder"])
                           if with_autoencoder else None)
            folder = export_lora_pack(base, adapter, lora, out / "pack", name=name,
                                      training_data=note, autoencoder=autoencoder)
        else:
            folder = export_full_pack(pack, out / "pack", name=name, training_data=note)
    log(f"exported pack {name!r} to {folder}")
    if run.install:
        install_pack(folder, name, log)
    return folder


class _Base:
    """The base pack as `export_lora_pack` sees it, with the hash taken before training
    (full fine-tuning and adapters must not change what the LoRA pack points at)."""

    def __init__(self, pack: tp.Any, base_hash: str) -> None:
        self.name, self.hash, self.path = pack.name, base_hash, pack.path
        self.sample_rate, self.info = pack.sample_rate, pack.info
