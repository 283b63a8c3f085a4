"""Line/word spans, crop windows, frame indices and the musical grid."""

from __future__ import annotations

import pytest

from ainur_studio.lyrics import align
from ainur_studio.lyrics.grid import Grid, snap_line_starts
from ainur_studio.lyrics.lrc import parse_lrc

SONG = parse_lrc("""[length:00:30.00]
[00:01.00]first line
[00:04.00]a long second line
[00:12.00]
[00:14.00]<00:14.00>word <00:15.00>by<00:15.50> <00:16.00>word
[00:20.00]ends early[00:21.00]
[00:25.00]last
""")[0]


def spans(lyrics, **kwargs):
    return [(s.start_ms, s.end_ms) for s in align.line_spans(lyrics, **kwargs)]


def test_line_end_is_explicit_end_or_last_word_end_or_next_start_or_length():
    assert spans(SONG) == [(1_000, 4_000), (4_000, 12_000), (12_000, 14_000),
                           (14_000, 20_000), (20_000, 21_000), (25_000, 30_000)]


def test_last_line_without_length_gets_the_default():
    lyrics = parse_lrc("[00:01.00]a\n[00:02.00]b\n")[0]
    assert spans(lyrics) == [(1_000, 2_000), (2_000, 7_000)]
    assert spans(lyrics, last_line_ms=500)[-1] == (2_000, 2_500)


def test_duplicate_starts_end_at_the_next_later_line():
    lyrics = parse_lrc("[00:01.00]a\n[00:01.00]b\n[00:03.00]c\n")[0]
    assert spans(lyrics)[:2] == [(1_000, 3_000), (1_000, 3_000)]


def test_word_spans_use_own_end_then_next_word_then_line_end():
    located = [(w.line, w.word, w.span.start_ms, w.span.end_ms) for w in align.word_spans(SONG)]
    assert located == [(3, 0, 14_000, 15_000), (3, 1, 15_000, 15_500), (3, 2, 16_000, 20_000)]


def test_window_keeps_lines_still_sung_at_the_crop_start():
    # Ainur's rule alone drops "a long second line" (stamp 4 s, crop from 8 s); we keep it.
    assert [line.text for line in align.lines_in_window(SONG, 8.0, 13.0)] == [
        "a long second line"]


def test_window_keeps_lines_stamped_up_to_one_second_before_and_drops_instrumentals():
    lyrics = parse_lrc("[00:09.20]short[00:09.50]\n[00:12.00]\n[00:13.00]in\n[00:30.00]after")[0]
    assert align.window_text(lyrics, 10.0, 20.0) == "short\nin"
    assert align.window_text(lyrics, 10.9, 20.0) == "in"
    assert align.window_text(lyrics, 12.1, 12.9) == ""


def test_active_line_index_is_minus_one_where_nothing_is_sung():
    index = align.active_line_index(SONG, n_frames=32, frame_rate=1.0)
    assert index[0] == -1                      # before the first line
    assert index[1:4] == [0, 0, 0]
    assert index[4:12] == [1] * 8
    assert index[12:14] == [-1, -1]            # instrumental line
    assert index[20] == 4 and index[21:25] == [-1] * 4   # explicit end at 21 s
    assert index[25:30] == [5] * 5 and index[30:] == [-1, -1]


def test_active_word_index_uses_frame_centres():
    index = align.active_word_index(SONG, n_frames=40, frame_rate=2.0)
    assert index[28:33] == [0, 0, 1, -1, 2]    # 14.25 s ... 16.25 s
    assert index[:28] == [-1] * 28


def test_frame_conversions():
    rate = align.latent_frame_rate(48_000, 1024)
    assert rate == 46.875
    assert align.seconds_to_frames(1.0, rate) == 46
    assert align.seconds_to_frames(align.frames_to_seconds(100, rate), rate) == 100
    with pytest.raises(ValueError, match="positive"):
        align.latent_frame_rate(48_000, 0)


def test_length_tag_unreadable_means_none():
    assert align.length_ms(parse_lrc("[length:soon]")[0]) is None


def test_grid_positions_and_snapping():
    grid = Grid.from_signature(120, "4/4")
    assert (grid.beat_ms, grid.bar_ms) == (500.0, 2000.0)
    assert grid.position(2_750) == (2, 2.5)
    assert grid.snap(1_240) == 1_000 and grid.snap(1_260) == 1_500
    assert grid.snap(1_240, subdivisions=2) == 1_250
    assert grid.snap(2_900, unit="bar") == 2_000


def test_compound_metre_counts_eighths_at_quarter_note_tempo():
    grid = Grid.from_signature(60, "6/8", origin_ms=100)
    assert (grid.beat_ms, grid.bar_ms) == (500.0, 3000.0)
    assert grid.position(100) == (1, 1.0) and grid.position(0)[0] == 0


@pytest.mark.parametrize("bpm, signature", [(0, "4/4"), (120, "4/5"), (120, "four")])
def test_bad_grid_settings_are_refused(bpm, signature):
    with pytest.raises(ValueError):
        Grid.from_signature(bpm, signature)


def test_snapping_lines_moves_their_words_too():
    snapped = snap_line_starts(SONG, Grid(bpm=60))
    line = snapped.lines[3]
    assert line.start_ms == 14_000 and line.words[1].start_ms == 15_000
    moved = snap_line_starts(parse_lrc("[00:01.40]<00:01.60>a")[0], Grid(bpm=60))
    assert moved.lines[0].start_ms == 1_000 and moved.lines[0].words[0].start_ms == 1_200
