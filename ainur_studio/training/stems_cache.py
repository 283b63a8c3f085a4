"""Encode a genre corpus's clips once for a stems prior: each role's stem by the base pack's
autoencoder (a silent role holds `models.stems.silent_latent`), stacked `[S*C, L]` in the
prior's role order, the captions by the text encoder and, with CLASP, the mix (the sum of the
stems) by its audio tower.

Entries live beside the prior's recording cache (`recipes/prior_cache.py`, same model key):

    <cache>/<model key>/stems/<sha256 of the roles and stem files>.safetensors   latents (fp16)
    <cache>/<model key>/text/<sha256 of key + caption>.safetensors               tokens, mask

A clip whose stem cannot be read is reported (`Skipped`) and left out; the run goes on.
"""

from __future__ import annotations

import hashlib
import typing as tp
from pathlib import Path

import torch

from ainur_studio.audio.io import AudioReadError, audio_read
from ainur_studio.data.ingest import Skipped
from ainur_studio.fileio import sha256_file
from ainur_studio.models.stems import silent_latent
from ainur_studio.training.recipes.prior_cache import (
    CACHE_VERSION,
    CLASP_SECONDS,
    encode_audio,
    model_key,
    read_entry,
    text_entry,
    write_entry,
)
from ainur_studio.training.stems_corpus import StemClip
from ainur_studio.training.stems_crops import StemItem

Progress = tp.Callable[[int, int, str], None]  # (done, total, clip id)


def clip_digest(clip: StemClip, roles: tp.Sequence[str]) -> str:
    """sha256 over the prior's roles and the content of the clip's stem files."""
    parts = [f"{r}={sha256_file(clip.stems[r]) if clip.stems.get(r) else '-'}" for r in roles]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@torch.no_grad()
def encode_stems(pack: tp.Any, clip: StemClip) -> dict[str, torch.Tensor]:
    """{"latents" [S*C, L] fp16 in the prior's role order, optional "clasp_audio" [E]}.

    Raises:
        AudioReadError: a stem file cannot be read.
    """
    roles, ae = pack.prior.roles, pack.autoencoder
    wavs = {r: audio_read(clip.stems[r], sample_rate=ae.sample_rate)
            for r in roles if clip.stems.get(r) is not None}
    samples = max(w.shape[-1] for w in wavs.values())
    wavs = {r: torch.nn.functional.pad(w, (0, samples - w.shape[-1])) for r, w in wavs.items()}
    z = {r: encode_audio(ae, w) for r, w in wavs.items()}
    frames = min(t.shape[-1] for t in z.values())
    silent = silent_latent(ae, frames).float().cpu() if len(z) < len(roles) else None
    stacked = torch.cat([z[r][:, :frames] if r in z else silent for r in roles])
    tensors = {"latents": stacked.to(torch.float16)}
    if pack.clasp is not None:
        mix = sum(wavs.values())[:, : int(CLASP_SECONDS * pack.sample_rate)]
        emb = pack.clasp.embed_audio([mix], sample_rate=pack.sample_rate, allow_silent=True)
        tensors["clasp_audio"] = emb[0].float().cpu()
    return tensors


@torch.no_grad()
def caption_tokens(pack: tp.Any, caption: str, key: str, folder: Path
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """(tokens [N, D], mask [N]) of a caption, from the cache or the text encoder."""
    cached = text_entry(pack, caption, key, folder)
    return cached["embedding"], cached["mask"].bool()


def stem_item(clip: StemClip, tensors: dict[str, torch.Tensor], roles: tp.Sequence[str],
              embeddings: list[tuple[torch.Tensor, torch.Tensor]], key: str) -> StemItem:
    """The training item of an encoded clip."""
    parts = torch.tensor([clip.stems.get(r) is not None for r in roles], dtype=torch.bool)
    return StemItem(key=key, path=str(clip.folder), latents=tensors["latents"],
                    embedding=embeddings[0][0], mask=embeddings[0][1],
                    prompt=clip.captions[0], lyrics=clip.lyrics,
                    clasp_audio=tensors.get("clasp_audio"), captions=list(clip.captions),
                    embeddings=embeddings, structure=clip.structure, parts=parts)


def encode_clips(clips: tp.Sequence[StemClip], pack: tp.Any, *, cache_dir: str | Path,
                 progress: Progress | None = None) -> tuple[list[StemItem], list[Skipped]]:
    """Encode (or load from the cache) every clip: (items, in order; the clips left out)."""
    roles = pack.prior.roles
    if not roles:
        raise ValueError(f"the prior of pack {pack.name!r} makes the mix only; stems are encoded "
                         "for a prior that makes stems")
    key = model_key(pack)
    folder = Path(cache_dir) / key[:24]
    items, skipped = [], []
    for n, clip in enumerate(clips):
        if not any(clip.stems.get(r) is not None for r in roles):
            skipped.append(Skipped(clip.clip_id, "no stems for this prior",
                                   f"none of the prior's roles ({', '.join(roles)}) sounds in it"))
            continue
        try:
            digest = clip_digest(clip, roles)
            path = folder / "stems" / f"{digest}.safetensors"
            tensors = read_entry(path, key)
            if tensors is None:
                tensors = encode_stems(pack, clip)
                write_entry(path, tensors, {"model": key, "version": str(CACHE_VERSION)})
        except (AudioReadError, OSError) as exc:
            skipped.append(Skipped(clip.clip_id, "unreadable", str(exc)))
            continue
        embeddings = [caption_tokens(pack, c, key, folder) for c in clip.captions]
        items.append(stem_item(clip, tensors, roles, embeddings, digest))
        if progress is not None:
            progress(n + 1, len(clips), clip.clip_id)
    return items, skipped
