"""Model packs as the app shows them: the pack a training run exported, the short name of the
model chosen in the prompt panel (a name, a pack folder or a run folder), and which models are
fine-tunes (LoRA packs) that take a style strength."""

from __future__ import annotations

import json
import typing as tp
from pathlib import Path


def exported_pack_name(result: tp.Mapping[str, tp.Any]) -> str:
    """The name of the pack a finished `train` job exported ("" when it exported none).

    The name is the one in the pack's `pack.json` (the name it is installed under); when the
    file cannot be read here (a remote engine) it is the run folder's name.
    """
    pack = str(result.get("pack") or "")
    if not pack:
        return ""
    try:
        meta = json.loads((Path(pack) / "pack.json").read_text(encoding="utf-8"))
        return str(meta["name"])
    except (OSError, ValueError, KeyError, TypeError):
        return Path(pack).parent.name or Path(pack).name


def model_label(model: str) -> str:
    """A short label for a model: its name, or the folder name of a pack or run path."""
    model = model.strip()
    if "/" in model or "\\" in model:
        path = Path(model.rstrip("/\\"))
        return path.parent.name if path.name == "pack" and path.parent.name else path.name
    return model


def listed_packs(models: tp.Iterable[str | tp.Mapping[str, tp.Any]]
                 ) -> dict[str, dict[str, tp.Any]]:
    """`list_models` entries (or bare names) by name: each has at least `name`, `kind` and
    `base` (a bare name's kind is unknown: ``""``)."""
    packs = {}
    for model in models:
        entry = {"name": model} if isinstance(model, str) else dict(model)
        entry.setdefault("kind", "")
        entry.setdefault("base", "")
        packs[str(entry.get("name", ""))] = entry
    return packs


def fine_tune_base(model: str, listed: tp.Mapping[str, tp.Mapping[str, tp.Any]]) -> str | None:
    """The base a fine-tuned (LoRA) `model` was trained on (``""`` when not recorded), or
    None when `model` is not a fine-tune or not known. A model not in the engine's listing
    is looked up in its folder's pack.json (a pack folder or a run folder's `pack/`)."""
    entry = _entry(model, listed)
    if entry is None or entry.get("kind") != "lora":
        return None
    base = entry.get("base")
    return str(base.get("name", "") if isinstance(base, tp.Mapping) else base or "")


SAMPLING_FIELDS = ("steps", "guidance", "sampler")  # what a pack may recommend


def pack_sampling(model: str, listed: tp.Mapping[str, tp.Mapping[str, tp.Any]]
                  ) -> dict[str, tp.Any]:
    """The steps, guidance and sampler the listing says `model`'s pack recommends (its
    pack.json `defaults`, checked by the engine); {} when it names none or is not listed."""
    entry = listed.get(model.strip()) or {}
    defaults = entry.get("defaults")
    return {k: v for k, v in defaults.items() if k in SAMPLING_FIELDS} \
        if isinstance(defaults, tp.Mapping) else {}


def is_full_pack(model: str, listed: tp.Mapping[str, tp.Mapping[str, tp.Any]]) -> bool:
    """True when `model` is known not to be a fine-tune (listed as ``full``, or a folder
    whose pack.json is not a LoRA pack's)."""
    entry = _entry(model, listed)
    return entry is not None and entry.get("kind") not in ("lora", "")


def _entry(model: str, listed: tp.Mapping[str, tp.Mapping[str, tp.Any]]
           ) -> tp.Mapping[str, tp.Any] | None:
    entry = listed.get(model.strip())
    if entry is None or not entry.get("kind"):
        entry = _folder_entry(model.strip()) or entry
    return entry


def _folder_entry(model: str) -> dict[str, tp.Any] | None:
    if not model or ("/" not in model and "\\" not in model):
        return None
    for path in (Path(model) / "pack.json", Path(model) / "pack" / "pack.json"):
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(meta, dict):
            return {"kind": meta.get("kind") or "full", "base": meta.get("base") or ""}
    return None
