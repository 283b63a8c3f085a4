"""Bass lines, chord accompaniments and GM drum patterns over bars and chords (pure)."""

from __future__ import annotations

import random

from ainur_studio.data.corpus.harmony import Chord
from ainur_studio.data.corpus.score_data import Bar, Note, beat_length

# General MIDI percussion keys (channel 10).
KICK, SIDE_STICK, SNARE, CLOSED_HAT, PEDAL_HAT, CRASH, TAMBOURINE, SHAKER = (
    36, 37, 38, 42, 44, 49, 54, 70)
COMP_PATTERNS = ("pad", "strum", "arpeggio")


def _place(pc: int, low: int) -> int:
    """The MIDI note of pitch class `pc` at or just above `low`."""
    return low + (pc - low) % 12


def bass_line(chords: list[Chord], beat: float, *, walking: bool, velocity: int = 88) -> list[Note]:
    """Root on each chord; in `walking` (dance) style root and fifth alternate on the beats."""
    notes = []
    for chord in chords:
        root = _place(chord.root, 36)
        span = chord.end - chord.start
        if not walking or span < 2 * beat - 1e-6:
            notes.append(Note(chord.start, span * 0.95, root, velocity))
            continue
        t, i = chord.start, 0
        while t < chord.end - 1e-6:
            pitch = root if i % 2 == 0 else _place(chord.tones[2], 36)
            notes.append(Note(t, min(beat, chord.end - t) * 0.9, pitch, velocity - 8 * (i % 2)))
            t, i = t + beat, i + 1
    return notes


def chord_notes(chord: Chord, low: int = 52) -> list[int]:
    """A close-position triad from `low` upwards."""
    return sorted(_place(pc, low) for pc in chord.tones)


def comp(chords: list[Chord], beat: float, pattern: str, *, velocity: int = 70) -> list[Note]:
    """Chord accompaniment: ``pad`` holds each chord, ``strum`` hits it on the off-beats
    (on every beat for slow metres), ``arpeggio`` walks its tones in half-beats."""
    if pattern not in COMP_PATTERNS:
        raise ValueError(f"unknown accompaniment pattern {pattern!r}; use one of {COMP_PATTERNS}")
    notes = []
    for chord in chords:
        pitches = chord_notes(chord)
        if pattern == "pad":
            notes += [Note(chord.start, (chord.end - chord.start) * 0.98, p, velocity - 10)
                      for p in pitches]
        elif pattern == "strum":
            notes += _strum(chord, pitches, beat, velocity)
        else:
            notes += _arpeggio(chord, pitches + [pitches[0] + 12], beat / 2, velocity)
    return notes


def _strum(chord: Chord, pitches: list[int], beat: float, velocity: int) -> list[Note]:
    notes, t, i = [], chord.start, 0
    while t < chord.end - 1e-6:
        length = min(beat, chord.end - t)
        if i % 2 == 1 or chord.end - chord.start < 2 * beat - 1e-6:
            notes += [Note(t, length * 0.8, p, velocity) for p in pitches]
        t, i = t + beat, i + 1
    return notes


def _arpeggio(chord: Chord, pitches: list[int], step: float, velocity: int) -> list[Note]:
    notes, t, i = [], chord.start, 0
    order = [0, 1, 2, 3, 2, 1]
    while t < chord.end - 1e-6:
        notes.append(Note(t, min(step * 1.5, chord.end - t), pitches[order[i % 6]],
                          velocity - 6 * (i % 2)))
        t, i = t + step, i + 1
    return notes


def drum_pattern(bars: list[Bar], time_signature: str, rng: random.Random) -> list[Note]:
    """A kit groove matched to the metre: kick on the downbeat, back-beat on the weak beats,
    hats or shaker on the half-beats; a crash on the last bar. Pickup bars stay silent."""
    beat = beat_length(time_signature)
    back = rng.choice([SNARE, SIDE_STICK])
    tick = rng.choice([CLOSED_HAT, PEDAL_HAT, SHAKER, TAMBOURINE])
    full = max((b.duration for b in bars), default=0.0)
    notes = []
    for index, bar in enumerate(bars):
        if bar.duration < full - 1e-6:
            continue
        if index == len(bars) - 1:
            notes += [Note(bar.start, 1.0, KICK, 100), Note(bar.start, 1.0, CRASH, 90)]
            break
        notes += _bar_groove(bar, beat, back, tick)
    return notes


def _bar_groove(bar: Bar, beat: float, back: int, tick: int) -> list[Note]:
    beats = max(1, round(bar.duration / beat))
    notes = [Note(bar.start, 0.25, KICK, 100)]
    if beats == 4:
        notes.append(Note(bar.start + 2 * beat, 0.25, KICK, 88))
    for b in range(1, beats):
        if beats == 3 or b % 2 == 1:
            notes.append(Note(bar.start + b * beat, 0.25, back, 72 if beats == 3 else 84))
    steps = beats * (3 if beat == 1.5 else 2)
    step = bar.duration / steps
    for s in range(steps):
        notes.append(Note(bar.start + s * step, 0.2, tick, 62 if s % 2 == 0 else 48))
    return notes
