"""Tap-to-sync: while the take plays, each tap stamps the next line (or word) with the
playback position.

The clock is injected (`clock() -> ms`): the player's position in the app, a scripted clock
in tests. Each tap starts its line and ends the line before; lines stay in order and never
cover one another (`LyricDocument.stamp_line`). A whole session is one undo step, so a
botched run is one Ctrl+Z away.
"""

from __future__ import annotations

import typing as tp

from PySide6.QtCore import QObject, Signal

from ui.models.lyric_document import LyricDocument

Clock = tp.Callable[[], int]


class TapSync(QObject):
    target_changed = Signal(int, int)  # (line, word); word is -1 in line mode
    finished = Signal()                # every line (or word) has been stamped

    def __init__(self, document: LyricDocument, clock: Clock, *, words: bool = False,
                 start_line: int = 0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._clock = clock
        self.words = words
        self.line = start_line
        self.word = 0
        self._session = document.new_gesture()  # all the stamps: one undo step

    @property
    def done(self) -> bool:
        return self.line >= len(self._document.lines)

    def target(self) -> tuple[int, int] | None:
        """The (line, word) the next tap stamps, or None when done."""
        if self.done:
            return None
        return self.line, self.word if self.words else -1

    def tap(self) -> tuple[int, int, int] | None:
        """Stamp the current target at `clock()`; returns (line, word, ms) or None when done."""
        target = self.target()
        if target is None:
            return None
        line, word = target
        ms = int(self._clock())
        if word < 0:
            self._document.stamp_line(line, ms, session=self._session)
        else:
            self._document.stamp_word(line, word, ms, session=self._session)
        self._advance()
        return line, word, ms

    def _advance(self) -> None:
        if self.words:
            n_words = max(1, len(self._document.lines[self.line].text.split()))
            self.word += 1
            if self.word < n_words:
                self.target_changed.emit(self.line, self.word)
                return
            self.word = 0
        self.line += 1
        if self.done:
            self.finished.emit()
        else:
            self.target_changed.emit(self.line, self.word if self.words else -1)
