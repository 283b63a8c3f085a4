"""LoRA on the prior: targets by name, a no-op at init, only adapters train, merging is exact,
weights round-trip, and LoRA packs refuse a base whose hash differs."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from ainur_studio.models.factory import create_model_from_config, load_config
from ainur_studio.models.pretrained import PackError, load_pack
from ainur_studio.paths import user_models_dir
from ainur_studio.training.export import export_lora_pack, load_any_pack, load_lora_pack
from ainur_studio.training.lora import (
    LoraSettings,
    add_lora,
    load_lora_weights,
    lora_state_dict,
    lora_targets,
    merge_lora,
)


def _prior(seed: int = 0):
    """The debug pack's U-Net, freshly drawn (the pack's other components are not needed)."""
    torch.manual_seed(seed)
    return create_model_from_config(load_config("prior_debug")).unet


def _inputs():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 5 * 32, 16, generator=gen)  # 5 stems of 32 latent channels
    kwargs = {"embedding": torch.randn(2, 32, 32, generator=gen),
              "channels": [torch.randn(2, 15, 16, generator=gen), None, None]}
    return x, torch.tensor([0.3, 0.7]), kwargs


def _randomise_b(prior) -> None:
    with torch.no_grad():
        for name, p in prior.named_parameters():
            if "lora_B" in name:
                p.normal_(std=0.1)


def test_targets_are_attention_projections_and_resnet_convs():
    prior = _prior()
    attention = lora_targets(prior)
    assert attention and all(n.endswith(("to_q", "to_kv", "attention.blocks.0"))
                             for n in attention)
    both = lora_targets(prior, ("attention", "conv"))
    convs = [n for n in both if n not in attention]
    assert convs and all(isinstance(prior.get_submodule(n), torch.nn.Conv1d) for n in convs)
    with pytest.raises(ValueError, match="unknown LoRA target kinds"):
        lora_targets(prior, ("mlp",))


def test_adapters_start_as_a_no_op_and_only_they_train():
    prior = _prior()
    x, s, kw = _inputs()
    before = prior(x, s, **kw)
    add_lora(prior, LoraSettings(rank=4, alpha=4, targets=lora_targets(prior, ("attention",
                                                                              "conv"))))
    torch.testing.assert_close(prior(x, s, **kw), before, rtol=0, atol=0)
    trainable = [n for n, p in prior.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)
    prior(x, s, **kw).square().mean().backward()
    assert all(p.grad is not None for n, p in prior.named_parameters() if "lora_A" in n)


def test_merge_gives_the_same_output_without_adapter_modules():
    prior = _prior()
    x, s, kw = _inputs()
    base = prior(x, s, **kw)
    add_lora(prior, LoraSettings(rank=4, alpha=8, targets=lora_targets(prior, ("attention",
                                                                              "conv"))))
    _randomise_b(prior)
    with torch.no_grad():
        adapted = prior(x, s, **kw)
        assert (adapted - base).abs().max() > 1e-3
        merge_lora(prior)
        torch.testing.assert_close(prior(x, s, **kw), adapted, rtol=1e-4, atol=1e-5)
    assert not any("lora" in k or "base_layer" in k for k in prior.state_dict())
    assert set(prior.state_dict()) == set(_prior().state_dict())


def test_weights_round_trip_and_mismatches_are_named():
    settings = LoraSettings(rank=2, alpha=2, targets=lora_targets(_prior()))
    a, b = _prior(), _prior()
    add_lora(a, settings)
    add_lora(b, settings)
    _randomise_b(a)
    load_lora_weights(b, lora_state_dict(a))
    x, s, kw = _inputs()
    torch.testing.assert_close(a(x, s, **kw), b(x, s, **kw))
    weights = lora_state_dict(a)
    weights.pop(next(iter(weights)))
    with pytest.raises(ValueError, match="missing"):
        load_lora_weights(b, weights)


def test_lora_pack_checks_the_base_hash_and_the_adapter_file(tmp_path):
    base = load_pack("debug")
    prior = _prior()
    settings = LoraSettings(rank=2, alpha=2, targets=lora_targets(prior))
    add_lora(prior, settings)
    _randomise_b(prior)
    folder = export_lora_pack(base, lora_state_dict(prior), settings, tmp_path / "mine",
                              name="mine")
    tuned = load_lora_pack(folder)
    assert tuned.name == "mine" and tuned.hash != base.hash
    assert not any("lora" in k for k in tuned.prior.state_dict())
    shutil.copytree(folder, user_models_dir() / "mine")  # installed: found by name
    assert load_any_pack("mine").hash == tuned.hash
    assert load_any_pack("debug").hash == base.hash
    meta = json.loads((folder / "pack.json").read_text())
    meta["base"]["hash"] = "0" * 64
    (folder / "pack.json").write_text(json.dumps(meta))
    with pytest.raises(PackError, match="exact base pack"):
        load_lora_pack(folder)
    (folder / "prior_lora" / "adapter.safetensors").write_bytes(b"junk")
    with pytest.raises(PackError, match="damaged"):
        load_lora_pack(folder)
    with pytest.raises(PackError, match="not a LoRA pack"):
        load_lora_pack(tmp_path)
