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

from ainur_studio.errors import PackError
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
    from ainur_studio.models.pretrained import ModelPack, check_components

    pack = ModelPack(name=str(meta["name"]), version=str(meta.get("version", "")),
                     sample_rate=int(meta["sample_rate"]), autoencoder=modules["autoencoder"],
                     prior=modules["prior"], text_encoder=LookupTextEncoder(table),
                     clasp=modules.get("clasp"), configs=configs, info=meta,
                     defaults=dict(meta.get("defaults", {})), path=path)
    pack.prior.attach_text_encoder(pack.text_encoder)
    for module in pack.modules().values():
        module.eval().requires_grad_(False)
    problems = check_components(pack)
    if problems:
        raise PackError(f"pack {path or pack.name!r} does not fit the text features in "
                        f"{table.where}: " + "; ".join(problems))
    return pack


def fresh_lookup_pack(recipe: dict[str, tp.Any], table: CaptionFeatures, *,
                      seed: int | None = None) -> tp.Any:
    """A pack of fresh weights from `recipe` (`configs/pack_*.json`), drawn from `seed` (default
    the recipe's) in `build_pack`'s order, with the table for text."""
    from ainur_studio.models.factory import load_config
    from ainur_studio.models.pretrained import WEIGHTED

    configs = {comp: load_config(ref) if isinstance(ref, str) else dict(ref)
               for comp, ref in recipe["components"].items()}
    configs["text_encoder"] = dict(recipe["text_encoder"])
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
    from ainur_studio.models.pretrained import BUILTINS, LEGACY_COMPONENTS, load_component

    if str(base) in BUILTINS:
        return fresh_lookup_pack(load_config(BUILTINS[str(base)]), table)
    folder = _find(base)
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


def _find(base: str | Path) -> Path:
    from ainur_studio.models.pretrained import list_packs, pack_folder

    path = Path(base).expanduser()
    if path.is_dir():
        folder = pack_folder(path)
        if folder is None:
            raise PackError(f"{path} is not a model pack: it has no pack.json; fix: pass the "
                            "folder of a pack or of a finished training run")
        return folder
    for info in list_packs():
        if info.name == str(base) and info.path is not None:
            return info.path
    raise PackError(f"no model pack named {str(base)!r}; fix: pass a pack folder")


def _load_clasp(folder: Path, sha: str, table: CaptionFeatures) -> tuple[dict, torch.nn.Module]:
    """The pack's CLASP with the table as text tower, its weights checked against pack.json."""
    from safetensors.torch import load_model

    from ainur_studio.fileio import sha256_file
    from ainur_studio.models.pretrained import component_dir, external_prefixes

    where = component_dir(folder, "clasp")
    weights = where / "model.safetensors"
    if not weights.is_file() or sha256_file(weights) != sha:
        raise PackError(f"pack {folder}: clasp/model.safetensors is missing or does not match "
                        "pack.json's sha256; fix: reinstall the pack")
    cfg = json.loads((where / "model_config.json").read_text(encoding="utf-8"))
    module = lookup_clasp(cfg, table)
    missing, unexpected = load_model(module, str(weights), strict=False)
    missing = [k for k in missing if not k.startswith(external_prefixes(module))]
    if missing or unexpected:
        raise PackError(f"pack {folder}: clasp does not match its config: missing "
                        f"{sorted(missing)[:5]}, unexpected {sorted(unexpected)[:5]}")
    return cfg, module
