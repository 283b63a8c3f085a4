"""Score syllables -> words -> lines -> enhanced LRC, and clip windows."""

from __future__ import annotations

from ainur_studio.data.corpus.lyrics import (
    clip_lyrics,
    lines_from_words,
    score_lyrics,
    words_from_syllables,
)
from ainur_studio.data.corpus.score_data import Syllable
from ainur_studio.lyrics.lrc import format_lrc, parse_lrc


def _syl(start: float, text: str = "", syllabic: str = "", *, duration: float = 1.0,
         fermata: bool = False) -> Syllable:
    return Syllable(start, duration, text, syllabic, fermata)


def test_syllables_join_by_syllabic_and_melisma_extends_word() -> None:
    syllables = [_syl(0, "Lie", "begin"), _syl(1, "bes", "middle"), _syl(2, "te", "end"),
                 _syl(3), _syl(4, "Gott", "single")]
    words = words_from_syllables(syllables)
    assert [(w.text, w.start, w.end) for w in words] == [("Liebeste", 0, 4), ("Gott", 4, 5)]


def test_trailing_hyphen_continues_a_word_when_syllabic_is_missing() -> None:
    words = words_from_syllables([_syl(0, "Cor-", "end"), _syl(1, "te", "end"),
                                  _syl(2, "mio", "end")])
    assert [w.text for w in words] == ["Corte", "mio"]


def test_acute_hyphen_marks_are_read_as_hyphens_when_common() -> None:
    words = words_from_syllables([_syl(0, "graú"), _syl(1, "to,"), _syl(2, "che")])
    assert [w.text for w in words] == ["grato,", "che"]


def test_lines_break_at_punctuation_rests_fermatas_and_length() -> None:
    syllables = [_syl(0, "a,"), _syl(1, "b"), _syl(2, "c", fermata=True), _syl(3, "d"),
                 _syl(6, "e"), *[_syl(7 + i, f"w{i}") for i in range(20)]]
    lines = lines_from_words(words_from_syllables(syllables), max_line_ql=8)
    texts = [" ".join(w.text for w in line) for line in lines]
    assert texts[:3] == ["a,", "b c", "d"]
    assert texts[3].startswith("e w0")
    assert all(line[-1].end - line[0].start <= 8 for line in lines)


def test_score_lyrics_times_follow_the_tempo_in_centiseconds() -> None:
    lyrics = score_lyrics([_syl(0, "Ky", "begin"), _syl(1, "ri", "middle"),
                           _syl(2, "e.", "end"), _syl(3, "Amen", "single")],
                          bpm=90, max_line_ql=16)
    assert [line.text for line in lyrics.lines] == ["Kyrie.", "Amen"]
    assert lyrics.lines[1].start_ms == 2000  # 3 quarters at 90 BPM
    assert lyrics.lines[0].words[0].end_ms == 2000
    assert all(w.start_ms % 10 == 0 for line in lyrics.lines for w in line.words)


def test_clip_window_keeps_words_inside_and_retimes_them() -> None:
    lyrics = score_lyrics([_syl(i, f"w{i}") for i in range(10)], bpm=60, max_line_ql=4)
    clipped = clip_lyrics(lyrics, 3.0, 6.0)
    words = [w for line in clipped.lines for w in line.words]
    assert [w.text for w in words] == ["w3", "w4", "w5"]
    assert words[0].start_ms == 0 and words[-1].start_ms == 2000


def test_enhanced_lrc_round_trip() -> None:
    lyrics = score_lyrics([_syl(0, "O", "single"), _syl(1, "Welt,", "single"),
                           _syl(2, "sieh", "single")], bpm=120, max_line_ql=16)
    text = format_lrc(lyrics)
    assert text.splitlines()[0] == "[00:00.00]<00:00.00>O <00:00.50>Welt, <00:01.00>"
    parsed, problems = parse_lrc(text, strict=True)
    assert problems == []
    assert [line.text for line in parsed.lines] == ["O Welt,", "sieh"]
    assert [w.start_ms for w in parsed.lines[0].words] == [0, 500]
