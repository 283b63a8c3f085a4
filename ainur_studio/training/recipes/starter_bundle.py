"""The starter pack's stages on a caption bundle, with looked-up text features: what
`scripts/starter_bundle_train.py` runs on a GPU machine that has neither the corpus nor the
text model.

Each stage is one `train(spec)` run (`stage_spec`: mode "full", `text_features` "lookup") in
`<out>/<stage>`, resumed when it has checkpoints, for a time budget (`Budget`) or a step count.
The autoencoder and CLASP start from the init pack (`init_pack`: a given pack, or fresh weights
of `configs/pack_starter.json` written once to `<out>/init`); the prior trains on a base pack
holding their newest weights (`prior_base`, `<out>/base`), so its latents are the new
autoencoder's and its CLASP vectors the new CLASP's. `write_weights` writes the EMA weights as
fp16 files of at most 16 MB and `log.json`, which `scripts/train_starter.py --import-weights`
turns into the starter pack.
"""

from __future__ import annotations

import json
import time
import typing as tp
from dataclasses import dataclass
from pathlib import Path

from ainur_studio.fileio import atomic_write_text
from ainur_studio.progress import SILENT, Deadline, Progress

STAGES = ("autoencoder", "clasp", "prior")
PARTS = {"autoencoder": 1, "clasp": 1, "prior": 2}  # files per component (16 MB each at most)
WARMUP, EMA_DECAY, SAVE_EVERY = 200, 0.999, 1000


@dataclass(frozen=True)
class StageSettings:
    lr: float
    batch_size: int
    crop_seconds: float


SETTINGS = {"autoencoder": StageSettings(lr=4e-4, batch_size=32, crop_seconds=1.5),
            "clasp": StageSettings(lr=3e-4, batch_size=64, crop_seconds=6.0),
            "prior": StageSettings(lr=3e-4, batch_size=32, crop_seconds=10.0)}


@dataclass(frozen=True)
class BundleRun:
    """One all-stage run.

    Attributes:
        bundle: the caption bundle (`caption_bundles`).
        out: the run folder: a folder per stage, `init/`, `base/`, the weights and `log.json`.
        init: the pack to continue (a folder or a name); "" = fresh weights of `recipe`.
        recipe: the pack recipe fresh weights are drawn from (`configs/<recipe>.json`).
        batch_div: divides every stage's batch size (smoke tests).
        seed: the weights' and the runs' seed.
    """

    bundle: Path
    out: Path
    init: str = ""
    recipe: str = "pack_starter"
    batch_div: int = 1
    seed: int = 0

    def stage(self, name: str) -> Path:
        return self.out / name


class Budget(Deadline):
    """A time budget of `seconds` counted from the first stop poll (the trainer polls before
    its first step, so loading and encoding the data do not count); reports go to `inner`."""

    def __init__(self, seconds: float, inner: Progress = SILENT) -> None:
        super().__init__(seconds, inner)
        self.seconds, self.end = seconds, None

    def should_stop(self) -> bool:
        if self.end is None:
            self.end = time.monotonic() + self.seconds
        return super().should_stop()


