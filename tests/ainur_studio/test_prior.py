"""The latent prior: parity with the published UNetV0 and our additions around it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file

from ainur_studio.models.unet import (
    AINUR_PRIOR_ARGS,
    UNetV0,
    convert_text_conditioned_state_dict,
    count_parameters,
    create_unet_from_config,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "prior_parity"
TOLERANCE = 1e-5


def load_reference(name: str) -> tuple[UNetV0, dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Our prior with the reference weights, the reference state dict and its inputs/outputs."""
    path = FIXTURES / f"{name}.safetensors"
    with safe_open(str(path), framework="pt") as f:
        config = json.loads(f.metadata()["config"])
    state = load_file(str(path))
    model = create_unet_from_config(config).eval()
    model.load_state_dict(state, strict=True)
    return model, state, load_file(str(FIXTURES / f"{name}_io.safetensors"))


def max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    assert a.shape == b.shape
    return (a - b).abs().max().item()


@pytest.fixture(scope="module")
def main_ref():
    return load_reference("main")


@pytest.mark.parametrize("name", ["main", "plain"])
def test_state_dict_keys_and_shapes_equal_reference(name):
    model, state, _ = load_reference(name)
    ours = model.state_dict()
    assert sorted(ours) == sorted(state)  # safetensors stores keys sorted
    assert all(ours[k].shape == state[k].shape for k in state)


@torch.no_grad()
def test_outputs_match_reference(main_ref):
    model, _, io = main_ref
    x, time, emb, channels = io["x"], io["time"], io["embedding"], [None, io["context"]]
    scale = io["cfg_scale"].item()
    assert scale != 1.0
    cases = {
        "out": model(x, time, embedding=emb, channels=channels),
        "out_cfg": model(x, time, embedding=emb, embedding_scale=scale, channels=channels),
        "out_cfg_short": model(x, time, embedding=emb[:, :2], embedding_scale=2.0,
                               channels=channels),
        "out_dropped": model(x, time, embedding=emb, embedding_mask_proba=1.0,
                             channels=channels),
    }
    for key, out in cases.items():
        assert max_diff(out, io[key]) <= TOLERANCE, key
    assert max_diff(io["out"], io["out_cfg"]) > 1e-3  # guidance really changes the output


@torch.no_grad()
def test_plain_outputs_match_reference():
    model, _, io = load_reference("plain")
    out = model(io["x"], io["time"], embedding=io["embedding"])
    assert out.shape[1] == 5
    assert max_diff(out, io["out"]) <= TOLERANCE


def test_published_text_conditioned_keys_convert_to_ours(main_ref):
    model, _, _ = main_ref
    keys = json.loads((FIXTURES / "text_conditioned_keys.json").read_text())
    assert any(k.startswith("blocks.2.blocks.0.transformer.") for k in keys)
    published = {"prior.net." + k: torch.zeros(1) for k in keys}
    assert list(convert_text_conditioned_state_dict(published)) == list(model.state_dict())
    ours = model.state_dict()
    assert convert_text_conditioned_state_dict(ours).keys() == ours.keys()


@torch.no_grad()
def test_batched_guidance_equals_two_passes_with_null_embedding(main_ref):
    model, _, io = main_ref
    x, time, emb, channels = io["x"], io["time"], io["embedding"], [None, io["context"]]
    null = model.null_embedding(2, 3)
    assert null.shape == (2, 3, 6)
    cond = model(x, time, embedding=emb, channels=channels)
    uncond = model(x, time, embedding=null, channels=channels)
    guided = model(x, time, embedding=emb, embedding_scale=4.0, channels=channels)
    assert max_diff(guided, uncond + 4.0 * (cond - uncond)) <= TOLERANCE


