"""Write ``Lyrics`` as LRC text (the inverse of ``lrc.parse_lrc``).

Output is canonical: standard ID tags first (``ti ar al au by length offset``, then the rest in
their order), then one line per time stamp sorted by start, ``\\n`` line ends, UTF-8 without
BOM when written to disk. With ``[offset:]`` present the offset is added back to every time so
the stamps read as they did in the source file; if that would make a stamp negative (only
possible for lyrics edited after parsing), the times are written as they are and the
``[offset:]`` tag is left out, so the file still plays at the same times.

Word stamps are written when the words line up with the line text (each word found in order,
separated only by whitespace); otherwise the line text wins and the words are left out.
An explicit ``LyricLine.end_ms`` is written as a stamp after the text; instrumental (empty)
lines cannot carry one.
"""

from __future__ import annotations

import re
from pathlib import Path

from ainur_studio.fileio import atomic_write_text
from ainur_studio.lyrics.timecode import format_timestamp, parse_offset
from ainur_studio.types import LyricLine, Lyrics

_TAG_ORDER = ("ti", "ar", "al", "au", "by", "length", "offset")
_TAG_KEY = re.compile(r"[A-Za-z#][A-Za-z0-9_#-]*")
_FORBIDDEN = re.compile(r"[\r\n]")


def _stamp(ms: int, offset: int, bracket: str = "[]") -> str:
    return f"{bracket[0]}{format_timestamp(ms + offset)}{bracket[1]}"


def _tag_lines(tags: dict[str, str], *, keep_offset: bool) -> list[str]:
    ordered = [k for k in _TAG_ORDER if k in tags] + [k for k in tags if k not in _TAG_ORDER]
    out = []
    for key in ordered:
        if key == "offset" and not keep_offset:
            continue
        value = str(tags[key])
        if not _TAG_KEY.fullmatch(key):
            raise ValueError(f"ID tag name {key!r} cannot be written; use letters and digits")
        if re.search(r"[\[\]\r\n]", value):
            raise ValueError(f"ID tag [{key}:] value {value!r} contains a bracket or line "
                             "break, which LRC cannot hold")
        out.append(f"[{key}:{value}]")
    return out


def _file_offset(lyrics: Lyrics) -> int | None:
    """The offset to add back, or None when it must be baked into the times."""
    try:
        offset = parse_offset(lyrics.tags.get("offset", "0"))
    except ValueError:
        return 0  # an unreadable offset was ignored when parsing; keep it as text
    times = [t for line in lyrics.lines for t in _line_times(line)]
    if times and min(times) + offset < 0:
        return None
    return offset


def _line_times(line: LyricLine) -> list[int]:
    times = [line.start_ms] + ([line.end_ms] if line.end_ms is not None else [])
    for word in line.words:
        times += [word.start_ms] + ([word.end_ms] if word.end_ms is not None else [])
    return times


def _words_body(line: LyricLine, offset: int) -> str | None:
    """Text with word stamps, or None when the words do not line up with the text."""
    text, pos, parts = line.text, 0, []
    for word in line.words:
        gap_end = pos + len(text[pos:]) - len(text[pos:].lstrip())
        if not word.text or word.text != word.text.strip() or (pos == 0 and gap_end != 0):
            return None
        if not text.startswith(word.text, gap_end):
            return None
        parts += [text[pos:gap_end], _stamp(word.start_ms, offset, "<>"), word.text]
        if word.end_ms is not None:
            parts.append(_stamp(word.end_ms, offset, "<>"))
        pos = gap_end + len(word.text)
    return "".join(parts) if pos == len(text) else None


def format_line(line: LyricLine, *, offset: int = 0, words: bool = True) -> str:
    """One LRC line; `offset` (ms) is added to every time.

    Raises:
        ValueError: when the text holds a line break or a time is negative.
    """
    if _FORBIDDEN.search(line.text):
        raise ValueError(f"lyric line at {line.start_ms} ms contains a line break; "
                         "split it into two lines")
    body = (_words_body(line, offset) if words and line.words else None) or line.text
    end = _stamp(line.end_ms, offset) if line.end_ms is not None and line.text else ""
    return _stamp(line.start_ms, offset) + body + end


def format_lrc(lyrics: Lyrics, *, words: bool = True) -> str:
    """Render lyrics as LRC text.

    Args:
        lyrics: times with the offset applied, as ``parse_lrc`` returns them.
        words: write word stamps (enhanced LRC) where the lines have words.

    Returns:
        The file text, ending with a newline.

    Raises:
        ValueError: for text or tags that LRC cannot hold (line breaks, brackets in tags).
    """
    offset = _file_offset(lyrics)
    out = _tag_lines(lyrics.tags, keep_offset=offset is not None)
    lines = sorted(lyrics.lines, key=lambda line: line.start_ms)
    out += [format_line(line, offset=offset or 0, words=words) for line in lines]
    return "\n".join(out) + "\n"


def write_lrc(path: str | Path, lyrics: Lyrics, *, words: bool = True) -> Path:
    """Write lyrics to `path` atomically as UTF-8; returns the path."""
    return atomic_write_text(path, format_lrc(lyrics, words=words))
