"""Pre-norm multi-head (self or cross) attention over `scaled_dot_product_attention`.

Parameter names follow the published UNetV0 (a-unet 0.0.16 `Attention`), so its checkpoints
load unchanged. Unlike the published block, cross-attention accepts a key padding mask.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ainur_studio.modules.unet_layout import nest, unnest


class Attention(nn.Module):
    """Residual multi-head attention with layer-normed queries and keys/values, no feed-forward.

    `y = x + W_o softmax(q k^T / sqrt(d)) v` with `q = W_q LN(x)` and `k, v = W_kv LN_c(c)`,
    where `c` is `context` for cross-attention and `x` itself for self-attention (normalised by
    its own `norm_context`, as published). Projections have no bias.

    Layout: `norm`, `norm_context`, `to_q`, `to_kv` (keys then values), `attention.blocks.0`
    (the output projection).
    """

    def __init__(
        self,
        *,
        features: int,
        head_features: int,
        num_heads: int,
        context_features: int | None = None,
    ) -> None:
        super().__init__()
        inner = head_features * num_heads
        self.num_heads = num_heads
        self.is_cross = context_features is not None
        context_features = context_features if context_features is not None else features
        self.norm = nn.LayerNorm(features)
        self.norm_context = nn.LayerNorm(context_features)
        self.to_q = nn.Linear(features, inner, bias=False)
        self.to_kv = nn.Linear(context_features, inner * 2, bias=False)
        self.attention = nest("blocks.0", nn.Linear(inner, features, bias=False))

    @property
    def to_out(self) -> nn.Linear:
        """The output projection `inner -> features`."""
        return unnest(self.attention, "blocks.0")  # type: ignore[return-value]

    def forward(
        self,
        x: Tensor,
        context: Tensor | None = None,
        context_mask: Tensor | None = None,
    ) -> Tensor:
        """Attend from `x` to `context` (cross) or to `x` (self).

        Args:
            x: [B, N, features].
            context: [B, M, context_features]; required for cross-attention, ignored otherwise.
            context_mask: [B, M] bool, True for real tokens; None attends to every position.
                Every row needs at least one True.

        Returns:
            [B, N, features].
        """
        if self.is_cross and context is None:
            raise ValueError("cross-attention needs a context tensor [B, M, D]")
        source = context if self.is_cross else x
        q = self.to_q(self.norm(x))  # (B, N, h*d)
        k, v = self.to_kv(self.norm_context(source)).chunk(2, dim=-1)  # (B, M, h*d) each
        q, k, v = (self._split_heads(t) for t in (q, k, v))  # (B, h, N|M, d)
        mask = None
        if self.is_cross and context_mask is not None:
            mask = context_mask[:, None, None, :]  # (B, 1, 1, M) broadcast over heads, queries
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)  # (B, h, N, d)
        out = out.transpose(1, 2).flatten(2)  # (B, N, h*d)
        return x + self.to_out(out)

    def _split_heads(self, t: Tensor) -> Tensor:
        b, n, _ = t.shape
        return t.view(b, n, self.num_heads, -1).transpose(1, 2)


def check_context_mask(mask: Tensor, context: Tensor) -> None:
    """Raise a clear error unless `mask` is a usable key padding mask for `context`.

    Args:
        mask: expected [B, M] bool with at least one True per row.
        context: [B, M, D].
    """
    if mask.dtype != torch.bool:
        raise TypeError(f"embedding_mask must be bool (True = real token), got {mask.dtype}")
    if mask.shape != context.shape[:2]:
        raise ValueError(
            f"embedding_mask shape {tuple(mask.shape)} does not match the embedding's "
            f"[B, N] = {tuple(context.shape[:2])}")
    if not torch.compiler.is_compiling() and not bool(mask.any(dim=1).all()):
        raise ValueError(
            "embedding_mask has a row with no real token; fix: give that item the null "
            "embedding (UNetV0.null_embedding) instead of an empty condition")
