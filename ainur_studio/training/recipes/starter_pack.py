"""The starter pack's records and files: licences, what it was trained on, cumulative steps,
fp16 weights, and imports of weights trained elsewhere (a GPU machine, latent bundles).

`export_pack` writes the pack from the newest weights of `starter`'s stage runs; pack.json
records the data, cumulative steps per stage, hashes and licences (the text encoder is the
installed MiniLM and is not stored).
"""

from __future__ import annotations

import json
import typing as tp
from pathlib import Path

import torch

from ainur_studio.training.recipes.starter import (
    STAGES,
    StarterPaths,
    assemble,
    shipped_meta,
    stage_steps,
    start_steps,
)

LICENSES = {
    "weights": "MIT (trained by this project's recipe)",
    "corpus_scores": "music21 bundled corpus: public-domain works and encodings, or the licence "
                     "stated by each source file (see music21's corpus documentation)",
    "soundfont": "FluidR3_GM.sf2 (Debian fluid-soundfont-gm), MIT licence",
    "text_encoder": "all-MiniLM-L6-v2 (sentence-transformers), Apache-2.0; installed package, "
                    "not stored in the pack",
}



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
    for field in ("autoencoder", "clasp", "prior"):
        load_weight_files(getattr(pack, field), sorted(folder.glob(f"{field}[0-9].safetensors")))
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


def import_prior(paths: StarterPaths, run: Path, out: Path, *,
                 bundle: Path | None = None) -> Path:
    """Write the starter pack with the prior of a `train(spec)` run of the prior recipe (e.g.
    `scripts/starter_prior_latents.py`): the EMA weights of the run's newest checkpoint and
    the config it records; the shipped autoencoder and CLASP stay. A run that continued the
    shipped prior (mode full) adds its steps to the recorded ones; a fresh one replaces them."""
    from dataclasses import replace

    from ainur_studio.models.factory import create_model_from_config
    from ainur_studio.models.pretrained import load_pack
    from ainur_studio.training import checkpoint as ckpt
    from ainur_studio.training.recipes.starter import load_trained, newest_checkpoint
    from ainur_studio.training.runs import History

    found = newest_checkpoint(run)
    if found is None:
        raise FileNotFoundError(f"{run} holds no checkpoint of a prior run; train one with "
                                "scripts/starter_prior_latents.py --run RUN")
    state = ckpt.read_state(found)
    spec = json.loads((run / "spec.json").read_text(encoding="utf-8"))
    shipped = load_pack(paths.shipped)
    config = state["model_config"]
    prior = create_model_from_config(config)
    load_trained(prior, found, prefix="prior.")
    prior.attach_text_encoder(shipped.text_encoder)
    pack = replace(shipped, prior=prior.eval(), configs={**shipped.configs, "prior": config})
    before = shipped_meta(paths).get("training", {})
    steps = dict(before.get("steps", {}))
    continued = spec.get("mode") == "full"
    steps["prior"] = (steps.get("prior", 0) if continued else 0) + int(state["step"])
    losses = [r["loss"] for r in History(run).read() if "loss" in r][-100:]
    record = {"init": spec.get("base") if continued else "", "steps": int(state["step"]),
              "batch": spec.get("batch_size"), "lr": spec.get("lr"),
              "crop_seconds": spec.get("crop_seconds"),
              "latent_scale": float(getattr(prior, "latent_scale", 1.0)),
              "last_loss": sum(losses) / len(losses) if losses else None}
    entry = {"data": latent_bundle_note(paths, bundle) if bundle else data_note(paths),
             "prior": record}
    training = {**before, "steps": steps, "runs": before.get("runs", []) + [entry]}
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
