"""Note transcription with basic-pitch's ONNX model: known notes rendered, transcribed back."""

from __future__ import annotations

import logging
import sys

import numpy as np
import pytest

from ainur_studio import transcribe as tr
from ainur_studio.types import NoteEvent

needs_runtime = pytest.mark.skipif(
    not tr.runtime_available(), reason='needs the midi extra and basic-pitch (see README)')

RATE = 48_000


def synth(notes: list[NoteEvent], rate: int = RATE, tail_s: float = 0.5) -> np.ndarray:
    """A mellow plucked tone per note (six harmonics at 1/k^3, exponential decay, 5 ms
    attack, 30 ms release) as float32 [2, T]. Brighter tones (1/k^2) make basic-pitch add
    octave and twelfth ghost notes to chords (F1 0.81 instead of 0.87)."""
    total = int((max(n.end_s for n in notes) + tail_s) * rate)
    out = np.zeros(total)
    for note in notes:
        start, stop = int(note.start_s * rate), int((note.end_s + 0.03) * rate)
        t = np.arange(stop - start) / rate
        f0 = 440.0 * 2.0 ** ((note.pitch - 69) / 12)
        tone = sum(np.sin(2 * np.pi * k * f0 * t) / k**3 for k in range(1, 7))
        gate = np.clip((note.end_s - note.start_s + 0.03 - t) / 0.03, 0.0, 1.0)
        env = np.minimum(t / 0.005, 1.0) * np.exp(-2.5 * t) * gate
        out[start:stop] += 0.2 * (note.velocity / 127) * tone * env
    return np.stack([out, out]).astype(np.float32)


def onset_f1(reference: list[NoteEvent], estimated: list[NoteEvent]) -> float:
    """Note-level F1: same pitch (within 50 cents) and onset within 50 ms, offsets ignored."""
    import mir_eval

    def arrays(notes):
        intervals = np.array([[n.start_s, n.end_s] for n in notes]).reshape(-1, 2)
        hz = np.array([440.0 * 2.0 ** ((n.pitch - 69) / 12) for n in notes])
        return intervals, hz

    ref_i, ref_p = arrays(reference)
    est_i, est_p = arrays(estimated)
    _, _, f1, _ = mir_eval.transcription.precision_recall_f1_overlap(
        ref_i, ref_p, est_i, est_p, onset_tolerance=0.05, offset_ratio=None)
    return f1


def melody() -> list[NoteEvent]:
    """Twelve notes, C4 to A5, of 0.25 to 0.6 s, with a rest."""
    pitches = [60, 62, 64, 65, 67, 69, 72, 71, 67, 64, 81, 76]
    lengths = [0.3, 0.3, 0.6, 0.25, 0.25, 0.5, 0.4, 0.3, 0.6, 0.3, 0.5, 0.6]
    notes, t = [], 0.25
    for i, (pitch, length) in enumerate(zip(pitches, lengths)):
        notes.append(NoteEvent(pitch=pitch, start_s=t, end_s=t + length - 0.02,
                               velocity=70 + 5 * (i % 5)))
        t += length + (0.4 if i == 5 else 0.0)
    return notes


def chords() -> list[NoteEvent]:
    """C major, F major, G7 and A minor, one second each (three and four notes at once)."""
    voicings = [(48, 60, 64, 67), (53, 60, 65, 69), (55, 59, 62, 65, 67), (57, 60, 64, 69)]
    return [NoteEvent(pitch=p, start_s=0.2 + i, end_s=1.1 + i, velocity=80)
            for i, voicing in enumerate(voicings) for p in voicing]


@needs_runtime
def test_a_melody_is_transcribed_back():
    notes = melody()
    found = tr.transcribe(synth(notes), RATE)
    assert onset_f1(notes, found) >= 0.8
    assert all(0 <= n.pitch <= 127 and 1 <= n.velocity <= 127 and n.end_s > n.start_s
               for n in found)
    assert [(n.start_s, n.pitch) for n in found] == sorted((n.start_s, n.pitch) for n in found)


@needs_runtime
def test_chords_are_transcribed_polyphonically():
    notes = chords()
    found = tr.transcribe(synth(notes), RATE)
    assert onset_f1(notes, found) >= 0.8
    at_one_time = max(sum(n.start_s <= t < n.end_s for n in found) for t in (0.6, 1.6, 2.6, 3.6))
    assert at_one_time >= 3


@needs_runtime
def test_silence_gives_no_notes():
    assert tr.transcribe(np.zeros((2, 3 * RATE), dtype=np.float32), RATE) == []


@needs_runtime
@pytest.mark.parametrize("samples, min_note_s", [
    (1, 0.0), (300, 0.0), (768, 0.0),  # under one and at three model frames (256 samples)
    (2000, 0.1277),  # shorter than the shortest note kept
])
def test_audio_too_short_for_a_note_gives_no_notes(samples, min_note_s):
    tone = 0.5 * np.sin(0.1 * np.arange(samples, dtype=np.float32))
    assert tr.transcribe(tone, 22_050, min_note_s=min_note_s) == []


