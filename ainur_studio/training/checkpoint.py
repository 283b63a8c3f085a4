"""Training checkpoints: safetensors + JSON, written atomically, rotated, resumed exactly.

A checkpoint is a folder `step-00001234/` holding
- `model.safetensors`: raw weights, with the model config embedded in the metadata;
- `ema.safetensors`: the EMA weights (when EMA is on);
- `optimizer.safetensors`: optimizer state tensors; `scaler.safetensors` for fp16;
- `rng-rank<r>.safetensors`: every generator state of rank r;
- `state.json`: step, data position, optimizer groups and scalars, RNG scalars, the training
  settings and the model config.
It is assembled in a hidden temporary folder, every file fsynced (`fileio.atomic_write`), and
renamed into place, so a kill or power cut mid-write never leaves a half checkpoint that looks
complete. A damaged file raises `CheckpointError` naming it; `latest_checkpoint` skips damaged
checkpoints, so a resume falls back to the newest intact one. Nothing is pickled.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import shutil
import typing as tp
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, load_model, save_file, save_model
from torch import nn

from ainur_studio.fileio import atomic_write, atomic_write_text, fsync_dir
from ainur_studio.training import state_io
from ainur_studio.training.ema import EMA

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
_NAME = re.compile(r"^step-(\d{8,})$")


class CheckpointError(RuntimeError):
    """A checkpoint is missing, incomplete, or does not match the model being resumed."""


def checkpoint_name(step: int) -> str:
    return f"step-{step:08d}"


def list_checkpoints(folder: str | Path) -> list[Path]:
    """Complete checkpoints in `folder`, oldest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if p.is_dir() and _NAME.match(p.name)
             and (p / "state.json").is_file()]
    return sorted(found, key=lambda p: int(_NAME.match(p.name).group(1)))  # type: ignore[union-attr]


def latest_checkpoint(folder: str | Path) -> Path | None:
    """Newest complete, intact checkpoint in `folder`, or None.

    A damaged one (a file cut short by a full disk, say) is skipped with a warning, so a
    resume falls back to the previous checkpoint instead of failing.
    """
    for path in reversed(list_checkpoints(folder)):
        try:
            check_checkpoint(path)
        except CheckpointError as exc:
            log.warning("skipping %s: %s", path.name, exc)
            continue
        return path
    return None


def check_checkpoint(path: str | Path) -> None:
    """Raise `CheckpointError` naming the first missing or damaged file of a checkpoint.

    Reads `state.json` and the header of every safetensors file, which catches truncated
    and overwritten files without loading the tensors.
    """
    path = Path(path)
    read_state(path)
    for file in sorted(path.glob("*.safetensors")):
        with _reading(file):
            with safe_open(str(file), "pt"):
                pass


@contextlib.contextmanager
def _reading(file: Path) -> tp.Iterator[None]:
    """Turn a damaged checkpoint file into a `CheckpointError` that says what to do."""
    try:
        yield
    except (SafetensorError, OSError, ValueError, KeyError) as exc:
        raise CheckpointError(
            f"checkpoint file {file} is damaged or unreadable ({exc}); resume from an earlier "
            f"checkpoint (pass its folder), or delete {file.parent} and resume again"
        ) from exc


def rotate(folder: str | Path, *, keep_last: int) -> list[Path]:
    """Delete all but the newest `keep_last` checkpoints (0 keeps all); returns deleted paths."""
    if keep_last <= 0:
        return []
    old = list_checkpoints(folder)[:-keep_last]
    for path in old:
        shutil.rmtree(path)
    return old


def clean_staging(folder: str | Path) -> list[Path]:
    """Remove half-written checkpoints left by a killed run; returns what was removed."""
    folder = Path(folder)
    stale = [p for p in folder.glob(".step-*.tmp") if p.is_dir()] if folder.is_dir() else []
    for path in stale:
        shutil.rmtree(path)
    return stale


def staging_dir(folder: str | Path, step: int) -> Path:
    """The hidden folder a checkpoint is assembled in before `finalize`."""
    return Path(folder) / f".{checkpoint_name(step)}.tmp"


def save_rng(staging: Path, rank: int) -> None:
    """Write this rank's generator states into a staging folder."""
    tensors, meta = state_io.rng_to_flat()
    _save_tensors(staging / f"rng-rank{rank}.safetensors", tensors, {"json": json.dumps(meta)})


def _save_tensors(file: Path, tensors: dict[str, torch.Tensor],
                  metadata: dict[str, str] | None = None) -> None:
    atomic_write(file, lambda temp: save_file(tensors, str(temp), metadata=metadata))


def _save_module(file: Path, module: nn.Module, config_text: str) -> None:
    atomic_write(file, lambda temp: save_model(module, str(temp),
                                               metadata={"config": config_text}))


