"""Spectral front-ends and reconstruction losses."""

from __future__ import annotations

import math

import pytest
import torch

from ainur_studio.audio.features import (
    LOG_EPS,
    LogMelSpectrogram,
    StftMagnitude,
    log_mel_spectrogram,
    stft_magnitude,
)
from ainur_studio.audio.losses import (
    MultiResolutionMelLoss,
    MultiResolutionStftLoss,
    spectral_convergence,
)
from ainur_studio.modules.istft import SameISTFT

RATE = 48_000



def _sine(freq: float, samples: int = 8192) -> torch.Tensor:
    return torch.sin(2 * math.pi * freq * torch.arange(samples) / RATE)


def test_stft_shapes_and_peak_bin():
    wav = torch.stack([_sine(1500.0), _sine(3000.0)])[None]  # (1, 2, T)
    mag = stft_magnitude(wav, n_fft=1024, hop_length=256)
    assert mag.shape == (1, 2, 513, 8192 // 256 + 1)
    peak = mag[0, :, :, 10].argmax(dim=-1) * RATE / 1024
    assert peak.tolist() == [1500.0, 3000.0]
    assert torch.allclose(StftMagnitude(n_fft=1024, hop_length=256)(wav), mag)


def test_log_mel_is_per_clip():
    loud, quiet = _sine(440.0), 0.01 * _sine(880.0)
    mel = LogMelSpectrogram(sample_rate=RATE, n_fft=1024, hop_length=256, n_mels=64)
    alone = mel(quiet[None])
    in_batch = mel(torch.stack([loud, quiet]))
    assert alone.shape == (1, 64, 33)
    assert torch.allclose(in_batch[1:], alone, atol=1e-5)  # no batch statistics
    assert torch.allclose(log_mel_spectrogram(quiet[None], sample_rate=RATE, n_fft=1024,
                                              hop_length=256, n_mels=64), alone)


def test_log_mel_floor_and_scaling():
    mel = LogMelSpectrogram(sample_rate=RATE, n_fft=512, hop_length=128, n_mels=32)
    silent = mel(torch.zeros(1, 4096))
    assert torch.allclose(silent, torch.full_like(silent, math.log(LOG_EPS)))
    x = 0.1 * _sine(1000.0, 4096)[None]
    peak = mel(x).amax()
    assert torch.allclose(mel(2 * x).amax() - peak, torch.tensor(math.log(2.0)), atol=1e-4)


def test_same_istft_inverts_a_same_padded_stft():
    n_fft, hop = 1024, 256
    istft = SameISTFT(n_fft=n_fft, hop_length=hop)
    x = torch.randn(3, 40 * hop)
    pad = (n_fft - hop) // 2
    frames = torch.nn.functional.pad(x, (pad, pad)).unfold(-1, n_fft, hop) * istft.window
    y = istft(torch.fft.rfft(frames, dim=-1))
    assert y.shape == x.shape
    assert (y - x).abs().max() < 1e-5


@pytest.mark.parametrize(("n_fft", "hop"), [(1000, 256), (1024, 0), (512, 1024)])
def test_same_istft_rejects_bad_geometry(n_fft, hop):
    with pytest.raises(ValueError, match="n_fft"):
        SameISTFT(n_fft=n_fft, hop_length=hop)


def test_losses_are_zero_for_identical_and_grow_with_error():
    target = torch.stack([_sine(440.0), _sine(660.0)])[None]  # (1, 2, T)
    stft_loss = MultiResolutionStftLoss(resolutions=[(256, 64), (1024, 256)])
    mel_loss = MultiResolutionMelLoss(sample_rate=RATE, resolutions=[(1024, 256, 64)])
    noise = torch.randn_like(target)
    for loss in (stft_loss, mel_loss):
        assert loss(target, target).item() == pytest.approx(0.0, abs=1e-6)
        small, large = loss(target + 0.01 * noise, target), loss(target + 0.3 * noise, target)
        assert 0 < small < large


def test_losses_reject_shape_mismatch():
    loss = MultiResolutionStftLoss(resolutions=[(256, 64)])
    with pytest.raises(ValueError, match="same shape"):
        loss(torch.zeros(1, 2, 4096), torch.zeros(1, 2, 4000))


def test_spectral_convergence_is_relative():
    target = torch.rand(2, 33, 10) + 0.1
    assert spectral_convergence(1.1 * target, target) == pytest.approx(0.1, rel=1e-4)


def test_clips_shorter_than_half_a_window_still_work():
    mag = stft_magnitude(torch.randn(2, 100), n_fft=2048, hop_length=512)
    assert mag.shape == (2, 1025, 1) and torch.isfinite(mag).all()
    loss = MultiResolutionStftLoss(resolutions=[(4096, 1024)])
    assert torch.isfinite(loss(torch.randn(1, 2, 300), torch.randn(1, 2, 300)))
