"""Write ``Lyrics`` as LRC text (the inverse of ``lrc.parse_lrc``).

Output is canonical: standard ID tags first (``ti ar al au by length offset``, then the rest in
their order), then one line per time stamp sorted by start, ``\\n`` line ends, UTF-8 without
BOM when written to disk. With ``[offset:]`` present the offset is added back to every time so
the stamps read as they did in the source file; if that would make a stamp negative (only
possible for lyrics edited after parsing), the times are written as they are and the
``[offset:]`` tag is left out, so the file still plays at the same times.

Word stamps are written in the A2 enhanced form most players read,
``[00:12.00]<00:12.00>Word <00:12.40>word <00:13.00>``, when the words line up with the line
text (each word found in order, separated only by whitespace); otherwise the line text wins
and the words are left out. The text's own spacing stands between a word and the next stamp;
a word's end is a ``<..>`` stamp before the next word's. After the last word come its end and,
when the line has one, the line's end (``word <00:13.00><00:13.50>``); a line end with no end
for its last word closes that word too, since A2 has one closing tag for both. A plain line's
end is a ``<..>`` stamp after its text (``[00:12.00]Text <00:15.50>``); instrumental (empty)
lines cannot carry one. Times are rounded half up to centiseconds (``mm:ss.xx``);
``milliseconds=True`` keeps them exact (``mm:ss.xxx`` where needed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ainur_studio.fileio import atomic_write_text
from ainur_studio.lyrics.timecode import format_timestamp, parse_offset
from ainur_studio.types import LyricLine, Lyrics

_TAG_ORDER = ("ti", "ar", "al", "au", "by", "length", "offset")
_TAG_KEY = re.compile(r"[A-Za-z#][A-Za-z0-9_#-]*")
_FORBIDDEN = re.compile(r"[\r\n]")
_SPACE = re.compile(r"\s*")


@dataclass(frozen=True)
class _Clock:
    """Writes times as stamps: the file's offset added back, then rounded (see timecode)."""

    offset: int = 0
    milliseconds: bool = False

    def stamp(self, ms: int, bracket: str = "[]") -> str:
        text = format_timestamp(ms + self.offset, milliseconds=self.milliseconds)
        return f"{bracket[0]}{text}{bracket[1]}"


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


def _words_body(line: LyricLine, clock: _Clock) -> str | None:
    """Text with word stamps, or None when the words do not line up with the text."""
    text, pos, parts = line.text, 0, []
    for index, word in enumerate(line.words):
        if index:  # the spacing of the text, then the previous word's end
            gap_end = _SPACE.match(text, pos).end()
            parts.append(text[pos:gap_end])
            if line.words[index - 1].end_ms is not None:
                parts.append(clock.stamp(line.words[index - 1].end_ms, "<>"))
            pos = gap_end
        if not word.text or word.text != word.text.strip() or not text.startswith(word.text, pos):
            return None
        parts += [clock.stamp(word.start_ms, "<>"), word.text]
        pos += len(word.text)
    return "".join(parts) + _closing(line, clock) if pos == len(text) else None


def _closing(line: LyricLine, clock: _Clock) -> str:
    """The stamps after the last word: its end, then the line's end when it has one."""
    word_end = line.words[-1].end_ms
    if line.end_ms is None:
        return "" if word_end is None else " " + clock.stamp(word_end, "<>")
    word_end = line.end_ms if word_end is None else word_end
    return " " + clock.stamp(word_end, "<>") + clock.stamp(line.end_ms, "<>")


def format_line(line: LyricLine, *, offset: int = 0, words: bool = True,
                milliseconds: bool = False) -> str:
    """One LRC line; `offset` (ms) is added to every time.

    Raises:
        ValueError: when the text holds a line break or a time is negative.
    """
    if _FORBIDDEN.search(line.text):
        raise ValueError(f"lyric line at {line.start_ms} ms contains a line break; "
                         "split it into two lines")
    clock = _Clock(offset, milliseconds)
    body = _words_body(line, clock) if words and line.words else None
    if body is None:
        end = line.end_ms is not None and line.text
        body = line.text + (" " + clock.stamp(line.end_ms, "<>") if end else "")
    return clock.stamp(line.start_ms) + body


def format_lrc(lyrics: Lyrics, *, words: bool = True, milliseconds: bool = False) -> str:
    """Render lyrics as LRC text.

    Args:
        lyrics: times with the offset applied, as ``parse_lrc`` returns them.
        words: write word stamps (enhanced LRC) where the lines have words.
        milliseconds: write ``mm:ss.xxx`` where a time is not a whole centisecond, so
            every time comes back exactly; by default times are rounded to centiseconds.

    Returns:
        The file text, ending with a newline.

    Raises:
        ValueError: for text or tags that LRC cannot hold (line breaks, brackets in tags).
    """
    offset = _file_offset(lyrics)
    out = _tag_lines(lyrics.tags, keep_offset=offset is not None)
    lines = sorted(lyrics.lines, key=lambda line: line.start_ms)
    out += [format_line(line, offset=offset or 0, words=words, milliseconds=milliseconds)
            for line in lines]
    return "\n".join(out) + "\n"


def write_lrc(path: str | Path, lyrics: Lyrics, *, words: bool = True,
              milliseconds: bool = False) -> Path:
    """Write lyrics to `path` atomically as UTF-8 (see ``format_lrc``); returns the path."""
    return atomic_write_text(path, format_lrc(lyrics, words=words, milliseconds=milliseconds))