def save_main(staging: Path, *, model: nn.Module, optimizer: torch.optim.Optimizer,
              ema: EMA | None, scaler: tp.Any, state: dict[str, tp.Any],
              model_config: dict | None) -> None:
    """Write everything but the per-rank RNG into a staging folder (main rank only)."""
    _save_module(staging / "model.safetensors", model, json.dumps(model_config or {}))
    if ema is not None:
        _save_tensors(staging / "ema.safetensors",
                      {k: v.contiguous() for k, v in ema.state_dict().items()})
    opt_tensors, opt_meta = state_io.optimizer_to_flat(optimizer.state_dict())
    _save_tensors(staging / "optimizer.safetensors", opt_tensors)
    scaler_meta = None
    if scaler is not None and scaler.is_enabled():
        sd = scaler.state_dict()
        scaler_meta = {k: v for k, v in sd.items() if not isinstance(v, torch.Tensor)}
        _save_tensors(staging / "scaler.safetensors",
                      {k: v for k, v in sd.items() if isinstance(v, torch.Tensor)} or
                      {"empty": torch.zeros(0)})
    full = {"format_version": FORMAT_VERSION, **state, "optimizer": opt_meta,
            "ema_updates": ema.num_updates if ema is not None else None,
            "scaler": scaler_meta, "model_config": model_config}
    atomic_write_text(staging / "state.json", json.dumps(full, indent=1))


def finalize(staging: Path, *, keep_last: int) -> Path:
    """Move a staged checkpoint (its files already durable) into place, durably, and rotate
    old ones."""
    final = staging.parent / staging.name[1:-len(".tmp")]
    if final.exists():
        shutil.rmtree(final)
    staging.rename(final)
    fsync_dir(final.parent)
    rotate(final.parent, keep_last=keep_last)
    return final


def read_state(path: str | Path) -> dict[str, tp.Any]:
    """The `state.json` of a checkpoint folder."""
    file = Path(path) / "state.json"
    if not file.is_file():
        raise CheckpointError(f"{path} is not a complete checkpoint (no state.json); pick another "
                              "with latest_checkpoint()")
    with _reading(file):
        state = json.loads(file.read_text(encoding="utf-8"))
    if not isinstance(state, dict) or state.get("format_version") != FORMAT_VERSION:
        version = state.get("format_version") if isinstance(state, dict) else None
        raise CheckpointError(f"{path} has format version {version}, this "
                              f"code reads version {FORMAT_VERSION}")
    return state


def _load_tensors(file: Path, device: str = "cpu") -> dict[str, torch.Tensor]:
    with _reading(file):
        return load_file(str(file), device=device)


def load_into(path: str | Path, *, model: nn.Module, optimizer: torch.optim.Optimizer,
              ema: EMA | None, scaler: tp.Any, rank: int = 0,
              device: torch.device | str = "cpu") -> dict[str, tp.Any]:
    """Restore weights, EMA, optimizer, scaler and this rank's RNG; returns the state dict.

    Raises:
        CheckpointError: a file is missing or damaged (named in the message), or the
            checkpoint does not match the model.
    """
    path = Path(path)
    state = read_state(path)
    check_checkpoint(path)  # a damaged file fails here, before anything is restored
    with _reading(path / "model.safetensors"):
        missing, unexpected = load_model(model, str(path / "model.safetensors"), strict=False,
                                         device=str(device))
    if missing or unexpected:
        raise CheckpointError(f"{path} does not match the model: missing {sorted(missing)[:5]}, "
                              f"unexpected {sorted(unexpected)[:5]}")
    if ema is not None:
        if not (path / "ema.safetensors").is_file():
            raise CheckpointError(f"{path} was saved without EMA; resume with EMA off")
        tensors = _load_tensors(path / "ema.safetensors", str(device))
        rename = getattr(model, "legacy_name", None)  # a model that renamed its parameters
        if rename is not None:
            tensors = {rename(k): v for k, v in tensors.items()}
        ema.load_state_dict(tensors, num_updates=int(state["ema_updates"]))
    # on CPU: load_state_dict moves moments to each parameter's device and keeps "step" where
    # the optimizer wants it (CPU unless capturable/fused)
    opt = _load_tensors(path / "optimizer.safetensors")
    optimizer.load_state_dict(state_io.optimizer_from_flat(opt, state["optimizer"]))
    if scaler is not None and scaler.is_enabled() and state.get("scaler"):
        tensors = _load_tensors(path / "scaler.safetensors")
        tensors.pop("empty", None)
        scaler.load_state_dict({**state["scaler"], **tensors})
    rng_file = path / f"rng-rank{rank}.safetensors"
    if rng_file.is_file():
        with _reading(rng_file), safe_open(str(rng_file), "pt") as f:
            meta = json.loads(f.metadata()["json"])
        state_io.rng_from_flat(_load_tensors(rng_file), meta)
    return state


def save_inference(folder: str | Path, *, model: nn.Module, model_config: dict,
                   ema: EMA | None = None) -> Path:
    """Export `model_config.json` + `model.safetensors` (EMA weights when given) to `folder`,
    each written atomically and durably."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(model_config, indent=2)
    atomic_write_text(folder / "model_config.json", text + "\n")
    with ema.swapped_in(model) if ema is not None else contextlib.nullcontext():
        _save_module(folder / "model.safetensors", model, text)
    return folder
