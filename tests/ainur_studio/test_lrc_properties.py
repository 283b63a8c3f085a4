"""Property tests: format -> parse and parse -> format -> parse give back the lyrics (exactly with
``milliseconds=True``, rounded to centiseconds by default), and no input makes the parser raise
anything but LrcError."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ainur_studio.lyrics.lrc import LrcError, format_lrc, parse_lrc
from ainur_studio.lyrics.timecode import parse_offset
from ainur_studio.types import LyricLine, Lyrics, LyricWord

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
STAMP_LIKE = re.compile(r"<\s*\d+:\d|\[\s*\d+:\d|\[\s*[-+]?\d[^\]]*\]\s*$")
LRC_ALPHABET = "[]<>:.0123456789 abAR+-\n\r\t#"

times = st.integers(min_value=0, max_value=5 * 3_600_000)
plain = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
                max_size=20)


@st.composite
def clean_text(draw) -> str:
    text = draw(plain).strip()
    assume(not text.startswith("[") and not STAMP_LIKE.search(text))
    return text


@st.composite
def lines(draw) -> LyricLine:
    start = draw(times)
    if draw(st.booleans()):  # a line with words
        texts = draw(st.lists(clean_text().filter(bool), min_size=1, max_size=5))
        gaps = draw(st.lists(st.sampled_from([" ", "  ", ""]), min_size=len(texts) - 1,
                             max_size=len(texts) - 1))
        text = texts[0] + "".join(g + t for g, t in zip(gaps, texts[1:], strict=True))
        assume(not STAMP_LIKE.search(text) and not text.startswith("["))
        words = [LyricWord(draw(times), t, draw(st.none() | times)) for t in texts]
    else:
        text, words = draw(clean_text()), []
    end = draw(st.none() | times) if text else None
    return LyricLine(start_ms=start, text=text, words=words, end_ms=end)


tag_values = st.text(alphabet=st.characters(blacklist_characters="[]\r\n",
                                            blacklist_categories=("Cs",)), max_size=12)
tags = st.dictionaries(st.from_regex(r"[a-z][a-z0-9]{0,4}", fullmatch=True).filter(
    lambda k: k != "offset"), tag_values.map(str.strip), max_size=4)


def as_written(lyrics: Lyrics, *, milliseconds: bool) -> Lyrics:
    """What parse(format(lyrics)) should give: times rounded half up to centiseconds unless
    `milliseconds` (the offset is added before rounding), and a line end closing a last word
    that has none of its own (A2 has one closing tag for both)."""
    try:
        offset = parse_offset(lyrics.tags.get("offset", "0"))
    except ValueError:
        offset = 0

    def at(ms: int | None) -> int | None:
        if ms is None or milliseconds:
            return ms
        return max(0, (ms + offset + 5) // 10 * 10 - offset)

    out = []
    for line in lyrics.lines:
        words = [LyricWord(at(w.start_ms), w.text, at(w.end_ms)) for w in line.words]
        if words and words[-1].end_ms is None:
            words[-1].end_ms = at(line.end_ms)
        out.append(LyricLine(at(line.start_ms), line.text, words, at(line.end_ms)))
    return Lyrics(lines=out, tags=dict(lyrics.tags))


@SETTINGS
@given(st.lists(lines(), max_size=8), tags, st.integers(-3000, 3000), st.booleans())
def test_format_then_parse_gives_back_the_same_lyrics(items, tag_map, offset, milliseconds):
    items.sort(key=lambda line: line.start_ms)
    if offset:
        tag_map = {**tag_map, "offset": f"{offset:+d}"}
        # times as parse would give them: never below what the offset allows
        assume(all(t + offset >= 0 for line in items for t in _times(line)))
    lyrics = Lyrics(lines=items, tags=tag_map)
    again, problems = parse_lrc(format_lrc(lyrics, milliseconds=milliseconds))
    assert problems == []
    assert again == as_written(lyrics, milliseconds=milliseconds)


def _times(line: LyricLine) -> list[int]:
    out = [line.start_ms] + ([line.end_ms] if line.end_ms is not None else [])
    for w in line.words:
        out += [w.start_ms] + ([w.end_ms] if w.end_ms is not None else [])
    return out


stamp_text = st.builds(
    lambda m, s, f, form: form.format(m=m, s=s, f=f),
    st.integers(0, 130), st.integers(0, 59), st.integers(0, 999),
    st.sampled_from(["{m:02d}:{s:02d}.{f:03d}", "{m:02d}:{s:02d}", "{m}:{s:02d}.{f}",
                     "{m:02d}:{s:02d}:{f:02d}", "1:{s:02d}:{s:02d}.{f:02d}", " {m}:{s} "]))
fragment = st.one_of(
    stamp_text.map(lambda s: f"[{s}]"),
    stamp_text.map(lambda s: f"<{s}>"),
    st.sampled_from(["[ar:Artist]", "[offset:+250]", "[offset:-700]", "[ti: T ]", "[Chorus]",
                     "[length:03:00]", " ", "  word ", "é", "[", "]", "<", "x:y", "\t", "\ufeff"]),
    plain,
)
lrc_lines = st.lists(st.lists(fragment, max_size=6).map("".join), max_size=10)


@SETTINGS
@given(lrc_lines, st.sampled_from(["\n", "\r\n", "\r"]), st.booleans(), st.booleans())
def test_parse_format_parse_is_lossless_on_messy_files(raw_lines, newline, bom, milliseconds):
    text = ("\ufeff" if bom else "") + newline.join(raw_lines)
    first, _ = parse_lrc(text)
    second, problems = parse_lrc(format_lrc(first, milliseconds=milliseconds))
    assert second == as_written(first, milliseconds=milliseconds)
    assert problems == []


@SETTINGS
@given(st.text(max_size=300) | st.text(alphabet=LRC_ALPHABET, max_size=300), st.booleans())
def test_any_text_parses_or_raises_lrc_error_only(text, strict):
    try:
        lyrics, _ = parse_lrc(text, strict=strict)
    except LrcError:
        return
    assert parse_lrc(format_lrc(lyrics))[0] == as_written(lyrics, milliseconds=False)


@SETTINGS
@given(st.binary(max_size=300), st.booleans())
def test_any_bytes_parse_or_raise_lrc_error_only(data, strict):
    try:
        parse_lrc(data, strict=strict)
    except LrcError as exc:
        assert exc.line >= 1 and exc.column >= 1
