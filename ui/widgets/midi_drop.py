"""Widgets that take a dropped MIDI file: a mixin before the Qt base class."""

from __future__ import annotations

from PySide6.QtGui import QDragEnterEvent, QDropEvent

from ui.widgets.midi_import_dialog import midi_path


class MidiDropTarget:
    """Accepts a drag that carries a MIDI file and hands the dropped file's path to
    `midi_dropped_at(path)`, which the widget defines (`setAcceptDrops(True)` stays its own)."""

    def midi_dropped_at(self, path: str) -> None:
        raise NotImplementedError

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if midi_path(event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        path = midi_path(event.mimeData().urls())
        if path:
            event.acceptProposedAction()
            self.midi_dropped_at(path)
