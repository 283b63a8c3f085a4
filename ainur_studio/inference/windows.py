"""Latent sequences longer than one window: generate, then chain extensions.

One sampler pass generates up to `pass_frames`: the prior's window and an eighth more on a
network that takes any length, so the lengths people ask for near the window (a 22.0 s take is
1032 frames against a 1024-frame window) run in one pass. Longer takes chain passes: each
keeps the end of what is there as known context and fills the rest, so music continues across
windows; the known latents are never changed. A long new take keeps an eighth of a window
(`long_context`), so each pass adds seven eighths of new music and a 3-minute take costs about
1.15x per second what one window does (each pass used to keep half a window: 2x); the `extend`
task keeps half a window of the user's take (`EXTEND_CONTEXT`).
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


STRETCH = 8  # a pass may run an eighth past the window; long takes overlap by an eighth


def pass_frames(model: tp.Any) -> int:
    """The most latent frames one sampler pass generates (a network of one fixed length: its
    window)."""
    if model.fixed_frames is not None:
        return model.max_frames
    return model.max_frames + model.max_frames // STRETCH


def long_context(model: tp.Any) -> int:
    """Context frames each pass of a long new take keeps from the passes before it."""
    return max(1, model.max_frames // STRETCH)


def extend_context(model: tp.Any) -> int:
    """Context frames the `extend` task keeps of the take it continues."""
    return model.max_frames // 2


def pass_spans(model: tp.Any, n_frames: int) -> list[tuple[int, int]]:
    """The frames [start, end) each pass of a new take of `n_frames` adds (`sample_long`):
    the seams between windows lie at the starts after the first."""
    window, keep = pass_frames(model), long_context(model)
    have = min(n_frames, window)
    spans = [(0, have)]
    while have < n_frames:
        step = min(n_frames - have, window - min(have, keep))
        spans.append((have, have + step))
        have += step
    return spans


def plan_passes(ctx: RunContext, have: int, new: int) -> int:
    """Sampler passes needed to add `new` frames to `have` existing ones (0 = none yet: a new
    take, whose later passes keep `long_context`; else `extend_context`)."""
    window = pass_frames(ctx.model)
    keep = long_context(ctx.model) if have == 0 else extend_context(ctx.model)
    passes = 0
    if have == 0:
        have, new, passes = min(new, window), new - min(new, window), 1
    while new > 0:
        step = min(new, window - min(have, keep))
        have, new, passes = have + step, new - step, passes + 1
    return passes


def sample_new(ctx: RunContext, specs: tp.Sequence[CondSpec], seeds: tp.Sequence[int],
               n_frames: int, *, start_frame: int = 0, noise: torch.Tensor | None = None,
               mixture_specs: tp.Sequence[tuple[tp.Sequence[CondSpec], float]] | None = None
               ) -> torch.Tensor:
    """One window of fresh latents [B, C, n_frames] (n_frames <= `pass_frames`).

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
                   first_pass: int = 1, context: int | None = None) -> torch.Tensor:
    """Add `new` frames to z [B, C, L] on `side`, in as many passes as needed.

    Lyrics times in `specs` are relative to the start of the returned sequence.

    Args:
        context: frames of what is there each pass keeps as known context (default
            `extend_context`).

    Returns:
        [B, C, L + new]; the original L frames are unchanged.
    """
    window = pass_frames(ctx.model)
    context = extend_context(ctx.model) if context is None else context
    index, added = first_pass, 0
    while added < new:
        have = z.shape[-1]
        keep = min(have, context)
        step = min(new - added, window - keep)
        if side == "right":
            known, start_frame = z[..., have - keep:], have - keep
        else:
            known, start_frame = z[..., :keep], new - added - step
        z_new = _extend_window(ctx, known, specs, [window_seed(s, index) for s in seeds],
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
    """[B, C, n_frames] latents of any length: one pass, then chained extensions that keep
    `long_context` frames each."""
    first = min(n_frames, pass_frames(ctx.model))
    z = sample_new(ctx, specs, seeds, first)
    if n_frames > first:
        z = extend_latents(ctx, z, specs, seeds, n_frames - first,
                           context=long_context(ctx.model))
    return z
