"""Latent sequences longer than one window: generate, then chain extensions.

Each extension pass keeps up to half a window of existing latents as known context and fills
the rest, so music continues across windows without seams; the known latents are never
changed.
"""

from __future__ import annotations

import typing as tp

import torch

from ainur_studio.inference.conditioning import CondSpec, window_conditions
from ainur_studio.inference.context import RunContext
from ainur_studio.inference.sampling import make_noise, sample_window


def window_seed(seed: int, index: int) -> int:
    """Seed of the noise of extension pass `index` (0 = the first window: the seed itself)."""
    return seed if index == 0 else (seed * 1_000_003 + index) % (2**63)


def plan_passes(ctx: RunContext, have: int, new: int) -> int:
    """Sampler passes needed to add `new` frames to `have` existing ones (0 = none yet)."""
    window = ctx.model.max_frames
    passes = 0
    if have == 0:
        have, new, passes = min(new, window), new - min(new, window), 1
    while new > 0:
        step = min(new, window - min(have, window // 2))
        have, new, passes = have + step, new - step, passes + 1
    return passes


def sample_new(ctx: RunContext, specs: tp.Sequence[CondSpec], seeds: tp.Sequence[int],
               n_frames: int, *, start_frame: int = 0, noise: torch.Tensor | None = None,
               mixture_specs: tp.Sequence[tuple[tp.Sequence[CondSpec], float]] | None = None
               ) -> torch.Tensor:
    """One window of fresh latents [B, C, n_frames] (n_frames <= max_frames).

    Args:
        specs: B conditionings; or `mixture_specs` ((specs, weight) pairs) to mix several.
        seeds: B noise seeds (ignored when `noise` [B, C, Lp] is given).
        start_frame: position of the window in the output (places the lyrics).
    """
    model = ctx.model
    padded = model.padded_frames(n_frames)
    if noise is None:
        noise = make_noise(seeds, model.net_channels, padded, ctx.device)
    mixture = [(window_conditions(ctx, s, start_frame=start_frame, n_frames=padded), w)
               for s, w in (mixture_specs or [(specs, 1.0)])]
    return sample_window(ctx, mixture, noise, n_frames=n_frames)


def extend_latents(ctx: RunContext, z: torch.Tensor, specs: tp.Sequence[CondSpec],
                   seeds: tp.Sequence[int], new: int, *, side: str = "right",
                   first_pass: int = 1) -> torch.Tensor:
    """Add `new` frames to z [B, C, L] on `side`, in as many passes as needed.

    Lyrics times in `specs` are relative to the start of the returned sequence.

    Returns:
        [B, C, L + new]; the original L frames are unchanged.
    """
    window = ctx.model.max_frames
    index, added = first_pass, 0
    while added < new:
        have = z.shape[-1]
        keep = min(have, window // 2)
        step = min(new - added, window - keep)
        if side == "right":
            context, start_frame = z[..., have - keep:], have - keep
        else:
            context, start_frame = z[..., :keep], new - added - step
        z_new = _extend_window(ctx, context, specs, [window_seed(s, index) for s in seeds],
                               step, side=side, start_frame=start_frame)
        z = torch.cat([z, z_new], -1) if side == "right" else torch.cat([z_new, z], -1)
        added, index = added + step, index + 1
    return z


def _extend_window(ctx: RunContext, context: torch.Tensor, specs: tp.Sequence[CondSpec],
                   seeds: tp.Sequence[int], step: int, *, side: str,
                   start_frame: int) -> torch.Tensor:
    """Sample `step` new frames next to `context` [B, C, k]; returns them [B, C, step]."""
    model = ctx.model
    b, c, keep = context.shape
    n_frames = keep + step
    padded = model.padded_frames(n_frames)
    blank = context.new_zeros(b, c, step)
    known = torch.cat([context, blank] if side == "right" else [blank, context], -1)
    mask = torch.zeros(1, 1, n_frames, dtype=torch.bool, device=context.device)
    if side == "right":
        mask[..., :keep] = True
    else:
        mask[..., step:] = True
    noise = make_noise(seeds, c, padded, ctx.device)
    cond = window_conditions(ctx, specs, start_frame=start_frame, n_frames=padded)
    out = sample_window(ctx, [(cond, 1.0)], noise, n_frames=n_frames, known=known, mask=mask)
    return out[..., keep:] if side == "right" else out[..., :step]


def sample_long(ctx: RunContext, specs: tp.Sequence[CondSpec], seeds: tp.Sequence[int],
                n_frames: int) -> torch.Tensor:
    """[B, C, n_frames] latents of any length: one window, then chained extensions."""
    first = min(n_frames, ctx.model.max_frames)
    z = sample_new(ctx, specs, seeds, first)
    if n_frames > first:
        z = extend_latents(ctx, z, specs, seeds, n_frames - first)
    return z
