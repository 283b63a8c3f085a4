"""Stage-1 autoencoder: shapes, bounds, chunked decoding, learning, configs."""

from __future__ import annotations

import math

import pytest
import torch

from ainur_studio.models.autoencoder import (
    AudioAutoencoder,
    LatentDecoder,
    chunk_spans,
    create_autoencoder_from_config,
    crossfade_ramp,
    load_autoencoder_config,
    with_mid_side,
)
from tests.ainur_studio.script_module import load_script

RATIO = 1024


def _debug(seed: int = 0) -> AudioAutoencoder:
    torch.manual_seed(seed)
    return create_autoencoder_from_config(load_autoencoder_config("debug")).eval()



@pytest.fixture(scope="module")
def ae() -> AudioAutoencoder:
    return _debug()


def _chord(samples: int, batch: int = 1) -> torch.Tensor:
    t = torch.arange(samples) / 48_000
    left = sum(torch.sin(2 * math.pi * f * t) for f in (220.0, 277.2, 329.6)) / 4
    right = 0.5 * torch.sin(2 * math.pi * 440.0 * t)
    return torch.stack([left, right])[None].repeat(batch, 1, 1)  # (B, 2, T)


def test_public_attributes(ae):
    assert (ae.sample_rate, ae.audio_channels, ae.latent_channels, ae.downsampling_ratio) == (
        48_000, 2, 32, RATIO)
    assert 2 * RATIO / ae.latent_channels >= 64  # compression
    assert isinstance(ae.decoder, LatentDecoder)


@pytest.mark.parametrize("samples", [1, 1000, RATIO, RATIO + 1, 5 * RATIO - 7])
def test_encode_decode_shapes(ae, samples):
    wav = 0.1 * torch.randn(2, 2, samples)
    with torch.inference_mode():
        z = ae.encode(wav)
        frames = math.ceil(samples / RATIO)
        assert z.shape == (2, 32, frames) == (2, 32, ae.latent_frames(samples))
        assert ae.decode(z).shape == (2, 2, frames * RATIO)


def test_latent_is_bounded_even_for_loud_input(ae):
    with torch.inference_mode():
        z = ae.encode(50.0 * torch.randn(1, 2, 4 * RATIO))
    assert z.abs().max() <= 1.0 and torch.isfinite(z).all()


def test_encode_is_per_clip_and_deterministic(ae):
    a, b = _chord(3 * RATIO), 0.3 * torch.randn(1, 2, 3 * RATIO)
    with torch.inference_mode():
        alone = ae.encode(a)
        batched = ae.encode(torch.cat([a, b]))
        assert torch.allclose(batched[:1], alone, atol=1e-5)
        assert torch.equal(ae.encode(a), alone)
        z = torch.rand(1, 32, 6) * 2 - 1
        assert torch.equal(ae.decode(z), ae.decode(z))
        assert torch.equal(_debug(seed=3).decode(z), _debug(seed=3).decode(z))
        assert not torch.equal(_debug(seed=4).decode(z), _debug(seed=3).decode(z))


def test_half_precision_model_runs_with_fp32_spectra():
    model = _debug().to(torch.bfloat16)
    with torch.inference_mode():
        z = model.encode(0.1 * torch.randn(1, 2, 3 * RATIO, dtype=torch.bfloat16))
        wav = model.decode_chunked(z, chunk_frames=2, overlap_frames=1)
    assert z.dtype == torch.bfloat16 and wav.shape == (1, 2, 3 * RATIO)
    assert torch.isfinite(wav).all()


def test_state_dict_round_trip_rebuilds_the_same_model(ae):
    clone = create_autoencoder_from_config(load_autoencoder_config("debug")).eval()
    clone.load_state_dict(ae.state_dict())
    z = torch.rand(1, 32, 5) * 2 - 1
    with torch.inference_mode():
        assert torch.equal(clone.decode(z), ae.decode(z))


