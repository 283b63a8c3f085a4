"""The loudness meter's own filter, resampler and sliding minimum give scipy's numbers (the
engine does not import scipy before its first take), and the take writer imports no scipy."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage, signal

from engine import loudness


@pytest.mark.parametrize("rate", [44100, 48000, 96000])
def test_k_weighting_filter_is_scipys_lfilter(rate) -> None:
    x = np.random.default_rng(rate).standard_normal((rate // 2, 2))
    for b, a in loudness.k_weighting(rate):
        want = signal.lfilter(b, a, x, axis=0)
        assert np.abs(loudness._filter(b, a, x) - want).max() < 1e-9


@pytest.mark.parametrize("frames", [1, 2, 999, 1000, 30720])
def test_upsampling_is_scipys_resample(frames) -> None:
    x = np.random.default_rng(frames).standard_normal((frames, 2))
    want = signal.resample(x, frames * 4, axis=0)
    assert np.abs(loudness._resample_up(x, 4) - want).max() < 1e-9


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 400), st.integers(1, 30), st.integers(0, 60))
def test_running_min_is_scipys_minimum_filter(n, look, hold) -> None:
    need = np.random.default_rng(n * 1000 + look * 61 + hold).random(n)
    size = look + hold
    want = ndimage.minimum_filter1d(need, size=size, mode="nearest", origin=hold - size // 2)
    got = loudness._running_min(need, before=hold, after=look - 1)
    assert np.array_equal(got, want)


def test_the_take_writer_does_not_import_scipy() -> None:
    code = "import sys, engine.take_folder; print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout.strip()
    assert out == "False"
