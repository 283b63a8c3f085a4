"""Timing helpers shared by the model and the timeline editor: line and word spans, the lines
in a crop window, frame-aligned "what is sung now" indices, seconds <-> frames, and snapping
to bars and beats.

A line lasts from its start to its explicit ``end_ms``, else the end of its last word, else
the next later line's start; the last line ends at ``[length:]`` or `last_line_ms` after its
start. Instrumental lines (empty text) end the line before them and are never "sung".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ainur_studio.lyrics.timecode import parse_length
from ainur_studio.types import LyricLine, Lyrics

DEFAULT_LAST_LINE_MS = 5000  # how long the last line lasts when nothing says otherwise
WINDOW_LEAD_S = 1.0          # a line stamped up to this long before a crop still belongs to it


@dataclass(frozen=True)
class Span:
    """A half-open time span [start_ms, end_ms) of a line or word."""

    start_ms: int
    end_ms: int

    def overlaps(self, start_ms: float, end_ms: float) -> bool:
        return self.start_ms < end_ms and start_ms < self.end_ms


@dataclass(frozen=True)
class WordSpan:
    """A word located in its document: ``lyrics.lines[line].words[word]``."""

    line: int
    word: int
    span: Span


def length_ms(lyrics: Lyrics) -> int | None:
    """The ``[length:]`` tag in milliseconds, or None when missing or unreadable."""
    try:
        return parse_length(lyrics.tags["length"])
    except (KeyError, ValueError):
        return None


def _next_start(lines: list[LyricLine], index: int) -> int | None:
    start = lines[index].start_ms
    for later in lines[index + 1:]:
        if later.start_ms > start:
            return later.start_ms
    return None


def line_spans(lyrics: Lyrics, *, last_line_ms: int = DEFAULT_LAST_LINE_MS) -> list[Span]:
    """Start and end of every line, in document order (see the module docstring)."""
    song_end = length_ms(lyrics)
    spans = []
    for index, line in enumerate(lyrics.lines):
        end = line.end_ms
        if end is None and line.words and line.words[-1].end_ms is not None:
            end = line.words[-1].end_ms
        if end is None:
            end = _next_start(lyrics.lines, index)
        if end is None:
            fits = song_end is not None and song_end > line.start_ms
            end = song_end if fits else line.start_ms + last_line_ms
        spans.append(Span(line.start_ms, max(end, line.start_ms)))
    return spans


def word_spans(lyrics: Lyrics, *, last_line_ms: int = DEFAULT_LAST_LINE_MS) -> list[WordSpan]:
    """Every word with its span: its own end, else the next word's start, else the line end."""
    out = []
    for li, (line, span) in enumerate(zip(lyrics.lines, line_spans(
            lyrics, last_line_ms=last_line_ms), strict=True)):
        for wi, word in enumerate(line.words):
            end = word.end_ms
            if end is None:
                end = line.words[wi + 1].start_ms if wi + 1 < len(line.words) else span.end_ms
            out.append(WordSpan(li, wi, Span(word.start_ms, max(end, word.start_ms))))
    return out


def lines_in_window(lyrics: Lyrics, start_s: float, end_s: float, *,
                    lead_s: float = WINDOW_LEAD_S,
                    last_line_ms: int = DEFAULT_LAST_LINE_MS) -> list[LyricLine]:
    """The sung lines that belong to a crop of the song.

    A line is kept when its span overlaps [start_s, end_s) or its stamp lies at most
    `lead_s` before `start_s` (Ainur's rule, which alone drops long lines still sung at the
    crop start). Instrumental lines are left out.

    Args:
        lyrics: the document, lines sorted by start.
        start_s: crop start in seconds.
        end_s: crop end in seconds (exclusive).
        lead_s: grace before the crop for lines that just started.
        last_line_ms: duration of the last line when nothing gives its end.

    Returns:
        The kept lines in order.
    """
    start_ms, end_ms = start_s * 1000.0, end_s * 1000.0
    kept = []
    for line, span in zip(lyrics.lines, line_spans(lyrics, last_line_ms=last_line_ms),
                          strict=True):
        recent = start_ms - lead_s * 1000.0 <= line.start_ms <= end_ms
        if line.text and (span.overlaps(start_ms, end_ms) or recent):
            kept.append(line)
    return kept


def window_text(lyrics: Lyrics, start_s: float, end_s: float, **kwargs: float) -> str:
    """The text of ``lines_in_window`` joined with newlines ("" for an instrumental crop)."""
    return "\n".join(line.text for line in lines_in_window(lyrics, start_s, end_s, **kwargs))


# --- frames ------------------------------------------------------------------------------

def latent_frame_rate(sample_rate: int, downsampling_ratio: int) -> float:
    """Frames per second of a latent sequence, e.g. 48000 / 1024 = 46.875."""
    if sample_rate <= 0 or downsampling_ratio <= 0:
        raise ValueError("sample_rate and downsampling_ratio must be positive, got "
                         f"{sample_rate} and {downsampling_ratio}")
    return sample_rate / downsampling_ratio


def seconds_to_frames(seconds: float, frame_rate: float) -> int:
    """Index of the frame containing time `seconds` (frame i covers [i, i+1) / frame_rate)."""
    return math.floor(seconds * frame_rate + 1e-9)


def frames_to_seconds(frames: float, frame_rate: float) -> float:
    """Start time in seconds of frame `frames`."""
    return frames / frame_rate


def _fill(index: list[int], span: Span, frame_rate: float, value: int) -> None:
    """Mark the frames whose centre lies in `span`."""
    first = max(0, math.ceil(span.start_ms / 1000.0 * frame_rate - 0.5))
    stop = min(len(index), math.ceil(span.end_ms / 1000.0 * frame_rate - 0.5))
    if stop > first:  # a span wholly before frame 0 must not shrink the list
        index[first:stop] = [value] * (stop - first)


def active_line_index(lyrics: Lyrics, n_frames: int, frame_rate: float, *,
                      last_line_ms: int = DEFAULT_LAST_LINE_MS) -> list[int]:
    """For each frame, the index in ``lyrics.lines`` of the line sung at its centre.

    Args:
        lyrics: the document, lines sorted by start.
        n_frames: length of the frame sequence.
        frame_rate: frames per second (see ``latent_frame_rate``).
        last_line_ms: duration of the last line when nothing gives its end.

    Returns:
        ``n_frames`` ints, -1 where nothing is sung; a later line wins where spans overlap.
    """
    index = [-1] * n_frames
    for li, (line, span) in enumerate(zip(lyrics.lines, line_spans(
            lyrics, last_line_ms=last_line_ms), strict=True)):
        if line.text:
            _fill(index, span, frame_rate, li)
    return index


def active_word_index(lyrics: Lyrics, n_frames: int, frame_rate: float, *,
                      last_line_ms: int = DEFAULT_LAST_LINE_MS) -> list[int]:
    """For each frame, the position in ``word_spans(lyrics)`` of the word sung, or -1."""
    index = [-1] * n_frames
    for position, located in enumerate(word_spans(lyrics, last_line_ms=last_line_ms)):
        _fill(index, located.span, frame_rate, position)
    return index
