"""Structural check of RIFF/WAVE files that libsndfile reads leniently.

libsndfile opens a WAV whose `data` chunk is shorter than its header declares (a copy cut short,
a recorder that crashed) and silently returns fewer frames. `wav_truncation` finds that case so
the reader can say so instead of handing back a shorter clip without a word.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

# Sizes a streaming recorder writes before it knows the length: "unknown", not "truncated".
_UNKNOWN_SIZES = (0, 0xFFFFFFFF)


@dataclass(frozen=True)
class WavTruncation:
    """A `data` chunk that is shorter than its declared size (sizes in bytes)."""

    declared_bytes: int
    present_bytes: int


def wav_truncation(path: str | os.PathLike[str]) -> WavTruncation | None:
    """Return how a RIFF/WAVE file is truncated, or None when it is complete or not RIFF.

    Only the chunk headers are read; RF64 and other containers return None (libsndfile
    checks those itself).
    """
    path = Path(path)
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        offset = 12
        while offset + 8 <= size:
            f.seek(offset)
            chunk_id, chunk_size = struct.unpack("<4sI", f.read(8))
            if chunk_id == b"data":
                return _data_truncation(chunk_size, size - offset - 8)
            offset += 8 + chunk_size + (chunk_size & 1)  # chunks are word aligned
    return None


def _data_truncation(declared: int, present: int) -> WavTruncation | None:
    if declared in _UNKNOWN_SIZES or present >= declared:
        return None
    return WavTruncation(declared_bytes=declared, present_bytes=max(present, 0))
