"""Training checkpoints: safetensors + JSON, written atomically, rotated, resumed exactly.

A checkpoint is a folder `step-00001234/` holding
- `model.safetensors`: raw weights, with the model config embedded in the metadata;
- `ema.safetensors`: the EMA weights (when EMA is on);
- `optimizer.safetensors`: optimizer state tensors; `scaler.safetensors` for fp16;
- `rng-rank<r>.safetensors`: every generator state of rank r;
- `state.json`: step, data position, optimizer groups and scalars, RNG scalars, the training
  settings and the model config.
It is assembled in a hidden temporary folder and renamed into place, so a kill mid-write never
leaves a half checkpoint that looks complete. Nothing is pickled.
"""

from __future__ import annotations

import json
import re
import shutil
import typing as tp
from pathlib import Path

import torch
from safetensors.torch import load_file, load_model, save_file, save_model
from torch import nn

from ainur_studio.training import state_io
from ainur_studio.training.ema import EMA

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
    """Newest complete checkpoint in `folder`, or None."""
    found = list_checkpoints(folder)
    return found[-1] if found else None


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
    save_file(tensors, str(staging / f"rng-rank{rank}.safetensors"),
              metadata={"json": json.dumps(meta)})


def save_main(staging: Path, *, model: nn.Module, optimizer: torch.optim.Optimizer,
              ema: EMA | None, scaler: tp.Any, state: dict[str, tp.Any],
              model_config: dict | None) -> None:
    """Write everything but the per-rank RNG into a staging folder (main rank only)."""
    config_text = json.dumps(model_config or {})
    save_model(model, str(staging / "model.safetensors"), metadata={"config": config_text})
    if ema is not None:
        save_file({k: v.contiguous() for k, v in ema.state_dict().items()},
                  str(staging / "ema.safetensors"))
    opt_tensors, opt_meta = state_io.optimizer_to_flat(optimizer.state_dict())
    save_file(opt_tensors, str(staging / "optimizer.safetensors"))
    scaler_meta = None
    if scaler is not None and scaler.is_enabled():
        sd = scaler.state_dict()
        scaler_meta = {k: v for k, v in sd.items() if not isinstance(v, torch.Tensor)}
        save_file({k: v for k, v in sd.items() if isinstance(v, torch.Tensor)} or
                  {"empty": torch.zeros(0)}, str(staging / "scaler.safetensors"))
    full = {"format_version": FORMAT_VERSION, **state, "optimizer": opt_meta,
            "ema_updates": ema.num_updates if ema is not None else None,
            "scaler": scaler_meta, "model_config": model_config}
    (staging / "state.json").write_text(json.dumps(full, indent=1), encoding="utf-8")


def finalize(staging: Path, *, keep_last: int) -> Path:
    """Move a staged checkpoint into place and rotate old ones."""
    final = staging.parent / staging.name[1:-len(".tmp")]
    if final.exists():
        shutil.rmtree(final)
    staging.rename(final)
    rotate(final.parent, keep_last=keep_last)
    return final


def read_state(path: str | Path) -> dict[str, tp.Any]:
    """The `state.json` of a checkpoint folder."""
    file = Path(path) / "state.json"
    if not file.is_file():
        raise CheckpointError(f"{path} is not a complete checkpoint (no state.json); pick another "
                              "with latest_checkpoint()")
    state = json.loads(file.read_text(encoding="utf-8"))
    if state.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(f"{path} has format version {state.get('format_version')}, this "
                              f"code reads version {FORMAT_VERSION}")
    return state


def load_into(path: str | Path, *, model: nn.Module, optimizer: torch.optim.Optimizer,
              ema: EMA | None, scaler: tp.Any, rank: int = 0,
              device: torch.device | str = "cpu") -> dict[str, tp.Any]:
    """Restore weights, EMA, optimizer, scaler and this rank's RNG; returns the state dict."""
    path = Path(path)
    state = read_state(path)
    missing, unexpected = load_model(model, str(path / "model.safetensors"), strict=False,
                                     device=str(device))
    if missing or unexpected:
        raise CheckpointError(f"{path} does not match the model: missing {sorted(missing)[:5]}, "
                              f"unexpected {sorted(unexpected)[:5]}")
    if ema is not None:
        if not (path / "ema.safetensors").is_file():
            raise CheckpointError(f"{path} was saved without EMA; resume with EMA off")
        ema.load_state_dict(load_file(str(path / "ema.safetensors"), device=str(device)),
                            num_updates=int(state["ema_updates"]))
    # on CPU: load_state_dict moves moments to each parameter's device and keeps "step" where
    # the optimizer wants it (CPU unless capturable/fused)
    opt = load_file(str(path / "optimizer.safetensors"), device="cpu")
    optimizer.load_state_dict(state_io.optimizer_from_flat(opt, state["optimizer"]))
    if scaler is not None and scaler.is_enabled() and state.get("scaler"):
        tensors = load_file(str(path / "scaler.safetensors"))
        tensors.pop("empty", None)
        scaler.load_state_dict({**state["scaler"], **tensors})
    rng_file = path / f"rng-rank{rank}.safetensors"
    if rng_file.is_file():
        from safetensors import safe_open

        with safe_open(str(rng_file), "pt") as f:
            meta = json.loads(f.metadata()["json"])
        state_io.rng_from_flat(load_file(str(rng_file)), meta)
    return state


def save_inference(folder: str | Path, *, model: nn.Module, model_config: dict,
                   ema: EMA | None = None) -> Path:
    """Export `model_config.json` + `model.safetensors` (EMA weights when given) to `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(model_config, indent=2)
    (folder / "model_config.json").write_text(text + "\n", encoding="utf-8")
    if ema is None:
        save_model(model, str(folder / "model.safetensors"), metadata={"config": text})
    else:
        with ema.swapped_in(model):
            save_model(model, str(folder / "model.safetensors"), metadata={"config": text})
    return folder
