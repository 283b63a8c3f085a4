"""Read synced lyrics (LRC): standard, multi-stamp and enhanced (word-level) files.

``parse_lrc`` accepts text or bytes (see ``decoding``) and returns a ``Lyrics`` plus the
problems met. Lenient mode (the default, for imports) skips lines it cannot use and reports
each one; strict mode raises ``LrcError`` at the first problem.

What a line may hold:

- ``[ar:Artist]`` and other ID tags (keys lower-cased, values stripped), several per line;
- ``[00:12.00][01:10.00]Text``: one ``LyricLine`` per stamp, spaces between stamps allowed;
- ``<00:12.00>Word <00:12.40>word <00:13.00>``: word stamps; a stamp followed by no text ends
  the previous word (``LyricWord.end_ms``); text before the first word stamp becomes a word
  starting with the line. Word texts are stripped; the line text keeps the spacing between
  them. On a multi-stamp line the words move with each copy of the line.
- ``[00:12.00]Text[00:15.50]``: a stamp at the very end of the text is the line's end
  (``LyricLine.end_ms``), the form ``format_lrc`` writes for explicit line ends;
- ``[00:30.00]`` alone: an instrumental line (empty text).

Offsets: ``[offset:+500]`` means the lyrics should appear 500 ms sooner, so it is subtracted
from every time (clamped at 0) wherever the tag stands in the file. The tag stays in
``Lyrics.tags["offset"]``; ``format_lrc`` writes it back and adds it to the times again, so the
written stamps match the source file and a parse -> format -> parse round trip is lossless.

Lines come out sorted by start time; lines with equal starts keep their file order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from ainur_studio.lyrics.decoding import decode_lrc_bytes
from ainur_studio.lyrics.errors import LrcError, LrcProblem
from ainur_studio.lyrics.lrc_write import format_lrc, write_lrc
from ainur_studio.lyrics.timecode import looks_like_time, parse_offset, parse_timestamp
from ainur_studio.types import LyricLine, Lyrics, LyricWord

__all__ = ["LrcError", "LrcProblem", "format_lrc", "parse_lrc", "read_lrc", "write_lrc"]

_BRACKET = re.compile(r"\s*\[([^\[\]]*)\]")
_TAG = re.compile(r"([A-Za-z#][A-Za-z0-9_#-]*)\s*:(.*)", re.S)
_WORD_STAMP = re.compile(r"<\s*(\d+:\d{1,2}(?::\d{1,2}\.\d+|[.:]\d+)?)\s*>")
_END_STAMP = re.compile(r"\[\s*(\d+:\d{1,2}(?::\d{1,2}\.\d+|[.:]\d+)?)\s*\]\s*$")
_NEWLINE = re.compile(r"\r\n|\r|\n")


@dataclass
class _Body:
    """The part of a line after its leading stamps, relative to the first stamp."""

    text: str
    words: list[LyricWord] = field(default_factory=list)
    end_ms: int | None = None
    first_stamp_ms: int | None = None  # first word stamp, the start of an unstamped line


class _Parser:
    def __init__(self, *, strict: bool) -> None:
        self.strict = strict
        self.problems: list[LrcProblem] = []
        self.tags: dict[str, str] = {}
        self.tag_lines: dict[str, int] = {}
        self.lines: list[LyricLine] = []

    def report(self, line: int, column: int, message: str) -> None:
        problem = LrcProblem(line, column, message)
        if self.strict:
            raise LrcError.from_problem(problem)
        self.problems.append(problem)

    def parse_line(self, lineno: int, raw: str) -> None:
        if not raw.strip():
            return
        stamps: list[int] = []
        pos = 0
        had_bad_stamp = False
        while match := _BRACKET.match(raw, pos):
            content = match.group(1)
            if looks_like_time(content):
                try:
                    stamps.append(parse_timestamp(content))
                except ValueError as exc:
                    self.report(lineno, match.start(1) + 1, f"bad time stamp: {exc}")
                    had_bad_stamp = True
                pos = match.end()
                continue
            if not stamps and not had_bad_stamp and _TAG.fullmatch(content.strip()):
                self.parse_tags(lineno, raw, pos)
                return
            break
        self.parse_lyric(lineno, raw, pos, stamps, had_bad_stamp)

    def parse_tags(self, lineno: int, raw: str, pos: int) -> None:
        while match := _BRACKET.match(raw, pos):
            tag = _TAG.fullmatch(match.group(1).strip())
            if tag is None:
                break
            key = tag.group(1).lower()
            self.tags[key] = tag.group(2).strip()
            self.tag_lines[key] = lineno
            pos = match.end()
        if raw[pos:].strip():
            column = pos + len(raw[pos:]) - len(raw[pos:].lstrip()) + 1
            self.report(lineno, column, "text after an ID tag was ignored; put lyrics on "
                        "their own time-stamped line")

    def parse_lyric(self, lineno: int, raw: str, pos: int, stamps: list[int], bad: bool) -> None:
        rest = raw[pos:]
        body = self.parse_body(lineno, pos, rest)
        if not stamps and body is not None and body.first_stamp_ms is not None:
            stamps = [body.first_stamp_ms]  # word-stamped line without a line stamp
        if not stamps:
            if not bad:
                column = len(raw) - len(raw.lstrip()) + 1
                self.report(lineno, column, "no time stamp: expected [mm:ss.xx] or an ID tag "
                            "such as [ar:Artist]")
            return
        if body is None:
            return
        for stamp in stamps:
            self.lines.append(_place(body, stamp, stamps[0]))

    def parse_body(self, lineno: int, pos: int, rest: str) -> _Body | None:
        end_ms = None
        end = _END_STAMP.search(rest)
        if end and _WORD_STAMP.sub("", rest[:end.start()]).strip():
            try:
                end_ms = parse_timestamp(end.group(1))
                rest = rest[:end.start()]
            except ValueError as exc:
                self.report(lineno, pos + end.start(1) + 1, f"bad end stamp: {exc}")
        pieces = _WORD_STAMP.split(rest)
        try:
            times = [parse_timestamp(p) for p in pieces[1::2]]
        except ValueError as exc:
            self.report(lineno, pos + 1, f"bad word stamp, words dropped: {exc}")
            return _Body("".join(pieces[0::2]).strip(), [], end_ms)
        columns = [pos + m.start() + 1 for m in _WORD_STAMP.finditer(rest)]
        words = self.build_words(lineno, pieces[0], list(zip(times, columns, strict=True)),
                                 pieces[2::2])
        first = times[0] if times else None
        return _Body("".join(pieces[0::2]).strip(), words, end_ms, first)

    def build_words(self, lineno: int, pre: str, stamps: list[tuple[int, int]],
                    segments: list[str]) -> list[LyricWord]:
        """Words from the text between word stamps; `stamps` holds (time, column) pairs."""
        words: list[LyricWord] = []
        if stamps and pre.strip():
            words.append(LyricWord(start_ms=-1, text=pre.strip()))  # starts with the line
        for (time, column), segment in zip(stamps, segments, strict=True):
            if segment.strip():
                words.append(LyricWord(start_ms=time, text=segment.strip()))
            elif words and words[-1].end_ms is None:
                words[-1].end_ms = time
            else:
                self.report(lineno, column, "a word stamp with no word after it was ignored")
        return words

    def finish(self) -> Lyrics:
        offset = 0
        if "offset" in self.tags:
            try:
                offset = parse_offset(self.tags["offset"])
            except ValueError as exc:
                self.report(self.tag_lines["offset"], 1, f"[offset:] ignored: {exc}")
        lines = [_shift(line, -offset) for line in self.lines] if offset else self.lines
        lines.sort(key=lambda line: line.start_ms)
        return Lyrics(lines=lines, tags=dict(self.tags))


def _place(body: _Body, stamp: int, first: int) -> LyricLine:
    """A line at `stamp`; word and end stamps move with it when a line has several stamps."""
    delta = stamp - first
    words = [
        LyricWord(start_ms=stamp if w.start_ms < 0 else max(0, w.start_ms + delta), text=w.text,
                  end_ms=None if w.end_ms is None else max(0, w.end_ms + delta))
        for w in body.words
    ]
    end_ms = None if body.end_ms is None else max(0, body.end_ms + delta)
    return LyricLine(start_ms=stamp, text=body.text, words=words, end_ms=end_ms)


def _shift(line: LyricLine, delta: int) -> LyricLine:
    def move(ms: int | None) -> int | None:
        return None if ms is None else max(0, ms + delta)

    words = [replace(w, start_ms=move(w.start_ms), end_ms=move(w.end_ms)) for w in line.words]
    return replace(line, start_ms=move(line.start_ms), end_ms=move(line.end_ms), words=words)


def parse_lrc(source: str | bytes, *, strict: bool = False) -> tuple[Lyrics, list[LrcProblem]]:
    """Parse LRC text or file bytes.

    Args:
        source: the file content; bytes are decoded by ``decode_lrc_bytes``.
        strict: raise at the first problem instead of skipping and reporting it.

    Returns:
        ``(lyrics, problems)``: lines sorted by start with the offset applied, and one
        ``LrcProblem`` per skipped or repaired item (always empty in strict mode).

    Raises:
        LrcError: in strict mode for any problem; in both modes for binary data.
    """
    parser = _Parser(strict=strict)
    if isinstance(source, (bytes, bytearray, memoryview)):
        text, decode_problems = decode_lrc_bytes(bytes(source), strict=strict)
        parser.problems.extend(decode_problems)
    elif isinstance(source, str):
        text = source
    else:
        raise TypeError(f"parse_lrc expects str or bytes, got {type(source).__name__}")
    text = text.removeprefix("\ufeff")
    for index, raw in enumerate(_NEWLINE.split(text)):
        parser.parse_line(index + 1, raw)
    return parser.finish(), parser.problems


def read_lrc(path: str | Path, *, strict: bool = False) -> tuple[Lyrics, list[LrcProblem]]:
    """Read and parse an LRC file; see ``parse_lrc``. OS errors propagate unchanged."""
    return parse_lrc(Path(path).read_bytes(), strict=strict)
