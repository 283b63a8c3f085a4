"""Undo commands for the lyric document and its chord lane (one undo stack for both).

Every edit is a snapshot command: it keeps copies of the lyrics (or the chord lane) before and
after, so undo and redo restore exactly what the user saw, words included. Lyrics are a few
kilobytes, so snapshots are cheap and leave no room for an inverse that forgets a field.
Consecutive edits of one gesture (the mouse moves of one drag) merge into a single undo step.
"""

from __future__ import annotations

import copy
import typing as tp

from PySide6.QtGui import QUndoCommand


class SnapshotTarget(tp.Protocol):
    """The document a snapshot command restores (`LyricDocument`, `ChordLane`)."""

    def _restore(self, snapshot: tp.Any) -> None: ...

GESTURE_COMMAND_ID = 7301


class SnapshotCommand(QUndoCommand):
    """Replace the document's content with `after`; undo puts `before` back."""

    def __init__(self, document: SnapshotTarget, text: str, before: tp.Any, after: tp.Any,
                 *, gesture: int | None = None) -> None:
        super().__init__(text)
        self._document = document
        self._before = copy.deepcopy(before)
        self._after = copy.deepcopy(after)
        self._gesture = gesture

    def id(self) -> int:  # noqa: A003 - Qt's name
        return GESTURE_COMMAND_ID if self._gesture is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(other, SnapshotCommand) or other._gesture != self._gesture \
                or other._document is not self._document:
            return False
        self._after = copy.deepcopy(other._after)
        return True

    def redo(self) -> None:
        self._document._restore(self._after)

    def undo(self) -> None:
        self._document._restore(self._before)
