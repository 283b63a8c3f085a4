"""Packs and fresh components whose text models are lookup tables (`lookup_text`).

`lookup_pack(base, table)` loads a base pack (a folder, an installed pack's name, or "debug")
with the prior's text encoder and CLASP's text tower replaced by the table, without building
the text models it replaces; `fresh_lookup_pack(recipe, table)` draws a pack's weights as
`build_pack` does; `lookup_model(cfg, table)` builds one fresh component. The packs' configs
still name the real text models, so a pack saved from them loads as usual where they exist.
The recipes go through `features_for`, `load_base_pack` and `build_model`, which fall back to
the ordinary packs and models when a run does not look text up.
"""

from __future__ import annotations

import json
import typing as tp
from pathlib import Path

import torch

from ainur_studio.training.lookup_text import CaptionFeatures, LookupTextEncoder, LookupTextTower

# a CLASP text tower read from files is built as this stand-in (never run), then replaced
STAND_IN = {"num_layers": 1, "num_heads": 1, "max_positions": 8}


def features_for(spec: tp.Any, sources: tp.Any) -> CaptionFeatures | None:
    """The table a run (`RunSpec`, `Sources`) looks text up in: the caption bundle's with
    `text_features` "lookup", else None (the pack's text models run)."""
    if spec.text_features != "lookup":
        return None
    if sources.text is None:
        raise ValueError(f"text_features 'lookup' needs a caption bundle as data (items.json and "
                         f"text.safetensors, e.g. from scripts/starter_bundle.py); {spec.data} is "
                         "not one")
    return sources.text


def load_base_pack(base: str | Path, table: CaptionFeatures | None) -> tp.Any:
    """`load_pack(base)`, or `lookup_pack(base, table)` when there is a table."""
    if table is None:
        from ainur_studio.models.pretrained import load_pack

        return load_pack(base)
    return lookup_pack(base, table)


def build_model(cfg: dict[str, tp.Any], table: CaptionFeatures | None) -> torch.nn.Module:
    """A fresh component of `cfg`, with the table for text when there is one."""
    if table is None:
        from ainur_studio.models.factory import create_model_from_config

        return create_model_from_config(cfg)
    return lookup_model(cfg, table)


def lookup_clasp(cfg: dict[str, tp.Any], table: CaptionFeatures) -> torch.nn.Module:
    """A fresh CLASP of `cfg` whose text tower is `table`'s pooled features.

    Raises:
        ValueError: the architecture is not "ainur", the tower is trained (`freeze` false, so
            fixed features cannot stand for it), or its width is not the features' width.
    """
    from ainur_studio.models.factory import create_model_from_config

    inner = cfg.get("config", cfg)
    if inner.get("architecture", "ainur") != "ainur":
        raise ValueError(f"looked-up text features need a CLASP of architecture 'ainur', not "
                         f"{inner['architecture']!r}; train it with text_features 'encoder'")
    text = inner.get("text", {})
    scratch = text.get("scratch")
    if scratch is None and not text.get("freeze", False):
        raise ValueError("CLASP's text tower is trained (text.freeze is false), so fixed "
                         "features cannot stand for it; freeze it or use text_features 'encoder'")
    if scratch is None:
        stand_in = {"scratch": {"hidden_size": table.pooled_width, **STAND_IN}, "freeze": True}
        cfg = {"type": "clasp", "config": {**inner, "text": stand_in}}
    model = create_model_from_config(cfg)
    if model.text_tower.width != table.pooled_width:
        raise ValueError(f"the pooled caption features in {table.where} are "
                         f"{table.pooled_width} wide, CLASP's text tower {model.text_tower.width}: "
                         "the features were made with another text model")
    model.text_tower = LookupTextTower(
        table, encoder=None if scratch is None else model.text_tower.encoder)
    return model


def lookup_model(cfg: dict[str, tp.Any], table: CaptionFeatures) -> torch.nn.Module:
    """A fresh component of `cfg`; a CLASP gets the table as its text tower."""
    if cfg.get("type") == "clasp":
        return lookup_clasp(cfg, table)
    from ainur_studio.models.factory import create_model_from_config

    return create_model_from_config(cfg)


def _pack(meta: dict[str, tp.Any], configs: dict[str, dict], modules: dict[str, tp.Any],
          table: CaptionFeatures, path: Path | None) -> tp.Any:
    from ainur_studio.models.pretrained import assemble_pack

    return assemble_pack(meta, configs, {**modules, "text_encoder": LookupTextEncoder(table)},
                         path, misfit=f"pack {path or meta['name']!r} does not fit the text "
                                      f"features in {table.where}")


def fresh_lookup_pack(recipe: dict[str, tp.Any], table: CaptionFeatures, *,
                      seed: int | None = None) -> tp.Any:
    """A pack of fresh weights from `recipe` (`configs/pack_*.json`), drawn from `seed` (default
    the recipe's) in `build_pack`'s order, with the table for text."""
    from ainur_studio.models.pretrained import WEIGHTED, recipe_configs

    configs = recipe_configs(recipe)
    seed = recipe.get("seed", 0) if seed is None else seed
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        modules = {comp: lookup_model(configs[comp], table) for comp in WEIGHTED
                   if comp in configs}
    meta = {**{k: v for k, v in recipe.items() if k != "components"}, "seed": seed}
    return _pack(meta, configs, modules, table, None)


def lookup_pack(base: str | Path, table: CaptionFeatures) -> tp.Any:
    """The pack `base` (folder, installed name, or a built-in: "debug", "debug-mix") with the table for text.

    Raises:
        PackError: no such pack, damaged or mismatched weights, or components that do not fit
            the features.
    """
    from ainur_studio.models.factory import load_config
    from ainur_studio.models.pretrained import (
        BUILTINS,
        LEGACY_COMPONENTS,
        find_pack,
        load_component,
    )

    if str(base) in BUILTINS:
        return fresh_lookup_pack(load_config(BUILTINS[str(base)]), table)
    folder = find_pack(base)
    meta = json.loads((folder / "pack.json").read_text(encoding="utf-8"))
    meta["components"] = {LEGACY_COMPONENTS.get(k, k): v for k, v in meta["components"].items()}
    configs: dict[str, dict] = {}
    modules: dict[str, tp.Any] = {}
    for comp, entry in meta["components"].items():
        if comp == "clasp":
            configs[comp], modules[comp] = _load_clasp(folder, str(entry["sha256"]), table)
        else:
            configs[comp], modules[comp] = load_component(folder, comp)
    configs["text_encoder"] = dict(meta["text_encoder"])
    return _pack(meta, configs, modules, table, folder)


def _load_clasp(folder: Path, sha: str, table: CaptionFeatures) -> tuple[dict, torch.nn.Module]:
    """The pack's CLASP with the table as text tower, its weights checked against pack.json."""
    from safetensors.torch import load_model

    from ainur_studio.models.pretrained import check_loaded, checked_weights

    weights = checked_weights(folder, "clasp", sha)
    cfg = json.loads((weights.parent / "model_config.json").read_text(encoding="utf-8"))
    module = lookup_clasp(cfg, table)
    missing, unexpected = load_model(module, str(weights), strict=False)
    check_loaded(module, missing, unexpected, f"pack {folder}: clasp")
    return cfg, module
