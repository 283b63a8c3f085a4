"""A take's stems as audio: where each file is, their waveform peaks and their frames for the
preview, read off the GUI thread by `ui.workers` generator jobs; the sum of the audible ones.
"""

from __future__ import annotations

import typing as tp
from pathlib import Path

import numpy as np

from ainur_studio.types import Take, TakePart
from ui.audio_file import AudioFileError, Peaks, compute_peaks, read_audio


def part_file(take: Take, part: TakePart) -> str:
    """The stem's file: its path, or the path inside the take's folder when it is relative."""
    path = Path(part.path)
    if path.is_absolute() or not take.folder:
        return str(path)
    return str(Path(take.folder) / path)


def part_files(take: Take, roles: tp.Iterable[str] | None = None) -> dict[str, str]:
    """role -> file of the take's stems (only `roles` when given), in the take's order."""
    wanted = None if roles is None else set(roles)
    return {p.role: part_file(take, p) for p in take.parts if wanted is None or p.role in wanted}


def stem_peaks_job(files: dict[str, str], bins: int = 600
                   ) -> tp.Generator[tuple[str, Peaks], None, int]:
    """Generator for `ui.workers`: yields (role, peaks) per stem as each is read (a stem that
    cannot be read yields empty peaks); returns how many were read."""
    read = 0
    for role, path in files.items():
        try:
            frames, rate = read_audio(path)
        except AudioFileError:
            yield role, Peaks.empty()
            continue
        read += 1
        yield role, compute_peaks(frames, rate, bins)
    return read


def read_stems_job(files: dict[str, str]
                   ) -> tp.Generator[None, None, tuple[dict[str, np.ndarray], int]]:
    """Generator for `ui.workers`: reads every stem; returns (role -> frames (T, C), rate).
    Raises `AudioFileError` naming the stem that cannot be read or does not match."""
    stems: dict[str, np.ndarray] = {}
    rate = 0
    for role, path in files.items():
        frames, stem_rate = read_audio(path)
        if rate and stem_rate != rate:
            raise AudioFileError(f"the {role} stem {Path(path).name} is at {stem_rate} Hz but "
                                 f"the others are at {rate} Hz; cannot preview them together")
        stems[role], rate = frames, stem_rate
        yield None  # abort point between files
    return stems, rate


def mix_stems(stems: dict[str, np.ndarray], roles: list[str]) -> np.ndarray:
    """The sum (T, C) float32 of `roles`' frames; shorter stems are padded with silence,
    mono ones spread to every channel. Nothing audible gives silence as long as the stems."""
    if not stems:
        return np.zeros((0, 2), np.float32)
    length = max(len(f) for f in stems.values())
    channels = max(f.shape[1] for f in stems.values())
    out = np.zeros((length, channels), np.float32)
    for role in roles:
        frames = stems.get(role)
        if frames is not None:
            out[: len(frames)] += frames
    return out
