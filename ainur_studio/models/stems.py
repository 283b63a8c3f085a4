"""Stems as channel groups of one latent.

A prior that makes stems works on `[B, S*C, L]`: the S stem latents (each the autoencoder's
`[C, L]`) stacked role by role in the order of `ainur_studio.structure.STEM_ROLES`
(einops `"b (s c) l"`). A prior without stems (`roles == ()`) works on the mix, `[B, C, L]`.
The mix of a take is the sum of its decoded stems.
"""

from __future__ import annotations

import typing as tp

import torch
from einops import rearrange

from ainur_studio.structure import STEM_ROLES


def check_roles(roles: tp.Sequence[str]) -> tuple[str, ...]:
    """The roles of a stems config, checked: known, without duplicates, in `STEM_ROLES`
    order (the channel layout of the weights depends on it)."""
    roles = tuple(str(r) for r in roles)
    unknown = [r for r in roles if r not in STEM_ROLES]
    if unknown:
        raise ValueError(f"stems: unknown role(s) {unknown}; use any of {list(STEM_ROLES)}")
    ordered = tuple(r for r in STEM_ROLES if r in roles)
    if ordered != roles:
        raise ValueError(f"stems: roles {list(roles)} must be listed once each in the order "
                         f"of STEM_ROLES, i.e. {list(ordered)}")
    return roles


def split_stems(x: torch.Tensor, stems: int) -> torch.Tensor:
    """[B, S*C, L] -> [B, S, C, L]."""
    return rearrange(x, "b (s c) l -> b s c l", s=stems)


def join_stems(x: torch.Tensor) -> torch.Tensor:
    """[B, S, C, L] -> [B, S*C, L]."""
    return rearrange(x, "b s c l -> b (s c) l")


def channel_mask(roles: tp.Sequence[str], chosen: tp.Iterable[str], channels: int,
                 *, device: torch.device | str = "cpu") -> torch.Tensor:
    """[1, S*C, 1] bool, True on the channels of the `chosen` roles (a mask over channel
    groups for the inpainting denoiser)."""
    chosen = set(chosen)
    rows = torch.tensor([r in chosen for r in roles], dtype=torch.bool, device=device)
    return rows.repeat_interleave(channels)[None, :, None]


def mix_stems(stems: tp.Mapping[str, torch.Tensor]) -> torch.Tensor:
    """The mix: the sum of the stems, added in `STEM_ROLES` order (the one order everywhere,
    so that a mix always equals the sum of its stems bit for bit)."""
    order = [r for r in STEM_ROLES if r in stems] + [r for r in stems if r not in STEM_ROLES]
    if not order:
        raise ValueError("no stems to mix")
    out = stems[order[0]].clone()
    for role in order[1:]:
        out += stems[role]
    return out


def silent_latent(autoencoder: tp.Any, frames: int) -> torch.Tensor:
    """[C, frames]: the autoencoder's latent of digital silence (what a training batch holds
    for a role that is absent from a clip)."""
    device = next(autoencoder.parameters()).device
    silence = torch.zeros(1, autoencoder.audio_channels, frames * autoencoder.downsampling_ratio,
                          device=device)
    with torch.no_grad():
        return autoencoder.encode(silence)[0, :, :frames]
