"""LRC parsing and writing: the rules one case at a time."""

from __future__ import annotations

import codecs

import pytest

from ainur_studio.lyrics import decoding, timecode
from ainur_studio.lyrics.lrc import LrcError, LrcProblem, format_lrc, parse_lrc, read_lrc, write_lrc
from ainur_studio.types import LyricLine, Lyrics, LyricWord


@pytest.mark.parametrize("content, ms", [
    ("00:12.34", 12_340), ("00:12.345", 12_345), ("00:12", 12_000), ("0:1.5", 1_500),
    ("75:00.00", 4_500_000), ("1:02:03.45", 3_723_450), ("00:12:34", 12_340),
    (" 01:00.00 ", 60_000), ("00:00.1239", 123),
])
def test_timestamp_forms(content, ms):
    assert timecode.parse_timestamp(content) == ms


@pytest.mark.parametrize("content, message", [
    ("00:75.00", "seconds must be below 60"), ("1:75:00.00", "minutes must be below 60"),
    ("00:1x.00", "not a time stamp"), ("-00:01.00", "not a time stamp"),
])
def test_bad_timestamps_say_what_is_wrong(content, message):
    with pytest.raises(ValueError, match=message):
        timecode.parse_timestamp(content)


@pytest.mark.parametrize("ms, text", [
    (0, "00:00.00"), (12_340, "00:12.34"), (12_345, "00:12.35"), (12_344, "00:12.34"),
    (4_530_000, "75:30.00")])
def test_timestamp_writing_rounds_to_centiseconds(ms, text):
    assert timecode.format_timestamp(ms) == text
    assert timecode.parse_timestamp(text) == (ms + 5) // 10 * 10


@pytest.mark.parametrize("ms, text", [
    (0, "00:00.00"), (12_340, "00:12.34"), (12_345, "00:12.345"), (4_530_001, "75:30.001")])
def test_timestamp_writing_in_milliseconds(ms, text):
    assert timecode.format_timestamp(ms, milliseconds=True) == text
    assert timecode.parse_timestamp(text) == ms


def test_negative_time_cannot_be_written():
    with pytest.raises(ValueError, match="negative"):
        timecode.format_timestamp(-1)


@pytest.mark.parametrize("value, ms", [("03:25", 205_000), ("205", 205_000),
                                       ("1:20:00.00", 4_800_000), ("3:25.5", 205_500)])
def test_length_values(value, ms):
    assert timecode.parse_length(value) == ms


def test_strict_mode_names_line_and_column_of_a_bad_stamp():
    with pytest.raises(LrcError) as info:
        parse_lrc("[ar:x]\n[00:01.00]ok\n  [00:99.00]bad\n", strict=True)
    assert (info.value.line, info.value.column) == (3, 4)
    assert "line 3, column 4" in str(info.value)


def test_lenient_mode_keeps_good_stamps_of_a_line_with_a_bad_one():
    lyrics, problems = parse_lrc("[00:01.00][00:9x.00]chorus\n")
    assert [(line.start_ms, line.text) for line in lyrics.lines] == [(1_000, "chorus")]
    assert problems[0].line == 1 and problems[0].column == 12


def test_tag_after_a_stamp_is_text_and_text_after_a_tag_is_reported():
    lyrics, problems = parse_lrc("[00:01.00][ar:not a tag]\n[ti:Title] stray words\n")
    assert lyrics.lines[0].text == "[ar:not a tag]"
    assert lyrics.tags == {"ti": "Title"}
    assert problems[0].line == 2 and "ignored" in problems[0].message


def test_unreadable_offset_is_reported_ignored_and_kept():
    lyrics, problems = parse_lrc("[offset:soon]\n[00:01.00]x\n")
    assert lyrics.lines[0].start_ms == 1_000 and lyrics.tags["offset"] == "soon"
    assert problems[0].line == 1 and "offset" in problems[0].message
    assert format_lrc(lyrics).startswith("[offset:soon]\n[00:01.00]x")


def test_words_move_with_each_stamp_of_a_multi_stamp_line():
    lyrics, _ = parse_lrc("[00:10.00][01:00.00]<00:10.00>la <00:10.50>la<00:11.00>[00:12.00]")
    second = lyrics.lines[1]
    assert [(w.start_ms, w.end_ms) for w in second.words] == [(60_000, None),
                                                              (60_500, 61_000)]
    assert second.end_ms == 62_000


