"""The in-place line editor the timeline and the chord lane open over a cell."""

from __future__ import annotations

import typing as tp

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLineEdit


def show_inline_editor(editor: QLineEdit, *, owner: QObject,
                       commit: tp.Callable[[], None]) -> QLineEdit:
    """Wire `editor` (already placed) to commit on Return, let `owner` filter its keys (Escape,
    focus out), and show it focused with its text selected."""
    editor.returnPressed.connect(commit)
    editor.installEventFilter(owner)
    editor.show()
    editor.setFocus()
    editor.selectAll()
    return editor
