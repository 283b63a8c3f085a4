"""How a clip's audio is stored: the stems and the mix as Ogg Vorbis.

Everything is lossy-coded at one quality (Vorbis 0.4, about 100-130 kbit/s for a busy stereo
stem). The mix file is coded from the renderer's mix, not from the decoded stems: it is the
listening copy and what mix-only training reads; the stem files, decoded, sum to the mix
within the codec's error (a waveform residual of about -20 dB; the renderer's stems sum to
its mix exactly). Silent stems are not stored at all.

libsndfile gives every Ogg stream a random serial number; ``fixed_serial`` rewrites it (and
each page's checksum), so the same audio gives the same bytes.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import soundfile as sf

from ainur_studio.data.corpus.render import SAMPLE_RATE
from ainur_studio.fileio import atomic_write_bytes

VORBIS_QUALITY = 0.4        # Vorbis -q scale, 0 (smallest) to 1
OGG_SERIAL = 0x41494E52     # "AINR"
WRITE_BLOCK = SAMPLE_RATE    # libsndfile 1.2 crashes writing minutes of Vorbis in one call
_BIT_REVERSED = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


def ogg_crc(page: bytes) -> int:
    """The Ogg page checksum (CRC-32, polynomial 0x04C11DB7, MSB first, no pre/post xor),
    computed with zlib's reflected CRC-32 on bit-reversed bytes."""
    reflected = zlib.crc32(page.translate(_BIT_REVERSED)) ^ zlib.crc32(bytes(len(page)))
    return int(f"{reflected:032b}"[::-1], 2)


def fixed_serial(data: bytes, serial: int = OGG_SERIAL) -> bytes:
    """An Ogg stream with every page's serial number set to `serial` and its CRC redone.

    Raises:
        ValueError: `data` is not a sequence of whole Ogg pages.
    """
    out, pos = bytearray(data), 0
    while pos < len(data):
        if data[pos:pos + 4] != b"OggS" or pos + 27 > len(data):
            raise ValueError(f"not an Ogg page at byte {pos}")
        count = data[pos + 26]
        size = 27 + count + sum(data[pos + 27:pos + 27 + count])
        out[pos + 14:pos + 18] = struct.pack("<I", serial)
        out[pos + 22:pos + 26] = bytes(4)
        out[pos + 22:pos + 26] = struct.pack("<I", ogg_crc(bytes(out[pos:pos + size])))
        pos += size
    return bytes(out)


def vorbis_bytes(audio: np.ndarray, quality: float = VORBIS_QUALITY) -> bytes:
    """`audio` (float32 ``[T, 2]``, 48 kHz) as an Ogg Vorbis file, deterministically."""
    if not 0.0 <= quality <= 1.0:
        raise ValueError(f"Vorbis quality {quality} is outside 0..1")
    buffer = io.BytesIO()
    with sf.SoundFile(buffer, "w", SAMPLE_RATE, audio.shape[1], format="OGG",
                      subtype="VORBIS", compression_level=1.0 - quality) as handle:
        for start in range(0, len(audio), WRITE_BLOCK):
            handle.write(audio[start:start + WRITE_BLOCK])
    return fixed_serial(buffer.getvalue())


def decode(data: bytes) -> np.ndarray:
    audio, _rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    return audio


def write_vorbis(path: Path, audio: np.ndarray, quality: float = VORBIS_QUALITY) -> Path:
    """Write float32 ``[T, 2]`` audio as an Ogg Vorbis file (atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, vorbis_bytes(audio, quality))
    return path


def read_audio(path: Path) -> np.ndarray:
    """A stored stem or mix as float32 ``[T, 2]`` (the length that was coded)."""
    audio, _rate = sf.read(path, dtype="float32", always_2d=True)
    return audio
