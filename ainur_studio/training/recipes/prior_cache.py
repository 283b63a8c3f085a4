"""Encode recordings once: latents, prompt embeddings and CLASP audio embeddings on disk.

Training then crops in latent space and never decodes audio again. The cache lives in a folder
the caller chooses (the run's output folder by default, never next to the user's files):

    <cache>/<model key>/latents/<sha256 of the audio file>.safetensors   latents [C, L] (+ clasp)
    <cache>/<model key>/text/<sha256 of key + prompt>.safetensors        embedding [N, D], mask [N]

The model key hashes the autoencoder, text encoder and CLASP (configs and weights), so a new
model or an edited recording gets new entries; `prune` removes what the current run no longer
uses. Entries are written atomically and re-computed when unreadable.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import typing as tp
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save

from ainur_studio.audio.io import audio_read
from ainur_studio.data.datasets import LatentItem
from ainur_studio.fileio import atomic_write_bytes, sha256_file

CACHE_VERSION = 1
SEGMENT_FRAMES = 2048     # latent frames encoded at once (bounds memory for long songs)
CLASP_SECONDS = 30.0      # audio embedded by CLASP per recording

Progress = tp.Callable[[int, int, str], None]  # (done, total, path)


class Source(tp.Protocol):
    """What precaching needs of a dataset item (`ainur_studio.data.ingest.DatasetItem` fits)."""

    path: str
    prompt: str
    lyrics: tp.Any


def model_key(pack: tp.Any) -> str:
    """sha256 over what shapes the cache: encoder, text encoder and CLASP configs and weights."""
    comps = pack.info.get("components", {})
    parts = {name: {"config": pack.configs.get(name), "weights": comps.get(name)}
             for name in ("autoencoder", "clasp", "text_encoder")}
    parts["text_max_length"] = pack.prior.text_max_length
    parts["seed"] = None if comps else pack.info.get("seed")
    parts["version"] = CACHE_VERSION
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def text_key(key: str, prompt: str) -> str:
    return hashlib.sha256(f"{key}\n{prompt}".encode()).hexdigest()


def read_entry(path: Path, key: str) -> dict[str, torch.Tensor] | None:
    """Tensors of a cache entry written for `key`, or None (absent, damaged, other model)."""
    if not path.is_file():
        return None
    try:
        with safe_open(str(path), "pt") as f:
            if (f.metadata() or {}).get("model") != key:
                return None
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError):
        return None


def write_entry(path: Path, tensors: dict[str, torch.Tensor], meta: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = save({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, metadata=meta)
    atomic_write_bytes(path, data)


@torch.no_grad()
def encode_audio(autoencoder: tp.Any, wav: torch.Tensor, *,
                 segment_frames: int = SEGMENT_FRAMES) -> torch.Tensor:
    """wav [2, T] -> latents [C, ceil(T / ratio)], encoded in segments of `segment_frames`."""
    ratio = autoencoder.downsampling_ratio
    device = next(autoencoder.parameters()).device
    step = segment_frames * ratio
    parts = [autoencoder.encode(wav[None, :, s:s + step].to(device))[0].float().cpu()
             for s in range(0, wav.shape[-1], step)]
    return torch.cat(parts, dim=-1)


def _latent_entry(pack: tp.Any, source: Source, key: str, folder: Path
                  ) -> tuple[str, dict[str, torch.Tensor]]:
    """(content sha256, {"latents" [C, L], optional "clasp_audio" [E]})."""
    digest = sha256_file(Path(source.path))
    path = folder / "latents" / f"{digest}.safetensors"
    cached = read_entry(path, key)
    if cached is not None:
        return digest, cached
    wav = audio_read(source.path, sample_rate=pack.autoencoder.sample_rate)
    tensors = {"latents": encode_audio(pack.autoencoder, wav)}
    if pack.clasp is not None:
        head = wav[:, : int(CLASP_SECONDS * pack.sample_rate)]
        emb = pack.clasp.embed_audio([head], sample_rate=pack.sample_rate, allow_silent=True)
        tensors["clasp_audio"] = emb[0].float().cpu()
    write_entry(path, tensors, {"model": key, "source": Path(source.path).name,
                                "sha256": digest, "version": str(CACHE_VERSION)})
    return digest, tensors


@torch.no_grad()
def text_entry(pack: tp.Any, prompt: str, key: str, folder: Path) -> dict[str, torch.Tensor]:
    """{"embedding" [N, D], "mask" [N]} of a prompt, from the cache or the text encoder."""
    path = folder / "text" / f"{text_key(key, prompt)}.safetensors"
    cached = read_entry(path, key)
    if cached is not None:
        return cached
    emb, mask = pack.prior.encode_text([prompt])
    tensors = {"embedding": emb[0].float().cpu(), "mask": mask[0].cpu()}
    write_entry(path, tensors, {"model": key, "version": str(CACHE_VERSION)})
    return tensors


def precache(sources: tp.Sequence[Source], pack: tp.Any, *, cache_dir: str | Path,
             progress: Progress | None = None, prune: bool = False) -> list[LatentItem]:
    """Encode (or load from the cache) every source; returns one `LatentItem` each.

    Args:
        sources: recordings with their prompt and lyrics.
        pack: the loaded base pack (autoencoder, text encoder, optional CLASP).
        cache_dir: cache root (see the module docstring); created when missing.
        progress: `fn(done, total, path)` after each recording.
        prune: delete entries of other models and recordings not in `sources` (only for a
            cache folder that belongs to this run).
    """
    key = model_key(pack)
    folder = Path(cache_dir) / key[:24]
    items, used = [], set()
    for n, source in enumerate(sources):
        digest, lat = _latent_entry(pack, source, key, folder)
        txt = text_entry(pack, source.prompt, key, folder)
        used |= {f"latents/{digest}.safetensors",
                 f"text/{text_key(key, source.prompt)}.safetensors"}
        items.append(LatentItem(key=digest, path=source.path,
                                latents=lat["latents"], embedding=txt["embedding"],
                                mask=txt["mask"].bool(), prompt=source.prompt,
                                lyrics=source.lyrics, clasp_audio=lat.get("clasp_audio")))
        if progress is not None:
            progress(n + 1, len(sources), source.path)
    if prune:
        prune_cache(Path(cache_dir), keep=folder, used=used)
    return items


def prune_cache(root: Path, *, keep: Path, used: set[str]) -> list[Path]:
    """Delete other models' folders under `root` and unused entries in `keep`."""
    removed = []
    for other in root.iterdir() if root.is_dir() else []:
        if other.is_dir() and other != keep:
            shutil.rmtree(other)
            removed.append(other)
    for entry in keep.glob("*/*.safetensors"):
        if entry.relative_to(keep).as_posix() not in used:
            entry.unlink()
            removed.append(entry)
    return removed
