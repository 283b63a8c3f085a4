"""Embeddings of scalars (diffusion time) and learned null tokens for classifier-free guidance.

Parameter names follow the published UNetV0 (audio-diffusion-pytorch 0.1.3 / a-unet 0.0.16) so
its checkpoints load unchanged; see `ainur_studio.models.unet`.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


class NumberEmbedding(nn.Module):
    """Learned random Fourier features of a scalar, projected to `features`.

    `x -> Linear([x, sin(2 pi x w), cos(2 pi x w)])` with `w` a learned vector of
    `fourier_features / 2` frequencies. The features are computed in float32 whatever the
    weights' dtype, because `sin` of large arguments loses all precision in bf16/fp16.

    Layout: `weights [fourier_features/2]`, `to_out` (Linear `fourier_features + 1 -> features`).
    """

    def __init__(self, *, features: int, fourier_features: int = 256) -> None:
        super().__init__()
        if fourier_features % 2:
            raise ValueError(f"fourier_features must be even, got {fourier_features}")
        self.features = features
        self.weights = nn.Parameter(torch.randn(fourier_features // 2))
        self.to_out = nn.Linear(fourier_features + 1, features)

    def forward(self, x: Tensor) -> Tensor:
        """Embed scalars.

        Args:
            x: [B] values (e.g. sigma in [0, 1]).

        Returns:
            [B, features] in the dtype of `to_out`.
        """
        x = x.float()[:, None]  # (B, 1)
        freqs = x * self.weights.float()[None, :] * 2 * math.pi  # (B, F/2)
        fourier = torch.cat([x, freqs.sin(), freqs.cos()], dim=-1)  # (B, F + 1)
        return self.to_out(fourier.to(self.to_out.weight.dtype))


class TimeMLP(nn.Module):
    """Two passes through one shared `Linear -> GELU` layer.

    The published network repeats the *same* layer object twice, so both checkpoint entries
    (`blocks.0.0.*`, `blocks.1.0.*`) hold one tensor; `parameters()` yields it once.
    """

    def __init__(self, *, features: int) -> None:
        super().__init__()
        layer = nn.Sequential(nn.Linear(features, features), nn.GELU())
        self.blocks = nn.ModuleList([layer, layer])

    def forward(self, x: Tensor) -> Tensor:
        """[B, features] -> [B, features]."""
        for layer in self.blocks:
            x = layer(x)
        return x


class NullEmbedding(nn.Module):
    """Learned per-position "no condition" tokens for classifier-free guidance.

    Layout: `blocks.0` (Embedding `max_length x features`).
    """

    def __init__(self, *, max_length: int, features: int) -> None:
        super().__init__()
        self.max_length = max_length
        self.features = features
        self.blocks = nn.ModuleList([nn.Embedding(max_length, features)])

    def forward(self, batch_size: int, length: int) -> Tensor:
        """The first `length` null tokens for every batch item.

        Args:
            batch_size: B.
            length: N, at most `max_length`.

        Returns:
            [B, N, features], an expanded view (no copy).
        """
        if not 0 < length <= self.max_length:
            raise ValueError(
                f"null embedding: length {length} is outside 1..{self.max_length}; fix: "
                f"truncate or pad the condition tokens to at most {self.max_length}")
        table = self.blocks[0].weight[:length]  # (N, D)
        return table.unsqueeze(0).expand(batch_size, -1, -1)