@torch.no_grad()
def test_embedding_mask_hides_padding_tokens(main_ref):
    model, _, io = main_ref
    x, time, emb, channels = io["x"], io["time"], io["embedding"], [None, io["context"]]
    all_real = torch.ones(2, 3, dtype=torch.bool)
    mask = torch.tensor([[True, True, False], [True, False, False]])
    plain = model(x, time, embedding=emb, channels=channels)
    assert max_diff(model(x, time, embedding=emb, embedding_mask=all_real, channels=channels),
                    plain) <= TOLERANCE
    masked = model(x, time, embedding=emb, embedding_mask=mask, channels=channels)
    assert max_diff(masked, plain) > 1e-4
    junk = torch.where(mask[:, :, None], emb, torch.randn_like(emb) * 100)
    for scale in (1.0, 3.0):
        a = model(x, time, embedding=emb, embedding_mask=mask, embedding_scale=scale,
                  channels=channels)
        b = model(x, time, embedding=junk, embedding_mask=mask, embedding_scale=scale,
                  channels=channels)
        assert max_diff(a, b) <= TOLERANCE


def test_embedding_mask_errors(main_ref):
    model, _, io = main_ref
    x, time, emb, channels = io["x"], io["time"], io["embedding"], [None, io["context"]]
    with pytest.raises(TypeError, match="bool"):
        model(x, time, embedding=emb, embedding_mask=torch.ones(2, 3), channels=channels)
    with pytest.raises(ValueError, match="does not match"):
        model(x, time, embedding=emb, embedding_mask=torch.ones(2, 2, dtype=torch.bool),
              channels=channels)
    empty_row = torch.tensor([[True, False, False], [False, False, False]])
    with pytest.raises(ValueError, match="no real token"):
        model(x, time, embedding=emb, embedding_mask=empty_row, channels=channels)


def test_condition_dropout_keeps_masked_rows_valid(main_ref):
    model, _, io = main_ref
    x, time, emb, channels = io["x"], io["time"], io["embedding"], [None, io["context"]]
    mask = torch.tensor([[True, False, False], [True, True, True]])
    with torch.no_grad():
        dropped = model(x, time, embedding=emb, embedding_mask=mask, embedding_mask_proba=1.0,
                        channels=channels)
    # dropped rows use every null token, as the published model does
    assert max_diff(dropped, io["out_dropped"]) <= TOLERANCE


def test_input_validation_names_the_fix(main_ref):
    model, _, io = main_ref
    time, emb, context = io["time"], io["embedding"], io["context"]
    with pytest.raises(ValueError, match="multiple of 4.*20 or 16"):
        model(torch.randn(2, 4, 18), time, embedding=emb, channels=[None, context])
    with pytest.raises(ValueError, match=r"\[B, 4, L\]"):
        model(torch.randn(2, 3, 16), time, embedding=emb, channels=[None, context])
    with pytest.raises(ValueError, match="depth 1 but none"):
        model(io["x"], time, embedding=emb)
    with pytest.raises(ValueError, match="expected"):
        model(io["x"], time, embedding=emb, channels=[None, context[:, :1]])
    with pytest.raises(ValueError, match="needs embedding"):
        model(io["x"], time, channels=[None, context])
    with pytest.raises(ValueError, match="time must have shape"):
        model(io["x"], torch.rand(3), embedding=emb, channels=[None, context])
    with pytest.raises(ValueError, match="outside 1..3"):
        model(io["x"], time, embedding=torch.randn(2, 4, 6), embedding_scale=2.0,
              channels=[None, context])


def test_scalar_time_is_broadcast(main_ref):
    model, _, io = main_ref
    channels = [None, io["context"]]
    with torch.no_grad():
        a = model(io["x"], torch.tensor(0.3), embedding=io["embedding"], channels=channels)
        b = model(io["x"], torch.full((2,), 0.3), embedding=io["embedding"], channels=channels)
    assert torch.equal(a, b)


def test_length_multiple_is_product_of_factors():
    assert UNetV0(**AINUR_PRIOR_ARGS | {"channels": [8] * 6, "attentions": [0] * 6,
                                        "cross_attentions": [0] * 6, "items": [1] * 6,
                                        "use_embedding_cfg": False}).length_multiple == 32


