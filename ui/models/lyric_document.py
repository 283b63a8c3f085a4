"""The lyric timeline document: synced lines (and words) with undoable edits.

The document owns an `ainur_studio.types.Lyrics` and a `QUndoStack`. Every public edit goes
through the stack; views read `lines`, `line_end_ms()` and `problems()` and listen to
`changed`. Times are integer milliseconds. Lines keep the order they are sung in; a line
dragged over its neighbour is marked as an overlap rather than silently reordered. A line
without an end of its own runs to the next line's start; moving it gives it its own end, so a
move never changes its length. Tap-to-sync stamps keep the lines ordered and apart.
The document also holds the song's chord lane (`chords`), edited on the same undo stack.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from ainur_studio.lyrics.grid import Grid, snap_line_starts
from ainur_studio.types import LyricLine, Lyrics, LyricWord
from ui.models.chord_lane import ChordLane
from ui.models.lyric_commands import SnapshotCommand

DEFAULT_LINE_MS = 3000
MIN_LINE_MS = 100


@dataclass(frozen=True)
class Problem:
    """Something the timeline marks on a line: "overlap" or "past-end"."""

    index: int
    kind: str
    message: str


class LyricDocument(QObject):
    changed = Signal()            # any edit, undo or redo
    duration_changed = Signal(int)  # take duration in ms (0 = unknown)

    def __init__(self, lyrics: Lyrics | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lyrics = copy.deepcopy(lyrics) if lyrics else Lyrics()
        self._duration_ms = 0
        self._gestures = itertools.count(1)
        self._gesture: int | None = None
        self.undo_stack = QUndoStack(self)
        self.chords = ChordLane(self.undo_stack, parent=self)

    # --- reading -----------------------------------------------------------------------
    @property
    def lyrics(self) -> Lyrics:
        """A copy of the current lyrics (edits go through the methods below)."""
        return copy.deepcopy(self._lyrics)

    @property
    def lines(self) -> list[LyricLine]:
        return self._lyrics.lines

    @property
    def duration_ms(self) -> int:
        return self._duration_ms

    def set_duration_ms(self, duration_ms: int) -> None:
        """The current take's length, used for past-the-end marks (not an undoable edit)."""
        self._duration_ms = max(0, int(duration_ms))
        self.duration_changed.emit(self._duration_ms)
        self.changed.emit()

    def line_end_ms(self, index: int) -> int:
        """The line's end: its own, else the next line's start, else a default length."""
        line = self.lines[index]
        if line.end_ms is not None:
            return line.end_ms
        if index + 1 < len(self.lines) and self.lines[index + 1].start_ms > line.start_ms:
            return self.lines[index + 1].start_ms
        return line.start_ms + DEFAULT_LINE_MS

    def content_end_ms(self) -> int:
        ends = [self.line_end_ms(i) for i in range(len(self.lines))]
        return max([self._duration_ms, *ends, 0])

    def problems(self) -> list[Problem]:
        """Overlapping lines and lines past the end of the take."""
        found = []
        for i in range(len(self.lines)):
            if i + 1 < len(self.lines) and self.line_end_ms(i) > self.lines[i + 1].start_ms:
                found.append(Problem(i, "overlap", f"line {i + 1} overlaps line {i + 2}"))
            if self._duration_ms and self.line_end_ms(i) > self._duration_ms:
                found.append(Problem(i, "past-end", f"line {i + 1} runs past the end of "
                                                    f"the take ({self._duration_ms / 1000:.1f} s)"))
        return found

    # --- gestures and the undo stack -------------------------------------------------------
    def begin_gesture(self) -> None:
        """Start a gesture (one drag): its edits merge into a single undo step."""
        self._gesture = self.new_gesture()

    def end_gesture(self) -> None:
        self._gesture = None

    def new_gesture(self) -> int:
        """A fresh id for edits that merge into one undo step (a tap-to-sync session)."""
        return next(self._gestures)

    def _push(self, text: str, after: Lyrics, gesture: int | None = None) -> None:
        gesture = self._gesture if gesture is None else gesture
        self.undo_stack.push(SnapshotCommand(self, text, self._lyrics, after, gesture=gesture))

    def _restore(self, lyrics: Lyrics) -> None:
        self._lyrics = copy.deepcopy(lyrics)
        self.changed.emit()

    def _edited(self) -> Lyrics:
        return copy.deepcopy(self._lyrics)

    def _check(self, index: int) -> None:
        if not 0 <= index < len(self.lines):
            raise IndexError(f"no lyric line {index + 1} (the document has {len(self.lines)})")

    def reset(self, lyrics: Lyrics) -> None:
        """Start over with `lyrics` and an empty undo history (opening a project)."""
        self.undo_stack.clear()
        self._restore(lyrics)

    # --- edits -------------------------------------------------------------------------
    def set_lyrics(self, lyrics: Lyrics, text: str = "Replace lyrics") -> None:
        self._push(text, lyrics)

    def snap_lines(self, grid: Grid, *, unit: str = "beat") -> None:
        """Move every line start (words with it) to the nearest beat or bar of `grid`."""
        after = snap_line_starts(self._lyrics, grid, unit=unit)
        if after != self._lyrics:
            self._push(f"Snap lines to the {unit}", after)

    def move_line(self, index: int, start_ms: int) -> None:
        """Move a line (and its words) so it starts at `start_ms`, keeping its length: a line
        that ran to the next line's start gets that end as its own first."""
        self._check(index)
        after = self._edited()
        line = after.lines[index]
        line.end_ms = self.line_end_ms(index)
        delta = max(0, int(start_ms)) - line.start_ms
        _shift_line(line, delta)
        self._push(f"Move line {index + 1}", after)

    def resize_line(self, index: int, start_ms: int, end_ms: int) -> None:
        """Give a line new edges; its words are rescaled into the new span."""
        self._check(index)
        start_ms, end_ms = max(0, int(start_ms)), int(end_ms)
        if end_ms - start_ms < MIN_LINE_MS:
            raise ValueError(f"a line must last at least {MIN_LINE_MS} ms")
        after = self._edited()
        old_start, old_end = self.lines[index].start_ms, self.line_end_ms(index)
        line = after.lines[index]
        _rescale_words(line, old_start, old_end, start_ms, end_ms)
        line.start_ms, line.end_ms = start_ms, end_ms
        self._push(f"Resize line {index + 1}", after)

    def set_text(self, index: int, text: str) -> None:
        """Change a line's text. Words are rebuilt, spread over the line, when the word
        count changes, and keep their times when only their spelling changes."""
        self._check(index)
        if text == self.lines[index].text:
            return
        after = self._edited()
        line = after.lines[index]
        line.words = _retext_words(line, text, self.line_end_ms(index))
        line.text = text
        self._push(f"Edit line {index + 1}", after)

    def add_line(self, start_ms: int, text: str = "", end_ms: int | None = None) -> int:
        """Insert a line in time order; returns its index."""
        after = self._edited()
        new = LyricLine(start_ms=max(0, int(start_ms)), text=text, end_ms=end_ms)
        index = sum(1 for line in after.lines if line.start_ms <= new.start_ms)
        after.lines.insert(index, new)
        self._push("Add line", after)
        return index

    def delete_lines(self, indexes: list[int]) -> None:
        for i in indexes:
            self._check(i)
        after = self._edited()
        after.lines = [ln for i, ln in enumerate(after.lines) if i not in set(indexes)]
        self._push("Delete line" + ("s" if len(indexes) > 1 else ""), after)

    def split_line(self, index: int, char_pos: int) -> None:
        """Split a line's text at `char_pos`; the second part starts at its first word's
        time, or in proportion to the characters when the line has no words."""
        self._check(index)
        line = self.lines[index]
        text = line.text
        if not 0 < char_pos < len(text):
            raise ValueError("split inside the line's text, not at its ends")
        after = self._edited()
        first, second = _split(after.lines[index], char_pos, self.line_end_ms(index))
        after.lines[index:index + 1] = [first, second]
        self._push(f"Split line {index + 1}", after)

    def merge_with_next(self, index: int) -> None:
        self._check(index)
        self._check(index + 1)
        after = self._edited()
        a, b = after.lines[index], after.lines[index + 1]
        a.text = f"{a.text} {b.text}".strip()
        a.words = a.words + b.words
        a.end_ms = b.end_ms if b.end_ms is not None else self.line_end_ms(index + 1)
        del after.lines[index + 1]
        self._push(f"Merge lines {index + 1} and {index + 2}", after)

    def stamp_line(self, index: int, ms: int, *, session: int | None = None) -> None:
        """Tap-to-sync: line `index` starts now (after the line before it, which ends here);
        later lines it would cover move on. `session` (from `new_gesture`) merges the stamps
        of one tap session into a single "Tap sync" undo step."""
        self._check(index)
        after = self._edited()
        _stamp_line(after.lines, index, int(ms))
        self._push(_stamp_text(session, f"Sync line {index + 1}"), after, session)

    def stamp_word(self, index: int, word: int, ms: int, *, session: int | None = None) -> None:
        """Tap-to-sync in word mode: word `word` of line `index` starts now; the first word
        stamps the line itself (see `stamp_line`)."""
        self._check(index)
        after = self._edited()
        line = after.lines[index]
        if not line.words:
            line.words = _words_from_text(line.text, line.start_ms, self.line_end_ms(index))
        if not 0 <= word < len(line.words):
            raise IndexError(f"line {index + 1} has no word {word + 1}")
        if word == 0:
            ms = _stamp_line(after.lines, index, int(ms))
        else:
            line.words[word - 1].end_ms = int(ms)
            _push_following(after.lines, index, int(ms) + MIN_LINE_MS)
        line.words[word].start_ms = int(ms)
        self._push(_stamp_text(session, f"Sync word {word + 1} of line {index + 1}"), after,
                   session)

    def move_word(self, index: int, word: int, start_ms: int) -> None:
        self._check(index)
        after = self._edited()
        words = after.lines[index].words
        if not 0 <= word < len(words):
            raise IndexError(f"line {index + 1} has no word {word + 1}")
        length = (words[word].end_ms or words[word].start_ms) - words[word].start_ms
        words[word].start_ms = max(0, int(start_ms))
        if words[word].end_ms is not None:
            words[word].end_ms = words[word].start_ms + length
        self._push(f"Move word {word + 1} of line {index + 1}", after)


