"""The one generation entry point: `generate(request, pack, ...) -> GenerationResult`.

Checks the request (specific `GenerationError`s), prepares the conditions (prompt text, lyrics,
CLASP vector of a reference clip, structure), and runs the task. Same request, pack and device
-> the same audio, bit for bit.

A pack whose prior makes stems returns each output's stems (`GenerationResult.stems`, the
parts asked for in `structure.parts`, default all of the pack's) with the mix = their sum; a
length in bars (`structure.bars` with `bpm`) sets the exact length in samples. A mix-only pack
refuses parts (`no_stems`) and takes the rest of the structure as caption only.
"""

from __future__ import annotations

import dataclasses
import math
import time
import typing as tp

import torch

from ainur_studio.descriptor import build_prompt
from ainur_studio.diffusion.schedules import SCHEDULES
from ainur_studio.inference.audio import read_audio
from ainur_studio.inference.conditioning import CondSpec
from ainur_studio.inference.context import RunContext, SamplingSettings
from ainur_studio.inference.editing import run_extend, run_repaint
from ainur_studio.inference.errors import GenerationCancelled, GenerationError, GenerationResult
from ainur_studio.inference.parts import run_add_parts
from ainur_studio.inference.sources import check_pack_roles
from ainur_studio.inference.tasks import (
    Job,
    Outputs,
    run_best_of,
    run_interpolate,
    run_new,
    run_variation,
)
from ainur_studio.inference.windows import pass_frames
from ainur_studio.limits import LIMITS, MIN_AUDIO_SECONDS, check_request
from ainur_studio.progress import SILENT, Progress
from ainur_studio.structure import bars_samples
from ainur_studio.types import GenerationRequest, PromptFields, Structure, Task

__all__ = ["GenerationCancelled", "GenerationError", "GenerationResult", "generate"]

MIN_SECONDS = LIMITS["duration_s"].low
MAX_LONG_SECONDS = LIMITS["duration_s"].high  # new / best-of beyond one window: extensions
MIN_REFERENCE_SECONDS = MIN_AUDIO_SECONDS["reference_audio"]


def generate(request: GenerationRequest, pack: tp.Any, *, device: str | torch.device = "cpu",
             progress: Progress = SILENT) -> GenerationResult:
    """Run a generation request.

    Args:
        request: what to make (see `ainur_studio.types.GenerationRequest`).
        pack: a loaded `ModelPack` (already on `device`).
        device: where to run.
        progress: `report(step, total, stage=, message=, pass=, passes=)` once per sampler
            step; `should_stop()` is polled once per step and True stops with
            `GenerationCancelled` (`ainur_studio.progress.Progress`).

    Returns:
        Audio [2, T] per output at the pack's sample rate, stage timings, per-output meta and,
        for a pack with stems, per-output stems (role -> [2, T]) and the given roles.

    Raises:
        GenerationError: a bad request or a pack whose components do not fit.
        GenerationCancelled: `progress.should_stop()` returned True.
    """
    start = time.perf_counter()
    check_request(request)
    task = Task(request.task)
    ctx = RunContext(pack=pack, device=torch.device(device), settings=_settings(request, pack),
                     progress=progress)
    _check_pack(pack)
    _check_strength(request, pack)
    job = _job(ctx, request, task)
    with torch.inference_mode():
        out = _run(ctx, request, task, job)
    note = _structure_note(ctx, request.structure)
    for m in out.meta:
        m.setdefault("task", task.value)
        if note:
            m.setdefault("structure", note)
    ctx.timings["total"] = time.perf_counter() - start
    given = out.given or ([[] for _ in out.stems] if out.stems else [])
    return GenerationResult(audio=out.audio, sample_rate=pack.sample_rate, timings=ctx.timings,
                            meta=out.meta, stems=out.stems, given=given)


def _run(ctx: RunContext, request: GenerationRequest, task: Task, job: Job) -> Outputs:
    if task is Task.ADD_PARTS:
        return run_add_parts(ctx, request, job)
    if task is Task.NEW:
        return run_new(ctx, request, job)
    if task is Task.BEST_OF:
        return run_best_of(ctx, request, job)
    if task is Task.INTERPOLATE:
        second = request.inputs.second_prompt
        text = _prompt(second, request.fields) if second.strip() else job.spec.text
        other = dataclasses.replace(job.spec, text=text)
        return run_interpolate(ctx, request, job, other)
    if task is Task.VARIATION:
        return run_variation(ctx, request, job)
    if task is Task.REPAINT:
        return run_repaint(ctx, request, job)
    return run_extend(ctx, request, job)


# --- validation -------------------------------------------------------------------------------

def _settings(request: GenerationRequest, pack: tp.Any) -> SamplingSettings:
    defaults = pack.defaults
    schedule = defaults.get("schedule", "karras")
    if schedule not in SCHEDULES:
        raise GenerationError("pack_mismatch", f"the pack's default schedule {schedule!r} is "
                                               "unknown; fix its pack.json")
    return SamplingSettings(sampler=request.sampler, schedule=schedule, steps=request.steps,
                            text_scale=float(request.guidance),
                            clasp_scale=float(defaults.get("clasp_guidance", 1.0)),
                            structure_scale=float(defaults.get("structure_guidance", 1.0)))


