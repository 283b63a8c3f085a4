"""Style strength of a fine-tuned pack: the LoRA scale set through peft before merging. 0 is
the base pack bit for bit, 0.5 lies between, 2 doubles the update; packs that are not LoRA
packs, and strengths outside 0..2, are refused by code."""

from __future__ import annotations

import pytest
import torch

from ainur_studio.errors import GenerationError
from ainur_studio.inference.generate import generate
from ainur_studio.limits import request_problems
from ainur_studio.models.pretrained import load_pack
from ainur_studio.training.export import load_any_pack, load_lora_pack
from ainur_studio.types import GenerationRequest
from tests.ainur_studio.tiny_lora import tiny_lora_pack

REQUEST = GenerationRequest(prompt="tone 1, warm synth pad", duration_s=1.0, seed=5, steps=4,
                            model="x")


@pytest.fixture(scope="module")
def lora(tmp_path_factory):
    return tiny_lora_pack(tmp_path_factory.mktemp("style"))


def at(strength: float):
    """REQUEST at `strength` (a pack is loaded at the strength its requests ask for)."""
    import dataclasses

    return dataclasses.replace(REQUEST, style_strength=strength)


def _weights(pack) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in pack.prior.unet.state_dict().items()}


def test_strength_zero_is_the_base_pack_bit_for_bit(lora):
    base, zero = load_pack("debug-mix"), load_lora_pack(lora, strength=0.0)
    assert _weights(zero).keys() == _weights(base).keys()
    assert all(torch.equal(w, _weights(base)[k]) for k, w in _weights(zero).items())
    assert torch.equal(generate(at(0.0), zero).audio[0], generate(REQUEST, base).audio[0])


def test_half_strength_lies_between_and_two_doubles_the_update(lora):
    w0 = _weights(load_pack("debug-mix"))
    packs = {s: load_lora_pack(lora, strength=s) for s in (0.5, 1.0, 2.0)}
    w = {s: _weights(p) for s, p in packs.items()}
    changed = [k for k in w0 if not torch.equal(w[1.0][k], w0[k])]
    assert changed  # the fine-tune moved some weights
    for k in changed:
        update = w[1.0][k] - w0[k]
        torch.testing.assert_close(w[0.5][k] - w0[k], 0.5 * update, rtol=1e-4, atol=1e-6)
        torch.testing.assert_close(w[2.0][k] - w0[k], 2.0 * update, rtol=1e-4, atol=1e-6)
    base = generate(REQUEST, load_pack("debug-mix")).audio[0]
    half, full = (generate(at(s), packs[s]).audio[0] for s in (0.5, 1.0))
    scale = base.abs().max()
    assert (half - base).abs().max() > 1e-4 * scale and (half - full).abs().max() > 1e-4 * scale


def test_a_strength_other_than_one_is_another_hash(lora):
    as_trained = load_lora_pack(lora)
    assert load_lora_pack(lora, strength=1.0).hash == as_trained.hash
    half = load_lora_pack(lora, strength=0.5)
    assert half.hash != as_trained.hash and half.info["style_strength"] == 0.5
    assert half.name == as_trained.name


def test_load_any_pack_passes_the_strength_and_refuses_it_for_other_packs(lora):
    assert load_any_pack(lora, strength=0.5).hash == load_lora_pack(lora, strength=0.5).hash
    with pytest.raises(GenerationError) as info:
        load_any_pack("debug-mix", strength=0.5)
    assert info.value.code == "no_style_strength"
    assert "'debug-mix' is not a fine-tune (LoRA pack)" in info.value.plain
    assert load_any_pack("debug-mix", strength=1.0).name == "debug-mix"
    for bad in (-0.1, 2.5, float("nan")):
        with pytest.raises(GenerationError) as info:
            load_lora_pack(lora, strength=bad)
        assert info.value.code == "bad_style_strength"


def test_the_request_limit_names_the_field_and_range():
    assert request_problems(GenerationRequest(style_strength=2.0)) == []
    (problem,) = request_problems(GenerationRequest(style_strength=2.5))
    assert problem.code == "bad_style_strength"
    assert problem.plain == "style_strength must be a number from 0 to 2, got 2.5"
    assert GenerationRequest.from_dict({"prompt": "x"}).style_strength == 1.0  # older requests
    assert GenerationRequest.from_dict({"style_strength": 0}).style_strength == 0.0


def test_generate_refuses_a_pack_loaded_at_another_strength():
    import pytest

    from ainur_studio.errors import GenerationError
    from ainur_studio.inference.generate import generate
    from ainur_studio.types import GenerationRequest
    from tests.ainur_studio.debug_pack import shared_mix_pack

    with pytest.raises(GenerationError, match="loaded at style strength 1, the request asks "
                                              "for 0.5"):
        generate(GenerationRequest(prompt="x", duration_s=1.0, style_strength=0.5),
                 shared_mix_pack())
