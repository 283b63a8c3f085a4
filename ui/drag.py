"""Drag-and-drop of takes as files: the convention DAWs and sample managers accept."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QUrl


def mime_for_files(paths: list[str | Path]) -> QMimeData:
    """Mime data carrying local file URLs (`text/uri-list`) plus the paths as plain text."""
    mime = QMimeData()
    files = [Path(p).resolve() for p in paths]
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in files])
    mime.setText("\n".join(str(p) for p in files))
    return mime

