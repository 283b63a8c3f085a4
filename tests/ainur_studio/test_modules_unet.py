"""U-Net layout helpers, items and levels."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from ainur_studio.modules.unet_blocks import UNetBlock, UNetTrunk
from ainur_studio.modules.unet_items import (
    InjectChannelsItem,
    ModulationItem,
    ResnetItem,
    UNetConditioning,
)
from ainur_studio.modules.unet_layout import nest, unnest
from ainur_studio.modules.unet_spec import LevelSpec, SharedSpec


def cond(features: torch.Tensor, channels=None) -> UNetConditioning:
    return UNetConditioning(features, None, None, channels)


def test_nest_places_a_layer_at_a_path():
    layer = nn.Linear(2, 3)
    holder = nest("blocks.0.block", layer)
    assert unnest(holder, "blocks.0.block") is layer
    assert set(holder.state_dict()) == {"blocks.0.block.weight", "blocks.0.block.bias"}
    with pytest.raises(ValueError, match="index 0"):
        nest("blocks.1", layer)


def test_resnet_item_is_residual_and_named_as_published():
    item = ResnetItem(channels=4, groups=2)
    assert "block.blocks.0.blocks.1.2.weight" in item.state_dict()
    with torch.no_grad():
        for conv_block in unnest(item.block, "blocks.0.blocks"):
            conv_block[2].weight.zero_()
            conv_block[2].bias.zero_()
    x = torch.randn(2, 4, 7)
    assert torch.equal(item(x, cond(torch.zeros(2, 3))), x)


def test_modulation_item_is_film_over_normalised_channels():
    item = ModulationItem(channels=4, features=3)
    x, features = torch.randn(2, 4, 5), torch.randn(2, 3)
    linear = unnest(item.blocks, "0.block.blocks.0")[1]
    scale, shift = linear(nn.functional.silu(features)).chunk(2, dim=1)
    mean, var = x.mean(1, keepdim=True), x.var(1, unbiased=False, keepdim=True)
    expected = (x - mean) / torch.sqrt(var + 1e-6) * (1 + scale[:, :, None]) + shift[:, :, None]
    torch.testing.assert_close(item(x, cond(features)), expected, atol=1e-5, rtol=1e-5)


def test_inject_item_checks_the_context_shape():
    item = InjectChannelsItem(channels=4, context_channels=1, depth=1)
    x = torch.randn(2, 4, 6)
    assert item(x, cond(torch.zeros(2, 3), [None, torch.randn(2, 1, 6)])).shape == x.shape
    with pytest.raises(ValueError, match=r"expected \(2, 1, 6\)"):
        item(x, cond(torch.zeros(2, 3), [None, torch.randn(2, 1, 3)]))
    with pytest.raises(ValueError, match=r"channels=\[None\] \* 1"):
        item(x, cond(torch.zeros(2, 3), [torch.randn(2, 1, 6)]))


def test_trunk_levels_change_length_and_width_as_configured():
    levels = [LevelSpec(channels=8, factor=2, items=1), LevelSpec(channels=16, factor=3, items=2)]
    trunk = UNetTrunk(in_channels=3, out_channels=5, levels=levels,
                      shared=SharedSpec(modulation_features=6, resnet_groups=4))
    out = trunk(torch.randn(2, 3, 12), cond(torch.randn(2, 6)))
    assert out.shape == (2, 5, 12)
    layers = unnest(trunk.net.block, "blocks")
    # downsample, 2 items, inner level, 2 items, upsample
    assert len(layers) == 7 and isinstance(layers[3], UNetBlock)
    assert [type(layer) for layer in layers[1:3]] == [ResnetItem, ModulationItem]
    assert layers[0].block.stride == (2,) and unnest(layers[3].block, "blocks")[0].block.stride == (3,)
