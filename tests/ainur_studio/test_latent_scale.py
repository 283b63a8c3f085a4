"""The prior's latent scale: training sees `scale * z`, generation hands `z = x / scale` to the
decoder and edits encode into the scaled space."""

from __future__ import annotations

import copy
import math

import pytest
import torch

from ainur_studio.inference.audio import decode, encode
from ainur_studio.inference.context import RunContext, SamplingSettings
from ainur_studio.models.factory import create_model_from_config, load_config
from ainur_studio.training.recipes.prior_objective import PriorObjective
from tests.ainur_studio.debug_pack import shared_debug_pack


def prior(scale: float | None) -> torch.nn.Module:
    cfg = copy.deepcopy(load_config("prior_debug"))
    if scale is not None:
        cfg["config"]["latent_scale"] = scale
    torch.manual_seed(0)
    return create_model_from_config(cfg)


@pytest.mark.parametrize("bad", [0.0, -1.0, math.nan, math.inf])
def test_a_bad_scale_is_refused(bad):
    with pytest.raises(ValueError, match="latent_scale must be a positive number"):
        prior(bad)


def test_default_scale_is_one_and_round_trips():
    assert prior(None).latent_scale == 1.0
    model, z = prior(2.5), torch.randn(2, 32, 16)
    assert torch.allclose(model.to_prior(z), z * 2.5)
    assert torch.allclose(model.from_prior(model.to_prior(z)), z)


def test_training_sees_the_scaled_latents():
    pack = shared_debug_pack()
    scaled, plain = prior(3.0), prior(1.0)
    plain.load_state_dict(scaled.state_dict())
    for model in (scaled, plain):
        model.attach_text_encoder(pack.text_encoder)
    z = torch.randn(2, pack.prior.net_channels, 32) * 0.3
    losses = []
    for model, latents in ((scaled, z), (plain, z * 3.0)):
        torch.manual_seed(1)
        losses.append(model.training_losses({"latents": latents, "texts": ["a", "b"]})["loss"])
    assert torch.allclose(losses[0], losses[1])
    emb, mask = pack.text_encoder(["a", "b"], max_length=8)
    batch = {"embedding": emb, "mask": mask, "lyrics": [None, None]}
    objective_losses = []
    for model, latents in ((scaled, z), (plain, z * 3.0)):
        torch.manual_seed(2)
        objective_losses.append(PriorObjective(model).training_losses(
            {**batch, "latents": latents})["loss"])
    assert torch.allclose(objective_losses[0], objective_losses[1])
    torch.manual_seed(1)
    assert not torch.allclose(losses[0], plain.training_losses(
        {"latents": z, "texts": ["a", "b"]})["loss"])


def test_inference_encodes_into_and_decodes_out_of_the_scaled_space(monkeypatch):
    pack = copy.copy(shared_debug_pack())
    pack.prior = copy.deepcopy(pack.prior)
    pack.prior.latent_scale = 4.0
    ctx = RunContext(pack=pack, device=torch.device("cpu"),
                     settings=SamplingSettings("dpmpp-2m", "karras", 2, 1.0, 1.0))
    wav = torch.randn(2, 4096) * 0.1
    with torch.inference_mode():
        z = pack.autoencoder.encode(wav[None])
        assert torch.allclose(encode(ctx, wav), z * 4.0)
        want = pack.autoencoder.decode(z)[..., :4096]
    assert torch.allclose(decode(ctx, z * 4.0, 4096), want, atol=1e-6)
