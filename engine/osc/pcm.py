"""PCM payloads for streaming: interleaved little-endian float32 ("f32le")."""

from __future__ import annotations

import hashlib
import zlib
from pathlib import Path

import numpy as np
import soundfile as sf


def read_take_pcm(path: str | Path) -> tuple[bytes, int, int]:
    """(interleaved f32le bytes, sample_rate, channels) of an audio file."""
    data, rate = sf.read(str(path), dtype="float32", always_2d=True)  # (frames, channels)
    return np.ascontiguousarray(data, dtype="<f4").tobytes(), int(rate), int(data.shape[1])


def pcm_to_array(pcm: bytes | bytearray, channels: int) -> np.ndarray:
    """(frames, channels) float32 view of f32le bytes."""
    return np.frombuffer(bytes(pcm), dtype="<f4").reshape(-1, channels)


def sha256_hex(data: bytes | bytearray) -> str:
    return hashlib.sha256(data).hexdigest()


def crc32(data: bytes | bytearray) -> int:
    return zlib.crc32(data) & 0xFFFFFFFF
