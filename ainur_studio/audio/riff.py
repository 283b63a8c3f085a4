"""Structural checks of RIFF/WAVE files, for errors libsndfile does not explain.

libsndfile opens a WAV whose `data` chunk is shorter than its header declares (a copy cut short,
a recorder that crashed) and silently returns fewer frames; `wav_truncation` finds that case.
For a WAV holding a codec libsndfile cannot decode it only says the `fmt ` chunk is malformed;
`wav_format_tag` lets the reader name the encoding instead.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

# Sizes a streaming recorder writes before it knows the length: "unknown", not "truncated".
_UNKNOWN_SIZES = (0, 0xFFFFFFFF)

# WAVE format tags libsndfile decodes: PCM, MS ADPCM, IEEE float, A-law, mu-law, IMA ADPCM,
# GSM 6.10, G.721, G.723, and WAVE_FORMAT_EXTENSIBLE (its sub-format is checked by libsndfile).
SUPPORTED_WAV_TAGS = frozenset({0x0001, 0x0002, 0x0003, 0x0006, 0x0007, 0x0011, 0x0031,
                                0x0040, 0x0014, 0xFFFE})
WAV_TAG_NAMES = {0x0055: "MP3", 0x0050: "MPEG", 0x00FF: "AAC", 0x1610: "AAC", 0x2000: "AC-3",
                 0x2001: "DTS", 0x0161: "WMA", 0x0162: "WMA Pro"}


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
    found = _find_chunk(Path(path), b"data")
    if found is None:
        return None
    declared, present, _ = found
    if declared in _UNKNOWN_SIZES or present >= declared:
        return None
    return WavTruncation(declared_bytes=declared, present_bytes=max(present, 0))


def wav_format_tag(path: str | os.PathLike[str]) -> int | None:
    """The WAVE format tag of a RIFF/WAVE file (1 = PCM, 3 = float, ...), None if not found."""
    found = _find_chunk(Path(path), b"fmt ")
    if found is None or len(found[2]) < 2:
        return None
    return int(struct.unpack("<H", found[2][:2])[0])


def _find_chunk(path: Path, want: bytes) -> tuple[int, int, bytes] | None:
    """(declared size, bytes present, first 16 bytes) of chunk `want`, or None."""
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        offset = 12
        while offset + 8 <= size:
            chunk_id, chunk_size = _read_header(f, offset)
            if chunk_id == want:
                return chunk_size, size - offset - 8, f.read(16)
            offset += 8 + chunk_size + (chunk_size & 1)  # chunks are word aligned
    return None


def _read_header(f: BinaryIO, offset: int) -> tuple[bytes, int]:
    f.seek(offset)
    chunk_id, chunk_size = struct.unpack("<4sI", f.read(8))
    return chunk_id, chunk_size
