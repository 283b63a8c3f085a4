"""The per-level layers ("items") of the 1-D U-Net prior.

Every item maps `x [B, C, L]` and the shared `UNetConditioning` to `[B, C, L]`, so a level is
simply a list of items run in order. Layer paths follow the published UNetV0
(audio-diffusion-pytorch 0.1.3 / a-unet 0.0.16); each class names its layout relative to the
item's slot in the level.
"""

from __future__ import annotations

import typing as tp

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ainur_studio.modules.attention import Attention
from ainur_studio.modules.unet_layout import nest, unnest


class UNetConditioning(tp.NamedTuple):
    """What every item may read besides `x`."""

    features: Tensor  # [B, F] time features (modulation)
    embedding: Tensor | None  # [B, N, D] tokens for cross-attention
    embedding_mask: Tensor | None  # [B, N] bool, True = real token
    channels: tp.Sequence[Tensor | None] | None  # per depth: [B, k_d, L_d] context channels


class DownsampleItem(nn.Module):
    """Strided conv (kernel = stride = factor) from the level's input width to its width.

    Layout: `block` (Conv1d).
    """

    def __init__(self, *, in_channels: int, out_channels: int, factor: int) -> None:
        super().__init__()
        self.block = nn.Conv1d(in_channels, out_channels, kernel_size=factor, stride=factor)

    def forward(self, x: Tensor, cond: UNetConditioning) -> Tensor:
        """[B, C_in, L] -> [B, C_out, L / factor]."""
        return self.block(x)


class UpsampleItem(nn.Module):
    """Nearest-neighbour upsampling by `factor`, then a kernel-3 conv.

    Layout: `block.0` (Upsample, no parameters), `block.1` (Conv1d).
    """

    def __init__(self, *, in_channels: int, out_channels: int, factor: int) -> None:
        super().__init__()
        self.factor = factor
        conv = nn.Conv1d(in_channels, out_channels, kernel_size=3, padding=1)
        self.block = nn.Sequential(nn.Upsample(scale_factor=factor, mode="nearest"), conv)

    def forward(self, x: Tensor, cond: UNetConditioning) -> Tensor:
        """[B, C_in, L] -> [B, C_out, L * factor]."""
        if self.factor > 1:
            x = F.interpolate(x, scale_factor=self.factor, mode="nearest")
        return self.block[1](x)


class ResnetItem(nn.Module):
    """`x + Conv(SiLU(GN(Conv(SiLU(GN(x))))))` with kernel-3 convs.

    Layout: `block.blocks.0.blocks.{0,1}` = (GroupNorm, SiLU, Conv1d).
    """

    def __init__(self, *, channels: int, groups: int) -> None:
        super().__init__()
        convs = nn.ModuleList([_conv_block(channels, groups), _conv_block(channels, groups)])
        self.block = nest("blocks.0.blocks", convs)

    def forward(self, x: Tensor, cond: UNetConditioning) -> Tensor:
        """[B, C, L] -> [B, C, L]."""
        h = x
        for conv_block in unnest(self.block, "blocks.0.blocks"):
            h = conv_block(h)
        return h + x


def _conv_block(channels: int, groups: int) -> nn.Sequential:
    return nn.Sequential(
        nn.GroupNorm(groups, channels),
        nn.SiLU(),
        nn.Conv1d(channels, channels, kernel_size=3, padding=1),
    )


class ModulationItem(nn.Module):
    """FiLM from the time features: `LN(x) * (1 + scale) + shift`, no residual.

    The layer norm is over channels, without affine parameters (eps 1e-6).

    Layout: `blocks.0.block.blocks.0` = (SiLU, Linear `features -> 2 C`: scale then shift).
    """

    def __init__(self, *, channels: int, features: int) -> None:
        super().__init__()
        self.channels = channels
        to_scale_shift = nn.Sequential(nn.SiLU(), nn.Linear(features, channels * 2))
        self.blocks = nest("0.block.blocks.0", to_scale_shift)

    def forward(self, x: Tensor, cond: UNetConditioning) -> Tensor:
        """[B, C, L] -> [B, C, L]."""
        to_scale_shift = unnest(self.blocks, "0.block.blocks.0")
        scale, shift = to_scale_shift(cond.features)[:, :, None].chunk(2, dim=1)  # (B, C, 1)
        h = F.layer_norm(x.transpose(1, 2), (self.channels,), eps=1e-6).transpose(1, 2)
        return h * (1 + scale) + shift


