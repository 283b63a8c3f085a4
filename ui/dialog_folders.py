"""Where file dialogs open: the folder used last, else the user's Music folder (audio) or
Documents folder (projects, lyrics), else home; never the folder the app was started from."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths

_LOCATIONS = {
    "audio": QStandardPaths.StandardLocation.MusicLocation,
    "documents": QStandardPaths.StandardLocation.DocumentsLocation,
}


def start_folder(kind: str, last: str = "") -> str:
    """The folder a dialog for `kind` ("audio" or "documents") starts in; `last` (the last
    folder used) wins while it still exists."""
    if kind not in _LOCATIONS:
        raise ValueError(f"no start folder for {kind!r}; use one of {sorted(_LOCATIONS)}")
    for candidate in (last, QStandardPaths.writableLocation(_LOCATIONS[kind])):
        if candidate and Path(candidate).is_dir():
            return str(Path(candidate))
    return str(Path.home())


def start_file(kind: str, name: str, last: str = "") -> str:
    """A suggested file `name` in `start_folder(kind, last)`, for save dialogs."""
    return str(Path(start_folder(kind, last)) / name)
