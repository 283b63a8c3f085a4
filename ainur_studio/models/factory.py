"""`create_model_from_config(cfg)`: one registry from a config's `"type"` to its factory.

Factories are imported lazily, so building an autoencoder does not import CLASP or the prior.
"""

from __future__ import annotations

import importlib
import json
import typing as tp
from importlib import resources

# type -> (module, factory function)
REGISTRY: dict[str, tuple[str, str]] = {
    "autoencoder": ("ainur_studio.models.autoencoder", "create_autoencoder_from_config"),
    "prior": ("ainur_studio.models.prior", "create_prior_from_config"),
    "unet_v0": ("ainur_studio.models.unet", "create_unet_from_config"),
    "clasp": ("ainur_studio.models.clasp", "create_clasp_from_config"),
    "text_encoder": ("ainur_studio.models.factory", "create_text_encoder_from_config"),
}
# Configs written before the latent diffusion model was named "prior" (packs, checkpoints).
LEGACY_TYPES = {"latent_diffusion": "prior"}


def create_model_from_config(cfg: dict[str, tp.Any]) -> tp.Any:
    """Build the module a config describes.

    Args:
        cfg: a dict with a `"type"` key (a key of `REGISTRY`) and that factory's fields.

    Raises:
        ValueError: no or unknown type; the factory's own errors for bad fields.
    """
    if not isinstance(cfg, dict) or "type" not in cfg:
        raise ValueError("a model config must be an object with a 'type' key; known types: "
                         f"{', '.join(sorted(REGISTRY))}")
    kind = LEGACY_TYPES.get(cfg["type"], cfg["type"])
    if kind not in REGISTRY:
        raise ValueError(f"unknown model type {kind!r}; known types: {', '.join(sorted(REGISTRY))}")
    module, name = REGISTRY[kind]
    return getattr(importlib.import_module(module), name)(cfg)


def create_text_encoder_from_config(cfg: dict[str, tp.Any]) -> tp.Any:
    """A `FrozenTextEncoder` from `{"type": "text_encoder", "source" | "scratch", "max_length"}`.

    `source`: None = the bundled MiniLM; otherwise a local Hugging Face folder, given as a path
    or as a folder name under `<user models>/text_encoders/`.
    """
    from ainur_studio.models.text_encoder import FrozenTextEncoder

    unknown = set(cfg) - {"type", "source", "scratch", "max_length", "sha256"}
    if unknown:
        raise ValueError(f"text encoder config: unknown keys {sorted(unknown)}")
    source = cfg.get("source")
    if source is not None:
        from ainur_studio.paths import resolve_text_encoder_source

        source = resolve_text_encoder_source(source)
    return FrozenTextEncoder(source=source, scratch=cfg.get("scratch"),
                             max_length=int(cfg.get("max_length", 128)))


def load_config(name: str) -> dict[str, tp.Any]:
    """A shipped config `ainur_studio/configs/<name>.json`, e.g. "prior_small"."""
    path = resources.files("ainur_studio") / "configs" / f"{name}.json"
    if not path.is_file():
        raise ValueError(f"no shipped config named {name!r} (looked for configs/{name}.json)")
    return json.loads(path.read_text(encoding="utf-8"))
