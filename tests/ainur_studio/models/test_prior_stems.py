"""A prior with stems: the channel layout, its config, and training on stem batches."""

from __future__ import annotations

import pytest
import torch

from ainur_studio.models.factory import load_config
from ainur_studio.models.prior import create_prior_from_config
from ainur_studio.models.stems import channel_mask, join_stems, mix_stems, silent_latent
from ainur_studio.structure import STEM_ROLES
from ainur_studio.types import NoteEvent, Structure
from tests.ainur_studio.debug_pack import shared_debug_pack


def stems_prior(**changes):
    cfg = load_config("prior_debug")
    cfg["config"].update(changes)
    model = create_prior_from_config(cfg)
    model.attach_text_encoder(shared_debug_pack().text_encoder)
    return model


def test_the_debug_prior_makes_five_stems_of_the_autoencoder_latent():
    pack = shared_debug_pack()
    prior = pack.prior
    assert prior.roles == STEM_ROLES and prior.has_stems and prior.stem_count == 5
    assert prior.latent_channels == pack.autoencoder.latent_channels == 32
    assert prior.net_channels == prior.unet.in_channels == prior.unet.out_channels == 160
    assert prior.stem_slice("bass") == slice(32, 64)


def test_split_and_join_are_inverse_and_grouped_by_role():
    prior = shared_debug_pack().prior
    x = torch.randn(2, 160, 8)
    stems = prior.split_stems(x)
    assert stems.shape == (2, 5, 32, 8) and torch.equal(prior.join_stems(stems), x)
    assert torch.equal(stems[:, 1], x[:, prior.stem_slice("bass")])
    mask = prior.channel_mask(["bass", "vocals"])
    assert mask.shape == (1, 160, 1) and mask.sum() == 64 and mask[0, 32:64].all()
    assert torch.equal(channel_mask(prior.roles, [], 32), torch.zeros(1, 160, 1, dtype=torch.bool))


def test_mix_is_the_sum_in_role_order():
    stems = {"bass": torch.randn(2, 10), "drums": torch.randn(2, 10)}
    assert torch.equal(mix_stems(stems), stems["drums"] + stems["bass"])
    assert mix_stems(stems) is not stems["drums"]


@pytest.mark.parametrize("roles,match", [(["drums", "guitar"], "unknown role"),
                                         (["bass", "drums"], "in the order of STEM_ROLES"),
                                         (["bass", "bass"], "in the order of STEM_ROLES")])
def test_bad_stem_roles_are_named(roles, match):
    with pytest.raises(ValueError, match=match):
        stems_prior(stems={"roles": roles})


def test_a_config_without_stems_is_mix_only():
    prior = stems_prior(stems=None, structure_track=None)
    assert prior.roles == () and not prior.has_stems and prior.net_channels == 32
    assert prior.unet.context_channels == [11, 0, 0]  # CLASP 4 + lyrics track 7


def test_silent_latent_is_the_encoding_of_silence():
    ae = shared_debug_pack().autoencoder
    z = silent_latent(ae, 6)
    assert z.shape == (32, 6)
    assert torch.equal(z, ae.encode(torch.zeros(1, 2, 6 * 1024))[0])


def batch(prior, b=2, frames=16):
    structures = [Structure(bpm=100.0, chords=["Am", "F"], parts=["drums", "bass"],
                            notes={"bass": [NoteEvent(45, 0.0, 0.2)]}), None]
    return {"latents": torch.rand(b, prior.net_channels, frames) * 2 - 1, "texts": ["a", "b"],
            "structure": structures[:b],
            "parts": torch.tensor([[True, True, False, False, False],
                                   [False, False, True, True, True]])[:b]}


def test_training_losses_on_a_stem_batch_backpropagate():
    prior = stems_prior()
    out = prior.training_losses(batch(prior))
    out["loss"].backward()
    assert torch.isfinite(out["loss"])
    assert prior.structure_track.proj.weight.grad.abs().sum() > 0
    assert prior.unet.blocks[0].to_out.weight.grad is not None


def test_structure_dropout_nulls_every_group():
    prior = stems_prior(structure_track={"channels": 4, "dropout": 1.0})
    prior.training_losses(batch(prior))["loss"].backward()
    assert prior.structure_track.proj.weight.grad.abs().sum() == 0  # the track saw zeros
    assert prior.structure_track.proj.bias.grad.abs().sum() > 0


def test_mix_latents_for_a_stems_prior_are_refused_with_the_layout():
    prior = stems_prior()
    with pytest.raises(ValueError, match=r"32 channels; this prior expects 160: 5 stems"):
        prior.training_losses({"latents": torch.rand(2, 32, 16), "texts": ["a", "b"]})


def test_stems_of_one_clip_stack_into_the_training_layout():
    stems = torch.randn(1, 5, 32, 16)  # (B, S, C, L): one latent per role
    latents = join_stems(stems)
    assert latents.shape == (1, 160, 16) and torch.equal(latents[0, 32:64], stems[0, 1])


# the hash of the built-in debug pack before its prior made stems (commit e62d547)
MIX_DEBUG_HASH = "03501fae06991f4c8b12930d0a8d4694f5518c786d89d6cba5dfee06654a725e"


def test_debug_mix_is_the_debug_pack_as_it_was_before_stems():
    """Same configs and seed, so the same weights and hash: LoRA packs and runs made on the
    mix-only debug pack fit "debug-mix" (its generations were compared bit for bit, every
    task, with the code before stems)."""
    from tests.ainur_studio.debug_pack import shared_mix_pack

    mix = shared_mix_pack()
    assert mix.hash == MIX_DEBUG_HASH and mix.name == "debug-mix"
    assert mix.prior.roles == () and mix.prior.structure_track is None
    assert shared_debug_pack().hash != MIX_DEBUG_HASH
