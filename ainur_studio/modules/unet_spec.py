"""Hyperparameters of the U-Net prior, per depth and shared, with their validation.

The published UNetV0 takes one list per hyperparameter (`channels`, `factors`, `items`,
`attentions`, `cross_attentions`, `context_channels`); `make_level_specs` zips them into one
`LevelSpec` per depth and says which list is wrong when they disagree.
"""

from __future__ import annotations

import typing as tp
from dataclasses import dataclass


@dataclass(frozen=True)
class LevelSpec:
    """Hyperparameters of one U-Net depth."""

    channels: int  # width inside the level
    factor: int  # down/upsampling factor on entry/exit
    items: int  # item groups on each side of the inner level
    attentions: int = 0  # self-attention items per group
    cross_attentions: int = 0  # cross-attention items per group
    context_channels: int = 0  # injected context channels (0 = none)


@dataclass(frozen=True)
class SharedSpec:
    """Hyperparameters shared by every depth."""

    modulation_features: int
    resnet_groups: int = 8
    attention_heads: int | None = None
    attention_features: int | None = None  # per head
    embedding_features: int | None = None  # cross-attention token width


def make_level_specs(
    channels: tp.Sequence[int],
    factors: tp.Sequence[int],
    items: tp.Sequence[int],
    attentions: tp.Sequence[int] | None,
    cross_attentions: tp.Sequence[int] | None,
    context_channels: tp.Sequence[int] | None,
) -> list[LevelSpec]:
    """One `LevelSpec` per depth from the published per-hyperparameter lists.

    Missing `attentions`, `cross_attentions` and `context_channels` mean 0 at every depth.

    Raises:
        ValueError: lists of different lengths, no depth, or a factor below 1.
    """
    n = len(channels)
    lists = {"factors": factors, "items": items,
             "attentions": attentions if attentions is not None else [0] * n,
             "cross_attentions": cross_attentions if cross_attentions is not None else [0] * n,
             "context_channels": context_channels if context_channels is not None else [0] * n}
    for name, values in lists.items():
        if len(values) != n:
            raise ValueError(f"prior config: {name} has {len(values)} entries but channels has "
                             f"{n}; give one entry per depth")
    if n == 0 or any(f < 1 for f in factors):
        raise ValueError(f"prior config: need at least one depth and factors >= 1, got "
                         f"factors={list(factors)}")
    return [LevelSpec(*values) for values in zip(channels, *lists.values(), strict=True)]


def check_specs(levels: tp.Sequence[LevelSpec], shared: SharedSpec) -> None:
    """Raise a `ValueError` naming the setting to fix when the specs cannot build a U-Net."""
    bad = [lv.channels for lv in levels if lv.channels % shared.resnet_groups]
    if bad:
        raise ValueError(f"prior config: channels {bad} are not divisible by resnet_groups="
                         f"{shared.resnet_groups}")
    if any(lv.attentions or lv.cross_attentions for lv in levels) and not (
            shared.attention_heads and shared.attention_features):
        raise ValueError("prior config: attention is enabled at some depth; set "
                         "attention_heads and attention_features")
    if any(lv.cross_attentions for lv in levels) and not shared.embedding_features:
        raise ValueError("prior config: cross_attentions need embedding_features")
