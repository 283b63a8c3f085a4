"""The add-parts task: generate `structure.parts` in time with given parts.

The given parts (`inputs.part_audio`, role -> file) are encoded and their channel groups kept
fixed while the prior fills in the asked-for roles (the same inpainting denoiser as repaint,
masked over channel groups instead of frames); roles neither given nor asked for stay silence.
The output has the given audio's length; its stems are the given parts, bit for bit, and the
generated ones, and its mix is their sum.
"""

from __future__ import annotations

import dataclasses

from ainur_studio.inference.conditioning import window_conditions
from ainur_studio.inference.context import RunContext
from ainur_studio.inference.sampling import make_noise, sample_window
from ainur_studio.inference.sources import (
    decode_edits,
    encode_source,
    full_keep_mask,
    present,
    stem_source,
)
from ainur_studio.inference.tasks import Job, Outputs, edited_outputs
from ainur_studio.inference.windows import pass_frames
from ainur_studio.types import GenerationRequest


def run_add_parts(ctx: RunContext, request: GenerationRequest, job: Job) -> Outputs:
    """Generate the asked-for parts of a prior with stems around the given ones (one window
    long at most)."""
    model = ctx.model
    src = stem_source(ctx, request, max_frames=pass_frames(model), edit=request.structure.parts)
    seeds = [request.seed + i for i in range(max(1, request.variations))]
    z = encode_source(ctx, src)
    n = z.shape[-1]
    padded = model.padded_frames(n)
    spec = dataclasses.replace(job.spec, structure=present(src, request.structure))
    cond = window_conditions(ctx, [spec] * len(seeds), start_frame=0, n_frames=padded)
    noise = make_noise(seeds, model.net_channels, padded, ctx.device)
    ctx.passes = 1
    known = z.expand(len(seeds), -1, -1)
    out = sample_window(ctx, [(cond, 1.0)], noise, n_frames=n, known=known,
                        mask=full_keep_mask(ctx, src, n))
    meta = [{"seed": s, "score": None, "parts": list(src.edit), "given": list(src.given)}
            for s in seeds]
    return edited_outputs(src, decode_edits(ctx, out, src.samples, src), meta)
