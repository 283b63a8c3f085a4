"""What the job handlers share: the device, the takes folder, the model functions (imported
on first use unless injected) and the cache of loaded packs.

The cache keys a loaded pack by (pack, style strength): a fine-tuned (LoRA) pack merged at
another strength is other weights. It holds one strength per pack (a new strength drops the
pack at its old one before loading, so a strength change never keeps two merged copies of
the base) and at most `MAX_LOADED_PACKS` packs in all (the least recently used is dropped
first); a dropped pack's GPU memory goes back to the driver.
"""


from __future__ import annotations

import functools
import gc
import hashlib
import importlib
import json
import logging
import threading
import typing as tp
from dataclasses import dataclass, field
from pathlib import Path

from ainur_studio.errors import GenerationError
from engine.devices import (
    DeviceChoice,
    memory_info,
    release_freed_heap,
    release_gpu_memory,
    suggested_limits,
)
from engine.jobs import JobError
from engine.protocol import ErrorCode

log = logging.getLogger(__name__)

GenerateFn = tp.Callable[..., tp.Any]
LoadPackFn = tp.Callable[..., tp.Any]
MAX_LOADED_PACKS = 2


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
    """name, version, path, size_bytes, sample_rate, hash, problem, kind, base and defaults of
    a listed pack.

    `pack` is a `PackInfo` (name, version, path, problem) or a dict with those keys. For a
    pack folder the size is the sum of its files and the hash is a sha256 over the component
    checksums in its pack.json; the built-in pack (no folder) has neither. `kind` is
    ``"lora"`` for a fine-tune that takes a style strength (`base`: the name of the pack it
    was trained on), else ``"full"`` (`base` ``""``). `defaults` holds the sampling settings
    its pack.json recommends (`steps`, `guidance`, `sampler`; those given, checked), which the
    app applies when the pack is chosen, as the CLI does when they are not given.
    """
    get = pack.get if isinstance(pack, dict) else functools.partial(getattr, pack)
    path = get("path", None)
    out = {"name": str(get("name", "")), "version": str(get("version", "") or ""),
           "path": str(path or ""), "size_bytes": int(get("size_bytes", 0) or 0),
           "sample_rate": int(get("sample_rate", 48_000) or 48_000),
           "hash": str(get("hash", "") or ""), "problem": str(get("problem", "") or ""),
           "kind": str(get("kind", "") or "full"), "base": str(get("base", "") or ""),
           "defaults": {}}
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
        out.update(_kind(meta))
        out["defaults"] = sampling_defaults(meta.get("defaults"))
    except (OSError, ValueError, TypeError, AttributeError):
        pass
    return out


SAMPLING_KEYS = ("steps", "guidance", "sampler")


def sampling_defaults(defaults: tp.Any) -> dict[str, tp.Any]:
    """The steps, guidance and sampler of a pack.json's `defaults` that are within the request
    limits (others are left out: the app keeps its own)."""
    from ainur_studio.limits import LIMITS, SAMPLER_NAMES

    def allowed(key: str, value: tp.Any) -> bool:
        return value in SAMPLER_NAMES if key == "sampler" else LIMITS[key].holds(value)

    if not isinstance(defaults, dict):
        return {}
    return {key: defaults[key] for key in SAMPLING_KEYS if allowed(key, defaults.get(key))}


def _kind(meta: dict[str, tp.Any]) -> dict[str, str]:
    if meta.get("kind") != "lora":
        return {"kind": "full", "base": ""}
    base = meta.get("base")
    return {"kind": "lora", "base": str(base.get("name") or "") if isinstance(base, dict) else ""}


def warm_take_writer() -> None:
    """Import the take writers (`engine.takes` and `engine.take_folder`: numpy, soundfile)
    ahead of the first take."""
    importlib.import_module("engine.take_folder")


PackKey = tuple[str, float]  # (pack name or path, style strength)


