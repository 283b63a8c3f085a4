"""music21 score -> ScoreData: ties, chords, bars, metre, key, lyrics (skipped without music21)."""

from __future__ import annotations

import pytest

music21 = pytest.importorskip("music21")

from ainur_studio.data.corpus.extract import score_data  # noqa: E402


def _score() -> object:
    """Two 3/4 bars in G: a tied note across the bar line, a chord, sung syllables."""
    part = music21.stream.Part()
    m1, m2 = music21.stream.Measure(number=1), music21.stream.Measure(number=2)
    m1.append(music21.meter.TimeSignature("3/4"))
    first = music21.note.Note("G4", quarterLength=1.0)
    first.addLyric("Hal")
    first.lyrics[0].syllabic = "begin"
    second = music21.note.Note("B4", quarterLength=1.0)
    second.addLyric("le")
    second.lyrics[0].syllabic = "end"
    tied = music21.note.Note("D5", quarterLength=1.0)
    tied.tie = music21.tie.Tie("start")
    m1.append([first, second, tied])
    held = music21.note.Note("D5", quarterLength=1.0)
    held.tie = music21.tie.Tie("stop")
    m2.append([held, music21.chord.Chord(["G3", "D4", "G4"], quarterLength=2.0)])
    part.append([m1, m2])
    score = music21.stream.Score()
    score.insert(0, part)
    return score


def test_ties_merge_and_chords_split_into_notes() -> None:
    data = score_data(_score())
    notes = [(n.start, n.duration, n.pitch) for n in data.parts[0].notes]
    assert (2.0, 2.0, 74) in notes  # D5 tied over the bar line
    assert sorted(p for s, _, p in notes if s == 4.0) == [55, 62, 67]
    assert len(notes) == 6


def test_bars_metre_key_and_syllables() -> None:
    data = score_data(_score())
    assert [(b.start, b.duration) for b in data.bars] == [(0.0, 3.0), (3.0, 3.0)]
    assert data.time_signature == "3/4"
    assert data.key.startswith("G ")
    assert [(s.text, s.syllabic) for s in data.syllables if s.text] == [("Hal", "begin"),
                                                                       ("le", "end")]