# --- pure helpers on records --------------------------------------------------------------

def _shift_line(line: LyricLine, delta: int) -> None:
    delta = max(delta, -line.start_ms)
    line.start_ms += delta
    if line.end_ms is not None:
        line.end_ms += delta
    for word in line.words:
        word.start_ms = max(0, word.start_ms + delta)
        if word.end_ms is not None:
            word.end_ms = max(0, word.end_ms + delta)


def _scale(ms: int, old_start: int, old_end: int, new_start: int, new_end: int) -> int:
    span = max(1, old_end - old_start)
    return round(new_start + (ms - old_start) * (new_end - new_start) / span)


def _rescale_words(line: LyricLine, old_start: int, old_end: int, start: int, end: int) -> None:
    for word in line.words:
        word.start_ms = _scale(word.start_ms, old_start, old_end, start, end)
        if word.end_ms is not None:
            word.end_ms = _scale(word.end_ms, old_start, old_end, start, end)


def _words_from_text(text: str, start_ms: int, end_ms: int) -> list[LyricWord]:
    """Words of `text` spread evenly over [start_ms, end_ms]."""
    tokens = text.split()
    if not tokens:
        return []
    step = (end_ms - start_ms) / len(tokens)
    return [LyricWord(start_ms=round(start_ms + i * step), text=tok,
                      end_ms=round(start_ms + (i + 1) * step)) for i, tok in enumerate(tokens)]


