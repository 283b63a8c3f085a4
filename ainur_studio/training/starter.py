"""The starter pack recipe: autoencoder, then CLASP, then the prior, each for a time budget.

Every run continues where the last one stopped: each stage resumes from its newest checkpoint
under the run folder (`runs/starter/<stage>/checkpoints/`), or, in a fresh clone without
checkpoints, starts from the weights of the shipped pack (`resources/models/starter/`), or from
freshly drawn `configs/pack_starter.json` weights when neither exists. The corpus manifest is
snapshotted (complete lines whose audio exists), so a corpus still being built can be used.

All stages use the project's trainer (`ainur_studio.training.run.train`, mode "full"); a time
budget is a stop request, which writes a checkpoint. The pack is assembled from the EMA weights
of the newest checkpoints and written in fp16 (the text encoder is the installed MiniLM and is
not stored). pack.json records the data, cumulative steps per stage, hashes and licences.
"""

from __future__ import annotations

import json
import os
import time
import typing as tp
from dataclasses import dataclass
from pathlib import Path

import torch

from ainur_studio.training import checkpoint as ckpt
from ainur_studio.training.run_common import StopContext, TrainingStopped

STAGES = ("autoencoder", "clasp", "prior")
PACK_FIELD = {"autoencoder": "autoencoder", "clasp": "clasp", "prior": "diffusion"}
LICENSES = {
    "weights": "MIT (trained by this project's recipe)",
    "corpus_scores": "music21 bundled corpus: public-domain works and encodings, or the licence "
                     "stated by each source file (see music21's corpus documentation)",
    "soundfont": "FluidR3_GM.sf2 (Debian fluid-soundfont-gm), MIT licence",
    "text_encoder": "all-MiniLM-L6-v2 (sentence-transformers), Apache-2.0; installed package, "
                    "not stored in the pack",
}


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
        prefix: the name prefix of `module` inside the trained model ("diffusion." for the
            prior, whose trainer wraps it).
    """
    from safetensors.torch import load_file

    file = checkpoint / "ema.safetensors"
    state = load_file(str(file if file.is_file() else checkpoint / "model.safetensors"))
    state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    own = module.state_dict()
    unknown = sorted(set(state) - set(own))
    if unknown:
        raise ValueError(f"{checkpoint} does not fit the module: unexpected {unknown[:5]}")
    with torch.no_grad():
        for name, value in state.items():
            own[name].copy_(value.to(own[name].dtype))


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
            load_trained(module, found, prefix="diffusion." if stage == "prior" else "")
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
            "resume": True, "name": "starter"}


def train_stage(paths: StarterPaths, stage: str, *, minutes: float, device: str | None,
                log: tp.Callable[[str], None] = print) -> dict[str, tp.Any]:
    """Train one stage for `minutes` of wall time (resuming); returns the trainer summary."""
    from ainur_studio.training.run import train

    base = write_base(paths) if stage == "prior" else write_init(paths)
    if newest_checkpoint(paths.stage(stage)) is None:  # a first run: from the shipped weights
        shipped = shipped_meta(paths).get("training", {}).get("steps", {}).get(stage, 0)
        paths.stage(stage).mkdir(parents=True, exist_ok=True)
        (paths.stage(stage) / "start.json").write_text(json.dumps({"steps": shipped}) + "\n",
                                                       encoding="utf-8")
    deadline = time.monotonic() + minutes * 60.0
    last = [0.0]

    def report(info: dict[str, tp.Any]) -> None:
        if time.monotonic() - last[0] > 30.0:
            last[0] = time.monotonic()
            log(f"{stage}: step {info['step']} loss {info['loss']:.4f}")

    return train(spec(paths, stage, base), device=device, callback=report,
                 should_stop=lambda: time.monotonic() > deadline, log=log)


def write_init(paths: StarterPaths) -> Path:
    """The pack the autoencoder and CLASP stages start from when they have no checkpoint."""
    import shutil

    from ainur_studio.models.pretrained import save_pack

    folder = paths.runs / "init"
    if folder.exists():
        shutil.rmtree(folder)
    return save_pack(initial_pack(paths), folder, name="starter-init")


def build_config(paths: StarterPaths) -> dict[str, tp.Any] | None:
    """The corpus builder's `build.json` (seed, settings, versions), if the corpus has one."""
    build = paths.manifest.parent / "build.json"
    return json.loads(build.read_text(encoding="utf-8")) if build.is_file() else None


