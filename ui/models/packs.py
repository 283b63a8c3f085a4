"""Model pack names as the app shows them: the pack a training run exported, and the short
name of the model chosen in the prompt panel (a name, a pack folder or a run folder)."""

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
