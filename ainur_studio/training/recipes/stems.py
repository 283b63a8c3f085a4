"""The stems prior's recipe: LoRA, full fine-tuning or a fresh prior (mode "scratch", e.g.
config `prior_stems_starter`) that makes stems, on a genre corpus of stems or a stems bundle.

`train(spec)` comes here when `sources.stems` is set. Each clip is encoded once into the run's
cache, a stem per role (`stems_cache`), or read encoded from a bundle (`stems_bundle`); the
prior trains on random crops of all stems with the crop's structure (`stems_crops`,
`stems_objective`) with the shared trainer: checkpoints, exact resume, EMA, validation and the
prior's pack export (`prior_export`). The base pack's prior must make stems.
"""

from __future__ import annotations

import typing as tp
from pathlib import Path

from ainur_studio.data.datasets import crop_length, split_holdout
from ainur_studio.training.distributed import barrier
from ainur_studio.training.lookup_packs import features_for
from ainur_studio.training.recipes.prior import load_base
from ainur_studio.training.recipes.prior_fit import fit_prior, wanted_frames
from ainur_studio.training.recipes.prior_objective import ClaspVectors
from ainur_studio.training.recipes.stems_objective import StemsObjective
from ainur_studio.training.runs import RunEnv
from ainur_studio.training.sources import Sources
from ainur_studio.training.spec import RunSpec
from ainur_studio.training.stems_crops import StemCropDataset, StemItem


def run(spec: RunSpec, sources: Sources, env: RunEnv) -> dict[str, tp.Any]:
    """Train a stems prior as `spec` says; see the module docstring."""
    pack = load_base(spec, env.dist.device, features_for(spec, sources))
    check_stems_prior(pack, spec)
    train_items, held = stem_items(spec, sources, pack, env)
    train_set, held_set = datasets(spec, pack, train_items, held)
    prompts = spec.preview_prompts or [it.prompt for it in (held or train_items)[:2]]
    summary = fit_prior(spec, sources, env, pack, objective_cls=StemsObjective,
                        train_set=train_set, held_set=held_set, prompts=prompts,
                        what=f"clips of {len(pack.prior.roles)} stems")
    return {**summary, "clips": len(train_set)}


def check_stems_prior(pack: tp.Any, spec: RunSpec) -> None:
    """Stems train a prior that makes stems; a mix-only base is refused, naming the fix."""
    if not pack.prior.has_stems:
        raise ValueError(f"{spec.data} holds stems, and the prior of base pack {spec.base!r} "
                         "makes the mix only: choose a base whose prior makes stems (e.g. "
                         "'debug'), or mode 'scratch' with a stems config (e.g. "
                         "'prior_stems_starter'); or set data_kind 'mix' to train on the "
                         "corpus's mixes")


def stem_items(spec: RunSpec, sources: Sources, pack: tp.Any, env: RunEnv
               ) -> tuple[list[StemItem], list[StemItem]]:
    """(train, held-out) items: a bundle's, or the corpus's clips encoded into the run's cache
    (the main rank encodes, the others read the cache)."""
    stems = sources.stems
    if hasattr(stems, "items"):
        return stems.items(pack)
    if not stems.train:
        raise ValueError(f"no usable clips in {spec.data}:\n{stems.summary()}")
    from ainur_studio.training.stems_cache import encode_clips

    cache = Path(spec.cache_dir).expanduser() if spec.cache_dir else env.out / "cache"
    clips = stems.train + stems.held_out

    def progress(done: int, total: int, clip: str) -> None:
        env.log(f"encoded {done}/{total}: {clip}")

    if env.dist.is_main:
        items, skipped = encode_clips(clips, pack, cache_dir=cache, progress=progress)
    barrier()
    if not env.dist.is_main:
        items, skipped = encode_clips(clips, pack, cache_dir=cache)
    for s in skipped:
        env.log(f"skipped {s.path}: {s.reason} ({s.detail})")
    sources.report.skipped += skipped
    held_ids = {c.clip_id for c in stems.held_out}
    train = [it for it, c in _by_clip(items, clips) if c.clip_id not in held_ids]
    held = [it for it, c in _by_clip(items, clips) if c.clip_id in held_ids]
    if not train:
        raise ValueError(f"no clip of {spec.data} could be encoded:\n{stems.summary()}")
    if not held and spec.preview_every:  # hold out only when something validates on them
        train, held = split_holdout(train, fraction=spec.holdout, seed=spec.seed)
    return train, held


def _by_clip(items: list[StemItem], clips: list[tp.Any]) -> list[tuple[StemItem, tp.Any]]:
    folders = {str(c.folder): c for c in clips}
    return [(it, folders[it.path]) for it in items]


def datasets(spec: RunSpec, pack: tp.Any, train: list[StemItem], held: list[StemItem]
             ) -> tuple[StemCropDataset, StemCropDataset | None]:
    """Crop datasets of the items; the CLASP vector of a crop is its lyrics' embedding (text
    models run) or the clip's audio embedding (looked-up text)."""
    d = pack.prior
    frames = crop_length(train + held, wanted=wanted_frames(spec, d), multiple=d.length_multiple)
    clasp_fn = None
    if d.clasp is not None:
        clasp_fn = (ClaspVectors(pack.clasp) if spec.text_features == "encoder"
                    else lambda item, _a, _b: item.clasp_audio)
    train_set = StemCropDataset(train, crop_frames=frames, frame_rate=d.frame_rate,
                                clasp_fn=clasp_fn)
    held_set = StemCropDataset(held, crop_frames=frames, frame_rate=d.frame_rate,
                               clasp_fn=clasp_fn, random_crop=False) if held else None
    return train_set, held_set

