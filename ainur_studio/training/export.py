"""Fine-tuned models as packs: a full pack, or a LoRA pack that names its base by hash.

A LoRA pack folder holds `pack.json` with `"kind": "lora"`, `"base": {"name", "hash"}` (the
`ModelPack.hash` of the pack it was trained on), the adapter settings, and
`prior_lora/adapter.safetensors` (the adapter weights, sha256 in `pack.json`), and, when the
run fine-tuned the decoder, `autoencoder/` (config + weights, sha256 in `pack.json`).
`load_lora_pack` loads the base, refuses a base whose hash differs, merges the adapters,
each scaled by the style strength (0 = the base pack's prior, 1 = the fine-tune as trained, up
to 2 to exaggerate it), and puts the pack's autoencoder in place of the base's (at every
strength: the decoder is the user's timbre, not a style to blend).
Packs are assembled in a hidden temporary folder and moved into place, so a crash never leaves
half a pack where a pack was.
"""

from __future__ import annotations

import json
import shutil
import typing as tp
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from ainur_studio.errors import GenerationError
from ainur_studio.fileio import sha256_file
from ainur_studio.limits import LIMITS
from ainur_studio.models.pretrained import (
    PACK_FORMAT,
    PackError,
    check_components,
    check_loaded,
    checked_weights,
    list_packs,
    load_pack,
    pack_folder,
    save_pack,
)
from ainur_studio.training.lora import (
    LoraSettings,
    add_lora,
    load_lora_weights,
    merge_lora,
    scale_lora,
)

ADAPTER = "prior_lora/adapter.safetensors"
AUTOENCODER = "autoencoder"  # a LoRA pack's fine-tuned autoencoder, when the run made one