def test_factory_rejects_unknown_keys_and_ignores_type():
    cfg = {"type": "unet_v0", "in_channels": 2, "channels": [8], "factors": [2], "items": [1]}
    model = create_unet_from_config(cfg)
    assert model(torch.randn(1, 2, 6), torch.rand(1)).shape == (1, 2, 6)
    with pytest.raises(ValueError, match="unknown keys.*chanels"):
        create_unet_from_config(cfg | {"chanels": [8]})
    with pytest.raises(ValueError, match="one entry per depth"):
        create_unet_from_config(cfg | {"items": [1, 1]})
    with pytest.raises(ValueError, match="use_text_conditioning"):
        create_unet_from_config(cfg | {"use_text_conditioning": True})
    with pytest.raises(ValueError, match="resnet_groups"):
        create_unet_from_config(cfg | {"channels": [12]})
    with pytest.raises(ValueError, match="use_embedding_cfg"):
        model(torch.randn(1, 2, 6), torch.rand(1), embedding_scale=3.0)


TINY = {"in_channels": 2, "channels": [4], "factors": [2], "items": [1], "attentions": [1],
        "cross_attentions": [1], "context_channels": [1], "attention_heads": 1,
        "attention_features": 2, "embedding_features": 3, "embedding_max_length": 2,
        "use_embedding_cfg": True, "resnet_groups": 2, "modulation_features": 4}


def tiny_inputs() -> dict:
    torch.manual_seed(0)
    return {"x": torch.randn(2, 2, 8), "time": torch.rand(2),
            "embedding": torch.randn(2, 2, 3),
            "embedding_mask": torch.tensor([[True, False], [True, True]]),
            "channels": [torch.randn(2, 1, 4)]}


def test_training_step_reaches_every_parameter_including_null_tokens():
    model = create_unet_from_config(TINY)
    inputs = tiny_inputs()
    x, time = inputs.pop("x"), inputs.pop("time")
    model(x, time, embedding_mask_proba=1.0, **inputs).square().mean().backward()
    assert model.blocks[2].blocks[0].blocks[0].weight.grad.abs().sum() > 0
    model.zero_grad()
    model(x, time, **inputs).square().mean().backward()
    assert all(p.grad is not None for p in model.parameters() if p is not
               model.blocks[2].blocks[0].blocks[0].weight)


@pytest.mark.slow
def test_traces_as_one_graph_under_torch_compile():
    model = create_unet_from_config(TINY).eval()
    inputs = tiny_inputs()
    compiled = torch.compile(model, backend="eager", fullgraph=True)  # fails on graph breaks
    x, time = inputs.pop("x"), inputs.pop("time")
    with torch.no_grad():
        out = compiled(x, time, embedding_scale=3.0, **inputs)
        assert max_diff(out, model(x, time, embedding_scale=3.0, **inputs)) <= TOLERANCE


def test_ainur_configuration_parameter_count():
    with torch.device("meta"):
        model = UNetV0(**AINUR_PRIOR_ARGS)
    assert count_parameters(model) == 563_609_920
    assert sum(v.numel() for v in model.state_dict().values()) == 564_659_520  # ref doc ~564.7 M
    assert model.length_multiple == 32
    assert model.context_channels == [0, 0, 1, 0, 0, 0]


@pytest.mark.parametrize("mode", ["bf16_weights", "autocast"])
def test_runs_in_bfloat16_close_to_float32(mode):
    model = create_unet_from_config(TINY).eval()
    inputs = tiny_inputs()
    x, time = inputs.pop("x"), inputs.pop("time")
    with torch.no_grad():
        ref = model(x, time, embedding_scale=3.0, **inputs)
        if mode == "autocast":
            with torch.autocast("cpu", dtype=torch.bfloat16):
                out = model(x, time, embedding_scale=3.0, **inputs)
        else:
            half = {k: v.to(torch.bfloat16) if v.is_floating_point() else v
                    for k, v in inputs.items() if k != "channels"}
            model = model.to(torch.bfloat16)
            out = model(x.to(torch.bfloat16), time, embedding_scale=3.0,
                        channels=[c.to(torch.bfloat16) for c in inputs["channels"]], **half)
            assert out.dtype == torch.bfloat16
    assert out.float().sub(ref).abs().max() <= 0.05 * ref.abs().max()
