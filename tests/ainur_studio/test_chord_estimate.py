"""Chords per bar from a clip's notes: templates, the bass, silence, and bar boundaries."""

from __future__ import annotations

import pytest

from ainur_studio.chord_estimate import chroma, estimate_chords, match_chord
from ainur_studio.structure import NO_CHORD, chord_tones
from ainur_studio.types import NoteEvent


def block(pitches: list[int], start: float, end: float, velocity: int = 90) -> list[NoteEvent]:
    return [NoteEvent(p, start, end, velocity) for p in pitches]


def profile_of(symbol: str) -> list[float]:
    weights = [0.0] * 12
    for tone in chord_tones(symbol):
        weights[tone] = 1.0
    return weights


@pytest.mark.parametrize("symbol", ["C", "Am", "F#m", "Bb", "G7", "Dm7", "Ebmaj7", "E7"])
def test_a_chords_own_tones_match_it(symbol):
    assert match_chord(profile_of(symbol)) == symbol


def test_silence_is_no_chord():
    assert match_chord([0.0] * 12) == NO_CHORD
    with pytest.raises(ValueError, match="12 weights"):
        match_chord([1.0] * 7)


def test_the_bass_decides_between_near_fits():
    weights = profile_of("C")
    weights[9] = 0.5                 # C E G with a softer A: C or Am7
    assert match_chord(weights) == "C"
    assert match_chord(weights, bass=0) == "C"
    assert match_chord(weights, bass=9) == "Am7"


def test_chroma_weights_by_time_inside_the_bar_and_velocity():
    notes = [NoteEvent(60, 0.0, 1.0, 127), NoteEvent(64, 0.5, 3.0, 127)]
    weights = chroma(notes, 0.0, 2.0)
    assert weights[0] == pytest.approx(1.0) and weights[4] == pytest.approx(1.5)
    assert sum(weights) == pytest.approx(2.5)


def test_one_chord_per_bar_along_a_progression():
    bar = 2.0  # 4/4 at 120 BPM
    notes = (block([45, 57, 60, 64], 0, bar) + block([41, 57, 60, 65], bar, 2 * bar)
             + block([48, 55, 60, 64], 2 * bar, 3 * bar) + block([43, 55, 59, 62, 65], 3 * bar,
                                                                 4 * bar))
    assert estimate_chords(notes, bar_s=bar) == ["Am", "F", "C", "G7"]


def test_bars_without_notes_and_a_given_count():
    notes = block([48, 52, 55], 0.0, 1.9)
    assert estimate_chords(notes, bar_s=2.0, bars=3) == ["C", NO_CHORD, NO_CHORD]
    assert estimate_chords(notes, bar_s=2.0, origin_s=-2.0) == [NO_CHORD, "C"]
    assert estimate_chords([], bar_s=2.0) == []
    with pytest.raises(ValueError, match="positive number of seconds"):
        estimate_chords(notes, bar_s=0.0)