def data_note(paths: StarterPaths) -> dict[str, tp.Any]:
    """What the pack was trained on: clip, piece and hour counts of the snapshot, and the
    corpus build settings."""
    from ainur_studio.data.corpus.manifest import read_manifest

    rows = read_manifest(paths.snapshot)
    split = {name: sum(r.get("split") == name for r in rows) for name in ("train", "test")}
    return {"manifest": "corpus/manifest.jsonl (ainur-studio corpus build)",
            "clips": len(rows), "pieces": len({r.get("piece_id") for r in rows}),
            "hours": round(sum(float(r.get("duration_s", 0.0)) for r in rows) / 3600.0, 3),
            "split_clips": split,
            "build": build_config(paths)}


def export_pack(paths: StarterPaths, folder: Path, *, device_note: str = "") -> Path:
    """Assemble the newest weights and write the starter pack (fp16) to `folder`.

    Steps recorded are cumulative over every run (the shipped pack's, plus this clone's)."""
    previous = shipped_meta(paths)
    steps = dict(previous.get("training", {}).get("steps", {}))
    for stage in STAGES:
        done = stage_steps(paths, stage)
        if done:
            steps[stage] = start_steps(paths, stage) + done
    training = {**previous.get("training", {}), "steps": steps,  # earlier runs stay listed
                "last_export": {"recipe": "make starter", "data": data_note(paths),
                                "device": device_note,
                                "local_steps": {s: stage_steps(paths, s) for s in STAGES}}}
    return write_pack(assemble(paths), folder, training=training,
                      metrics=previous.get("metrics", {}))


def write_pack(pack: tp.Any, folder: Path, *, training: dict[str, tp.Any],
               metrics: dict[str, tp.Any]) -> Path:
    """Write `pack` as the starter pack (fp16 weights), replacing `folder` atomically."""
    from ainur_studio.models.pretrained import save_pack
    from ainur_studio.training.export import _replace_folder, _staging

    staging = _staging(folder)
    save_pack(pack, staging, name="starter", training_data=TRAINING_DATA, dtype=torch.float16,
              extra={"training": training, "licenses": LICENSES, "metrics": metrics})
    return _replace_folder(staging, folder)


def deadline(minutes: float) -> StopContext:
    """A trainer `ctx` that stops training `minutes` from now (a stop request, see Trainer)."""
    end = time.monotonic() + minutes * 60
    return StopContext(lambda: time.monotonic() > end)


def fit_recording(trainer: tp.Any) -> tuple[list[float], float]:
    """Fit until done or stopped; returns the loss of every step and the seconds it took."""
    losses: list[float] = []
    trainer.add_callback("on_batch_end", lambda t: losses.append(t.last_losses["loss"]))
    t0 = time.monotonic()
    try:
        trainer.fit()
    except TrainingStopped:
        pass
    return losses, time.monotonic() - t0


def save_fp16_parts(state: dict[str, torch.Tensor], out: Path, name: str, parts: int = 1) -> None:
    """Write `state` as `<name><k>.safetensors`, k < parts (floats in fp16, keys dealt round
    robin), so each file stays under a transfer size limit; `load_weight_files` reads them."""
    from safetensors.torch import save_file

    keys = sorted(state)
    for k in range(parts):
        save_file({key: state[key].detach().cpu().to(
                       torch.float16 if state[key].is_floating_point() else state[key].dtype
                   ).contiguous() for key in keys[k::parts]}, str(out / f"{name}{k}.safetensors"))


def load_weight_files(module: torch.nn.Module, files: tp.Sequence[Path]) -> None:
    """Load weights split over safetensors files (e.g. from `starter_bundle_train.py`) into
    `module`; every stored weight except the external ones must be present."""
    from safetensors.torch import load_file

    from ainur_studio.models.pretrained import external_prefixes

    state: dict[str, torch.Tensor] = {}
    for file in files:
        state.update(load_file(str(file)))
    missing, unexpected = module.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.startswith(external_prefixes(module))]
    if missing or unexpected:
        raise ValueError(f"weights in {files[0].parent} do not fit: missing {missing[:5]}, "
                         f"unexpected {unexpected[:5]}")


TRAINING_DATA = ("music21 corpus scores (chorales, motets, madrigals, quartets, folk songs) "
                 "rendered to 48 kHz stereo with FluidSynth and the FluidR3 GM SoundFont by "
                 "`ainur-studio corpus build`; see training.data")


