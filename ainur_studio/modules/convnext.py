"""ConvNeXt blocks over 1-D sequences (as in Vocos): depthwise conv, LayerNorm, MLP.

All blocks work on `[B, C, L]` and are frame-local apart from the depthwise convolution, so
each block widens the receptive field by `kernel_size // 2` frames on either side.
"""

from __future__ import annotations

import torch
from torch import nn


class ChannelLayerNorm(nn.Module):
    """LayerNorm over the channel axis of `[B, C, L]`."""

    def __init__(self, dim: int, *, eps: float = 1e-6) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim, eps=eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x.transpose(1, 2)).transpose(1, 2)


class ConvNeXtBlock1d(nn.Module):
    """Residual block: depthwise conv k -> LayerNorm -> Linear -> GELU -> Linear -> scale.

    Args:
        dim: channels in and out.
        intermediate_dim: width of the pointwise MLP.
        kernel_size: odd depthwise kernel.
        layer_scale_init: initial per-channel residual scale (small keeps deep stacks stable).
    """

    def __init__(self, *, dim: int, intermediate_dim: int, kernel_size: int = 7,
                 layer_scale_init: float = 1e-2) -> None:
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"kernel_size must be odd, got {kernel_size}")
        self.dwconv = nn.Conv1d(dim, dim, kernel_size, padding=kernel_size // 2, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pwconv1 = nn.Linear(dim, intermediate_dim)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(intermediate_dim, dim)
        self.gamma = nn.Parameter(torch.full((dim,), layer_scale_init))
        self.radius = kernel_size // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """`[B, dim, L]` -> `[B, dim, L]`."""
        h = self.dwconv(x).transpose(1, 2)  # (B, L, C)
        h = self.pwconv2(self.act(self.pwconv1(self.norm(h))))
        return x + (self.gamma * h).transpose(1, 2)


class ConvNeXtStack1d(nn.Module):
    """`depth` ConvNeXt blocks followed by a LayerNorm. `radius` is its receptive half-width."""

    def __init__(self, *, dim: int, depth: int, intermediate_dim: int | None = None,
                 kernel_size: int = 7, layer_scale_init: float | None = None) -> None:
        super().__init__()
        scale = layer_scale_init if layer_scale_init is not None else 1.0 / max(depth, 1)
        self.blocks = nn.ModuleList(
            ConvNeXtBlock1d(dim=dim, intermediate_dim=intermediate_dim or 3 * dim,
                            kernel_size=kernel_size, layer_scale_init=scale)
            for _ in range(depth))
        self.norm = ChannelLayerNorm(dim)
        self.radius = depth * (kernel_size // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """`[B, dim, L]` -> `[B, dim, L]`."""
        for block in self.blocks:
            x = block(x)
        return self.norm(x)
