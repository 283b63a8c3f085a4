"""What the job handlers share: the device, the takes folder, the model functions (imported
on first use unless injected) and the cache of loaded packs."""


from __future__ import annotations

import functools
import hashlib
import importlib
import json
import logging
import threading
import typing as tp
from dataclasses import dataclass, field
from pathlib import Path

from engine.devices import DeviceChoice, memory_info, suggested_limits
from engine.jobs import JobError
from engine.protocol import ErrorCode

log = logging.getLogger(__name__)

GenerateFn = tp.Callable[..., tp.Any]
LoadPackFn = tp.Callable[..., tp.Any]


def import_model_function(module: str, name: str, what: str) -> tp.Callable[..., tp.Any]:
    """`module.name`, imported on first use; a missing model core becomes a job error that
    says what this installation lacks."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise JobError(ErrorCode.MODEL_ERROR, f"this installation {what} ({module}); "
                       "reinstall Ainur Studio", detail=str(exc)) from exc


def default_generate_fn() -> GenerateFn:
    """`ainur_studio.inference.generate.generate`, imported on first use."""
    return import_model_function("ainur_studio.inference.generate", "generate",
                                 "has no generation core")


def default_load_pack() -> LoadPackFn:
    """`load_pack` that also loads LoRA packs (`ainur_studio.training.export.load_any_pack`)."""
    return import_model_function("ainur_studio.training.export", "load_any_pack",
                                 "cannot load model packs")


def default_list_models() -> list[dict[str, tp.Any]]:
    """Installed packs as protocol dicts; empty when the pack registry is not available."""
    try:
        from ainur_studio.models.pretrained import list_packs
    except ImportError:
        log.warning("model pack registry not available; list_models is empty")
        return []
    return [pack_summary(p) for p in list_packs()]


def pack_summary(pack: tp.Any) -> dict[str, tp.Any]:
    """name, version, path, size_bytes, sample_rate, hash and problem of a listed pack.

    `pack` is a `PackInfo` (name, version, path, problem) or a dict with those keys. For a
    pack folder the size is the sum of its files and the hash is a sha256 over the component
    checksums in its pack.json; the built-in pack (no folder) has neither.
    """
    get = pack.get if isinstance(pack, dict) else functools.partial(getattr, pack)
    path = get("path", None)
    out = {"name": str(get("name", "")), "version": str(get("version", "") or ""),
           "path": str(path or ""), "size_bytes": int(get("size_bytes", 0) or 0),
           "sample_rate": int(get("sample_rate", 48_000) or 48_000),
           "hash": str(get("hash", "") or ""), "problem": str(get("problem", "") or "")}
    if path and Path(path).is_dir():
        out.update(_folder_summary(Path(path)))
    return out


def _folder_summary(folder: Path) -> dict[str, tp.Any]:
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    out: dict[str, tp.Any] = {"size_bytes": size}
    try:
        meta = json.loads((folder / "pack.json").read_text(encoding="utf-8"))
        out["sample_rate"] = int(meta.get("sample_rate", 48_000))
        blob = json.dumps(meta.get("components", {}), sort_keys=True).encode()
        out["hash"] = hashlib.sha256(blob).hexdigest()
    except (OSError, ValueError, TypeError, AttributeError):
        pass
    return out


def warm_take_writer() -> None:
    """Import the take writers (`engine.takes` and `engine.take_folder`: numpy, scipy; about
    1 s) ahead of the first take."""
    importlib.import_module("engine.take_folder")


class PackCache:
    """Model packs loaded once per engine and kept (one device)."""

    def __init__(self, *, load_pack: LoadPackFn | None, device: DeviceChoice):
        self._load_pack = load_pack
        self._device = device
        self._packs: dict[str, tp.Any] = {}
        self._lock = threading.Lock()

    def loaded(self) -> list[str]:
        """Names of the loaded packs, the most recently used last."""
        return list(self._packs)

    def get(self, name: str) -> tp.Any:
        """The pack called `name` (or at that path), loading it on first use.

        Raises:
            JobError: `model_error` naming the pack and the cause.
        """
        with self._lock:
            if name not in self._packs:
                load = self._load_pack or default_load_pack()
                try:
                    self._packs[name] = load(name, device=self._device.device)
                except JobError:
                    raise
                except (OSError, ValueError, KeyError) as exc:
                    raise JobError(ErrorCode.MODEL_ERROR, f"model pack {name!r} could not be "
                                   "loaded; check the name with `ainur-studio models` or "
                                   "reinstall the pack", detail=f"{type(exc).__name__}: {exc}"
                                   ) from exc
                log.info("loaded model pack %s on %s", name, self._device.device)
            self._packs[name] = self._packs.pop(name)  # most recently used last
            return self._packs[name]


@dataclass
class Runtime:
    """What every handler shares: the device, the pack cache, the model functions and the
    default takes folder."""

    device: DeviceChoice
    takes_dir: Path
    generate_fn: GenerateFn | None = None
    load_pack: LoadPackFn | None = None
    train_fn: tp.Callable[..., tp.Any] | None = None
    packs: PackCache = field(init=False)

    def __post_init__(self) -> None:
        self.packs = PackCache(load_pack=self.load_pack, device=self.device)

    def preload(self, name: str) -> threading.Thread:
        """Start loading pack `name` and the take writer (numpy/scipy, about 1 s) on a
        background thread, so that the first take does not wait for either. A generate
        meanwhile waits for that load (one load, see `PackCache.get`); a failure is logged,
        and the job that needs the pack reports it."""
        def load() -> None:
            try:
                self.packs.get(name)
                warm_take_writer()  # after the pack, not beside it: they share one GIL
            except Exception as exc:  # reported again, with advice, by the job that needs it
                log.warning("preloading model pack %s failed: %s", name, exc)

        thread = threading.Thread(target=load, name="pack-preload", daemon=True)
        thread.start()
        return thread

    def status_info(self) -> dict[str, tp.Any]:
        loaded = self.packs.loaded()
        memory = memory_info(self.device.device)
        return {"device": self.device.device, "precision": self.device.precision,
                "model": loaded[-1] if loaded else None, "memory": memory,
                "limits": suggested_limits(memory.get("free_mb"))}