def test_text_before_the_first_word_stamp_starts_with_the_line():
    lyrics, _ = parse_lrc("[00:05.00]Oh <00:06.00>yeah")
    assert [(w.text, w.start_ms) for w in lyrics.lines[0].words] == [("Oh", 5_000),
                                                                     ("yeah", 6_000)]


def test_stray_word_stamp_is_reported_and_strict_refuses_it():
    text = "[00:05.00]<00:06.00><00:07.00>word"
    lyrics, problems = parse_lrc(text)
    assert [(w.text, w.start_ms) for w in lyrics.lines[0].words] == [("word", 7_000)]
    assert problems == [LrcProblem(1, 11, "a word stamp with no word after it was ignored")]
    with pytest.raises(LrcError, match="column 11"):
        parse_lrc(text, strict=True)


def test_offset_clamps_words_and_ends_at_zero():
    lyrics, _ = parse_lrc("[offset:+2000]\n[00:01.00]<00:01.00>a <00:03.00>b<00:04.00>[00:05.00]")
    line = lyrics.lines[0]
    assert (line.start_ms, line.end_ms) == (0, 3_000)
    assert [(w.start_ms, w.end_ms) for w in line.words] == [(0, None), (1_000, 2_000)]


def test_formatting_puts_standard_tags_first_and_sorts_lines():
    lyrics = Lyrics(lines=[LyricLine(2_000, "b"), LyricLine(1_000, "a")],
                    tags={"x-custom": "1", "ar": "A", "ti": "T"})
    assert format_lrc(lyrics) == "[ti:T]\n[ar:A]\n[x-custom:1]\n[00:01.00]a\n[00:02.00]b\n"


def test_words_that_do_not_match_the_text_are_left_out():
    line = LyricLine(1_000, "edited text", words=[LyricWord(1_000, "old"),
                                                  LyricWord(1_500, "words")])
    assert format_lrc(Lyrics(lines=[line])) == "[00:01.00]edited text\n"
    ok = LyricLine(1_000, "two  words", words=[LyricWord(1_000, "two", 1_200),
                                               LyricWord(1_500, "words")])
    assert format_lrc(Lyrics(lines=[ok])) == "[00:01.00]<00:01.00>two  <00:01.20><00:01.50>words\n"
    assert format_lrc(Lyrics(lines=[ok]), words=False) == "[00:01.00]two  words\n"


def test_negative_offset_that_cannot_be_undone_is_baked_in():
    lyrics = Lyrics(lines=[LyricLine(100, "early")], tags={"offset": "-500"})
    text = format_lrc(lyrics)
    assert "offset" not in text
    assert parse_lrc(text)[0].lines == lyrics.lines


@pytest.mark.parametrize("lyrics, message", [
    (Lyrics(lines=[LyricLine(0, "two\nlines")]), "line break"),
    (Lyrics(tags={"ar": "a]b"}), "bracket"),
    (Lyrics(tags={"bad key": "x"}), "cannot be written"),
])
def test_unwritable_lyrics_raise_clear_errors(lyrics, message):
    with pytest.raises(ValueError, match=message):
        format_lrc(lyrics)


def test_parse_rejects_other_types():
    with pytest.raises(TypeError, match="str or bytes"):
        parse_lrc(123)  # type: ignore[arg-type]


def test_utf16_without_bom_and_damaged_utf16():
    lyrics, _ = parse_lrc("[00:01.00]hi\n".encode("utf-16-le"))
    assert lyrics.lines[0].text == "hi"
    with pytest.raises(LrcError, match="utf-16"):
        parse_lrc(codecs.BOM_UTF16_LE + b"[\x00\x00\xd8")


def test_binary_data_error_points_at_the_nul():
    with pytest.raises(LrcError) as info:
        decoding.decode_lrc_bytes(b"[00:01.00]ok\nab\x00cd\xff\xfe")
    assert info.value.line == 2


def test_write_and_read_a_file(tmp_path):
    lyrics = Lyrics(lines=[LyricLine(1_000, "ünïcode", end_ms=2_000)], tags={"ar": "A"})
    path = write_lrc(tmp_path / "song.lrc", lyrics)
    assert path.read_bytes().startswith(b"[ar:A]\n")
    assert read_lrc(path) == (lyrics, [])
    assert not list(tmp_path.glob(".*.tmp"))
