"""One function per task: `run_<task>(ctx, request, job) -> Outputs` (audio, meta and, for a
prior with stems, the stems of each output).

`job` holds what `generate` already validated and prepared (prompt text, CLASP vector,
structure, parts to decode, frame counts). Audio is [2, T] float32 on the CPU at the pack's
sample rate; with stems, each output's audio is the sum of its stems (`stems.mix_stems`).
"""

from __future__ import annotations

import dataclasses
import typing as tp
from dataclasses import dataclass, field

import torch

from ainur_studio.inference.audio import decode, decode_parts
from ainur_studio.inference.conditioning import CondSpec, window_conditions
from ainur_studio.inference.context import RunContext
from ainur_studio.inference.errors import GenerationError
from ainur_studio.inference.sampling import make_noise, sample_window, slerp
from ainur_studio.inference.sources import (
    Source,
    decode_edits,
    encode_source,
    finish,
    full_keep_mask,
    present,
    read_source,
)
from ainur_studio.inference.windows import (
    plan_passes,
    sample_long,
    sample_new,
)
from ainur_studio.models.stems import mix_stems
from ainur_studio.types import GenerationRequest


@dataclass
class Outputs:
    """What a task made: per output the audio [2, T], its meta and, for a prior with stems,
    its stems (role -> [2, T], `audio` is their sum) and which of them were given."""

    audio: list[torch.Tensor]
    meta: list[dict[str, tp.Any]]
    stems: list[dict[str, torch.Tensor]] = field(default_factory=list)
    given: list[list[str]] = field(default_factory=list)


@dataclass
class Job:
    """Validated, prepared inputs of a request."""

    spec: CondSpec
    samples: int   # output length for tasks that create audio from nothing
    frames: int    # latent frames covering `samples`
    parts: list[str] = field(default_factory=list)  # stems to decode; [] = the mix only


def decode_outputs(ctx: RunContext, z: torch.Tensor, samples: int, parts: list[str]
                   ) -> tuple[list[torch.Tensor], list[dict[str, torch.Tensor]]]:
    """(mixes, stems) of latents [B, net_channels, L]: the mix decoded as is without `parts`,
    else the `parts` stems decoded and summed."""
    if not parts:
        return list(decode(ctx, z, samples)), []
    stems = decode_parts(ctx, z, samples, parts)
    return [mix_stems(s) for s in stems], stems


def _seeds(request: GenerationRequest, n: int) -> list[int]:
    return [request.seed + i for i in range(n)]


def run_new(ctx: RunContext, request: GenerationRequest, job: Job) -> Outputs:
    """Text / lyrics / reference -> music; longer than a window by chained extensions."""
    seeds = _seeds(request, max(1, request.variations))
    ctx.passes = plan_passes(ctx, 0, job.frames)
    z = sample_long(ctx, [job.spec] * len(seeds), seeds, job.frames)
    audio, stems = decode_outputs(ctx, z, job.samples, job.parts)
    return Outputs(audio, [{"seed": s, "score": None} for s in seeds], stems)


def run_best_of(ctx: RunContext, request: GenerationRequest, job: Job) -> Outputs:
    """Generate `best_of` candidates, rank them by CLASP similarity to the lyrics, prompt and
    reference audio, and keep the best `variations` (at most all of them), best first, each
    with its score; the other candidates are discarded."""
    n = request.inputs.best_of
    clasp = ctx.pack.clasp
    if clasp is None:
        raise GenerationError("no_clasp", "best-of ranking needs a CLASP model and this pack "
                                          "has none; choose another pack or the 'new' task")
    seeds = _seeds(request, n)
    ctx.passes = plan_passes(ctx, 0, job.frames)
    z = sample_long(ctx, [job.spec] * n, seeds, job.frames)
    audio, stems = decode_outputs(ctx, z, job.samples, job.parts)
    with ctx.stage("rank"):
        scores = _clasp_scores(ctx, job.spec, audio)
    kept = torch.argsort(scores, descending=True, stable=True)[: max(1, request.variations)]
    meta = [{"seed": seeds[i], "score": float(scores[i]), "rank": r, "candidates": n,
             "label": f"best {r + 1}/{n} (score {float(scores[i]):.3f})"}
            for r, i in enumerate(kept.tolist())]
    return Outputs([audio[i] for i in kept], meta, [stems[i] for i in kept] if stems else [])


