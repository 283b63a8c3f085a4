"""Read synced lyrics (LRC): standard, multi-stamp and enhanced (word-level) files.

``parse_lrc`` accepts text or bytes (see ``decoding``) and returns a ``Lyrics`` plus the
problems met. Lenient mode (the default, for imports) skips lines it cannot use and reports
each one; strict mode raises ``LrcError`` at the first problem.

What a line may hold:

- ``[ar:Artist]`` and other ID tags (keys lower-cased, values stripped), several per line;
- ``[00:12.00][01:10.00]Text``: one ``LyricLine`` per stamp, spaces between stamps allowed;
- ``<00:12.00>Word <00:12.40>word <00:13.00>`` (A2 enhanced LRC): word stamps; a stamp
  followed by no text ends the previous word (``LyricWord.end_ms``), and a second such stamp
  after the last word is the line's end (``LyricLine.end_ms``); text before the first word
  stamp becomes a word starting with the line. Word texts are stripped; the line text keeps
  the spacing between them. ``[00:12.40]`` stamps after text are word stamps too (the
  foobar2000 / ESLyric form ``[00:01.00]word[00:01.50]word[00:02.00]``). Spaces inside any
  stamp's brackets are allowed, and a BOM at the start of any line is ignored.
- ``[00:12.00]Text <00:15.50>`` or ``[00:12.00]Text[00:15.50]``: a single stamp at the very end
  of plain text is the line's end; so is a ``[..]`` after ``<..>`` word stamps (the form
  earlier versions wrote);
- ``[00:30.00]`` alone: an instrumental line (empty text).

On a multi-stamp line the words move with each copy of the line, for at most
``MAX_REPEATED_WORDS`` word objects per line: later copies keep the text without words and
the cut is reported, so parsing stays linear in the size of the file.

Offsets: ``[offset:+500]`` means the lyrics should appear 500 ms sooner, so it is subtracted
from every time (clamped at 0) wherever the tag stands in the file. The tag stays in
``Lyrics.tags["offset"]``; ``format_lrc`` writes it back and adds it to the times again, so the
written stamps match the source file; a parse -> format -> parse round trip is lossless with
``format_lrc(..., milliseconds=True)`` (by default times are rounded to centiseconds).

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
_TIME = r"\d+:\d{1,2}(?::\d{1,2}\.\d+|[.:]\d+)?"
_INLINE_STAMP = re.compile(rf"<\s*({_TIME})\s*>|\[\s*({_TIME})\s*\]")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_BOM = "\ufeff"

MAX_REPEATED_WORDS = 2_000  # word objects one multi-stamp line may create (see above)


@dataclass
class _Stamp:
    """An inline (word) stamp and the text after it, up to the next stamp."""

    ms: int
    column: int
    square: bool  # written as [..] (foobar2000 / ESLyric) rather than <..>
    after: str


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
        if not raw.lstrip(_BOM).strip():
            return
        stamps: list[int] = []
        pos = len(raw) - len(raw.lstrip(_BOM))  # files joined together keep their BOMs
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
        body = self.parse_body(lineno, pos, raw[pos:])
        if not stamps and body.first_stamp_ms is not None:
            stamps = [body.first_stamp_ms]  # word-stamped line without a line stamp
        if not stamps:
            if not bad:
                column = len(raw) - len(raw.lstrip()) + 1
                self.report(lineno, column, "no time stamp: expected [mm:ss.xx] or an ID tag "
                            "such as [ar:Artist]")
            return
        copies = len(stamps) if not body.words else max(1, MAX_REPEATED_WORDS // len(body.words))
        if copies < len(stamps):
            self.report(lineno, 1, f"a line with {len(body.words)} word stamps repeated at "
                        f"{len(stamps)} time stamps: words kept on the first {copies} repeats "
                        f"only (at most {MAX_REPEATED_WORDS} words per line); split the repeats "
                        "into lines of their own to time each one")
        for index, stamp in enumerate(stamps):
            self.lines.append(_place(body, stamp, stamps[0], words=index < copies))

    def parse_body(self, lineno: int, pos: int, rest: str) -> _Body:
        matches = list(_INLINE_STAMP.finditer(rest))
        if not matches:
            return _Body(rest.strip())
        bounds = [m.start() for m in matches[1:]] + [len(rest)]
        pre = rest[:matches[0].start()]
        afters = [rest[m.end():bound] for m, bound in zip(matches, bounds, strict=True)]
        text = (pre + "".join(afters)).strip()
        stamps = []
        for match, after in zip(matches, afters, strict=True):
            try:
                ms = parse_timestamp(match.group(1) or match.group(2))
            except ValueError as exc:
                self.report(lineno, pos + match.start() + 2, f"bad word stamp, words "
                            f"dropped: {exc}")
                return _Body(text)
            stamps.append(_Stamp(ms, pos + match.start() + 1, match.group(2) is not None, after))
        end_ms = stamps.pop().ms if text and _ends_line(stamps) else None
        words, end_ms = self.build_words(lineno, pre, stamps, end_ms)
        return _Body(text, words, end_ms, stamps[0].ms if stamps else None)

    def build_words(self, lineno: int, pre: str, stamps: list[_Stamp],
                    end_ms: int | None) -> tuple[list[LyricWord], int | None]:
        """Words from the text between word stamps, and the line's end."""
        words: list[LyricWord] = []
        if stamps and pre.strip():
            words.append(LyricWord(start_ms=-1, text=pre.strip()))  # starts with the line
        for index, stamp in enumerate(stamps):
            if stamp.after.strip():
                words.append(LyricWord(start_ms=stamp.ms, text=stamp.after.strip()))
            elif words and words[-1].end_ms is None:
                words[-1].end_ms = stamp.ms
            elif words and end_ms is None and index == len(stamps) - 1:
                end_ms = stamp.ms  # a second closing stamp: the line ends after its last word
            else:
                self.report(lineno, stamp.column, "a word stamp with no word after it was ignored")
        return words, end_ms

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


def _ends_line(stamps: list[_Stamp]) -> bool:
    """Whether the last inline stamp is the line's end rather than a word's: the only stamp,
    after plain text (``Text <00:12.00>``), or a ``[..]`` after ``<..>`` word stamps (the form
    earlier versions wrote: ``<00:10.00>la<00:11.00>[00:12.00]``)."""
    if not stamps or stamps[-1].after.strip():
        return False
    return len(stamps) == 1 or (stamps[-1].square and not any(s.square for s in stamps[:-1]))


def _place(body: _Body, stamp: int, first: int, *, words: bool = True) -> LyricLine:
    """A line at `stamp`; word and end stamps move with it when a line has several stamps."""
    delta = stamp - first
    moved = [
        LyricWord(start_ms=stamp if w.start_ms < 0 else max(0, w.start_ms + delta), text=w.text,
                  end_ms=None if w.end_ms is None else max(0, w.end_ms + delta))
        for w in body.words
    ] if words else []
    end_ms = None if body.end_ms is None else max(0, body.end_ms + delta)
    return LyricLine(start_ms=stamp, text=body.text, words=moved, end_ms=end_ms)


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
    for index, raw in enumerate(_NEWLINE.split(text)):
        parser.parse_line(index + 1, raw)
    return parser.finish(), parser.problems


def read_lrc(path: str | Path, *, strict: bool = False) -> tuple[Lyrics, list[LrcProblem]]:
    """Read and parse an LRC file; see ``parse_lrc``. OS errors propagate unchanged."""
    return parse_lrc(Path(path).read_bytes(), strict=strict)