class InjectChannelsItem(nn.Module):
    """Concatenate the depth's context channels and mix them in: `x + Conv1x1([x; c])`.

    Layout: `block.blocks.0` (Conv1d `C + k -> C`, kernel 1).
    """

    def __init__(self, *, channels: int, context_channels: int, depth: int) -> None:
        super().__init__()
        self.depth = depth
        self.context_channels = context_channels
        self.block = nest("blocks.0", nn.Conv1d(channels + context_channels, channels, 1))

    def forward(self, x: Tensor, cond: UNetConditioning) -> Tensor:
        """[B, C, L] and `cond.channels[depth]` [B, k, L] -> [B, C, L]."""
        context = self._context(x, cond.channels)
        return unnest(self.block, "blocks.0")(torch.cat([x, context], dim=1)) + x

    def _context(self, x: Tensor, channels: tp.Sequence[Tensor | None] | None) -> Tensor:
        expected = (x.shape[0], self.context_channels, x.shape[2])
        fix = (f"pass channels=[None] * {self.depth} + [tensor of shape "
               f"[B, {self.context_channels}, {x.shape[2]}]] (the sequence length at that depth)")
        if channels is None or len(channels) <= self.depth or channels[self.depth] is None:
            raise ValueError(f"the prior injects context channels at depth {self.depth} but "
                             f"none were given; fix: {fix}")
        context = channels[self.depth]
        if tuple(context.shape) != expected:
            raise ValueError(f"context channels at depth {self.depth} have shape "
                             f"{tuple(context.shape)}, expected {expected}")
        return context.to(x.dtype)


class AttentionItem(nn.Module):
    """Self- or cross-attention over the sequence axis of `x [B, C, L]`.

    Layout: `blocks.0.block` (`Attention`).
    """

    def __init__(
        self,
        *,
        channels: int,
        head_features: int,
        num_heads: int,
        context_features: int | None = None,
    ) -> None:
        super().__init__()
        attention = Attention(features=channels, head_features=head_features,
                              num_heads=num_heads, context_features=context_features)
        self.is_cross = context_features is not None
        self.blocks = nest("0.block", attention)

    def forward(self, x: Tensor, cond: UNetConditioning) -> Tensor:
        """[B, C, L] -> [B, C, L]; cross-attention reads `cond.embedding`."""
        attention = unnest(self.blocks, "0.block")
        h = x.transpose(1, 2)  # (B, L, C)
        if self.is_cross:
            if cond.embedding is None:
                raise ValueError("the prior has cross-attention and needs embedding [B, N, D]")
            h = attention(h, cond.embedding, cond.embedding_mask)
        else:
            h = attention(h)
        return h.transpose(1, 2)


class SkipModulate(nn.Module):
    """Merge a level's skip and deep paths: `skip + s * y`, `s` a per-channel time scale.

    Layout: `blocks.0` = (SiLU, Linear `features -> C`).
    """

    def __init__(self, *, channels: int, features: int) -> None:
        super().__init__()
        self.blocks = nest("0", nn.Sequential(nn.SiLU(), nn.Linear(features, channels)))

    def forward(self, skip: Tensor, y: Tensor, features: Tensor) -> Tensor:
        """skip, y [B, C, L], features [B, F] -> [B, C, L]."""
        scale = self.blocks[0](features)[:, :, None]  # (B, C, 1)
        return skip + scale * y