def import_weights(paths: StarterPaths, folder: Path, out: Path, *,
                   bundle: Path | None = None, continued: bool = False) -> Path:
    """Write the starter pack from weights trained elsewhere (`starter_bundle_train.py`'s
    output: `<component><k>.safetensors` and `log.json`), e.g. on a GPU machine.

    Args:
        bundle: the bundle the weights were trained on (recorded in pack.json).
        continued: the run started from the shipped pack (`--init`): steps add up and the
            earlier runs stay recorded.
    """
    from ainur_studio.models.factory import load_config
    from ainur_studio.models.pretrained import build_pack

    pack = build_pack(load_config("pack_starter"))
    names = {"autoencoder": "autoencoder", "clasp": "clasp", "diffusion": "prior"}
    for field, stem in names.items():
        load_weight_files(getattr(pack, field), sorted(folder.glob(f"{stem}[0-9].safetensors")))
    log = json.loads((folder / "log.json").read_text(encoding="utf-8"))
    before = shipped_meta(paths).get("training", {}) if continued else {}
    steps = {s: before.get("steps", {}).get(s, 0) + log[s]["steps"] for s in STAGES}
    run = {"device": log.get("device", ""),
           "data": bundle_note(paths, bundle) if bundle else data_note(paths),
           **{s: {k: log[s][k] for k in ("steps", "seconds", "batch", "lr", "last_loss")}
              for s in STAGES}}
    training = {"steps": steps, "recipe": "scripts/starter_bundle.py + "
                "scripts/starter_bundle_train.py on a GPU machine (corpus snapshot as Ogg "
                "Vorbis, MiniLM features), imported with scripts/train_starter.py "
                "--import-weights; continue with make starter",
                "runs": before.get("runs", []) + [run]}
    return write_pack(pack, out, training=training, metrics=shipped_meta(paths).get("metrics", {}))


def import_prior(paths: StarterPaths, folder: Path, out: Path, *,
                 bundle: Path | None = None) -> Path:
    """Write the starter pack with the prior trained by `scripts/starter_prior_latents.py`
    (`prior<k>.safetensors`, `config.json`, `log.json` in `folder`); the shipped autoencoder
    and CLASP stay. A run that continued the shipped prior (`--init`) adds its steps to the
    recorded ones; a run from scratch replaces them."""
    from dataclasses import replace

    from ainur_studio.models.factory import create_model_from_config
    from ainur_studio.models.pretrained import load_pack

    shipped = load_pack(paths.shipped)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    diffusion = create_model_from_config(config)
    load_weight_files(diffusion, sorted(folder.glob("prior[0-9].safetensors")))
    diffusion.attach_text_encoder(shipped.text_encoder)
    pack = replace(shipped, diffusion=diffusion.eval(),
                   configs={**shipped.configs, "diffusion": config})
    log = json.loads((folder / "log.json").read_text(encoding="utf-8"))
    before = shipped_meta(paths).get("training", {})
    steps = dict(before.get("steps", {}))
    steps["prior"] = (steps.get("prior", 0) if log.get("init") else 0) + int(log["steps"])
    run = {"device": log.get("device", ""),
           "data": latent_bundle_note(paths, bundle) if bundle else data_note(paths),
           "prior": {k: log.get(k) for k in ("init", "steps", "seconds", "steps_per_s", "batch",
                                             "lr", "crop_frames", "latent_scale", "last_loss")}}
    training = {**before, "steps": steps, "runs": before.get("runs", []) + [run]}
    return write_pack(pack, out, training=training, metrics=shipped_meta(paths).get("metrics", {}))


def latent_bundle_note(paths: StarterPaths, bundle: Path) -> dict[str, tp.Any]:
    """What a latent bundle (`scripts/starter_latents.py`) held for training."""
    clips = json.loads((bundle / "clips.json").read_text(encoding="utf-8"))["clips"]
    shards = {int(f.stem.split("-")[1]) for f in bundle.glob("lat-*.safetensors")}
    train = [c for c in clips if c["shard"] in shards and c["split"] != "test"]
    return {"manifest": "corpus/manifest.jsonl (ainur-studio corpus build), as autoencoder "
                        "latents (int8) with a long and a short caption per clip",
            "clips": len(train), "pieces": len({c["piece_id"] for c in train}),
            "hours": round(sum(float(c["duration_s"] or 0.0) for c in train) / 3600.0, 3),
            "build": build_config(paths)}


def bundle_note(paths: StarterPaths, bundle: Path) -> dict[str, tp.Any]:
    """What a bundle held (see `starter_bundle.py`): clips, pieces, hours, split."""
    items = json.loads((bundle / "items.json").read_text(encoding="utf-8"))
    return {"manifest": "corpus/manifest.jsonl (ainur-studio corpus build), first clips in "
                        "manifest order, as Ogg Vorbis (~100 kbit/s)",
            "clips": len(items), "pieces": len({it["piece_id"] for it in items}),
            "hours": round(sum(float(it["duration_s"] or 0.0) for it in items) / 3600.0, 3),
            "split_clips": {s: sum(it["split"] == s for it in items) for s in ("train", "test")},
            "build": build_config(paths)}
