"""The chord lane: one chord symbol per bar from the take's start, edited beside the lyrics.

The lane shares the lyric document's undo stack, so Undo walks back lyric and chord edits in
the order they were made. Every edit is a snapshot command; a symbol that
`ainur_studio.structure` cannot read raises its `StructureError` (naming the bar and the fix)
and changes nothing. A bar without a chord holds `NO_CHORD`; trailing empty bars are dropped.
The request sends the lane as `structure.chords` (`request_chords`).
"""

from __future__ import annotations

import typing as tp

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from ainur_studio.structure import MAX_BARS, NO_CHORD, StructureError, chord_tones, parse_chords
from ui.models.lyric_commands import SnapshotCommand


def _trimmed(chords: list[str]) -> list[str]:
    end = len(chords)
    while end and chords[end - 1] == NO_CHORD:
        end -= 1
    return chords[:end]


def _checked(symbol: str, bar: int) -> str:
    """`symbol` tidied (empty = `NO_CHORD`), or StructureError naming bar `bar` (0-based)."""
    symbol = symbol.strip()
    if not symbol:
        return NO_CHORD
    try:
        return NO_CHORD if not chord_tones(symbol) else symbol
    except StructureError as exc:
        raise StructureError(f"bar {bar + 1}: {exc}") from None


class ChordLane(QObject):
    changed = Signal()   # any edit, undo or redo

    def __init__(self, undo_stack: QUndoStack, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = undo_stack
        self._chords: list[str] = []

    # --- reading ----------------------------------------------------------------------------
    @property
    def chords(self) -> list[str]:
        """A copy: one symbol per bar, the first bar first."""
        return list(self._chords)

    def chord(self, bar: int) -> str:
        """The symbol of bar `bar` (0-based); `NO_CHORD` past the lane's end."""
        return self._chords[bar] if 0 <= bar < len(self._chords) else NO_CHORD

    def text(self) -> str:
        """The lane as typed: ``"Am F C G"``."""
        return " ".join(self._chords)

    def request_chords(self, bars: int | None = None) -> list[str]:
        """`structure.chords` for a request: the lane, cut to the take's `bars` if given (the
        bars after them lie past the take, like lyrics past its end)."""
        return self.chords[:bars] if bars else self.chords

    def copy_bars(self, first: int, last: int) -> list[str]:
        """Bars `first`..`last` (0-based, inclusive), for the clipboard."""
        first, last = sorted((max(0, first), max(0, last)))
        return [self.chord(bar) for bar in range(first, last + 1)]

    # --- edits ------------------------------------------------------------------------------
    def set_text(self, text: str) -> None:
        """Replace the lane with typed chords (``"Am F | C G"``)."""
        self._push("Type chords", parse_chords(text))

    def set_chord(self, bar: int, symbol: str) -> None:
        """Give bar `bar` (0-based) one chord; an empty symbol clears it."""
        self._check_bar(bar)
        after = self._padded(bar + 1)
        after[bar] = _checked(symbol, bar)
        self._push(f"Chord of bar {bar + 1}", after)

    def paste(self, bar: int, chords: tp.Sequence[str]) -> None:
        """Write `chords` over the bars from `bar` (0-based) on."""
        self._check_bar(bar)
        symbols = [_checked(c, bar + i) for i, c in enumerate(chords)]
        self._check_bar(bar + len(symbols) - 1)
        after = self._padded(bar + len(symbols))
        after[bar:bar + len(symbols)] = symbols
        self._push(f"Paste {len(symbols)} chord(s) at bar {bar + 1}", after)

    def clear_bars(self, first: int, last: int) -> None:
        first, last = sorted((max(0, first), max(0, last)))
        after = self.chords
        for bar in range(first, min(last + 1, len(after))):
            after[bar] = NO_CHORD
        self._push("Clear chords", after)

    def import_chords(self, chords: tp.Sequence[str], source: str) -> None:
        """Replace the lane with chords estimated from a MIDI clip named `source`."""
        self._push(f"Import chords from {source}", parse_chords(list(chords)))

    def reset(self, chords: tp.Sequence[str]) -> None:
        """Show `chords` without an undo step (opening a project)."""
        self._restore(parse_chords(list(chords)))

    # --- internals --------------------------------------------------------------------------
    def _check_bar(self, bar: int) -> None:
        if not 0 <= bar < MAX_BARS:
            raise StructureError(f"bar {bar + 1} is outside the chord lane; it holds bars 1 to "
                                 f"{MAX_BARS}")

    def _padded(self, length: int) -> list[str]:
        return self.chords + [NO_CHORD] * max(0, length - len(self._chords))

    def _push(self, text: str, after: list[str]) -> None:
        after = _trimmed([c.strip() if c.strip() and chord_tones(c) else NO_CHORD
                          for c in after])
        if len(after) > MAX_BARS:
            raise StructureError(f"{len(after)} chords: the lane holds at most {MAX_BARS} bars")
        if after != self._chords:
            self.undo_stack.push(SnapshotCommand(self, text, self._chords, after))

    def _restore(self, chords: list[str]) -> None:
        self._chords = _trimmed(list(chords))
        self.changed.emit()
