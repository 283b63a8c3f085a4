"""Real-world-style LRC files with odd formatting (tests/fixtures/lrc), one test each."""

from __future__ import annotations

from pathlib import Path

import pytest

from ainur_studio.lyrics.lrc import LrcError, format_lrc, parse_lrc, read_lrc

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lrc"
READABLE = sorted(p.name for p in FIXTURES.glob("*.lrc") if p.name != "binary_not_text.lrc")


def load(name: str):
    return read_lrc(FIXTURES / name)


def starts(lyrics) -> list[int]:
    return [line.start_ms for line in lyrics.lines]


def texts(lyrics) -> list[str]:
    return [line.text for line in lyrics.lines]


def test_there_are_at_least_fifteen_distinct_fixtures():
    assert len(READABLE) >= 15


@pytest.mark.parametrize("name", READABLE)
def test_every_fixture_round_trips_and_stays_sorted(name):
    lyrics, _ = load(name)
    assert starts(lyrics) == sorted(starts(lyrics))
    again, problems = parse_lrc(format_lrc(lyrics, milliseconds=True))
    assert again == lyrics
    assert problems == []


def test_standard_file_with_instrumental_lines():
    lyrics, problems = load("standard.lrc")
    assert problems == []
    assert lyrics.tags == {"ti": "Harbour Lights", "ar": "The Low Tides", "al": "Shorelines",
                           "by": "lrc-maker", "length": "03:05"}
    assert starts(lyrics) == [0, 12_500, 17_200, 22_000, 30_750]
    assert texts(lyrics)[0] == "" and texts(lyrics)[3] == ""


def test_precision_forms():
    lyrics, problems = load("precision_mix.lrc")
    assert problems == []
    assert starts(lyrics) == [1_500, 2_250, 3_125, 4_000, 5_123]


def test_positive_offset_anywhere_in_file_moves_lines_sooner_and_clamps():
    lyrics, _ = load("offset_positive.lrc")
    assert starts(lyrics) == [0, 9_500, 19_500]
    assert lyrics.tags["offset"] == "+500"
    written = format_lrc(lyrics)
    assert "[offset:+500]" in written and "[00:10.00]sung at nine" in written


def test_negative_offset_moves_lines_later():
    lyrics, _ = load("offset_negative.lrc")
    assert starts(lyrics) == [2_200, 6_200]
    assert "[00:01.00]appears" in format_lrc(lyrics)


def test_multi_stamp_line_becomes_one_line_per_stamp():
    lyrics, _ = load("multi_stamp_chorus.lrc")
    assert starts(lyrics) == [5_000, 15_000, 25_000, 45_000, 55_000, 75_000]
    chorus = [line for line in lyrics.lines if "chorus" in line.text]
    assert [line.start_ms for line in chorus] == [15_000, 45_000, 75_000]
    assert all(line.text == "Round and round again (chorus)" for line in chorus)


def test_enhanced_word_stamps_with_trailing_end_stamp():
    lyrics, _ = load("enhanced_words.lrc")
    first = lyrics.lines[0]
    assert first.text == "Hold on to me"
    assert [(w.text, w.start_ms, w.end_ms) for w in first.words] == [
        ("Hold", 10_000, None), ("on", 10_400, None), ("to", 10_800, None),
        ("me", 11_200, 12_000)]
    assert [w.text for w in lyrics.lines[1].words] == ["Let", "it", "go"]


def test_karaoke_end_stamps_and_words_without_spaces():
    lyrics, _ = load("karaoke_end_stamps.lrc")
    sing, cjk = lyrics.lines
    assert [(w.start_ms, w.end_ms) for w in sing.words] == [
        (20_000, 20_400), (20_600, 21_000), (21_100, 21_900)]
    assert sing.text == "Sing with me"
    assert cjk.text == "你好世界" and [w.text for w in cjk.words] == list("你好世界")
    assert cjk.words[-1].end_ms == 24_500


@pytest.mark.parametrize("name, text", [
    ("utf8_bom_crlf.lrc", "Hendumst í hringi"),
    ("utf16le_bom.lrc", "日本語の歌詞"),
    ("utf16be_bom.lrc", "Ελληνικά λόγια"),
    ("cr_only.lrc", "line two"),
])
def test_encodings_and_line_ends(name, text):
    lyrics, problems = load(name)
    assert problems == []
    assert text in texts(lyrics)
    assert "\r" not in "".join(texts(lyrics)) and "\ufeff" not in "".join(lyrics.tags)


