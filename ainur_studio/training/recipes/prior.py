"""The prior's recipe: LoRA, full fine-tuning or a fresh prior on a base pack's encoder.

Adapt the decoder first when the recordings need it (`prior_decoder`, a stage of its own in
`<out>/decoder/`), read the data, encode it once into the run's cache (`prior_cache`), train
`PriorObjective` on random latent crops with the shared trainer (checkpoints, exact resume,
validation with previews), and export a pack (`prior_export`) that carries the adapted
autoencoder.
"""

from __future__ import annotations

import typing as tp
from pathlib import Path

import torch

from ainur_studio.data.datasets import LatentCropDataset, crop_length, split_holdout
from ainur_studio.training.distributed import barrier
from ainur_studio.training.lookup_packs import features_for, load_base_pack
from ainur_studio.training.recipes.module import resolve_config
from ainur_studio.training.recipes.prior_cache import precache
from ainur_studio.training.recipes.prior_closeness import closeness_probe
from ainur_studio.training.recipes.prior_decoder import adapt_decoder
from ainur_studio.training.recipes.prior_fit import fit_prior, wanted_frames
from ainur_studio.training.recipes.prior_objective import ClaspVectors, PriorObjective
from ainur_studio.training.runs import RunEnv
from ainur_studio.training.sources import Sources
from ainur_studio.training.spec import RunSpec


def run(spec: RunSpec, sources: Sources, env: RunEnv) -> dict[str, tp.Any]:
    """Train the prior as `spec` says; see the module docstring."""
    pack = load_base(spec, env.dist.device, features_for(spec, sources))
    _check_mix_data(pack, spec)
    base_autoencoder = pack.autoencoder  # the base pack's previews decode with it
    decoder = adapt_decoder(spec, sources, pack, env)
    if decoder["stopped"]:
        return {"steps": 0, "stopped": True, "pack": None, "out": str(env.out),
                "checkpoint": decoder["checkpoint"], "decoder": decoder,
                "skipped": sources.skipped()}
    train_items, held = _encode(spec, sources, pack, env)
    train_set, held_set = _datasets(spec, pack, train_items, held)
    prompts = spec.preview_prompts or [it.prompt or "music" for it in (held or train_items)[:2]]
    probe = closeness_probe(spec, pack, env, train=train_items, held=held, prompts=prompts,
                            base_autoencoder=base_autoencoder)
    summary = fit_prior(spec, sources, env, pack, objective_cls=PriorObjective,
                        train_set=train_set, held_set=held_set, prompts=prompts,
                        what="recordings", captioned=_captioned(sources, train_items),
                        with_autoencoder=decoder["decision"]["adapt"], probe=probe)
    return {**summary, "decoder": decoder}


def _captioned(sources: Sources, items: list) -> bool:
    """The data are the user's captioned recordings (a folder or a manifest; not a latent or
    caption bundle, which hold a corpus the prior learns its CLASP conditioning from)."""
    return sources.latents is None and sources.text is None and any(it.prompt for it in items)


def _check_mix_data(pack: tp.Any, spec: RunSpec) -> None:
    """Recordings are mixes: a prior that makes stems cannot learn from them as they are."""
    if getattr(pack.prior, "has_stems", False):
        raise ValueError(f"the base pack {spec.base!r} makes stems "
                         f"({', '.join(pack.prior.roles)}); fine-tuning it on mixed "
                         "recordings is not supported yet: choose a base pack that makes the "
                         "mix only (e.g. 'starter')")


def load_base(spec: RunSpec, device: torch.device, table: tp.Any | None = None) -> tp.Any:
    """The base pack (with `table`'s looked-up text features for text, when given); in
    "scratch" mode its prior is replaced by a fresh one from `config`."""
    pack = load_base_pack(spec.base, table)
    if spec.mode == "scratch":
        fresh_prior(pack, spec.config, seed=spec.seed)
    return pack.to(device)


def fresh_prior(pack: tp.Any, config: str, *, seed: int) -> None:
    """Replace the pack's prior by a freshly initialised one built from `config`."""
    from ainur_studio.models.factory import create_model_from_config
    from ainur_studio.models.pretrained import PackError, check_components

    cfg = resolve_config("prior", config)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        pack.prior = create_model_from_config(cfg)
    pack.prior.attach_text_encoder(pack.text_encoder)
    pack.configs["prior"] = cfg
    problems = check_components(pack)
    if problems:
        raise PackError(f"prior config {config!r} does not fit base pack {pack.name!r}: "
                        + "; ".join(problems))


def _encode(spec: RunSpec, sources: Sources, pack: tp.Any, env: RunEnv) -> tuple[list, list]:
    """(train, held-out) `LatentItem`s: a latent bundle's, or the recordings encoded into the
    run's cache (the main rank encodes, the others read the cache)."""
    if sources.latents is not None:
        return _long_enough(spec, pack, *sources.latents, env)
    if not sources.train:
        raise ValueError(f"no usable recordings in {spec.data}:\n{sources.report.summary()}")
    cache = Path(spec.cache_dir).expanduser() if spec.cache_dir else env.out / "cache"
    everything = sources.train + sources.held_out

    def progress(done: int, total: int, path: str) -> None:
        env.log(f"encoded {done}/{total}: {Path(path).name}")

    if env.dist.is_main:
        precache(everything, pack, cache_dir=cache, progress=progress, prune=not spec.cache_dir)
    barrier()
    items = precache(everything, pack, cache_dir=cache)
    train_items, held = items[: len(sources.train)], items[len(sources.train):]
    if not held and spec.preview_every:  # hold out only when something validates on them
        train_items, held = split_holdout(train_items, fraction=spec.holdout, seed=spec.seed)
    return train_items, held


def _long_enough(spec: RunSpec, pack: tp.Any, train: list, held: list, env: RunEnv
                 ) -> tuple[list, list]:
    """A bundle's items that give a whole crop (shorter clips are left out, not padded)."""
    wanted = wanted_frames(spec, pack.prior)
    kept = [it for it in train if it.frames >= wanted], [it for it in held if it.frames >= wanted]
    dropped = len(train) + len(held) - len(kept[0]) - len(kept[1])
    if dropped:
        env.log(f"{dropped} items shorter than {wanted} latent frames left out")
    return kept


def _datasets(spec: RunSpec, pack: tp.Any, train_items: list, held: list
              ) -> tuple[LatentCropDataset, LatentCropDataset | None]:
    d = pack.prior
    frames = crop_length(train_items + held, wanted=wanted_frames(spec, d),
                         multiple=d.length_multiple)
    clasp_fn = ClaspVectors(pack.clasp) if d.clasp is not None else None
    train_set = LatentCropDataset(train_items, crop_frames=frames, frame_rate=d.frame_rate,
                                  clasp_fn=clasp_fn)
    held_set = LatentCropDataset(held, crop_frames=frames, frame_rate=d.frame_rate,
                                 clasp_fn=clasp_fn, random_crop=False) if held else None
    return train_set, held_set
