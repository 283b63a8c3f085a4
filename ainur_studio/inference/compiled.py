"""The compiled mode: the prior's U-Net under `torch.compile`, with inductor's caches on disk.

Compiling the U-Net costs a minute or more on a CPU for each latent length it meets (a take
length, or a window of a long take) and makes every step faster after it. Inductor keeps what
it compiled (the FX graph cache, the autograd cache and the generated kernels) in
`TORCHINDUCTOR_CACHE_DIR`; pointing that at the app's cache (`paths.user_cache_dir()/
torch-compile`) means a length compiled once is loaded from disk by every later engine on this
install, in seconds. The mode is off unless asked for (`main.py engine --compile`), because
the first take of each new length pays the compile.
"""

from __future__ import annotations

import os
import typing as tp
from pathlib import Path

import torch

from ainur_studio.paths import user_cache_dir


def compile_cache_dir() -> Path:
    """Where inductor keeps compiled graphs and kernels for this install."""
    return user_cache_dir() / "torch-compile"


def use_compile_cache(folder: Path | None = None) -> Path:
    """Point inductor's caches at `folder` (default `compile_cache_dir()`), turning the FX
    graph and autograd caches on; returns the folder. A folder the user already set in
    `TORCHINDUCTOR_CACHE_DIR` is kept."""
    folder = Path(os.environ.get("TORCHINDUCTOR_CACHE_DIR") or folder or compile_cache_dir())
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = str(folder)
    os.environ.setdefault("TORCHINDUCTOR_FX_GRAPH_CACHE", "1")
    os.environ.setdefault("TORCHINDUCTOR_AUTOGRAD_CACHE", "1")
    import torch._inductor.config as inductor_config

    inductor_config.fx_graph_cache = True
    return folder


def compile_prior(pack: tp.Any, *, cache: Path | None = None) -> tp.Any:
    """Compile `pack.prior.unet` in place (one graph, static shapes: a graph per latent
    length) with inductor's caches in `cache`; returns the pack. Compiling twice is a no-op."""
    unet = pack.prior.unet
    if getattr(unet, "_ainur_compiled", False):
        return pack
    use_compile_cache(cache)
    unet.forward = torch.compile(unet.forward, fullgraph=True, dynamic=False)
    unet._ainur_compiled = True
    return pack
