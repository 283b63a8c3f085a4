"""Latent windows: seeded noise, and one sampler pass with optional known latents
(repaint / extend) or a starting latent (variation)."""

from __future__ import annotations

import math
import typing as tp

import torch

from ainur_studio.diffusion.denoiser import InpaintDenoiser, keep_known
from ainur_studio.inference.conditioning import guided_denoiser
from ainur_studio.inference.context import RunContext
from ainur_studio.models.prior import Conditions


def make_noise(seeds: tp.Sequence[int], channels: int, frames: int,
               device: torch.device) -> torch.Tensor:
    """[B, C, L] unit noise, one CPU generator per seed (same numbers on every device)."""
    rows = [torch.randn(channels, frames, generator=torch.Generator().manual_seed(int(s)))
            for s in seeds]
    return torch.stack(rows).to(device)


def slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation of two noise tensors; exactly `a` at t=0 and `b` at t=1."""
    if t == 0.0:
        return a
    if t == 1.0:
        return b
    cos = torch.sum(a * b) / (a.norm() * b.norm())
    theta = torch.acos(cos.clamp(-1.0, 1.0))
    if theta.abs() < 1e-4:
        return (1 - t) * a + t * b
    return (torch.sin((1 - t) * theta) * a + torch.sin(t * theta) * b) / torch.sin(theta)


def pad_frames(x: torch.Tensor, frames: int) -> torch.Tensor:
    """Right-pad (with zeros) or crop the last dim of x to `frames`."""
    if x.shape[-1] >= frames:
        return x[..., :frames]
    return torch.nn.functional.pad(x, (0, frames - x.shape[-1]))


def sample_window(ctx: RunContext, mixture: tp.Sequence[tuple[Conditions, float]],
                  noise: torch.Tensor, *, n_frames: int, known: torch.Tensor | None = None,
                  mask: torch.Tensor | None = None, init: torch.Tensor | None = None,
                  strength: float = 1.0) -> torch.Tensor:
    """Sample one latent window.

    Args:
        ctx: the run.
        mixture: (conditions, weight) pairs, conditions built for `padded_frames(n_frames)`.
        noise: [B, C, Lp] unit noise, Lp = `ctx.model.padded_frames(n_frames)`.
        n_frames: frames wanted; the result is cropped to it.
        known, mask: [B, C, n_frames] latents and [1, 1, n_frames] bool (True = keep).
        init: [B, C, n_frames] latent to start from (variation); `strength` in (0, 1] picks
            how much of the schedule runs (1 = all, i.e. ignore `init`).

    Returns:
        [B, C, n_frames] latents; where `mask` is True they equal `known` bit for bit.
    """
    padded = noise.shape[-1]
    denoiser = guided_denoiser(ctx, mixture)
    sigmas = ctx.settings.sigmas()
    if known is not None and mask is not None:
        known_p, mask_p = pad_frames(known, padded), pad_frames(mask, padded)
        denoiser = InpaintDenoiser(denoiser, known=known_p, mask=mask_p, noise=noise)
    start = 0
    if init is not None:
        start = min(len(sigmas) - 2, math.floor((1.0 - strength) * (len(sigmas) - 1)))
        x = pad_frames(init, padded) + noise * sigmas[start]
    else:
        x = noise * sigmas[0]
    out = ctx.run_sampler(denoiser, x, sigmas[start:])[..., :n_frames]
    if known is not None and mask is not None:
        out = keep_known(out, known, mask)
    return out
