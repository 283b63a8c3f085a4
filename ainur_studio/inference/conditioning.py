"""From a request's prompt, lyrics, reference audio and structure to the prior's conditions and a
guided denoiser for one latent window."""

from __future__ import annotations

import dataclasses
import typing as tp
from dataclasses import dataclass

import torch

from ainur_studio.diffusion.denoiser import GuidedDenoiser, cfg_weights
from ainur_studio.inference.context import RunContext
from ainur_studio.lyrics.align import window_text
from ainur_studio.models.prior import Conditions
from ainur_studio.types import LyricLine, Lyrics, LyricWord, Structure


@dataclass
class CondSpec:
    """What one output is conditioned on.

    Attributes:
        text: the prompt text ("" = none).
        lyrics: synced lyrics, times relative to the start of the output, or None.
        clasp: a fixed CLASP vector [E] (e.g. from reference audio); None = from the lyrics
            of each window, or the null vector without lyrics.
        structure: the take's structure (times from the start of the output; `parts` = the
            roles present in the output), or None; only a prior with a structure track uses it.
    """

    text: str
    lyrics: Lyrics | None = None
    clasp: torch.Tensor | None = None
    structure: Structure | None = None


def shift_lyrics(lyrics: Lyrics, offset_ms: int) -> Lyrics:
    """A copy with every time moved by `-offset_ms` (times relative to a later start)."""
    def word(w: LyricWord) -> LyricWord:
        end = None if w.end_ms is None else w.end_ms - offset_ms
        return LyricWord(w.start_ms - offset_ms, w.text, end)

    lines = [LyricLine(line.start_ms - offset_ms, line.text, [word(w) for w in line.words],
                       None if line.end_ms is None else line.end_ms - offset_ms)
             for line in lyrics.lines]
    tags = {k: v for k, v in lyrics.tags.items() if k != "length"}
    return dataclasses.replace(lyrics, lines=lines, tags=tags)


def _clasp_rows(ctx: RunContext, specs: tp.Sequence[CondSpec], start_s: float,
                end_s: float) -> torch.Tensor | None:
    """[B, E] CLASP vectors for a window (null rows where there is nothing to embed)."""
    model = ctx.model
    if model.clasp is None:
        return None
    rows: list[torch.Tensor | None] = []
    for spec in specs:
        if spec.clasp is not None:
            rows.append(spec.clasp.to(ctx.device))
            continue
        text = window_text(spec.lyrics, start_s, end_s) if spec.lyrics is not None else ""
        if text.strip() and ctx.pack.clasp is not None:
            with ctx.stage("clasp"):
                rows.append(ctx.pack.clasp.embed_lyrics([text])[0].to(ctx.device))
        else:
            rows.append(None)
    if all(r is None for r in rows):
        return None
    null = model.clasp.null.detach()
    return torch.stack([null if r is None else r.to(null.dtype) for r in rows])


def window_conditions(ctx: RunContext, specs: tp.Sequence[CondSpec], *, start_frame: int,
                      n_frames: int) -> Conditions:
    """Conditions of a batch for the latent window [start_frame, start_frame + n_frames)."""
    model = ctx.model
    fr = model.frame_rate
    start_s, end_s = start_frame / fr, (start_frame + n_frames) / fr
    offset_ms = round(start_s * 1000)
    lyrics = [None if s.lyrics is None else shift_lyrics(s.lyrics, offset_ms) for s in specs]
    clasp = _clasp_rows(ctx, specs, start_s, end_s)
    structures = None
    if any(s.structure is not None for s in specs):
        structures = [s.structure for s in specs]
    with ctx.stage("text"):
        return model.conditions(texts=[s.text for s in specs], n_frames=n_frames, clasp=clasp,
                                lyrics=lyrics, structures=structures, start_s=start_s)


def guided_denoiser(ctx: RunContext,
                    mixture: tp.Sequence[tuple[Conditions, float]]) -> GuidedDenoiser:
    """One batched denoiser for a weighted mixture of conditionings with text and CLASP
    guidance: `u + s_c (D(clasp_k) - u) + s_t (D(full_k) - D(clasp_k))`, averaged over k with
    the mixture weights (which sum to 1). Zero-weight branches cost nothing.

    The structure is kept in every branch; with a structure scale s_s != 1 (a prior with a
    structure track) one more branch per conditioning adds
    `(s_s - 1) (D(full_k) - D(full_k without structure))`."""
    model, st = ctx.model, ctx.settings
    w_u, w_c, w_f = cfg_weights(text_scale=st.text_scale, clasp_scale=st.clasp_scale)
    w_s = st.structure_scale - 1.0 if model.structure_track is not None else 0.0
    first = mixture[0][0]
    branches = [model.branch(first, text=False, clasp=False)]
    weights = [w_u]
    for cond, m in mixture:
        branches += [model.branch(cond, text=False), model.branch(cond)]
        weights += [w_c * m, (w_f + w_s) * m]
        if w_s:
            branches.append(model.branch(cond, structure=False))
            weights.append(-w_s * m)
    return GuidedDenoiser(model.denoiser(), branches=branches, weights=weights)