def test_receptive_frames_bound_the_influence_of_a_frame(ae):
    z = torch.rand(1, 32, 40) * 2 - 1
    bumped = z.clone()
    bumped[..., 20] += 0.5
    with torch.inference_mode():
        diff = (ae.decode(bumped) - ae.decode(z)).abs().amax(dim=(0, 1)).reshape(40, RATIO)
    touched = (diff.amax(-1) > 0).nonzero().flatten()
    radius = ae.decoder.receptive_frames
    assert touched.min() >= 20 - radius and touched.max() <= 20 + radius
    assert touched.numel() > 1


@pytest.mark.parametrize(("frames", "chunk"), [(61, 34), (100, 40), (37, 37), (20, 64)])
def test_chunked_decode_equals_whole_decode(ae, frames, chunk):
    """Tolerance: 1e-5 absolute (float rounding) when overlap >= 2 * receptive_frames + 1."""
    overlap = min(2 * ae.decoder.receptive_frames + 1, chunk // 2)
    z = torch.rand(2, 32, frames) * 2 - 1
    with torch.inference_mode():
        whole = ae.decode(z)
        chunked = ae.decode_chunked(z, chunk_frames=chunk, overlap_frames=overlap)
    assert chunked.shape == whole.shape
    assert (chunked - whole).abs().max() <= 1e-5


def test_stream_yields_final_blocks_early(ae):
    z = torch.rand(1, 32, 50) * 2 - 1
    with torch.inference_mode():
        blocks = list(ae.decode_stream(z, chunk_frames=20, overlap_frames=6))
        chunked = ae.decode_chunked(z, chunk_frames=20, overlap_frames=6)
    assert [b.shape[-1] // RATIO for b in blocks] == [14, 14, 14, 8]
    assert torch.equal(torch.cat(blocks, dim=-1), chunked)


def test_short_overlap_is_approximate_but_seamless(ae):
    z = torch.rand(1, 32, 60) * 2 - 1
    with torch.inference_mode():
        whole = ae.decode(z)
        cut = ae.decode_chunked(z, chunk_frames=20, overlap_frames=0)
        faded = ae.decode_chunked(z, chunk_frames=20, overlap_frames=6)
    assert (faded - whole).abs().max() < (cut - whole).abs().max()


def test_chunk_spans_and_ramp():
    assert chunk_spans(10, chunk_frames=4, overlap_frames=1) == [(0, 4), (3, 7), (6, 10)]
    assert chunk_spans(3, chunk_frames=8, overlap_frames=2) == [(0, 3)]
    for length in range(1, 40):
        spans = chunk_spans(length, chunk_frames=9, overlap_frames=3)
        assert spans[0][0] == 0 and spans[-1][1] == length
        assert all(b[0] == a[1] - 3 for a, b in zip(spans, spans[1:], strict=False))
    with pytest.raises(ValueError, match="overlap_frames"):
        chunk_spans(10, chunk_frames=4, overlap_frames=3)
    ramp = crossfade_ramp(10, margin=2)
    assert ramp[:2].tolist() == [1.0, 1.0] and ramp[-2:].tolist() == [0.0, 0.0]
    assert torch.all(ramp[1:] <= ramp[:-1])
    assert torch.allclose(ramp + ramp.flip(0), torch.ones(10))


def test_mid_side_loss_sees_the_stereo_image(ae):
    wav = _chord(4 * RATIO)
    flipped = wav * torch.tensor([1.0, -1.0])[:, None]  # same magnitudes, R out of phase
    mid_side = torch.stack([wav.mean(1), (wav[:, 0] - wav[:, 1]) / 2], dim=1)
    assert torch.allclose(with_mid_side(wav), torch.cat([wav, mid_side], dim=1))
    assert ae.stft_loss(flipped, wav) < 1e-5
    assert ae.stft_loss(with_mid_side(flipped), with_mid_side(wav)) > 0.5


def test_training_losses_decrease():
    model = _debug(seed=1).train()
    wav = _chord(4 * RATIO)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    history = []
    for _ in range(10):
        losses = model.training_losses(wav)
        assert set(losses) >= {"loss", "stft", "mel", "latent"}
        opt.zero_grad()
        losses["loss"].backward()
        opt.step()
        history.append(losses["loss"].item())
    assert all(math.isfinite(v) for v in history)
    assert history[-1] < 0.8 * history[0]


class _RepeatDecoder(torch.nn.Module):
    """A stand-in decoder (as a diffusion decoder would be): any `LatentDecoder` plugs in."""

    audio_channels, latent_channels, downsampling_ratio, receptive_frames = 2, 32, RATIO, 0

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return z[:, :2].repeat_interleave(RATIO, dim=-1)


def test_any_latent_decoder_plugs_in(ae):
    model = AudioAutoencoder(encoder=ae.encoder, decoder=_RepeatDecoder(), sample_rate=48_000)
    z = torch.rand(1, 32, 30) * 2 - 1
    chunked = model.decode_chunked(z, chunk_frames=8, overlap_frames=2)
    assert torch.allclose(model.decode(z), chunked, atol=1e-6)
    with pytest.raises(ValueError, match="disagree on latent_channels"):
        bad = _RepeatDecoder()
        bad.latent_channels = 16
        AudioAutoencoder(encoder=ae.encoder, decoder=bad, sample_rate=48_000)


@pytest.mark.parametrize(("wav", "method"), [
    (torch.zeros(2, 4096), "encode"),
    (torch.zeros(1, 1, 4096), "encode"),
    (torch.zeros(1, 2, 0), "training_losses"),
    (torch.zeros(1, 16, 4), "decode"),
])
def test_bad_shapes_are_rejected(ae, wav, method):
    with pytest.raises(ValueError, match="expected"):
        getattr(ae, method)(wav)


def test_config_errors_are_specific():
    cfg = load_autoencoder_config("debug")
    with pytest.raises(ValueError, match="not an autoencoder config"):
        create_autoencoder_from_config({"type": "prior", "config": {}})
    bad = {**cfg, "config": {**cfg["config"], "decoder": {"type": "diffusion"}}}
    with pytest.raises(ValueError, match="unknown decoder type 'diffusion'"):
        create_autoencoder_from_config(bad)
    bad = {**cfg, "config": {**cfg["config"], "encoder": {**cfg["config"]["encoder"],
                                                           "widht": 3}}}
    with pytest.raises(ValueError, match="'encoder'.*widht"):
        create_autoencoder_from_config(bad)
    bad = {**cfg, "config": {**cfg["config"], "decoder": {**cfg["config"]["decoder"],
                                                           "upsample": 3}}}
    with pytest.raises(ValueError, match="must divide downsampling_ratio"):
        create_autoencoder_from_config(bad)
    with pytest.raises(ValueError, match="'debug', 'small' or 'base'"):
        load_autoencoder_config("huge")


@pytest.mark.parametrize("name", ["small", "base"])
def test_shipped_configs_build(name):
    torch.manual_seed(0)
    model = create_autoencoder_from_config(load_autoencoder_config(name)).eval()
    assert model.downsampling_ratio == RATIO and model.latent_channels == 32
    with torch.inference_mode():  # one latent frame: shorter than the largest STFT window
        assert model.decode(model.encode(0.1 * torch.randn(1, 2, 700))).shape == (1, 2, RATIO)
    params = sum(p.numel() for p in model.parameters())
    assert (2e6 < params < 2e7) if name == "small" else params > 2e7


def test_learning_check_and_bench_scripts_run():
    check = load_script("check_learning_autoencoder")
    clips = check.synthetic_clips(count=4, samples=4 * RATIO)
    assert clips.shape == (4, 2, 4 * RATIO) and clips.abs().max() <= 1.0
    result = check.check_learning_autoencoder(seconds=0.5, clips=4)
    assert result["steps"] >= 1 and isinstance(result["passed"], bool)
    assert all(math.isfinite(result[k]) for k in result if k.startswith("mrstft"))
    bench = load_script("bench_autoencoder").bench_decoder("debug", runs=1, samples=16 * RATIO)
    assert bench["rtf"] > 0 and bench["gflop_per_audio_s"] > 0
