"""One function per task: `run_<task>(ctx, request, job) -> (audio list, meta list)`.

`job` holds what `generate` already validated and prepared (prompt text, CLASP vector,
frame counts). Audio is [2, T] float32 on the CPU at the pack's sample rate.
"""

from __future__ import annotations

import typing as tp
from dataclasses import dataclass

import torch

from ainur_studio.inference.audio import decode, encode, read_audio
from ainur_studio.inference.conditioning import CondSpec, window_conditions
from ainur_studio.inference.context import RunContext
from ainur_studio.inference.errors import GenerationError
from ainur_studio.inference.sampling import make_noise, sample_window, slerp
from ainur_studio.inference.windows import (
    plan_passes,
    sample_long,
    sample_new,
)
from ainur_studio.types import GenerationRequest

Outputs = tuple[list[torch.Tensor], list[dict[str, tp.Any]]]


@dataclass
class Job:
    """Validated, prepared inputs of a request."""

    spec: CondSpec
    samples: int   # output length for tasks that create audio from nothing
    frames: int    # latent frames covering `samples`


def _seeds(request: GenerationRequest, n: int) -> list[int]:
    return [request.seed + i for i in range(n)]


def run_new(ctx: RunContext, request: GenerationRequest, job: Job) -> Outputs:
    """Text / lyrics / reference -> music; longer than a window by chained extensions."""
    seeds = _seeds(request, max(1, request.variations))
    ctx.passes = plan_passes(ctx, 0, job.frames)
    z = sample_long(ctx, [job.spec] * len(seeds), seeds, job.frames)
    audio = decode(ctx, z, job.samples)
    return list(audio), [{"seed": s, "score": None} for s in seeds]


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
    audio = decode(ctx, z, job.samples)
    with ctx.stage("rank"):
        scores = _clasp_scores(ctx, job.spec, list(audio))
    kept = torch.argsort(scores, descending=True, stable=True)[: max(1, request.variations)]
    return ([audio[i] for i in kept],
            [{"seed": seeds[i], "score": float(scores[i]), "rank": r, "candidates": n,
              "label": f"best {r + 1}/{n} (score {float(scores[i]):.3f})"}
             for r, i in enumerate(kept.tolist())])


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
    noise_a = make_noise([request.seed], model.latent_channels, padded, ctx.device)
    noise_b = make_noise([seed_b], model.latent_channels, padded, ctx.device)
    ctx.passes = n
    audio, meta = [], []
    for k in range(n):
        t = k / (n - 1)
        mix = [([job.spec], 1.0)] if same_text else [([job.spec], 1.0 - t), ([other], t)]
        z = sample_new(ctx, [job.spec], [], job.frames, noise=slerp(noise_a, noise_b, t),
                       mixture_specs=mix)
        audio.append(decode(ctx, z, job.samples)[0])
        meta.append({"seed": request.seed, "second_seed": seed_b, "t": t, "score": None,
                     "label": f"interp {k + 1}/{n} (t={t:.2f})"})
    return audio, meta


def run_variation(ctx: RunContext, request: GenerationRequest, job: Job) -> Outputs:
    """Audio-to-audio: noise the source to `strength` of the schedule and denoise it."""
    strength = request.inputs.strength
    src = source_audio(ctx, request)
    seeds = _seeds(request, max(1, request.variations))
    if strength == 0.0:
        return [src.clone() for _ in seeds], [{"seed": s, "score": None} for s in seeds]
    z = encode(ctx, src)
    model = ctx.model
    padded = model.padded_frames(z.shape[-1])
    cond = window_conditions(ctx, [job.spec] * len(seeds), start_frame=0, n_frames=padded)
    noise = make_noise(seeds, model.latent_channels, padded, ctx.device)
    z = sample_window(ctx, [(cond, 1.0)], noise, n_frames=z.shape[-1],
                      init=z.expand(len(seeds), -1, -1), strength=strength)
    audio = decode(ctx, z, src.shape[-1])
    return list(audio), [{"seed": s, "score": None, "strength": strength} for s in seeds]


def source_audio(ctx: RunContext, request: GenerationRequest, *, max_frames: int | None = None
            ) -> torch.Tensor:
    """The source take [2, T]; at most one window long unless `max_frames` says otherwise."""
    src = read_audio(request.inputs.source_audio, sample_rate=ctx.pack.sample_rate,
                     what="source audio", code="source_unreadable", min_seconds=0.1)
    limit = max_frames or ctx.model.max_frames
    frames = ctx.pack.autoencoder.latent_frames(src.shape[-1])
    if frames > limit:
        seconds = limit * ctx.pack.autoencoder.downsampling_ratio / ctx.pack.sample_rate
        raise GenerationError(
            "source_too_long", f"the source lasts {src.shape[-1] / ctx.pack.sample_rate:.1f} s;"
            f" this task handles at most {seconds:.1f} s; trim it first")
    return src


def crossfade_samples(request: GenerationRequest, sample_rate: int, limit: int) -> int:
    """The request's crossfade in samples, at least 0 and at most `limit`."""
    return max(0, min(round(request.inputs.crossfade_s * sample_rate), limit))
