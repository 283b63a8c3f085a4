"""Drag-and-drop of takes as files: the convention DAWs and sample managers accept."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtGui import QDrag, QPixmap
from PySide6.QtWidgets import QWidget


def mime_for_files(paths: list[str | Path]) -> QMimeData:
    """Mime data carrying local file URLs (`text/uri-list`) plus the paths as plain text."""
    mime = QMimeData()
    files = [Path(p).resolve() for p in paths]
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in files])
    mime.setText("\n".join(str(p) for p in files))
    return mime


def start_file_drag(source: QWidget, paths: list[str | Path],
                    pixmap: QPixmap | None = None) -> Qt.DropAction:
    """Run a copy drag of `paths` from `source` (blocks in Qt's drag loop until dropped)."""
    drag = QDrag(source)
    drag.setMimeData(mime_for_files(paths))
    if pixmap is not None:
        drag.setPixmap(pixmap)
    return drag.exec(Qt.DropAction.CopyAction)
