"""Reading and writing audio files.

`audio_read` returns float32 tensors `[C, T]` at the model rate (48 kHz stereo by default),
resampling with torchaudio, duplicating mono and keeping the first two of more channels.
`audio_write` is atomic: the file appears complete under its final name or not at all.
Loudness and limiting belong to take export in the engine, not here.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
import torchaudio.functional as AF

from ainur_studio.audio.riff import (
    SUPPORTED_WAV_TAGS,
    WAV_TAG_NAMES,
    wav_format_tag,
    wav_truncation,
)
from ainur_studio.fileio import atomic_write_bytes

PathLike = str | os.PathLike[str]
_FLOAT_SUBTYPES = ("FLOAT", "DOUBLE", "VORBIS", "OPUS", "MPEG_LAYER_III")  # no hard clip
_SUFFIX_FORMATS = {".aif": "AIFF", ".aiff": "AIFF", ".oga": "OGG", ".opus": "OGG"}


class AudioReadError(ValueError):
    """An audio file could not be read. `path` names the file, `reason` the cause."""

    def __init__(self, path: PathLike, reason: str, fix: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"cannot read audio file '{self.path}': {reason}. {fix}")


@dataclass(frozen=True)
class AudioInfo:
    """What a file holds, from its header."""

    sample_rate: int
    channels: int
    frames: int
    format: str    # container, e.g. "WAV", "FLAC"
    subtype: str   # sample encoding, e.g. "PCM_24", "FLOAT"

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate


def audio_info(path: PathLike) -> AudioInfo:
    """Header information of an audio file.

    Raises:
        AudioReadError: missing, empty, truncated, not audio or an unsupported format.
    """
    path = Path(path)
    _check_file(path)
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise _open_error(path, exc) from exc
    if info.frames <= 0:
        raise AudioReadError(path, "it contains no audio frames",
                             "Export the audio again; the file holds only a header.")
    return AudioInfo(sample_rate=int(info.samplerate), channels=int(info.channels),
                     frames=int(info.frames), format=info.format, subtype=info.subtype)


def audio_read(path: PathLike, *, sample_rate: int = 48_000, channels: int = 2) -> torch.Tensor:
    """Read an audio file as float32 `[channels, T]` at `sample_rate`.

    Mono is duplicated to stereo; of more channels than asked the first ones are kept;
    `channels=1` averages the file's channels.

    Raises:
        AudioReadError: missing, empty, truncated, not audio, an unsupported format, or
            non-finite samples.
    """
    if channels not in (1, 2):
        raise ValueError(f"channels must be 1 or 2, got {channels}")
    if sample_rate <= 0:
        raise ValueError(f"sample_rate must be positive, got {sample_rate}")
    path = Path(path)
    audio_info(path)  # validates the file and gives a specific error
    try:
        data, file_rate = sf.read(str(path), dtype="float32", always_2d=True)  # (T, C)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise _open_error(path, exc) from exc
    if not np.isfinite(data).all():
        raise AudioReadError(path, "it contains NaN or infinite samples",
                             "Re-render the file from its source; the float data is corrupt.")
    wav = torch.from_numpy(np.ascontiguousarray(data.T))  # (C, T)
    wav = _match_channels(wav, channels)
    if file_rate != sample_rate:
        wav = AF.resample(wav, orig_freq=int(file_rate), new_freq=sample_rate)
    return wav.contiguous()


def audio_write(path: PathLike, wav: torch.Tensor | np.ndarray, sample_rate: int, *,
                subtype: str = "PCM_24", format: str | None = None) -> Path:
    """Write `wav [C, T]` atomically (temp file in the same folder, fsync, rename).

    PCM subtypes clip samples to [-1, 1] (no wrap-around); float subtypes keep them as is.
    The parent folder is created when missing.

    Args:
        path: destination; its suffix gives the format unless `format` is set.
        wav: float samples `[C, T]`, C >= 1, T >= 1, all finite.
        sample_rate: in Hz.
        subtype: libsndfile subtype, e.g. "PCM_16", "PCM_24", "FLOAT".
        format: libsndfile container name ("WAV", "FLAC", ...); default from the suffix.

    Returns:
        The path written.
    """
    path = Path(path)
    data = _validated_samples(wav, sample_rate)
    fmt = (format or _SUFFIX_FORMATS.get(path.suffix.lower(), path.suffix.lstrip("."))).upper()
    if fmt not in sf.available_formats():
        raise ValueError(f"cannot write '{path}': unknown audio format '{fmt}'; use a "
                         f"suffix such as .wav or .flac, or pass format=")
    if not sf.check_format(fmt, subtype):
        valid = ", ".join(sorted(sf.available_subtypes(fmt)))
        raise ValueError(f"cannot write '{path}': format {fmt} does not support subtype "
                         f"{subtype}; choose one of {valid}")
    if subtype.upper() not in _FLOAT_SUBTYPES:
        data = np.clip(data, -1.0, 1.0)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(path, data.T, sample_rate, fmt, subtype)
    return path


def _write_atomic(path: Path, frames: np.ndarray, sample_rate: int, fmt: str,
                  subtype: str) -> None:
    buffer = io.BytesIO()
    sf.write(buffer, frames, sample_rate, subtype=subtype, format=fmt)
    atomic_write_bytes(path, buffer.getvalue())


def _validated_samples(wav: torch.Tensor | np.ndarray, sample_rate: int) -> np.ndarray:
    if isinstance(wav, torch.Tensor):
        wav = wav.detach().to("cpu", torch.float32).numpy()
    data = np.asarray(wav, dtype=np.float32)
    if data.ndim != 2 or data.shape[0] < 1 or data.shape[1] < 1:
        raise ValueError(f"audio_write expects samples shaped [channels, frames], got "
                         f"{tuple(data.shape)}; add a channel axis with wav[None] for mono")
    if data.shape[0] > 64:
        raise ValueError(f"audio_write got {data.shape[0]} channels; the input looks "
                         f"transposed: pass [channels, frames]")
    if not np.isfinite(data).all():
        raise ValueError("audio_write refuses NaN or infinite samples; fix the signal first")
    if int(sample_rate) != sample_rate or sample_rate <= 0:
        raise ValueError(f"sample_rate must be a positive integer, got {sample_rate}")
    return data


def _match_channels(wav: torch.Tensor, channels: int) -> torch.Tensor:
    if channels == 1:
        return wav.mean(dim=0, keepdim=True)
    if wav.shape[0] == 1:
        return wav.expand(2, -1)
    return wav[:2]


def _check_file(path: Path) -> None:
    try:
        _check_structure(path)
    except OSError as exc:  # permissions, a vanished network share, an I/O error
        raise _os_error(path, exc) from exc


def _os_error(path: Path, exc: OSError) -> AudioReadError:
    if isinstance(exc, PermissionError):
        return AudioReadError(path, "permission denied: this user may not read the file",
                              "Make it readable (e.g. chmod u+r) or copy it to a folder you "
                              "own.")
    return AudioReadError(path, f"the file cannot be opened ({exc.strerror or exc})",
                          "Check the disk or network share, then try again.")


def _check_structure(path: Path) -> None:
    if not path.exists():
        raise AudioReadError(path, "the file does not exist",
                             "Check the path, or whether the file was moved or renamed.")
    if not path.is_file():
        raise AudioReadError(path, "it is a folder, not a file", "Choose an audio file.")
    if path.stat().st_size == 0:
        raise AudioReadError(path, "the file is empty (0 bytes)",
                             "Export or copy the audio again.")
    cut = wav_truncation(path)
    if cut is not None:
        raise AudioReadError(
            path, f"the WAV is truncated: its header declares {cut.declared_bytes} bytes of "
                  f"audio but only {cut.present_bytes} are present",
            "Copy or export the file again; the transfer or recording was cut short.")


def _open_error(path: Path, exc: Exception) -> AudioReadError:
    text = str(exc)
    tag = wav_format_tag(path)
    if tag is not None and tag not in SUPPORTED_WAV_TAGS:
        codec = WAV_TAG_NAMES.get(tag, "an unsupported codec")
        return AudioReadError(path, f"the WAV holds {codec} data (format tag 0x{tag:04X}), "
                                    "which cannot be decoded",
                              "Convert it to 16/24-bit PCM or float WAV, or FLAC.")
    if "Format not recognised" in text or "unknown format" in text.lower():
        return AudioReadError(
            path, "it is not an audio file libsndfile understands (format not recognised)",
            "Use WAV, FLAC, AIFF, OGG or MP3; a file renamed to .wav is not converted.")
    if "chunk" in text.lower() or "header" in text.lower() or "truncat" in text.lower():
        return AudioReadError(path, f"the file is truncated or corrupt ({text})",
                              "Copy or export the file again.")
    if "unsupported" in text.lower() or "not supported" in text.lower():
        return AudioReadError(path, f"the encoding is unsupported ({text})",
                              "Convert it to 16/24-bit PCM or float WAV, or FLAC.")
    return AudioReadError(path, f"libsndfile failed ({text})",
                          "Check the file plays elsewhere, then export it again.")
