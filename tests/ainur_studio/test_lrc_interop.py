"""LRC interop: what we write is the A2 enhanced form other players read, and we read the
word-stamp forms they write (foobar2000 / ESLyric inline ``[..]`` stamps, spaced brackets,
a BOM at the start of any line).

``reference_read`` is a reader written from the published A2 description ("[mm:ss.xx]
<mm:ss.xx> word 1 <mm:ss.xx> word 2 <mm:ss.xx> ... last word <mm:ss.xx>": a word tag before
each word, a closing tag after the last one) and nothing else, so our output is checked
outside our own parser.
"""

from __future__ import annotations

import re

import pytest

from ainur_studio.lyrics import timecode
from ainur_studio.lyrics.lrc import format_lrc, parse_lrc
from ainur_studio.types import LyricLine, Lyrics, LyricWord

A2_LINE_STAMP = re.compile(r"\[(\d{2}):(\d{2})\.(\d{2})\]")
A2_WORD_STAMP = re.compile(r"<(\d{2}):(\d{2})\.(\d{2})>")


def _centiseconds(groups: tuple[str, str, str]) -> int:
    minutes, seconds, hundredths = (int(g) for g in groups)
    return (minutes * 60 + seconds) * 1000 + hundredths * 10


def reference_read(text: str) -> list[tuple[int, list[tuple[int, str, int | None]], int | None]]:
    """(line start, [(word start, word, word end)], closing time) per timed line of an A2
    file: a word ends at the first tag with no text after it, and the line's last such tag
    closes the line. Text before the first word tag is one word starting with the line."""
    out = []
    for raw in text.splitlines():
        line = A2_LINE_STAMP.match(raw)
        if line is None:
            continue  # ID tag
        body = raw[line.end():]
        assert "[" not in body and "]" not in body, f"square bracket inside a line: {raw!r}"
        start = _centiseconds(line.groups())
        pieces = A2_WORD_STAMP.split(body)
        words: list[list] = [[start, pieces[0].strip(), None]] if pieces[0].strip() else []
        closing = None
        for i in range(1, len(pieces), 4):
            ms, word = _centiseconds(tuple(pieces[i:i + 3])), pieces[i + 3]
            if word.strip():
                words.append([ms, word.strip(), None])
                continue
            if words and words[-1][2] is None:
                words[-1][2] = ms
            closing = ms
        out.append((start, [tuple(w) for w in words], closing))
    return out


def _song() -> Lyrics:
    """Times as a tap-to-sync session leaves them: whole milliseconds."""
    first = LyricLine(3_204, "Salt in the evening air", words=[
        LyricWord(3_204, "Salt"), LyricWord(3_707, "in"), LyricWord(3_951, "the"),
        LyricWord(4_205, "evening"), LyricWord(4_592, "air", 5_996)])
    second = LyricLine(6_000, "Every boat", end_ms=7_994, words=[
        LyricWord(6_000, "Every", 6_480), LyricWord(6_505, "boat", 7_500)])
    third = LyricLine(8_800, "Every light", end_ms=10_004, words=[
        LyricWord(8_800, "Every"), LyricWord(9_300, "light")])
    plain = LyricLine(11_600, "A line without words", end_ms=13_000)
    return Lyrics(lines=[first, second, third, plain], tags={"ti": "Lanterns"})


def test_written_words_use_the_a2_form_with_centisecond_stamps():
    text = format_lrc(_song())
    assert text.splitlines()[1:] == [
        "[00:03.20]<00:03.20>Salt <00:03.71>in <00:03.95>the <00:04.21>evening "
        "<00:04.59>air <00:06.00>",
        "[00:06.00]<00:06.00>Every <00:06.48><00:06.51>boat <00:07.50><00:07.99>",
        "[00:08.80]<00:08.80>Every <00:09.30>light <00:10.00><00:10.00>",
        "[00:11.60]A line without words <00:13.00>",
    ]


def test_written_words_parse_the_same_in_a_reference_a2_reader():
    lyrics = _song()
    ours, problems = parse_lrc(format_lrc(lyrics))
    assert problems == []
    theirs = reference_read(format_lrc(lyrics))
    for line, (start, words, closing) in zip(ours.lines, theirs, strict=True):
        assert start == line.start_ms
        ours_words = [(w.start_ms, w.text, w.end_ms) for w in line.words]
        assert words == (ours_words or [(line.start_ms, line.text, line.end_ms)])
        assert closing == (line.end_ms if line.end_ms is not None else line.words[-1].end_ms)