def _replace_folder(staging: Path, folder: Path) -> Path:
    """Move `staging` to `folder`, replacing an earlier export there."""
    old = folder.with_name(f".{folder.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if folder.exists():
        folder.rename(old)
    staging.rename(folder)
    if old.exists():
        shutil.rmtree(old)
    return folder


def _staging(folder: Path) -> Path:
    staging = folder.with_name(f".{folder.name}.tmp")
    if staging.exists():
        shutil.rmtree(staging)
    staging.parent.mkdir(parents=True, exist_ok=True)
    return staging


def export_lora_pack(base: tp.Any, adapter: dict[str, torch.Tensor], settings: LoraSettings,
                     folder: str | Path, *, name: str, version: str = "0.1.0",
                     training_data: str = "",
                     autoencoder: tuple[torch.nn.Module, dict] | None = None) -> Path:
    """Write a LoRA pack for adapters trained on `base` (a loaded `ModelPack`), with a
    fine-tuned `autoencoder` (module, config) that replaces the base's when given."""
    folder = Path(folder)
    staging = _staging(folder)
    weights = staging / ADAPTER
    weights.parent.mkdir(parents=True)
    save_file({k: v.detach().cpu().contiguous() for k, v in adapter.items()}, str(weights),
              metadata={"lora": json.dumps(settings.to_dict())})
    components = {"prior_lora": {"sha256": sha256_file(weights)}}
    if autoencoder is not None:
        components["autoencoder"] = {"sha256": _save_autoencoder(*autoencoder, staging)}
    meta = {"format": PACK_FORMAT, "kind": "lora", "name": name, "version": version,
            "sample_rate": base.sample_rate,
            "base": {"name": base.name, "hash": base.hash,
                     "path": str(base.path) if base.path else None},
            "lora": settings.to_dict(), "license": base.info.get("license", ""),
            "training_data": training_data, "components": components}
    (staging / "pack.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return _replace_folder(staging, folder)


def _save_autoencoder(module: torch.nn.Module, cfg: dict, staging: Path) -> str:
    """Write `autoencoder/` (config + weights) into a LoRA pack; the weights' sha256."""
    from safetensors.torch import save_model

    where = staging / AUTOENCODER
    where.mkdir(parents=True)
    text = json.dumps(cfg, indent=2)
    (where / "model_config.json").write_text(text + "\n", encoding="utf-8")
    save_model(module, str(where / "model.safetensors"), metadata={"config": text})
    return sha256_file(where / "model.safetensors")


def _load_autoencoder(folder: Path, sha: str) -> tuple[dict, torch.nn.Module]:
    """The LoRA pack's own autoencoder, its weights checked against pack.json."""
    from safetensors.torch import load_model

    from ainur_studio.models.factory import create_model_from_config

    weights = checked_weights(folder, AUTOENCODER, sha)
    cfg = json.loads((weights.parent / "model_config.json").read_text(encoding="utf-8"))
    module = create_model_from_config(cfg)
    missing, unexpected = load_model(module, str(weights), strict=False)
    check_loaded(module, missing, unexpected, f"LoRA pack {folder}: autoencoder")
    return cfg, module.eval().requires_grad_(False)


def export_full_pack(pack: tp.Any, folder: str | Path, *, name: str,
                     training_data: str = "") -> Path:
    """Write every component of `pack` (after full fine-tuning) as a new pack."""
    folder = Path(folder)
    staging = _staging(folder)
    save_pack(pack, staging, name=name, training_data=training_data)
    return _replace_folder(staging, folder)


def read_lora_meta(folder: str | Path) -> dict[str, tp.Any] | None:
    """The `pack.json` of a LoRA pack, or None when `folder` holds another kind of pack."""
    path = Path(folder) / "pack.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and meta.get("kind") == "lora" else None


def load_lora_pack(folder: str | Path, *, base: str | Path | None = None,
                   device: str | torch.device = "cpu", strength: float = 1.0) -> tp.Any:
    """Load a LoRA pack: its base pack with the adapters merged into the prior.

    Args:
        folder: the LoRA pack folder (or the training run folder that holds it in `pack/`).
        base: the base pack (name or folder); default: the name, then the path, in pack.json.
        device: where to put the result.
        strength: the style strength, the scale of every adapter (`scale_lora`): 0 gives the
            base pack's weights exactly, 1 the fine-tune as trained. A strength other than 1
            is part of the loaded pack's hash and is kept in `info["style_strength"]`.

    Raises:
        PackError: not a LoRA pack, damaged adapter or autoencoder file, a base whose hash
            differs from the one the adapters were trained on, or an autoencoder that does not
            fit the base's prior.
        GenerationError: `bad_style_strength`, a strength outside 0..2.
    """
    check_style_strength(strength)
    folder = pack_folder(folder) or Path(folder)
    meta = read_lora_meta(folder)
    if meta is None:
        raise PackError(f"{folder} is not a LoRA pack (pack.json missing or without "
                        '"kind": "lora"); load it with load_pack')
    weights = folder / ADAPTER
    expected = meta["components"]["prior_lora"]["sha256"]
    if not weights.is_file() or sha256_file(weights) != expected:
        raise PackError(f"{weights} is missing or damaged (sha256 differs from pack.json); "
                        "export the LoRA pack again")
    pack = _load_base(meta["base"], base)
    settings = LoraSettings.from_dict(meta["lora"])
    try:
        add_lora(pack.prior.unet, settings)
        load_lora_weights(pack.prior.unet, load_file(str(weights)))
    except (ValueError, KeyError) as exc:
        raise PackError(f"LoRA pack {folder} does not fit its base: {exc}") from exc
    merge_lora(scale_lora(pack.prior.unet, strength))
    pack.prior.eval().requires_grad_(False)
    comps = {**pack.info.get("components", {}), "prior_lora": {"sha256": expected},
             "base": {"sha256": meta["base"]["hash"]}}
    if AUTOENCODER in meta["components"]:
        comps[AUTOENCODER] = _use_autoencoder(pack, folder, meta["components"][AUTOENCODER])
    if strength != 1.0:  # other weights, another hash; as trained keeps the pack's own
        comps["style_strength"] = {"scale": float(strength)}
    pack.info = {**pack.info, "name": meta["name"], "version": meta["version"],
                 "components": comps, "base": meta["base"], "style_strength": float(strength)}
    pack.name, pack.version, pack.path = str(meta["name"]), str(meta["version"]), folder
    return pack.to(device)


def _use_autoencoder(pack: tp.Any, folder: Path, entry: dict[str, tp.Any]) -> dict[str, str]:
    """Put the LoRA pack's autoencoder in place of the base's; its pack.json entry."""
    cfg, module = _load_autoencoder(folder, str(entry["sha256"]))
    base_ae, base_cfg = pack.autoencoder, pack.configs[AUTOENCODER]
    pack.autoencoder, pack.configs[AUTOENCODER] = module, cfg
    problems = check_components(pack)
    if problems:
        pack.autoencoder, pack.configs[AUTOENCODER] = base_ae, base_cfg
        raise PackError(f"the autoencoder of LoRA pack {folder} does not fit its base's prior: "
                        + "; ".join(problems))
    return {"sha256": str(entry["sha256"])}


def _load_base(recorded: dict[str, tp.Any], base: str | Path | None) -> tp.Any:
    candidates = [base] if base is not None else [recorded.get("name"), recorded.get("path")]
    errors = []
    for candidate in [c for c in candidates if c]:
        try:
            pack = load_pack(candidate)
        except PackError as exc:
            errors.append(str(exc))
            continue
        if pack.hash != recorded["hash"]:
            raise PackError(f"the LoRA pack was trained on base {recorded.get('name')!r} with "
                            f"hash {recorded['hash'][:12]}..., but {candidate} has hash "
                            f"{pack.hash[:12]}...; fix: install the exact base pack it was "
                            "trained on")
        return pack
    raise PackError(f"base pack {recorded.get('name')!r} of the LoRA pack is not available"
                    + (f": {errors[-1]}" if errors else ""))


def load_any_pack(name_or_path: str | Path, *, device: str | torch.device = "cpu",
                  strength: float = 1.0) -> tp.Any:
    """`load_pack` that also takes LoRA packs (by folder, or by name when installed), the
    latter at style strength `strength`.

    Raises:
        GenerationError: `no_style_strength` when `strength` is not 1 and the pack is not a
            LoRA pack (checked before anything loads); `bad_style_strength` out of range.
    """
    check_style_strength(strength)
    folder = _lora_folder(name_or_path)
    if folder is not None:
        return load_lora_pack(folder, device=device, strength=strength)
    if strength != 1.0:
        raise GenerationError("no_style_strength", f"pack {str(name_or_path)!r} is not a "
                              "fine-tune (LoRA pack); style strength needs one: set it to 1 "
                              "(100 %) or choose a fine-tuned pack (`ainur-studio models` "
                              "marks them)")
    return load_pack(name_or_path, device=device)


def check_style_strength(strength: tp.Any) -> None:
    """Raise `bad_style_strength` unless `strength` is within the limit `style_strength` of
    `ainur_studio.limits` (0 to 2)."""
    limit = LIMITS["style_strength"]
    if not limit.holds(strength):
        raise GenerationError(limit.code, f"{limit.describe()}, got {strength!r}")


def _lora_folder(name_or_path: str | Path) -> Path | None:
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        folder = pack_folder(path)
        return folder if folder is not None and read_lora_meta(folder) is not None else None
    for info in list_packs():
        if info.name == str(name_or_path) and info.path is not None \
                and read_lora_meta(info.path) is not None:
            return info.path
    return None


def install_pack(folder: Path, name: str, log: tp.Callable[[str], None] | None = None) -> Path:
    """Copy an exported pack into `<user models>/<name>` (replacing an earlier install), so the
    app and `ainur-studio models` list it."""
    from ainur_studio.paths import user_models_dir

    target = user_models_dir() / name
    staging = target.with_name(f".{name}.tmp")
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(folder, staging)
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    if log is not None:
        log(f"installed pack {name!r} in {target}")
    return target