class PackCache:
    """Model packs loaded per engine (one device), by (pack, style strength): one strength
    per pack, at most `max_loaded` packs, the least recently used dropped first."""

    def __init__(self, *, load_pack: LoadPackFn | None, device: DeviceChoice,
                 max_loaded: int = MAX_LOADED_PACKS, compile_prior: bool = False):
        self._load_pack = load_pack
        self._device = device
        self._compile = compile_prior
        self._max_loaded = max(1, max_loaded)
        self._packs: dict[PackKey, tp.Any] = {}
        self._lock = threading.Lock()

    def loaded(self) -> list[str]:
        """Names of the loaded packs, the most recently used last."""
        return [name for name, _strength in self._packs]

    def loaded_keys(self) -> list[PackKey]:
        """(name, style strength) of the loaded packs, the most recently used last."""
        return list(self._packs)

    def get(self, name: str, strength: float = 1.0) -> tp.Any:
        """The pack called `name` (or at that path) at style strength `strength`, loading it
        on first use (after dropping the packs `_make_room` names).

        Raises:
            JobError: `model_error` naming the pack and the cause; `generation_error` when
                the pack cannot take the strength (code `no_style_strength` in `detail`).
        """
        key = (name, float(strength))
        with self._lock:
            if key not in self._packs:
                self._make_room(name)
                self._packs[key] = self._load(name, key[1])
                release_freed_heap()
                log.info("loaded model pack %s (style strength %g) on %s", name, key[1],
                         self._device.device)
            self._packs[key] = self._packs.pop(key)  # most recently used last
            return self._packs[key]

    def _make_room(self, name: str) -> None:
        """Drop `name` at any other strength, then the least recently used packs until one
        more fits; give their GPU memory back."""
        dropped = [k for k in self._packs if k[0] == name]
        for key in list(self._packs):
            if len(self._packs) - len(dropped) < self._max_loaded:
                break
            if key not in dropped:
                dropped.append(key)
        for key in dropped:
            del self._packs[key]
            log.info("unloaded model pack %s (style strength %g)", *key)
        if dropped:
            gc.collect()
            release_gpu_memory(self._device)
            release_freed_heap()

    def _load(self, name: str, strength: float) -> tp.Any:
        load = self._load_pack or default_load_pack()
        # a strength of 1 is the plain contract `load_pack(name, *, device)` (injected loaders)
        extra = {} if strength == 1.0 else {"strength": strength}
        try:
            pack = load(name, device=self._device.device, **extra)
        except JobError:
            raise
        except GenerationError as exc:
            raise JobError(ErrorCode.GENERATION_ERROR, exc.plain,
                           detail=f"code: {exc.code}") from exc
        except (OSError, ValueError, KeyError) as exc:
            raise JobError(ErrorCode.MODEL_ERROR, f"model pack {name!r} could not be "
                           "loaded; check the name with `ainur-studio models` or "
                           "reinstall the pack", detail=f"{type(exc).__name__}: {exc}"
                           ) from exc
        if self._compile and getattr(getattr(pack, "prior", None), "unet", None) is not None:
            import_model_function("ainur_studio.inference.compiled", "compile_prior",
                                  "has no compiled mode")(pack)
        return pack


@dataclass
class Runtime:
    """What every handler shares: the device, the pack cache, the model functions and the
    default takes folder."""

    device: DeviceChoice
    takes_dir: Path
    generate_fn: GenerateFn | None = None
    load_pack: LoadPackFn | None = None
    train_fn: tp.Callable[..., tp.Any] | None = None
    compile_prior: bool = False  # the compiled mode (`main.py engine --compile`)
    packs: PackCache = field(init=False)

    def __post_init__(self) -> None:
        self.packs = PackCache(load_pack=self.load_pack, device=self.device,
                               compile_prior=self.compile_prior)

    def preload(self, name: str) -> threading.Thread:
        """Start loading pack `name` and the take writer (numpy, soundfile) on a
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