def test_written_times_round_half_up_and_keep_their_order():
    words = [LyricWord(ms, f"w{i}") for i, ms in enumerate([1_004, 1_005, 1_006, 1_014, 1_015])]
    line = LyricLine(1_000, " ".join(w.text for w in words), words=words)
    parsed, _ = parse_lrc(format_lrc(Lyrics(lines=[line])))
    starts = [w.start_ms for w in parsed.lines[0].words]
    assert starts == [1_000, 1_010, 1_010, 1_010, 1_020]
    assert starts == sorted(starts)
    assert timecode.format_timestamp(59_995) == "01:00.00"
    assert timecode.format_timestamp(3_599_994) == "59:59.99"


def test_milliseconds_option_keeps_exact_times():
    lyrics = _song()
    text = format_lrc(lyrics, milliseconds=True)
    assert "<00:04.592>air <00:05.996>" in text and "<00:06.00>Every" in text
    again, problems = parse_lrc(text)
    assert problems == []
    lyrics.lines[2].words[-1].end_ms = 10_004  # A2's one closing tag (see the next test)
    assert again == lyrics


def test_line_end_without_a_word_end_closes_the_last_word():
    """A2 has one closing tag for the last word and the line; the end is kept for both."""
    line = LyricLine(1_000, "a b", end_ms=3_000, words=[LyricWord(1_000, "a"),
                                                       LyricWord(2_000, "b")])
    again, _ = parse_lrc(format_lrc(Lyrics(lines=[line])))
    assert again.lines[0].end_ms == 3_000
    assert [(w.start_ms, w.end_ms) for w in again.lines[0].words] == [(1_000, None),
                                                                      (2_000, 3_000)]


@pytest.mark.parametrize("text", [
    "[00:01.00]Hello [00:01.50]bright [00:02.00]world[00:02.80]",   # ESLyric / foobar2000
    "[00:01.00]Hello[00:01.50]bright[00:02.00]world[00:02.80]",
    "[ 00:01.00 ]< 00:01.00 >Hello < 00:01.50 >bright <00:02.00 >world< 00:02.80>",
    "[00:01.00]<00:01.00>Hello [ 00:01.50 ]bright [00:02.00 ]world [ 00:02.80 ]",
])
def test_inline_square_and_spaced_word_stamps_become_words(text):
    lyrics, problems = parse_lrc(text)
    assert problems == []
    (line,) = lyrics.lines
    assert [(w.start_ms, w.text, w.end_ms) for w in line.words] == [
        (1_000, "Hello", None), (1_500, "bright", None), (2_000, "world", 2_800)]
    assert "[" not in line.text and "<" not in line.text
    assert line.text.replace(" ", "") == "Hellobrightworld"


def test_cjk_inline_square_stamps():
    lyrics, problems = parse_lrc("[00:23.00]你[00:23.30]好[00:23.60]世[00:23.90]界[00:24.50]")
    assert problems == []
    (line,) = lyrics.lines
    assert line.text == "你好世界"
    assert [(w.text, w.start_ms) for w in line.words] == [("你", 23_000), ("好", 23_300),
                                                          ("世", 23_600), ("界", 23_900)]
    assert line.words[-1].end_ms == 24_500


def test_a_bom_at_the_start_of_a_later_line_is_ignored():
    text = "[ti:Joined]\n[00:01.00]first\n\ufeff[ar:Second File]\n\ufeff[00:02.00]<00:02.00>two"
    lyrics, problems = parse_lrc(text)
    assert problems == []
    assert lyrics.tags == {"ti": "Joined", "ar": "Second File"}
    assert [(line.start_ms, line.text) for line in lyrics.lines] == [(1_000, "first"),
                                                                    (2_000, "two")]
    assert lyrics.lines[1].words[0].text == "two"


def test_files_written_before_keep_their_meaning():
    """The earlier writer glued ends to words: ``word<00:01.20>`` and ``text[00:12.00]``."""
    lyrics, problems = parse_lrc("[00:10.00]This line ends early[00:12.00]\n"
                                 "[00:20.00]<00:20.00>la <00:20.50>la<00:21.00>[00:22.00]\n"
                                 "[00:30.00]<00:30.00>two<00:30.20>  <00:30.50>words")
    assert problems == []
    early, la, two = lyrics.lines
    assert (early.end_ms, early.words) == (12_000, [])
    assert la.end_ms == 22_000 and la.words[-1].end_ms == 21_000
    assert two.text == "two  words"
    assert [(w.start_ms, w.end_ms) for w in two.words] == [(30_000, 30_200), (30_500, None)]
