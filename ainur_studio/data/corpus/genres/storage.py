"""How a clip's audio is stored: stems as Ogg Vorbis, the mix as 16-bit FLAC of their sum.

Stems are lossy-coded (Vorbis quality 0.4, about 100-130 kbit/s for a busy stereo stem), so
the mix is written from the DECODED stems: what a reader gets from the stem files sums to
the mix file within 16-bit rounding (about -80 dB). Silent stems are not stored at all.

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

from ainur_studio.data.corpus.render import SAMPLE_RATE, write_flac
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


def write_stem(path: Path, audio: np.ndarray, quality: float = VORBIS_QUALITY) -> np.ndarray:
    """Write a stem as Vorbis (atomically); returns the decoded audio, `audio`'s length."""
    data = vorbis_bytes(audio, quality)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, data)
    decoded = decode(data)
    out = np.zeros_like(audio)
    n = min(len(out), len(decoded))
    out[:n] = decoded[:n]
    return out


def write_mix(path: Path, decoded_stems: list[np.ndarray]) -> Path:
    """The mix, the sum of the decoded stems, as 16-bit FLAC."""
    mix = np.sum([s.astype(np.float64) for s in decoded_stems], axis=0).astype(np.float32)
    return write_flac(path, mix)