@needs_runtime
def test_rate_channels_and_tensor_input_give_the_same_notes():
    import torch

    notes = melody()[:6]
    wav = synth(notes, rate=22_050)
    mono = tr.transcribe(wav[0], 22_050)
    assert onset_f1(notes, mono) >= 0.8
    assert tr.transcribe(torch.from_numpy(wav), 22_050) == mono
    assert onset_f1(notes, tr.transcribe(synth(notes, rate=44_100), 44_100)) >= 0.8


@needs_runtime
def test_transcribe_file_reads_any_audio_file(tmp_path):
    from ainur_studio.audio.io import audio_write

    notes = melody()
    wav = synth(notes, rate=44_100)
    path = audio_write(tmp_path / "stem.flac", wav, 44_100)
    found = tr.transcribe_file(path)
    assert onset_f1(notes, found) >= 0.8
    assert onset_f1(tr.transcribe(wav, 44_100), found) >= 0.95  # the file is 24-bit PCM


@needs_runtime
def test_pitch_limits_drop_notes_outside_them():
    notes = chords()
    found = tr.transcribe(synth(notes), RATE, min_pitch=58, max_pitch=70)
    assert found and all(58 <= n.pitch <= 70 for n in found)


@needs_runtime
def test_a_missing_file_is_a_read_error(tmp_path):
    from ainur_studio.audio.io import AudioReadError

    with pytest.raises(AudioReadError, match="missing.wav"):
        tr.transcribe_file(tmp_path / "missing.wav")


@pytest.mark.parametrize("wav, rate, message", [
    (np.zeros((RATE, 2), np.float32), RATE, "transposed"),
    (np.zeros((2, 0), np.float32), RATE, "samples > 0"),
    (np.zeros((2, 2, 10), np.float32), RATE, r"\[channels, samples\]"),
    (np.full((1, 100), np.nan, np.float32), RATE, "NaN"),
    (np.zeros((1, 100), np.float32), 0, "sample_rate"),
    (np.zeros((1, 100), np.float32), 44_100.5, "sample_rate"),
])
def test_bad_input_is_refused_with_the_reason(wav, rate, message):
    with pytest.raises(tr.TranscriptionInputError, match=message):
        tr.transcribe(wav, rate)


@pytest.fixture
def fresh_runtime(monkeypatch):
    """`_runtime` reloads for the test and again after it (monkeypatch restores sys.modules)."""
    tr._runtime.cache_clear()
    yield monkeypatch
    tr._runtime.cache_clear()


@pytest.mark.parametrize("blocked, named", [
    ("onnxruntime", "needs onnxruntime,"),
    ("basic_pitch.inference", "needs basic-pitch,"),
    ("librosa", "needs librosa"),
])
def test_a_missing_runtime_says_what_to_install(fresh_runtime, blocked, named):
    fresh_runtime.setitem(sys.modules, blocked, None)
    with pytest.raises(tr.TranscriptionUnavailable, match=named) as info:
        tr.transcribe(np.zeros((1, 22_050), np.float32), 22_050)
    assert "pip install --no-deps basic-pitch==0.4.0" in str(info.value)
    assert tr.runtime_available() is False


@needs_runtime
def test_loading_the_runtime_leaves_logging_alone(fresh_runtime):
    for name in [m for m in sys.modules if m == "basic_pitch" or m.startswith("basic_pitch.")]:
        fresh_runtime.delitem(sys.modules, name)
    root = logging.getLogger()
    fresh_runtime.setattr(root, "handlers", [])
    records: list[logging.LogRecord] = []
    fresh_runtime.setattr(root, "callHandlers", records.append)
    tr._runtime()
    assert "basic_pitch" in sys.modules  # imported afresh, so its warnings had their chance
    assert root.handlers == []  # no basicConfig() behind the application's back
    assert not [r for r in records if "basic_pitch" in r.pathname]


@needs_runtime
@pytest.mark.parametrize("notes", [melody(), chords()], ids=["melody", "chords"])
def test_fluidsynth_piano_notes_are_transcribed_back(notes):
    from ainur_studio.data.corpus.deps import MissingDependency, find_fluidsynth, find_soundfont
    from ainur_studio.data.corpus.genres.synth import render_midi
    from ainur_studio.midi_io import midi_bytes

    try:
        find_fluidsynth()
        soundfont = find_soundfont()
    except MissingDependency as exc:
        pytest.skip(str(exc))
    frames = int((max(n.end_s for n in notes) + 0.5) * RATE)
    audio = render_midi(midi_bytes(notes, bpm=120), soundfont, frames)  # [frames, 2], 48 kHz
    assert onset_f1(notes, tr.transcribe(audio.T, RATE)) >= 0.8
