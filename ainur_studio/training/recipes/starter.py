"""The starter pack recipe: autoencoder, then CLASP, then the prior, each for a time budget.

Every run continues where the last one stopped: each stage resumes from its newest checkpoint
under the run folder (`runs/starter/<stage>/checkpoints/`), or, in a fresh clone without
checkpoints, starts from the weights of the shipped pack (`resources/models/starter/`), or from
freshly drawn `configs/pack_starter.json` weights when neither exists. The corpus manifest is
snapshotted (complete lines whose audio exists), so a corpus still being built can be used.

Each stage is one `ainur_studio.training.train.train(spec)` run (mode "full"); a time budget
is a stop request (`progress.Deadline`), which writes a checkpoint. `starter_pack` assembles the
pack from the EMA weights of the newest checkpoints and records its data, steps and licences.
"""

from __future__ import annotations

import json
import os
import typing as tp
from dataclasses import dataclass
from pathlib import Path

import torch

from ainur_studio.progress import SILENT, Deadline, Progress
from ainur_studio.training import checkpoint as ckpt

LEGACY_PREFIXES = {"prior.": "diffusion."}  # the prior's name in checkpoints before the renaming

STAGES = ("autoencoder", "clasp", "prior")
PACK_FIELD = {"autoencoder": "autoencoder", "clasp": "clasp", "prior": "prior"}
@dataclass
class StageSettings:
    """How one stage trains (kept small enough to make progress on 2 CPU cores)."""

    lr: float
    batch_size: int
    crop_seconds: float
    warmup: int = 100
    steps: int = 200_000  # schedule length: the LR stays near its peak across many runs
    save_every: int = 100


SETTINGS = {
    "autoencoder": StageSettings(lr=3e-4, batch_size=4, crop_seconds=1.5),
    "clasp": StageSettings(lr=2e-4, batch_size=24, crop_seconds=6.0, save_every=50),
    "prior": StageSettings(lr=2e-4, batch_size=8, crop_seconds=8.0),
}


@dataclass
class StarterPaths:
    """Where the recipe reads and writes.

    Attributes:
        manifest: the corpus manifest (`corpus/manifest.jsonl`).
        runs: run folder (git-ignored): snapshot, stage runs, intermediate packs.
        shipped: the shipped pack folder (`resources/models/starter`).
    """

    manifest: Path
    runs: Path
    shipped: Path

    def stage(self, name: str) -> Path:
        return self.runs / name

    @property
    def snapshot(self) -> Path:
        return self.runs / "manifest.jsonl"

    @property
    def base(self) -> Path:
        return self.runs / "base"


def snapshot_manifest(manifest: Path, dest: Path) -> int:
    """Copy the complete rows of `manifest` whose audio exists to `dest`, paths rewritten
    relative to `dest`; returns the row count."""
    from ainur_studio.data.corpus.manifest import read_manifest

    rows = []
    for row in read_manifest(manifest):
        if not (manifest.parent / row["audio_path"]).is_file():
            continue
        for key in ("audio_path", "lrc_path"):
            if row.get(key):
                row[key] = os.path.relpath(manifest.parent / row[key], dest.parent)
        rows.append(json.dumps(row))
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text("".join(r + "\n" for r in rows), encoding="utf-8")
    return len(rows)


def piece_round_robin(rows: tp.Sequence[dict[str, tp.Any]]) -> list[dict[str, tp.Any]]:
    """Manifest rows one clip per piece in turn (every piece's first clip, then every second
    one, ...), so that any prefix covers as many pieces as it can."""
    by_piece: dict[str, list[dict[str, tp.Any]]] = {}
    for r in rows:
        by_piece.setdefault(str(r.get("piece_id")), []).append(r)
    return [clips[turn] for turn in range(max(map(len, by_piece.values()), default=0))
            for clips in by_piece.values() if turn < len(clips)]


def initial_pack(paths: StarterPaths) -> tp.Any:
    """The shipped pack when there is one, else fresh weights from `pack_starter.json`."""
    from ainur_studio.models.factory import load_config
    from ainur_studio.models.pretrained import build_pack, load_pack

    if (paths.shipped / "pack.json").is_file():
        return load_pack(paths.shipped)
    return build_pack(load_config("pack_starter"))


def newest_checkpoint(folder: Path) -> Path | None:
    """The newest checkpoint of a stage run folder, if any."""
    return ckpt.latest_checkpoint(folder / "checkpoints") if (folder / "checkpoints").is_dir() \
        else None


