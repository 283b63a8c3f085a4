"""Optimizer, grad-scaler and RNG states as (tensors, JSON) pairs: nothing is pickled.

Tensors go to safetensors files, small scalars to JSON. Each `*_to_flat` has an inverse
`*_from_flat`, so a checkpoint can be read back without executing code from it.
"""

from __future__ import annotations

import random
import typing as tp

import numpy as np
import torch

Flat = tuple[dict[str, torch.Tensor], dict[str, tp.Any]]


def _jsonable(value: tp.Any) -> tp.Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    raise TypeError(f"cannot store {type(value).__name__} in checkpoint JSON")


def optimizer_to_flat(state: dict[str, tp.Any]) -> Flat:
    """`optimizer.state_dict()` -> tensors "state.<param>.<key>" + JSON (groups, scalars)."""
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, tp.Any] = {}
    for pid, entry in state["state"].items():
        for key, value in entry.items():
            if isinstance(value, torch.Tensor):
                tensors[f"state.{pid}.{key}"] = value.detach().contiguous()
            else:
                scalars[f"{pid}.{key}"] = _jsonable(value)
    return tensors, {"param_groups": _jsonable(state["param_groups"]), "scalars": scalars}


def optimizer_from_flat(tensors: dict[str, torch.Tensor], meta: dict[str, tp.Any]) -> dict:
    """Inverse of `optimizer_to_flat`, ready for `optimizer.load_state_dict`."""
    state: dict[int, dict[str, tp.Any]] = {}
    for name, value in tensors.items():
        _, pid, key = name.split(".", 2)
        state.setdefault(int(pid), {})[key] = value
    for name, value in meta["scalars"].items():
        pid, key = name.split(".", 1)
        state.setdefault(int(pid), {})[key] = value
    groups = [dict(g, betas=tuple(g["betas"])) if "betas" in g else dict(g)
              for g in meta["param_groups"]]
    return {"state": state, "param_groups": groups}


def rng_to_flat() -> Flat:
    """Python, NumPy, torch CPU and CUDA generator states."""
    version, py_state, gauss = random.getstate()
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    tensors = {"torch": torch.get_rng_state(),
               "python": torch.tensor(py_state, dtype=torch.int64),
               "numpy": torch.from_numpy(np.asarray(keys, dtype=np.int64))}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        for i, s in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"cuda.{i}"] = s
    meta = {"python_version": version, "python_gauss": gauss, "numpy_kind": kind,
            "numpy_pos": int(pos), "numpy_has_gauss": int(has_gauss),
            "numpy_cached": float(cached)}
    return tensors, meta


def rng_from_flat(tensors: dict[str, torch.Tensor], meta: dict[str, tp.Any]) -> None:
    """Restore every generator saved by `rng_to_flat`."""
    torch.set_rng_state(tensors["torch"])
    random.setstate((meta["python_version"], tuple(int(x) for x in tensors["python"]),
                     meta["python_gauss"]))
    np.random.set_state((meta["numpy_kind"], tensors["numpy"].numpy().astype(np.uint32),
                         meta["numpy_pos"], meta["numpy_has_gauss"], meta["numpy_cached"]))
    cuda = sorted(k for k in tensors if k.startswith("cuda."))
    if cuda and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([tensors[k] for k in cuda])
