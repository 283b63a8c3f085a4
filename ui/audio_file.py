"""Reading takes for display and playback (soundfile + numpy, off the GUI thread)."""

from __future__ import annotations

import typing as tp
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf  # imported at start, not first by a reader thread during a take


@dataclass(frozen=True)
class Peaks:
    """Min/max envelope of a take: `mins` and `maxs` of shape (bins,), in [-1, 1]."""

    mins: np.ndarray
    maxs: np.ndarray
    duration_s: float

    @classmethod
    def empty(cls) -> Peaks:
        return cls(np.zeros(0, np.float32), np.zeros(0, np.float32), 0.0)


class AudioFileError(OSError):
    """A take could not be read; the message names the file and the cause."""


def read_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """(frames (T, C) float32, sample rate)."""
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, OSError, sf.LibsndfileError) as exc:
        raise AudioFileError(f"cannot read {Path(path).name}: {exc}") from exc
    return data, int(rate)


def compute_peaks(frames: np.ndarray, rate: int, bins: int = 2000) -> Peaks:
    """Envelope of (T, C) frames in `bins` columns (channels mixed to mono)."""
    mono = frames.mean(axis=1) if frames.ndim == 2 else frames
    if mono.size == 0:
        return Peaks.empty()
    bins = max(1, min(bins, mono.size))
    edges = np.linspace(0, mono.size, bins + 1).astype(int)
    mins = np.minimum.reduceat(mono, edges[:-1])
    maxs = np.maximum.reduceat(mono, edges[:-1])
    return Peaks(mins.astype(np.float32), maxs.astype(np.float32), mono.size / rate)


def peaks_job(path: str, bins: int = 2000) -> tp.Generator[None, None, Peaks]:
    """Generator for `ui.workers`: reads a file and returns its peaks."""
    frames, rate = read_audio(path)
    yield None  # abort point between reading and reducing
    return compute_peaks(frames, rate, bins)
