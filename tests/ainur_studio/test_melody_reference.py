"""The written-melody reference of the melody report: the same moves and thresholds."""

import pytest

from ainur_studio.data.corpus.genres.melody_reference import line_figures, line_pitches
from ainur_studio.data.corpus.genres.report import MidiNote, moves

music21 = pytest.importorskip("music21")


def test_figures_count_steps_and_leaps_with_the_reports_thresholds():
    figures = line_figures([[60, 62, 64, 72], [67, 65]])   # +2 +2 +8 | -2
    assert figures.moves == 4 and figures.notes == 6 and figures.pieces == 2
    assert figures.step_share == pytest.approx(3 / 4)
    assert figures.leap_share == pytest.approx(1 / 4)
    report_moves = moves([MidiNote(i, 1, p, 0) for i, p in enumerate([60, 62, 64, 72])])
    assert report_moves == [2, 2, 8]


def test_line_pitches_join_ties_skip_rests_and_take_a_chords_top_note():
    from music21 import chord, note, stream, tie

    part = stream.Part()
    first = note.Note("C4", quarterLength=1)
    first.tie = tie.Tie("start")
    held = note.Note("C4", quarterLength=1)
    held.tie = tie.Tie("stop")
    part.append([first, held, note.Rest(quarterLength=1), chord.Chord(["E4", "G4"]),
                 note.Note("A4")])
    score = stream.Score([part])
    assert line_pitches(score) == [60, 67, 69]
