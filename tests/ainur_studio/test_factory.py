"""Factory dispatch, config round trips and the conditioned prior's conditions."""

from __future__ import annotations

import pytest
import torch

from ainur_studio.models.factory import create_model_from_config, load_config
from ainur_studio.models.prior import Prior, create_prior_from_config
from ainur_studio.types import LyricLine, Lyrics
from tests.ainur_studio.debug_pack import shared_debug_pack


@pytest.fixture(scope="module")
def pack():
    return shared_debug_pack()


@pytest.mark.parametrize("name,cls", [("autoencoder_debug", "AudioAutoencoder"),
                                      ("prior_debug", "Prior"),
                                      ("clasp_debug", "Clasp")])
def test_dispatch_on_type(name, cls):
    assert type(create_model_from_config(load_config(name))).__name__ == cls


def test_prior_and_text_encoder_types():
    unet = dict(load_config("prior_debug")["config"]["unet"], type="unet_v0", in_channels=8,
                context_channels=[0, 0, 0])
    assert type(create_model_from_config(unet)).__name__ == "UNetV0"
    enc = create_model_from_config(load_config("pack_debug")["text_encoder"])
    emb, mask = enc(["hi", "there"], max_length=8)
    assert emb.shape[0] == 2 and mask.dtype == torch.bool


@pytest.mark.parametrize("cfg,match", [({}, "'type' key"), ({"type": "gan"}, "unknown model type 'gan'"),
                                       ({"type": "prior"}, "not a latent diffusion")])
def test_bad_configs(cfg, match):
    with pytest.raises(ValueError, match=match):
        create_model_from_config(cfg)


def test_context_channels_must_match_the_conditioners():
    cfg = load_config("prior_debug")
    cfg["config"]["unet"]["context_channels"] = [3, 0, 0]
    with pytest.raises(ValueError, match=r"fix: set unet.context_channels to \[15, 0, 0\]"):
        create_prior_from_config(cfg)


def test_shipped_configs_build_on_the_meta_device():
    for name in ("small", "base", "ainur"):
        with torch.device("meta"):
            model = create_prior_from_config(load_config(f"prior_{name}"))
        assert isinstance(model, Prior)
    assert model.unet.context_channels == [0, 0, 1, 0, 0, 0]  # Ainur: CLASP at depth 2


def test_config_round_trip_gives_identical_outputs(pack):
    """diffusers-style: rebuild from the config, load the state, get the same output."""
    cfg = pack.configs["prior"]
    a = pack.prior
    b = create_prior_from_config(cfg)
    b.load_state_dict(a.state_dict())
    b.attach_text_encoder(pack.text_encoder)
    b.eval()
    x, s = torch.randn(2, a.net_channels, 48), torch.tensor([0.3, 0.9])
    kw = a.branch(a.conditions(texts=["a", "b"], n_frames=48))
    assert torch.equal(a.predict_v(x, s, **kw), b.predict_v(x, s, **kw))


def test_branches_swap_in_the_nulls(pack):
    m = pack.prior
    lyrics = Lyrics(lines=[LyricLine(0, "la la"), LyricLine(500, "")])
    cond = m.conditions(texts=["song"], n_frames=48, lyrics=[lyrics],
                        clasp=torch.nn.functional.normalize(torch.randn(1, 32), dim=-1))
    full, none = m.branch(cond), m.branch(cond, text=False, clasp=False)
    null = m.unet.null_embedding(1, m.text_max_length)
    assert torch.equal(none["embedding"], null) and none["embedding_mask"].all()
    assert not torch.equal(full["embedding"], null)
    track = cond.track[0]
    singing = track[m.lyrics_track.channels]
    fr = m.frame_rate
    assert singing[: int(0.45 * fr)].eq(1).all() and singing[int(0.55 * fr):].eq(0).all()
    assert track[-1].eq(1).all()  # lyrics known
    assert not torch.equal(full["channels"][0], none["channels"][0])
    n_clasp, n_track = m.clasp.channels, m.lyrics_track.out_channels
    expected = m.clasp(m.clasp.null.expand(1, -1), 48)
    assert torch.equal(none["channels"][0][:, :n_clasp], expected)
    assert none["channels"][0][:, n_clasp: n_clasp + n_track].eq(0).all()


def test_training_losses_backpropagate(pack):
    model = create_prior_from_config(pack.configs["prior"])
    model.attach_text_encoder(pack.text_encoder)
    batch = {"latents": torch.rand(2, model.net_channels, 16) * 2 - 1, "texts": ["a", "b"],
             "lyrics": [Lyrics(lines=[LyricLine(0, "oh")]), None],
             "clasp": torch.randn(2, 32)}
    out = model.training_losses(batch)
    out["loss"].backward()
    assert torch.isfinite(out["loss"])
    assert model.lyrics_track.proj.weight.grad is not None
    assert model.clasp.null.grad is not None or model.clasp.proj.weight.grad is not None
    with pytest.raises(ValueError, match="multiple of 4"):
        model.training_losses({**batch, "latents": torch.rand(2, model.net_channels, 15)})


def test_ainur_layout_injects_the_raw_clasp_vector_at_depth_2(pack):
    cfg = load_config("prior_debug")
    cfg["config"].update(clasp={"features": 16, "channels": 1, "layout": "ainur", "depth": 2},
                         lyrics_track=None, fixed_frames=64, stems=None, structure_track=None)
    model = create_prior_from_config(cfg)
    model.attach_text_encoder(pack.text_encoder)
    assert model.unet.context_channels == [0, 0, 1] and model.padded_frames(10) == 64
    vec = torch.randn(2, 16)
    kw = model.branch(model.conditions(texts=["a", "b"], n_frames=64, clasp=vec))
    assert kw["channels"][0] is None and kw["channels"][1] is None
    assert torch.equal(kw["channels"][2], vec[:, None, :])
    assert model.predict_v(torch.randn(2, 32, 64), torch.rand(2), **kw).shape == (2, 32, 64)
