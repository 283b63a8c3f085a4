"""Note transcription: audio -> `NoteEvent`s, with Spotify's Basic Pitch run by onnxruntime.

Basic Pitch (Bittner et al., "A Lightweight Instrument-Agnostic Model for Polyphonic Note
Transcription and Multipitch Estimation", ICASSP 2022; Apache-2.0) is a 17k-parameter network
whose weights ship in its wheel as ``saved_models/icassp_2022/nmp.onnx``; nothing downloads at
run time. Its own pre-processing (22.05 kHz mono, 2 s windows overlapping by 30 frames) and
note creation (`note_creation.model_output_to_notes`) are called as they are; only reading the
audio from memory instead of a file is done here.

Its package metadata asks for TensorFlow on Linux with Python >= 3.11, which the ONNX path
never uses, so it is installed without its dependencies next to the ``midi`` extra (its runtime
needs: onnxruntime, librosa, pretty_midi, mir_eval, resampy); ``make run`` and ``make test`` do
both. Without them `transcribe` raises `TranscriptionUnavailable` saying what to install.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import logging
import math
import os
import types
import typing as tp
from pathlib import Path

import numpy as np

from ainur_studio.types import NoteEvent

INSTALL_HINT = ('install it with `pip install -e ".[midi]"` and then '
                '`pip install --no-deps basic-pitch==0.4.0` (`make run` and `make test` do both)')
MODEL_FILE = "saved_models/icassp_2022/nmp.onnx"
OVERLAP_FRAMES = 30  # as basic_pitch.inference.run_inference
MIN_FRAMES = 3  # model frames (11.6 ms each) basic-pitch's note creation needs
WINDOWS_PER_RUN = 8  # windows (about 1.6 s of new audio each) per onnxruntime call


class TranscriptionUnavailable(RuntimeError):
    """The transcription runtime (basic-pitch, onnxruntime and their needs) is missing."""

    def __init__(self, missing: str) -> None:
        self.missing = missing
        super().__init__(f"note transcription needs {missing}, which is not installed; "
                         f"{INSTALL_HINT}")


class TranscriptionInputError(ValueError):
    """The audio given to `transcribe` cannot be transcribed (shape, rate, samples)."""


def transcribe(wav: tp.Any, sample_rate: int, *, onset_threshold: float = 0.5,
               frame_threshold: float = 0.3, min_note_s: float = 0.1277,
               min_pitch: int | None = None, max_pitch: int | None = None) -> list[NoteEvent]:
    """The notes played in `wav`, sorted by start time then pitch.

    Args:
        wav: float samples ``[C, T]`` (or ``[T]``), a numpy array or a torch tensor; the
            channels are averaged.
        sample_rate: of `wav`, in Hz; it is resampled to Basic Pitch's 22 050 Hz.
        onset_threshold, frame_threshold, min_note_s: Basic Pitch's note-creation settings
            (its defaults).
        min_pitch, max_pitch: MIDI note numbers outside which notes are dropped (None: all).

    Returns:
        `NoteEvent`s in seconds from the start of `wav`; velocity from the note's amplitude.

    Raises:
        TranscriptionInputError: not ``[C, T]``, empty, non-finite or a bad sample rate.
        TranscriptionUnavailable: the runtime is not installed.
    """
    mono = _mono(wav, sample_rate)
    runtime = _runtime()
    audio = runtime.librosa.resample(mono, orig_sr=int(sample_rate),
                                     target_sr=runtime.constants.AUDIO_SAMPLE_RATE)
    output = _model_output(runtime, audio)
    frames_per_s = runtime.constants.AUDIO_SAMPLE_RATE / runtime.constants.FFT_HOP
    min_note_len = int(round(min_note_s * frames_per_s))
    if len(output["note"]) < max(min_note_len, MIN_FRAMES):
        return []  # too short to hold a note (and for basic-pitch's onset inference)
    _, events = runtime.note_creation.model_output_to_notes(
        output, onset_thresh=onset_threshold, frame_thresh=frame_threshold,
        min_note_len=min_note_len, min_freq=_hz(min_pitch),
        max_freq=_hz(max_pitch), include_pitch_bends=False, melodia_trick=True)
    notes = [NoteEvent(pitch=int(pitch), start_s=float(start), end_s=float(end),
                       velocity=min(127, max(1, round(127 * float(amplitude)))))
             for start, end, pitch, amplitude, _ in events]
    return sorted(notes, key=lambda n: (n.start_s, n.pitch))


def transcribe_file(path: str | os.PathLike[str], **settings: tp.Any) -> list[NoteEvent]:
    """The notes of an audio file (any format `ainur_studio.audio.io` reads); `settings` as
    `transcribe`.

    Raises:
        AudioReadError: the file cannot be read (missing, empty, not audio, corrupt).
        TranscriptionUnavailable: the runtime is not installed.
    """
    from ainur_studio.audio.io import audio_info, audio_read  # torch, only when reading files

    _runtime()  # a missing runtime is reported before the file is decoded
    rate = audio_info(path).sample_rate
    return transcribe(audio_read(path, sample_rate=rate, channels=1).numpy(), rate, **settings)


def runtime_available() -> bool:
    """Whether `transcribe` can run here (basic-pitch and onnxruntime import)."""
    try:
        _runtime()
    except TranscriptionUnavailable:
        return False
    return True


def _mono(wav: tp.Any, sample_rate: int) -> np.ndarray:
    if hasattr(wav, "detach"):  # a torch tensor, on any device
        wav = wav.detach().float().cpu().numpy()
    data = np.asarray(wav, dtype=np.float32)
    if data.ndim == 1:
        data = data[None]
    if data.ndim != 2 or data.shape[1] == 0:
        raise TranscriptionInputError(
            f"transcribe expects samples shaped [channels, samples] with samples > 0, got "
            f"{tuple(data.shape)}")
    if data.shape[0] > 16:
        raise TranscriptionInputError(
            f"transcribe got {data.shape[0]} channels of {data.shape[1]} samples; the audio "
            f"looks transposed: pass [channels, samples]")
    if not np.isfinite(data).all():
        raise TranscriptionInputError("transcribe refuses NaN or infinite samples")
    if isinstance(sample_rate, bool) or int(sample_rate) != sample_rate or sample_rate < 1000:
        raise TranscriptionInputError(
            f"sample_rate must be a whole number of Hz >= 1000, got {sample_rate!r}")
    return data.mean(axis=0)


def _model_output(runtime: types.SimpleNamespace, audio: np.ndarray) -> dict[str, np.ndarray]:
    """Basic Pitch's `run_inference` on samples in memory: frame-wise note, onset and contour
    activations ``[frames, bins]``."""
    inference, constants = runtime.inference, runtime.constants
    overlap = OVERLAP_FRAMES * constants.FFT_HOP
    padded = np.concatenate([np.zeros(overlap // 2, dtype=np.float32), audio.astype(np.float32)])
    windows = np.stack([w for w, _ in inference.window_audio_file(
        padded, constants.AUDIO_N_SAMPLES - overlap)])  # (n, AUDIO_N_SAMPLES, 1)
    parts: dict[str, list[np.ndarray]] = {"note": [], "onset": [], "contour": []}
    for i in range(0, len(windows), WINDOWS_PER_RUN):
        for key, value in runtime.model.predict(windows[i:i + WINDOWS_PER_RUN]).items():
            parts[key].append(value)
    return {key: inference.unwrap_output(np.concatenate(value), len(audio), OVERLAP_FRAMES)
            for key, value in parts.items()}


def _hz(pitch: int | None) -> float | None:
    return None if pitch is None else 440.0 * math.pow(2.0, (pitch - 69) / 12.0)


@functools.cache
def _runtime() -> types.SimpleNamespace:
    """basic-pitch's modules and its ONNX model, loaded once (a failure is retried)."""
    _require("onnxruntime", "onnxruntime")  # basic_pitch fails obscurely without a backend
    with _quiet_backend_warnings():
        inference = _require("basic_pitch.inference", "basic-pitch")
    note_creation = _require("basic_pitch.note_creation", "basic-pitch")
    model_path = Path(inference.__file__).parent / MODEL_FILE
    if not model_path.is_file():
        raise TranscriptionUnavailable(f"basic-pitch's ONNX model ({model_path})")
    return types.SimpleNamespace(
        inference=inference, note_creation=note_creation, librosa=_require("librosa", "librosa"),
        constants=_require("basic_pitch.constants", "basic-pitch"),
        model=inference.Model(model_path))


def _require(module: str, package: str) -> types.ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        inner = exc.name and not module.startswith(exc.name)
        missing = f"{exc.name} (which {package} needs)" if inner else package
        raise TranscriptionUnavailable(missing) from exc


@contextlib.contextmanager
def _quiet_backend_warnings() -> tp.Iterator[None]:
    """basic_pitch's import warns on the root logger about each backend it lacks (CoreML,
    TFLite, TensorFlow) and so may configure logging; neither happens here."""
    root = logging.getLogger()
    guard = logging.NullHandler()  # logging.warning() calls basicConfig() on a bare root

    def keep(record: logging.LogRecord) -> bool:
        return f"{os.sep}basic_pitch{os.sep}" not in record.pathname

    root.addHandler(guard)
    root.addFilter(keep)
    try:
        yield
    finally:
        root.removeFilter(keep)
        root.removeHandler(guard)
