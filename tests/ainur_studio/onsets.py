"""A small spectral-flux onset detector for the corpus tests (numpy only)."""

from __future__ import annotations

import numpy as np

HOP = 128
FRAME = 512


def onset_strength(audio: np.ndarray, rate: int) -> np.ndarray:
    """Half-wave rectified flux of the log-magnitude spectrum, one value per hop; the audio
    is peak-normalised first, so the figure does not depend on the stem's level."""
    mono = audio.mean(axis=1) if audio.ndim == 2 else audio
    peak = float(np.max(np.abs(mono))) if mono.size else 0.0
    mono = mono / peak if peak > 0 else mono
    count = max(0, (len(mono) - FRAME) // HOP + 1)
    if count < 2:
        return np.zeros(count)
    index = np.arange(FRAME)[None, :] + HOP * np.arange(count)[:, None]
    spectra = np.abs(np.fft.rfft(mono[index] * np.hanning(FRAME), axis=1))
    log = np.log1p(1000.0 * spectra)
    flux = np.maximum(np.diff(log, axis=0), 0.0).sum(axis=1)
    return np.concatenate([[0.0], flux])


def detect_onsets(audio: np.ndarray, rate: int, *, delta: float = 0.1,
                  min_gap_s: float = 0.03) -> list[float]:
    """Onset times (seconds): local flux peaks above a moving median plus `delta` of the
    largest flux, at least `min_gap_s` apart. A frame's time is its start plus a hop."""
    flux = onset_strength(audio, rate)
    if not flux.size or flux.max() <= 0:
        return []
    flux = flux / flux.max()
    half = max(1, round(0.1 * rate / HOP))
    padded = np.pad(flux, half, mode="edge")
    median = np.array([np.median(padded[i:i + 2 * half + 1]) for i in range(len(flux))])
    gap = max(1, round(min_gap_s * rate / HOP))
    times: list[float] = []
    last = -gap
    for i in range(1, len(flux) - 1):
        if flux[i] > median[i] + delta and flux[i] >= flux[i - 1] and flux[i] >= flux[i + 1]:
            if i - last >= gap:
                times.append((i * HOP + FRAME / 2) / rate)
                last = i
    return times


def matched_share(expected: list[float], found: list[float], tolerance: float) -> float:
    """The share of `expected` times with a `found` time within `tolerance` seconds."""
    if not expected:
        return 1.0
    found_array = np.asarray(sorted(found))
    if not found_array.size:
        return 0.0
    hits = 0
    for t in expected:
        j = np.searchsorted(found_array, t)
        near = [found_array[k] for k in (j - 1, j) if 0 <= k < len(found_array)]
        hits += any(abs(f - t) <= tolerance for f in near)
    return hits / len(expected)