def _clasp_scores(ctx: RunContext, spec: CondSpec, audio: list[torch.Tensor]) -> torch.Tensor:
    """Mean cosine similarity of each clip to the lyrics and prompt embeddings."""
    clasp = ctx.pack.clasp
    emb = clasp.embed_audio([a.to(clasp.device) for a in audio], sample_rate=ctx.pack.sample_rate,
                            allow_silent=True)
    queries = []
    if spec.lyrics is not None and spec.lyrics.text.strip():
        queries.append(clasp.embed_lyrics([spec.lyrics.text]))
    if spec.text.strip():
        queries.append(clasp.embed_text([spec.text]))
    if spec.clasp is not None:
        queries.append(spec.clasp[None].to(emb.device))
    sims = torch.stack([clasp.similarity(q, emb)[0] for q in queries])
    return sims.mean(0).cpu()


def run_interpolate(ctx: RunContext, request: GenerationRequest, job: Job,
                    other: CondSpec) -> Outputs:
    """N outputs from the request's (prompt, seed) to (second prompt, second seed); the two
    end points equal the plain generations of each end."""
    n = request.inputs.interpolation_steps
    seed_b = request.seed if request.inputs.second_seed is None else request.inputs.second_seed
    same_text = other.text == job.spec.text
    if same_text and seed_b == request.seed:
        raise GenerationError("bad_interpolation", "interpolation needs a second prompt or a "
                                                   "second seed that differs from the first")
    model = ctx.model
    padded = model.padded_frames(job.frames)
    noise_a = make_noise([request.seed], model.net_channels, padded, ctx.device)
    noise_b = make_noise([seed_b], model.net_channels, padded, ctx.device)
    ctx.passes = n
    out = Outputs([], [])
    for k in range(n):
        t = k / (n - 1)
        mix = [([job.spec], 1.0)] if same_text else [([job.spec], 1.0 - t), ([other], t)]
        z = sample_new(ctx, [job.spec], [], job.frames, noise=slerp(noise_a, noise_b, t),
                       mixture_specs=mix)
        audio, stems = decode_outputs(ctx, z, job.samples, job.parts)
        out.audio.append(audio[0])
        out.stems += stems
        out.meta.append({"seed": request.seed, "second_seed": seed_b, "t": t, "score": None,
                         "label": f"interp {k + 1}/{n} (t={t:.2f})"})
    return out


def run_variation(ctx: RunContext, request: GenerationRequest, job: Job) -> Outputs:
    """Audio-to-audio: noise the source to `strength` of the schedule and denoise it (with
    stems: the stems in `structure.parts`, or all; the others are kept)."""
    strength = request.inputs.strength
    src = read_source(ctx, request)
    seeds = _seeds(request, max(1, request.variations))
    meta = [{"seed": s, "score": None, "strength": strength} for s in seeds]
    if strength == 0.0:
        meta = [{"seed": s, "score": None} for s in seeds]
        return edited_outputs(dataclasses.replace(src, edit=[]), [{} for _ in seeds], meta)
    z = encode_source(ctx, src)
    model, n = ctx.model, z.shape[-1]
    padded = model.padded_frames(n)
    spec = dataclasses.replace(job.spec, structure=present(src, request.structure))
    cond = window_conditions(ctx, [spec] * len(seeds), start_frame=0, n_frames=padded)
    noise = make_noise(seeds, model.net_channels, padded, ctx.device)
    init = z.expand(len(seeds), -1, -1)
    keep = full_keep_mask(ctx, src, n)
    z = sample_window(ctx, [(cond, 1.0)], noise, n_frames=n, init=init, strength=strength,
                      known=None if keep is None else init, mask=keep)
    return edited_outputs(src, decode_edits(ctx, z, src.samples, src), meta)


def edited_outputs(source: Source, edited: list[dict[str, torch.Tensor]],
                   meta: list[dict[str, tp.Any]]) -> Outputs:
    """Outputs of an editing task: per output, the source with its edited tracks."""
    out = Outputs([], meta)
    for tracks in edited:
        mix, stems, given = finish(source, tracks)
        out.audio.append(mix.clone() if not tracks else mix)
        if stems:
            out.stems.append(stems)
            out.given.append(given)
    return out


def crossfade_samples(request: GenerationRequest, sample_rate: int, limit: int) -> int:
    """The request's crossfade in samples, at least 0 and at most `limit`."""
    return max(0, min(round(request.inputs.crossfade_s * sample_rate), limit))
