"""Audio in and out of the latent space for the tasks: reading sources, encoding, decoding
(chunked when long; stem by stem for a prior with stems) and splicing new audio into a source
with crossfades."""

from __future__ import annotations

import math

import torch

from ainur_studio.audio.io import AudioReadError, audio_read
from ainur_studio.inference.context import RunContext
from ainur_studio.inference.errors import GenerationError
from ainur_studio.inference.windows import pass_frames

DECODE_MARGIN_FRAMES = 16  # context decoded beyond a patch so its edges are clean


def read_audio(path: str, *, sample_rate: int, what: str, code: str,
               min_seconds: float = 0.0) -> torch.Tensor:
    """Read `path` as [2, T] float32; unreadable or too short -> `GenerationError`."""
    if not path:
        raise GenerationError(code, f"no {what} given; choose an audio file")
    try:
        wav = audio_read(path, sample_rate=sample_rate, channels=2)
    except AudioReadError as exc:
        raise GenerationError(code, f"the {what} is unreadable: {exc}") from exc
    if wav.shape[-1] < math.ceil(min_seconds * sample_rate):
        raise GenerationError(
            code.replace("unreadable", "too_short"),
            f"the {what} {path!r} lasts {wav.shape[-1] / sample_rate:.2f} s; it must last at "
            f"least {min_seconds:g} s")
    return wav


def encode(ctx: RunContext, wav: torch.Tensor) -> torch.Tensor:
    """[2, T] -> [1, C, ceil(T / ratio)] latents in the prior's space."""
    with ctx.stage("encode"), torch.inference_mode():
        return ctx.model.to_prior(ctx.pack.autoencoder.encode(wav[None].to(ctx.device))).clone()


def decode(ctx: RunContext, z: torch.Tensor, samples: int) -> torch.Tensor:
    """[B, C, L] latents in the prior's space -> [B, 2, samples] on the CPU; long latents
    decode in overlapping chunks."""
    ae, window = ctx.pack.autoencoder, pass_frames(ctx.model)
    z = ctx.model.from_prior(z)
    ctx.check_cancelled()
    with ctx.stage("decode"), torch.inference_mode():
        if z.shape[-1] > window:
            overlap = min(window // 2, 2 * getattr(ae.decoder, "receptive_frames", 8) + 1)
            wav = ae.decode_chunked(z, chunk_frames=window, overlap_frames=overlap)
        else:
            wav = ae.decode(z)
    return wav[..., :samples].float().cpu()


def decode_parts(ctx: RunContext, z: torch.Tensor, samples: int,
                 roles: list[str]) -> list[dict[str, torch.Tensor]]:
    """Stems of a prior with stems: z [B, S*C, L] -> per output, role -> [2, samples] for
    `roles` only (the other stems are not decoded). One role at a time: on CPUs that is
    faster than one batch of all of them, and it bounds the memory of long takes."""
    wavs = {r: decode(ctx, z[:, ctx.model.stem_slice(r)], samples) for r in roles}
    return [{r: wavs[r][b] for r in roles} for b in range(z.shape[0])]


def decode_span(ctx: RunContext, z: torch.Tensor, start: int, end: int) -> torch.Tensor:
    """Audio of samples [start, end) of the latent z [1, C, L]: decodes only the frames that
    cover it, plus a margin, and returns [2, end - start]."""
    ratio = ctx.pack.autoencoder.downsampling_ratio
    f0 = max(0, start // ratio - DECODE_MARGIN_FRAMES)
    f1 = min(z.shape[-1], -(-end // ratio) + DECODE_MARGIN_FRAMES)
    wav = decode(ctx, z[..., f0:f1], (f1 - f0) * ratio)[0]
    return wav[:, start - f0 * ratio: end - f0 * ratio]


def fade(length: int) -> torch.Tensor:
    """Raised-cosine ramp 0 -> 1 of `length` samples (excluding both ends)."""
    t = (torch.arange(length, dtype=torch.float32) + 0.5) / max(length, 1)
    return 0.5 - 0.5 * torch.cos(math.pi * t)


def blend(base: torch.Tensor, patch: torch.Tensor, start: int, *, fade_in: int,
          fade_out: int) -> torch.Tensor:
    """`base` [2, T] with [start, start + len(patch)) replaced by `patch` [2, P], faded in over
    its first `fade_in` and out over its last `fade_out` samples. Outside that span the
    result is `base` bit for bit."""
    out = base.clone()
    end = start + patch.shape[-1]
    weight = torch.ones(patch.shape[-1])
    if fade_in:
        weight[:fade_in] = fade(fade_in)
    if fade_out:
        weight[patch.shape[-1] - fade_out:] = fade(fade_out).flip(0)
    out[:, start:end] = base[:, start:end] * (1 - weight) + patch * weight
    return out