def _check_strength(request: GenerationRequest, pack: tp.Any) -> None:
    """A fine-tune's strength is set when its pack loads (`load_any_pack(..., strength=)`)."""
    loaded = float((getattr(pack, "info", None) or {}).get("style_strength", 1.0))
    if not math.isclose(loaded, float(request.style_strength)):
        raise GenerationError("pack_mismatch", f"pack {pack.name!r} was loaded at style "
                              f"strength {loaded:g}, the request asks for "
                              f"{request.style_strength:g}: load it with that strength")


def _check_pack(pack: tp.Any) -> None:
    from ainur_studio.models.pretrained import check_components

    problems = check_components(pack)
    if problems:
        raise GenerationError("pack_mismatch", f"the components of pack {pack.name!r} do not "
                                               f"fit together: {'; '.join(problems)}")


def _prompt(text: str, fields: PromptFields) -> str:
    try:
        return build_prompt(fields, text)
    except ValueError as exc:
        raise GenerationError("bad_prompt", f"the prompt fields are not valid: {exc}") from exc


def _duration(ctx: RunContext, request: GenerationRequest, task: Task) -> tuple[int, int]:
    """(samples, latent frames) of the requested duration, checked against the pack."""
    sr, ratio = ctx.pack.sample_rate, ctx.pack.autoencoder.downsampling_ratio
    window_s = pass_frames(ctx.model) * ratio / sr
    limit = MAX_LONG_SECONDS if task in (Task.NEW, Task.BEST_OF) else window_s
    st = request.structure
    if st.bars is not None and st.bpm is not None:
        samples = bars_samples(st.bars, st.bpm, st.metre or "4/4", sample_rate=sr)
        if not MIN_SECONDS <= samples / sr <= limit:
            raise GenerationError("duration_out_of_range", f"{st.bars} bars at {st.bpm:g} BPM "
                                  f"last {samples / sr:.2f} s, out of range for this task: use "
                                  f"{MIN_SECONDS:g}..{limit:.2f} s")
        return samples, -(-samples // ratio)
    d = request.duration_s
    if not isinstance(d, (int, float)) or not math.isfinite(d) or not MIN_SECONDS <= d <= limit:
        longer = "" if limit > window_s else "; longer takes: generate, then extend"
        raise GenerationError("duration_out_of_range", f"duration {d!r} s is out of range for "
                              f"this task: use {MIN_SECONDS:g}..{limit:.2f} s{longer}")
    samples = round(d * sr)
    return samples, -(-samples // ratio)


def _structure(ctx: RunContext, request: GenerationRequest, task: Task
               ) -> tuple[Structure | None, list[str]]:
    """(structure to condition on, stems to decode) of a request, checked against the pack."""
    model, st = ctx.model, request.structure
    if not model.has_stems and (st.parts or task is Task.ADD_PARTS):
        raise GenerationError("no_stems", f"pack {ctx.pack.name!r} makes only the mix; choose a "
                                          "pack with stems or leave parts empty")
    if model.structure_track is not None and st.chords and st.bpm is None:
        raise GenerationError("bad_chords", "chords are placed one per bar, which needs a "
                                            "tempo: set structure.bpm")
    if not model.has_stems:
        return (st if model.structure_track is not None else None), []
    check_pack_roles(ctx, st.parts, "asked for")
    parts = [r for r in model.roles if r in st.parts] or list(model.roles)
    return dataclasses.replace(st, parts=parts), parts


def _structure_note(ctx: RunContext, st: Structure) -> str:
    """How the request's structure was used, for the meta ("" when it has none)."""
    if not (st.parts or st.bpm is not None or st.chords or st.notes or st.metre):
        return ""
    return "conditioned" if ctx.model.structure_track is not None else "caption only"


def _reference_vector(ctx: RunContext, path: str) -> torch.Tensor | None:
    if not path:
        return None
    if ctx.pack.clasp is None or ctx.model.clasp is None:
        raise GenerationError("no_clasp", "reference audio needs a pack with CLASP; this one "
                                          "has none")
    wav = read_audio(path, sample_rate=ctx.pack.sample_rate, what="reference audio",
                     code="reference_unreadable", min_seconds=MIN_REFERENCE_SECONDS)
    with ctx.stage("clasp"):
        return ctx.pack.clasp.embed_audio([wav.to(ctx.pack.clasp.device)],
                                          sample_rate=ctx.pack.sample_rate)[0]


def _job(ctx: RunContext, request: GenerationRequest, task: Task) -> Job:
    text = _prompt(request.prompt, request.fields)
    lyrics = request.lyrics if request.lyrics is not None and request.lyrics.lines else None
    editing = task in (Task.VARIATION, Task.REPAINT, Task.EXTEND, Task.ADD_PARTS)
    has_lyrics = lyrics is not None and lyrics.text.strip() != ""
    if not (text or has_lyrics or request.inputs.reference_audio or editing):
        raise GenerationError("empty_prompt", "nothing to condition on: write a prompt, add "
                                              "lyrics or choose reference audio")
    samples, frames = (0, 0) if editing else _duration(ctx, request, task)
    structure, parts = _structure(ctx, request, task)
    clasp = _reference_vector(ctx, request.inputs.reference_audio)
    return Job(spec=CondSpec(text, lyrics, clasp, structure), samples=samples, frames=frames,
               parts=parts)
