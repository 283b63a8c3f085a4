"""Editing tasks on a source take: repaint a region, extend to the left or right.

Latents outside the edited part are kept bit for bit; in audio, the source is kept exactly
outside the edited span and its crossfades. With a prior that makes stems the source is the
take's stems (`sources.py`): repaint edits the stems in `structure.parts` (default all) and
keeps the others exactly; extend continues every stem.
"""

from __future__ import annotations

import dataclasses
import math

import torch

from ainur_studio.inference.audio import blend, decode_span
from ainur_studio.inference.conditioning import window_conditions
from ainur_studio.inference.context import RunContext
from ainur_studio.inference.errors import GenerationError
from ainur_studio.inference.sampling import make_noise, sample_window
from ainur_studio.inference.sources import (
    Source,
    encode_source,
    keep_mask,
    present,
    read_source,
    track_latent,
)
from ainur_studio.inference.tasks import Job, Outputs, crossfade_samples, edited_outputs
from ainur_studio.inference.windows import extend_latents, pass_frames, plan_passes
from ainur_studio.types import GenerationRequest

MAX_SOURCE_FRAMES = 1 << 16  # ~23 minutes at 46.875 frames/s


def region_frames(ctx: RunContext, request: GenerationRequest, samples: int) -> tuple[int, int]:
    """Latent frames [f0, f1) covering the repaint region; validates it."""
    sr, ratio = ctx.pack.sample_rate, ctx.pack.autoencoder.downsampling_ratio
    a, b = request.inputs.region_start_s, request.inputs.region_end_s
    length = samples / sr
    if not (math.isfinite(a) and math.isfinite(b)) or not 0.0 <= a < b <= length + 1e-6:
        raise GenerationError("bad_region", f"repaint region {a:g}-{b:g} s must satisfy "
                                            f"0 <= start < end <= {length:.2f} s (the source)")
    f0, f1 = math.floor(a * sr / ratio), min(math.ceil(b * sr / ratio), -(-samples // ratio))
    if f1 - f0 > pass_frames(ctx.model):
        raise GenerationError("bad_region", f"the region lasts {b - a:.1f} s, longer than one "
                              f"window ({pass_frames(ctx.model) * ratio / sr:.1f} s); repaint it in "
                              "parts")
    return f0, f1


def repaint_latents(ctx: RunContext, z: torch.Tensor, job: Job, seeds: list[int], f0: int,
                    f1: int, *, keep: torch.Tensor | None = None) -> torch.Tensor:
    """z [1, C, L] with frames [f0, f1) regenerated for each seed -> [B, C, L]; channels
    where `keep` [1, C, 1] is True are kept everywhere."""
    model, length = ctx.model, z.shape[-1]
    window = min(length, pass_frames(model))
    w0 = min(max(0, (f0 + f1) // 2 - window // 2), length - window)
    w0 = min(w0, f0)
    known = z[..., w0: w0 + window].expand(len(seeds), -1, -1)
    mask = torch.ones(1, 1, window, dtype=torch.bool, device=z.device)
    mask[..., f0 - w0: f1 - w0] = False
    if keep is not None:
        mask = mask | keep
    padded = model.padded_frames(window)
    cond = window_conditions(ctx, [job.spec] * len(seeds), start_frame=w0, n_frames=padded)
    noise = make_noise(seeds, model.net_channels, padded, ctx.device)
    out = sample_window(ctx, [(cond, 1.0)], noise, n_frames=window, known=known, mask=mask)
    full = z.expand(len(seeds), -1, -1).clone()
    full[..., w0: w0 + window] = out
    return full


def with_structure(job: Job, source: Source, request: GenerationRequest) -> Job:
    """The job conditioned on the stems of the output (a prior with stems)."""
    return dataclasses.replace(job, spec=dataclasses.replace(
        job.spec, structure=present(source, request.structure)))


def run_repaint(ctx: RunContext, request: GenerationRequest, job: Job) -> Outputs:
    """Regenerate a time region of the source, keeping the rest."""
    src = read_source(ctx, request, max_frames=MAX_SOURCE_FRAMES)
    f0, f1 = region_frames(ctx, request, src.samples)
    seeds = [request.seed + i for i in range(max(1, request.variations))]
    z = encode_source(ctx, src)
    ctx.passes = 1
    zs = repaint_latents(ctx, z, with_structure(job, src, request), seeds, f0, f1,
                         keep=keep_mask(ctx, src))
    sr, n_src = ctx.pack.sample_rate, src.samples
    a, b = round(request.inputs.region_start_s * sr), round(request.inputs.region_end_s * sr)
    b = min(b, n_src)
    half = crossfade_samples(request, sr, limit=(b - a) // 2) // 2
    start, end = max(0, a - half), min(n_src, b + half)
    edited = []
    for i in range(len(seeds)):
        edited.append({name: blend(src.tracks[name], decode_span(
            ctx, track_latent(ctx, zs[i: i + 1], name), start, end), start,
            fade_in=(a - start) * 2 if a - start else 0,
            fade_out=(end - b) * 2 if end - b else 0) for name in src.edit})
    meta = [{"seed": s, "score": None, "region": [request.inputs.region_start_s,
                                                   request.inputs.region_end_s]} for s in seeds]
    return edited_outputs(src, edited, meta)


def run_extend(ctx: RunContext, request: GenerationRequest, job: Job) -> Outputs:
    """Continue the source to the left or right; the source is kept up to the crossfade."""
    side, sr = request.inputs.extend_side, ctx.pack.sample_rate
    extra = request.inputs.extend_s  # side and length were checked by check_request
    src = read_source(ctx, request, max_frames=MAX_SOURCE_FRAMES)
    src = dataclasses.replace(src, edit=list(src.tracks))
    ratio, n_src = ctx.pack.autoencoder.downsampling_ratio, src.samples
    z = encode_source(ctx, src)
    new_samples = round(extra * sr)
    if side == "right":  # a last, partial frame also encodes padding: regenerate it
        z = z[..., : n_src // ratio]
        new_frames = -(-(n_src + new_samples) // ratio) - z.shape[-1]
    else:
        new_frames = -(-new_samples // ratio)
    seeds = [request.seed + i for i in range(max(1, request.variations))]
    ctx.passes = plan_passes(ctx, z.shape[-1], new_frames)
    spec = with_structure(job, src, request).spec
    zs = extend_latents(ctx, z.expand(len(seeds), -1, -1), [spec] * len(seeds), seeds,
                        new_frames, side=side)
    cf = crossfade_samples(request, sr, limit=n_src)
    edited = [{name: _extended(ctx, src.tracks[name], track_latent(ctx, zs[i: i + 1], name),
                               side=side, new_samples=new_samples, new_frames=new_frames, cf=cf)
               for name in src.edit} for i in range(len(seeds))]
    meta = [{"seed": s, "score": None, "side": side, "extend_s": extra} for s in seeds]
    return edited_outputs(src, edited, meta)


def _extended(ctx: RunContext, src: torch.Tensor, z: torch.Tensor, *, side: str,
              new_samples: int, new_frames: int, cf: int) -> torch.Tensor:
    """One track [2, T] extended by `new_samples` from its extended latent z [1, C, L']."""
    n_src, ratio = src.shape[-1], ctx.pack.autoencoder.downsampling_ratio
    if side == "right":
        base = torch.nn.functional.pad(src, (0, new_samples))
        start, end = n_src - cf, n_src + new_samples
        patch = decode_span(ctx, z, start, end)
    else:
        lead = new_frames * ratio - new_samples  # decoded samples before the output start
        base = torch.nn.functional.pad(src, (new_samples, 0))
        start, end = 0, new_samples + cf
        patch = decode_span(ctx, z, lead + start, lead + end)
    return blend(base, patch, start, fade_in=cf if side == "right" else 0,
                 fade_out=cf if side == "left" else 0)
