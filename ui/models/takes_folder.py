"""The takes folder on disk: where the engine writes takes (the `output/folder` setting, else
`<user data>/takes`), read back from the sidecar JSON files it writes beside each take.

The app shows these takes when no project is open, so takes made in an earlier session are
there after a restart. Qt-free.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from ainur_studio.project.autosave import user_data_dir
from ainur_studio.types import Take

FOLDER_LIMIT = 200  # the newest takes shown when no project is open


def takes_folder(output_folder: str) -> Path:
    """The folder takes are written to: `output_folder`, or the engine's default."""
    return Path(output_folder).expanduser() if output_folder else user_data_dir() / "takes"


def read_takes_folder(folder: str | Path, *, limit: int = FOLDER_LIMIT) -> list[Take]:
    """The newest `limit` takes in `folder` whose audio file is still there, newest first.

    Files that are not take sidecars (other JSON, damaged files) are skipped.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    sidecars = sorted(folder.glob("*.json"), key=_mtime, reverse=True)
    takes: list[Take] = []
    for path in sidecars:
        take = read_sidecar(path)
        if take is not None:
            takes.append(take)
            if len(takes) >= limit:
                break
    return sorted(takes, key=_created, reverse=True)


def read_sidecar(path: Path) -> Take | None:
    """The take a sidecar describes, or None when it is not one or its audio is gone."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not {"take_id", "path", "request"} <= set(data):
            return None
        take = Take.from_dict(data)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    audio = Path(take.path)
    if not audio.is_file():  # the folder was moved: the audio sits beside its sidecar
        audio = path.with_name(audio.name)
        if not audio.is_file():
            return None
    take.path, take.sidecar_path = str(audio), str(path)
    return take


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _created(take: Take) -> datetime:
    try:
        when = datetime.fromisoformat(take.created)
    except (TypeError, ValueError):
        return datetime.min.replace(tzinfo=timezone.utc)
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
