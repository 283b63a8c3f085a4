"""Levels of the 1-D U-Net prior: a recursive block per depth and the trunk that nests them.

Level `d` (see `UNetBlock`): keep the input as `skip`; downsample by `factors[d]`; run
`items[d]` item groups; recurse into level `d + 1`; run `items[d]` more groups (own weights);
upsample back; return `skip + s * h` with `s` a per-channel scale from the time features.
An item group is: ResNet -> FiLM -> context channels (if any at this depth) -> self-attention
x `attentions[d]` -> cross-attention x `cross_attentions[d]`. There are no concatenated
encoder/decoder skips: every level is a modulated residual around the deeper ones.

Layout (published UNetV0): `skip_adapter.block` (1x1 conv, only when a level changes width),
`block.blocks.{i}` = [downsample, items down..., inner level, items up..., upsample], `skip`.
"""

from __future__ import annotations

import typing as tp

from torch import Tensor, nn

from ainur_studio.modules.unet_items import (
    AttentionItem,
    DownsampleItem,
    InjectChannelsItem,
    ModulationItem,
    ResnetItem,
    SkipModulate,
    UNetConditioning,
    UpsampleItem,
)
from ainur_studio.modules.unet_layout import nest, unnest
from ainur_studio.modules.unet_spec import LevelSpec, SharedSpec


def make_item_group(level: LevelSpec, shared: SharedSpec, *, depth: int) -> list[nn.Module]:
    """One ResNet -> FiLM -> inject -> self-attn -> cross-attn group at `level.channels`."""
    ch = level.channels
    group: list[nn.Module] = [
        ResnetItem(channels=ch, groups=shared.resnet_groups),
        ModulationItem(channels=ch, features=shared.modulation_features),
    ]
    if level.context_channels > 0:
        group.append(InjectChannelsItem(channels=ch, context_channels=level.context_channels,
                                        depth=depth))
    heads, head_features = shared.attention_heads, shared.attention_features
    for _ in range(level.attentions):
        group.append(AttentionItem(channels=ch, head_features=head_features,  # type: ignore[arg-type]
                                   num_heads=heads))  # type: ignore[arg-type]
    for _ in range(level.cross_attentions):
        group.append(AttentionItem(channels=ch, head_features=head_features,  # type: ignore[arg-type]
                                   num_heads=heads,  # type: ignore[arg-type]
                                   context_features=shared.embedding_features))
    return group


class UNetBlock(nn.Module):
    """One depth of the U-Net, wrapping the deeper levels (`inner`)."""

    def __init__(
        self,
        *,
        level: LevelSpec,
        shared: SharedSpec,
        depth: int,
        in_channels: int,
        out_channels: int,
        inner: UNetBlock | None,
    ) -> None:
        super().__init__()
        ch = level.channels
        layers: list[nn.Module] = [
            DownsampleItem(in_channels=in_channels, out_channels=ch, factor=level.factor)]
        for _ in range(level.items):
            layers += make_item_group(level, shared, depth=depth)
        if inner is not None:
            layers.append(inner)
        for _ in range(level.items):
            layers += make_item_group(level, shared, depth=depth)
        layers.append(UpsampleItem(in_channels=ch, out_channels=out_channels, factor=level.factor))
        self.skip_adapter = (nest("block", nn.Conv1d(in_channels, out_channels, 1))
                             if in_channels != out_channels else None)
        self.block = nest("blocks", nn.ModuleList(layers))
        self.skip = SkipModulate(channels=out_channels, features=shared.modulation_features)

    def forward(self, x: Tensor, cond: UNetConditioning) -> Tensor:
        """[B, C_in, L] -> [B, C_out, L]."""
        skip = x if self.skip_adapter is None else unnest(self.skip_adapter, "block")(x)
        for layer in unnest(self.block, "blocks"):
            x = layer(x, cond)
        return self.skip(skip, x, cond.features)


class UNetTrunk(nn.Module):
    """All levels, nested: level 0 contains level 1, which contains level 2, ...

    Layout: `net` (level 0).
    """

    def __init__(
        self,
        *,
        in_channels: int,
        out_channels: int,
        levels: tp.Sequence[LevelSpec],
        shared: SharedSpec,
    ) -> None:
        super().__init__()
        inner: UNetBlock | None = None
        for depth in reversed(range(len(levels))):
            level_in = in_channels if depth == 0 else levels[depth - 1].channels
            level_out = out_channels if depth == 0 else level_in
            inner = UNetBlock(level=levels[depth], shared=shared, depth=depth,
                              in_channels=level_in, out_channels=level_out, inner=inner)
        assert inner is not None
        self.net = inner

    def forward(self, x: Tensor, cond: UNetConditioning) -> Tensor:
        """[B, C_in, L] -> [B, C_out, L]."""
        return self.net(x, cond)