def load_trained(module: torch.nn.Module, checkpoint: Path, *, prefix: str = "") -> None:
    """Copy a checkpoint's EMA weights (raw weights without EMA) into `module`.

    Args:
        prefix: the name prefix of `module` inside the trained model ("prior." for the prior,
            whose trainer wraps it; checkpoints written before the renaming, "diffusion.",
            are read too).
    """
    from safetensors.torch import load_file

    file = checkpoint / "ema.safetensors"
    state = load_file(str(file if file.is_file() else checkpoint / "model.safetensors"))
    prefixes = (prefix, LEGACY_PREFIXES.get(prefix, prefix))
    state = {k[len(p):]: v for k, v in state.items() for p in dict.fromkeys(prefixes)
             if k.startswith(p)}
    with torch.no_grad():  # through load_state_dict, so modules read their older names
        _missing, unexpected = module.load_state_dict(state, strict=False)
    if unexpected:
        raise ValueError(f"{checkpoint} does not fit the module: unexpected {unexpected[:5]}")


def shipped_meta(paths: StarterPaths) -> dict[str, tp.Any]:
    """The shipped pack's pack.json ({} without one)."""
    meta = paths.shipped / "pack.json"
    return json.loads(meta.read_text(encoding="utf-8")) if meta.is_file() else {}


def start_steps(paths: StarterPaths, stage: str) -> int:
    """Steps the stage's weights had before this clone's first checkpoint."""
    file = paths.stage(stage) / "start.json"
    return int(json.loads(file.read_text(encoding="utf-8"))["steps"]) if file.is_file() else 0


def stage_steps(paths: StarterPaths, stage: str) -> int:
    """Optimizer steps of the stage's newest checkpoint (0 without one)."""
    found = newest_checkpoint(paths.stage(stage))
    return int(ckpt.read_state(found)["step"]) if found is not None else 0


def assemble(paths: StarterPaths, stages: tp.Sequence[str] = STAGES) -> tp.Any:
    """The initial pack with each stage's newest trained weights swapped in."""
    pack = initial_pack(paths)
    for stage in stages:
        found = newest_checkpoint(paths.stage(stage))
        if found is not None:
            module = getattr(pack, PACK_FIELD[stage])
            load_trained(module, found, prefix="prior." if stage == "prior" else "")
    return pack


def write_base(paths: StarterPaths) -> Path:
    """The pack the prior trains on (trained autoencoder and CLASP), in fp32."""
    import shutil

    from ainur_studio.models.pretrained import save_pack

    pack = assemble(paths)
    if paths.base.exists():
        shutil.rmtree(paths.base)
    return save_pack(pack, paths.base, name="starter-base")


def spec(paths: StarterPaths, stage: str, base: Path | str) -> dict[str, tp.Any]:
    """The training spec of one stage (see `RunSpec`)."""
    s = SETTINGS[stage]
    return {"data": str(paths.snapshot), "out": str(paths.stage(stage)), "base": str(base),
            "mode": "full", "component": stage, "steps": s.steps, "batch_size": s.batch_size,
            "lr": s.lr, "warmup": s.warmup, "crop_seconds": s.crop_seconds,
            "save_every": s.save_every, "keep_last": 2, "ema_decay": 0.999, "seed": 0,
            "resume": True, "name": "starter",
            # the corpus teaches the prior its CLASP conditioning, and the stages train the
            # decoder themselves: none of the fine-tune defaults for a user's recordings
            "clasp_dropout": None, "decoder": "off"}


def train_stage(paths: StarterPaths, stage: str, *, minutes: float, device: str | None,
                progress: Progress = SILENT) -> dict[str, tp.Any]:
    """Train one stage for `minutes` of wall time (resuming); returns the trainer summary."""
    from ainur_studio.training.train import train

    base = write_base(paths) if stage == "prior" else write_init(paths)
    if newest_checkpoint(paths.stage(stage)) is None:  # a first run: from the shipped weights
        shipped = shipped_meta(paths).get("training", {}).get("steps", {}).get(stage, 0)
        paths.stage(stage).mkdir(parents=True, exist_ok=True)
        (paths.stage(stage) / "start.json").write_text(json.dumps({"steps": shipped}) + "\n",
                                                       encoding="utf-8")
    return train(spec(paths, stage, base), device=device,
                 progress=Deadline(minutes * 60.0, progress))


def write_init(paths: StarterPaths) -> Path:
    """The pack the autoencoder and CLASP stages start from when they have no checkpoint."""
    import shutil

    from ainur_studio.models.pretrained import save_pack

    folder = paths.runs / "init"
    if folder.exists():
        shutil.rmtree(folder)
    return save_pack(initial_pack(paths), folder, name="starter-init")