def _retext_words(line: LyricLine, text: str, end_ms: int) -> list[LyricWord]:
    if not line.words:
        return []
    tokens = text.split()
    if len(tokens) == len(line.words):
        return [LyricWord(w.start_ms, tok, w.end_ms) for w, tok in zip(line.words, tokens, strict=True)]
    return _words_from_text(text, line.start_ms, end_ms)


def _split(line: LyricLine, char_pos: int, end_ms: int) -> tuple[LyricLine, LyricLine]:
    head, tail = line.text[:char_pos].rstrip(), line.text[char_pos:].lstrip()
    n_head = len(head.split())
    if line.words and 0 < n_head < len(line.words):
        at = line.words[n_head].start_ms
        head_words, tail_words = line.words[:n_head], line.words[n_head:]
    else:
        at = round(line.start_ms + (end_ms - line.start_ms) * char_pos / max(1, len(line.text)))
        head_words, tail_words = [], []
    first = LyricLine(start_ms=line.start_ms, text=head, words=head_words, end_ms=at)
    second = LyricLine(start_ms=at, text=tail, words=tail_words, end_ms=line.end_ms)
    return first, second


def _stamp_text(session: int | None, text: str) -> str:
    return "Tap sync" if session is not None else text


def _stamp_line(lines: list[LyricLine], index: int, ms: int) -> int:
    """Start line `index` at `ms` (at least `MIN_LINE_MS` after the line before, which then
    ends there unless it already ends sooner), keeping its own length, and move on the later
    lines it would cover. Returns the start used."""
    prev = lines[index - 1] if index > 0 else None
    ms = max(ms, prev.start_ms + MIN_LINE_MS) if prev else max(0, ms)
    _shift_line(lines[index], ms - lines[index].start_ms)
    if prev is not None and (prev.end_ms is None or prev.end_ms > ms):
        prev.end_ms = ms
    _push_following(lines, index, ms + MIN_LINE_MS)
    return ms


def _push_following(lines: list[LyricLine], index: int, floor: int) -> None:
    """Lines after `index` that would start before `floor` or inside the line before them
    move later, each keeping its length, until one already starts late enough."""
    for j in range(index + 1, len(lines)):
        prev = lines[j - 1]
        earliest = max(floor, prev.start_ms + MIN_LINE_MS, prev.end_ms or 0)
        if lines[j].start_ms >= earliest:
            return
        _shift_line(lines[j], earliest - lines[j].start_ms)
        floor = 0
