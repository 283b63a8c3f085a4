"""Loudness and true peak, checked against pyloudnorm and an FFT (ideal) 4x oversampler."""

from __future__ import annotations

import math

import numpy as np
import pyloudnorm as pyln
import pytest
import soundfile as sf
from scipy import signal

from ainur_studio.types import GenerationRequest
from engine.loudness import integrated_loudness, limit_true_peak, normalize, true_peak
from engine.takes import TakeOptions, write_take

SR = 48_000


def independent_true_peak(x: np.ndarray) -> float:
    """4x oversampled peak (dBTP) by band-limited FFT interpolation, silence around."""
    pad = np.zeros((256, x.shape[1]))
    up = signal.resample(np.concatenate([pad, x, pad]), (len(x) + 512) * 4, axis=0)
    return 20 * math.log10(np.abs(up).max())


def _signal_kinds():
    rng = np.random.default_rng(7)
    n = SR * 6
    t = np.arange(n) / SR
    kick = np.zeros(n)
    for start in range(0, n, SR // 2):
        m = min(4000, n - start)
        kick[start:start + m] = np.exp(-np.arange(m) / 600) * np.sin(2 * np.pi * 60 * np.arange(m) / SR)
    return {
        "tone": np.stack([0.3 * np.sin(2 * np.pi * 440 * t)] * 2, axis=1),
        "noise": rng.standard_normal((n, 2)) * 0.5,
        "drums": np.stack([0.9 * kick + 0.02 * rng.standard_normal(n),
                           0.9 * kick + 0.5 * signal.square(2 * np.pi * 1000 * t) * (t % 1 < 0.05)],
                          axis=1),
        "quiet": np.stack([0.01 * np.sin(2 * np.pi * 220 * t)] * 2, axis=1),
    }


SIGNALS = _signal_kinds()


@pytest.mark.parametrize("name", ["tone", "noise", "drums"])
def test_integrated_loudness_matches_pyloudnorm(name):
    x = SIGNALS[name]
    assert integrated_loudness(x, SR) == pytest.approx(pyln.Meter(SR).integrated_loudness(x),
                                                       abs=0.1)


def test_loudness_of_silence_and_short_clips():
    assert integrated_loudness(np.zeros((SR, 2)), SR) == -math.inf
    assert integrated_loudness(np.ones((SR // 10, 2)) * 0.1, SR) == -math.inf


def test_true_peak_sees_intersample_peaks():
    # a sine at fs/4 sampled at +-45 degrees: samples at 0.707, true peak 1.0
    n = np.arange(SR)
    x = np.sin(np.pi / 2 * n + np.pi / 4)[:, None].repeat(2, axis=1)
    assert 20 * math.log10(np.abs(x).max()) == pytest.approx(-3.01, abs=0.05)
    assert true_peak(x) == pytest.approx(0.0, abs=0.1)


@pytest.mark.parametrize("name", ["tone", "noise", "drums", "quiet"])
def test_normalize_meets_target_and_ceiling(name):
    y, report = normalize(SIGNALS[name], SR, target_lufs=-14.0, ceiling_dbtp=-1.0)
    assert independent_true_peak(y) <= -1.0
    assert pyln.Meter(SR).integrated_loudness(y) == pytest.approx(-14.0, abs=0.5)
    assert report.output_lufs == pytest.approx(-14.0, abs=0.1)


def test_near_silence_is_not_lifted_without_bound():
    hiss = np.random.default_rng(3).standard_normal((SR * 2, 2)) * 1e-5  # about -100 LUFS
    y, report = normalize(hiss, SR)
    assert report.gain_db <= 40.0
    assert np.abs(y).max() < 0.1


def test_limiter_leaves_quiet_audio_alone_and_catches_hot_audio():
    quiet = SIGNALS["tone"]
    assert np.array_equal(limit_true_peak(quiet, SR, ceiling_dbtp=-1.0), quiet)
    hot = SIGNALS["drums"] * 4
    limited = limit_true_peak(hot, SR, ceiling_dbtp=-1.0)
    assert independent_true_peak(limited) <= -0.9
    assert np.all(np.abs(limited) <= np.abs(hot) + 1e-12)  # gain only goes down


def test_switching_stages_off():
    x = SIGNALS["tone"]
    y, report = normalize(x, SR, target_lufs=None, ceiling_dbtp=None)
    assert np.array_equal(y, x) and report.gain_db == 0.0


@pytest.mark.parametrize("fmt", ["wav24", "flac"])
def test_written_take_meets_loudness_and_true_peak(tmp_path, fmt):
    audio = SIGNALS["drums"].T * 3  # [C, T], clipping hot
    take = write_take(audio, request=GenerationRequest(prompt="drums"),
                      options=TakeOptions(out_dir=tmp_path, format=fmt))
    data, rate = sf.read(take.path)
    assert rate == SR
    assert pyln.Meter(SR).integrated_loudness(data) == pytest.approx(-14.0, abs=0.5)
    assert independent_true_peak(data) <= -1.0
