"""The takes folder on disk: where the engine writes takes (the `output/folder` setting, else
`<user data>/takes`), read back from the sidecar JSON of each take: beside a single-file take,
or ``take.json`` inside a take folder (`ainur_studio.take_reader`).

The app shows these takes when no project is open, so takes made in an earlier session are
there after a restart. Qt-free.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from ainur_studio.project.autosave import user_data_dir
from ainur_studio.take_reader import SIDECAR, TakeReadError, read_take
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
    sidecars = sorted([*folder.glob("*.json"), *folder.glob(f"*/{SIDECAR}")], key=_mtime,
                      reverse=True)
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
        take = read_take(path)
    except TakeReadError:
        return None
    return take if Path(take.path).is_file() else None


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
