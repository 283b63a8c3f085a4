"""Attention block: matches a plain softmax implementation, honours the key padding mask."""

from __future__ import annotations

import pytest
import torch

from ainur_studio.modules.attention import Attention


def naive_attention(block: Attention, x, context=None, mask=None):
    """softmax(q k^T / sqrt(d)) v with heads laid out as (h d), written out by hand."""
    source = x if context is None else context
    q = block.to_q(block.norm(x))
    k, v = block.to_kv(block.norm_context(source)).chunk(2, dim=-1)
    b, n, inner = q.shape
    h = block.num_heads
    d = inner // h
    q, k, v = (t.reshape(b, t.shape[1], h, d).permute(0, 2, 1, 3) for t in (q, k, v))
    sim = q @ k.transpose(-1, -2) * d**-0.5  # (B, h, N, M)
    if mask is not None:
        sim = sim.masked_fill(~mask[:, None, None, :], float("-inf"))
    out = (sim.softmax(dim=-1) @ v).permute(0, 2, 1, 3).reshape(b, n, inner)
    return x + block.to_out(out)


def randomised(block: Attention) -> Attention:
    torch.manual_seed(0)
    with torch.no_grad():
        for p in block.parameters():
            p.copy_(torch.randn_like(p) * 0.5)
    return block


def test_self_attention_matches_naive_and_uses_its_own_context_norm():
    block = randomised(Attention(features=8, head_features=3, num_heads=2))
    x = torch.randn(2, 5, 8)
    torch.testing.assert_close(block(x), naive_attention(block, x), atol=1e-5, rtol=1e-5)
    with torch.no_grad():
        block.norm_context.bias.add_(1.0)
    torch.testing.assert_close(block(x), naive_attention(block, x), atol=1e-5, rtol=1e-5)


def test_cross_attention_with_mask_matches_naive():
    block = randomised(Attention(features=8, head_features=4, num_heads=2, context_features=6))
    x, context = torch.randn(2, 5, 8), torch.randn(2, 4, 6)
    mask = torch.tensor([[True, True, False, False], [True, True, True, True]])
    torch.testing.assert_close(block(x, context, mask), naive_attention(block, x, context, mask),
                               atol=1e-5, rtol=1e-5)
    assert not torch.allclose(block(x, context, mask), block(x, context))


def test_cross_attention_requires_context():
    block = Attention(features=8, head_features=4, num_heads=2, context_features=6)
    with pytest.raises(ValueError, match="context"):
        block(torch.randn(1, 3, 8))


def test_output_projection_lives_at_the_published_path():
    block = Attention(features=8, head_features=4, num_heads=2)
    assert set(block.state_dict()) == {
        "norm.weight", "norm.bias", "norm_context.weight", "norm_context.bias",
        "to_q.weight", "to_kv.weight", "attention.blocks.0.weight"}
    assert block.to_out is block.attention["blocks"][0]
