"""Time embedding, shared time MLP and null tokens."""

from __future__ import annotations

import copy
import math

import pytest
import torch

from ainur_studio.modules.embeddings import NullEmbedding, NumberEmbedding, TimeMLP


def test_number_embedding_is_fourier_features_then_linear():
    torch.manual_seed(0)
    emb = NumberEmbedding(features=5, fourier_features=8)
    t = torch.tensor([0.0, 0.25, 1.0])
    freqs = t[:, None] * emb.weights[None] * 2 * math.pi
    expected = emb.to_out(torch.cat([t[:, None], freqs.sin(), freqs.cos()], dim=-1))
    torch.testing.assert_close(emb(t), expected)
    with pytest.raises(ValueError, match="even"):
        NumberEmbedding(features=5, fourier_features=7)


def test_number_embedding_keeps_fourier_precision_in_bf16():
    torch.manual_seed(0)
    emb = NumberEmbedding(features=4)
    with torch.no_grad():
        emb.weights.mul_(50)  # large frequencies: sin() in bf16 would be noise
    t = torch.rand(6)
    out = emb.to(torch.bfloat16)(t)
    assert out.dtype == torch.bfloat16
    ref = copy.deepcopy(emb).float()(t)  # same (bf16-rounded) weights, all in float32
    torch.testing.assert_close(out.float(), ref, atol=0.03, rtol=0.03)


def test_time_mlp_applies_one_shared_layer_twice():
    mlp = TimeMLP(features=4)
    assert sum(p.numel() for p in mlp.parameters()) == 4 * 4 + 4
    assert set(mlp.state_dict()) == {"blocks.0.0.weight", "blocks.0.0.bias",
                                     "blocks.1.0.weight", "blocks.1.0.bias"}
    x = torch.randn(3, 4)
    layer = mlp.blocks[0]
    torch.testing.assert_close(mlp(x), layer(layer(x)))


def test_null_embedding_is_an_expanded_prefix_of_the_table():
    null = NullEmbedding(max_length=4, features=3)
    out = null(2, 3)
    assert out.shape == (2, 3, 3)
    assert torch.equal(out[1], null.blocks[0].weight[:3])
    with pytest.raises(ValueError, match="outside 1..4"):
        null(2, 5)
