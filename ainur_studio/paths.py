"""Where the app keeps things, in one place: its name, the user data folder and what lives in
it (models, takes, logs, autosaves, training runs), the shipped models, and how a text-encoder
reference becomes a folder, and the cache of files the app builds for itself. `AINUR_STUDIO_HOME`
(tests, portable installs) overrides the user data folder and `AINUR_STUDIO_CACHE` the cache.
Torch-free; platformdirs is imported on first use."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from ainur_studio.errors import PackError

APP_NAME = "Ainur Studio"


def user_data_dir() -> Path:
    """``$AINUR_STUDIO_HOME`` or the platform's user data folder for the app."""
    home = os.environ.get("AINUR_STUDIO_HOME")
    if home:
        return Path(home)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def user_cache_dir() -> Path:
    """Files the app builds once and can rebuild (e.g. the text backbone's ONNX export):
    ``$AINUR_STUDIO_CACHE``, else ``<$AINUR_STUDIO_HOME>/cache``, else the platform's user
    cache folder."""
    cache = os.environ.get("AINUR_STUDIO_CACHE")
    if cache:
        return Path(cache)
    home = os.environ.get("AINUR_STUDIO_HOME")
    if home:
        return Path(home) / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def user_models_dir() -> Path:
    """Packs the user installed (trained or copied): `<user data>/models`."""
    return user_data_dir() / "models"


def takes_dir() -> Path:
    """The default takes folder: `<user data>/takes`."""
    return user_data_dir() / "takes"


def shipped_models_dir() -> Path | None:
    """The app's `resources/models/` folder, if the resources are installed."""
    try:
        folder = resources.files("resources") / "models"
    except ModuleNotFoundError:
        return None
    return Path(str(folder))


def resolve_text_encoder_source(source: str) -> str:
    """A text-encoder folder: an existing path, or a name under `<user models>/text_encoders/`."""
    path = Path(source).expanduser()
    if path.is_dir():
        return str(path)
    named = user_models_dir() / "text_encoders" / source
    if named.is_dir():
        return str(named)
    raise PackError(f"text encoder {source!r} not found; fix: put the Hugging Face folder "
                    f"(config.json, tokenizer, model.safetensors) at {named}")