def stage_spec(run: BundleRun, stage: str, *, base: str, steps: int) -> dict[str, tp.Any]:
    """The `RunSpec` of one stage."""
    s = SETTINGS[stage]
    return {"data": str(run.bundle), "out": str(run.stage(stage)), "base": base,
            "mode": "full", "component": stage, "text_features": "lookup", "steps": steps,
            "batch_size": max(1, s.batch_size // run.batch_div), "lr": s.lr, "warmup": WARMUP,
            "crop_seconds": s.crop_seconds, "save_every": SAVE_EVERY, "keep_last": 1,
            "ema_decay": EMA_DECAY, "seed": run.seed, "resume": True, "name": f"bundle-{stage}"}


def stage_base(run: BundleRun, stage: str) -> str:
    """The pack a stage starts from (the prior's is written now, from the newest weights)."""
    return prior_base(run) if stage == "prior" else init_pack(run)


def _table(run: BundleRun) -> tp.Any:
    from ainur_studio.training.caption_bundles import bundle_features

    return bundle_features(run.bundle)


def _write_pack(pack: tp.Any, folder: Path, name: str) -> str:
    from ainur_studio.models.pretrained import save_pack
    from ainur_studio.training.export import _replace_folder, _staging

    staging = _staging(folder)
    save_pack(pack, staging, name=name)
    return str(_replace_folder(staging, folder))


def init_pack(run: BundleRun) -> str:
    """`run.init`, or fresh weights of `run.recipe` written once to `<out>/init`."""
    if run.init:
        return run.init
    folder = run.out / "init"
    if (folder / "pack.json").is_file():
        return str(folder)
    from ainur_studio.models.factory import load_config
    from ainur_studio.training.lookup_packs import fresh_lookup_pack

    return _write_pack(fresh_lookup_pack(load_config(run.recipe), _table(run), seed=run.seed),
                       folder, "bundle-init")


def assembled(run: BundleRun, stages: tp.Sequence[str]) -> tp.Any:
    """The init pack with the newest EMA weights of `stages` swapped in (lookup text)."""
    from ainur_studio.training.lookup_packs import lookup_pack
    from ainur_studio.training.recipes.starter import load_trained, newest_checkpoint

    pack = lookup_pack(init_pack(run), _table(run))
    for stage in stages:
        found = newest_checkpoint(run.stage(stage))
        if found is not None:
            load_trained(getattr(pack, stage), found, prefix="prior." if stage == "prior" else "")
    return pack


def prior_base(run: BundleRun) -> str:
    """`<out>/base`: the init pack with this run's newest autoencoder and CLASP."""
    return _write_pack(assembled(run, ("autoencoder", "clasp")), run.out / "base",
                       "bundle-base")


def stage_log(run: BundleRun, stage: str, summary: dict[str, tp.Any],
              seconds: float) -> dict[str, tp.Any]:
    """What `log.json` records of a stage: steps, seconds, batch, lr, losses."""
    from ainur_studio.training.runs import History

    losses = [r["loss"] for r in History(run.stage(stage)).read() if "loss" in r]
    tail = losses[-50:]
    return {"steps": summary["steps"], "seconds": round(seconds, 1),
            "batch": summary["batch_size"], "lr": SETTINGS[stage].lr, "first_loss": losses[:20],
            "last_loss": sum(tail) / max(len(tail), 1),
            "curve": losses[:: max(len(losses) // 60, 1)]}


def run_log(run: BundleRun, device: str | None) -> dict[str, tp.Any]:
    """`log.json` before the stages run: an earlier call's records (stages not trained again
    keep theirs), the device and the bundle's clip counts."""
    import torch

    from ainur_studio.training.caption_bundles import ITEMS
    from ainur_studio.training.distributed import pick_device

    dev = pick_device(device)
    items = json.loads((run.bundle / ITEMS).read_text(encoding="utf-8"))
    test = sum(str(it.get("split")) == "test" for it in items)
    earlier = run.out / "log.json"
    log = json.loads(earlier.read_text(encoding="utf-8")) if earlier.is_file() else {}
    return {**log, "device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else str(dev),
            "clips": {"train": len(items) - test, "test": test}}


def write_weights(run: BundleRun, log: dict[str, tp.Any]) -> Path:
    """The newest EMA weights of every stage as `<component><k>.safetensors` (fp16; CLASP
    without its text tower) and `log.json`, in `run.out`."""
    from ainur_studio.training.recipes.starter_pack import save_fp16_parts

    pack = assembled(run, STAGES)
    for stage in STAGES:
        state = getattr(pack, stage).state_dict()
        if stage == "clasp":
            state = {k: v for k, v in state.items() if not k.startswith("text_tower.")}
        save_fp16_parts(state, run.out, stage, parts=PARTS[stage])
    atomic_write_text(run.out / "log.json", json.dumps(log, indent=1) + "\n")
    return run.out