def test_out_of_order_lines_sorted_stably():
    lyrics, _ = load("out_of_order.lrc")
    assert texts(lyrics) == ["first", "second (a)", "second (b)", "third", "fourth"]


def test_garbage_lines_skipped_and_each_reported_with_its_line():
    lyrics, problems = load("garbage_lines.lrc")
    assert texts(lyrics) == ["a good line", "another good line"]
    assert [p.line for p in problems] == [1, 3, 4, 6, 7, 9, 10]
    assert "seconds must be below 60" in problems[4].message
    with pytest.raises(LrcError) as info:
        read_lrc(FIXTURES / "garbage_lines.lrc", strict=True)
    assert (info.value.line, info.value.column) == (1, 1)


def test_spaces_inside_brackets():
    lyrics, problems = load("spaces_in_brackets.lrc")
    assert problems == []
    assert lyrics.tags == {"ar": "Spacey Artist", "ti": "Padded Title"}
    assert starts(lyrics) == [12_340, 15_000, 50_000]
    assert texts(lyrics)[1] == "space between stamps and before text"


def test_uppercase_tags_are_lower_cased_and_offset_applies():
    lyrics, _ = load("uppercase_tags.lrc")
    assert lyrics.tags["ar"] == "Upper Case" and lyrics.tags["length"] == "03:25"
    assert starts(lyrics) == [1_000]


def test_colon_before_centiseconds():
    lyrics, _ = load("colon_centiseconds.lrc")
    assert starts(lyrics) == [12_340, 62_050]


def test_hour_long_file():
    lyrics, problems = load("hour_long.lrc")
    assert problems == []
    assert starts(lyrics) == [3_599_990, 4_530_000, 4_531_500]
    assert "[75:31.50]hour form" in format_lrc(lyrics)


def test_word_stamped_lines_without_line_stamp():
    lyrics, _ = load("a2_word_lines.lrc")
    assert starts(lyrics) == [5_000, 7_000]
    assert texts(lyrics) == ["No line stamp", "Second line"]


def test_trailing_stamp_is_the_line_end():
    lyrics, _ = load("line_end_stamp.lrc")
    assert [line.end_ms for line in lyrics.lines] == [12_000, None, None]
    assert texts(lyrics)[0] == "This line ends early"


def test_inline_square_word_stamps_spaced_brackets_and_a_bom_mid_file():
    lyrics, problems = load("eslyric_inline_words.lrc")
    assert problems == []
    assert lyrics.tags == {"ti": "Inline Word Stamps", "ar": "Second Half"}
    assert texts(lyrics) == ["Hello bright world", "你好世界", "spaced stamps", "after a BOM"]
    hello, cjk, spaced, after = lyrics.lines
    assert [(w.text, w.start_ms) for w in hello.words] == [("Hello", 1_000), ("bright", 1_500),
                                                           ("world", 2_000)]
    assert hello.words[-1].end_ms == 2_800 and cjk.words[-1].end_ms == 4_500
    assert [w.text for w in cjk.words] == list("你好世界")
    assert [(w.start_ms, w.end_ms) for w in spaced.words] == [(5_000, None), (5_400, 6_000)]
    assert [w.start_ms for w in after.words] == [7_000, 7_500, 7_800]


def test_legacy_encoding_read_with_a_warning_and_refused_when_strict():
    lyrics, problems = load("cp1252_legacy.lrc")
    assert lyrics.tags["ar"] == "Café Crème" and texts(lyrics) == ["Déjà vu"]
    assert len(problems) == 1 and "UTF-8" in problems[0].message
    with pytest.raises(LrcError, match="UTF-8"):
        read_lrc(FIXTURES / "cp1252_legacy.lrc", strict=True)


def test_several_tags_on_one_line_and_unknown_tags_kept():
    lyrics, problems = load("several_tags_per_line.lrc")
    assert problems == []
    assert lyrics.tags == {"ar": "Duo", "ti": "Two Tags", "al": "One Line",
                           "#": "a comment tag", "re": "SomeEditor", "ve": "1.0"}


def test_binary_file_is_a_clear_error():
    with pytest.raises(LrcError, match="not a lyrics text file|not valid"):
        read_lrc(FIXTURES / "binary_not_text.lrc")


def test_tags_only_file_has_no_lines():
    lyrics, problems = load("tags_only.lrc")
    assert lyrics.lines == [] and problems == []
