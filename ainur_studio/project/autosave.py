"""Crash recovery for projects, without Qt: the app writes autosaves on a timer, deletes them
after a real save or a clean close, and on start offers whatever is left behind.

Autosaves live in ``<user data>/autosave/`` (``AINUR_STUDIO_HOME`` overrides the user data
folder, else the platform's usual place). Each is a normal project document with an extra
``"autosave"`` entry: the project's own path (or null for an unsaved one), the time and the
writing process id.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ainur_studio.fileio import atomic_write_bytes
from ainur_studio.paths import user_data_dir
from ainur_studio.project.document import (
    Project,
    ProjectError,
    decode_project,
    project_from_dict,
    project_to_bytes,
)

AUTOSAVE_SUFFIX = ".ainur-autosave"


def autosave_dir() -> Path:
    return user_data_dir() / "autosave"


def autosave_path_for(project_path: str | Path | None) -> Path:
    """Where the autosave of a project goes.

    A saved project always maps to the same file (its name plus a hash of its full path). An
    unsaved one (None) gets a fresh unique name on every call: keep it for the document's life.
    """
    if project_path is None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return autosave_dir() / f"untitled-{stamp}-{uuid.uuid4().hex[:8]}{AUTOSAVE_SUFFIX}"
    resolved = Path(project_path).expanduser().resolve()
    digest = hashlib.sha1(str(resolved).encode("utf-8")).hexdigest()[:12]
    return autosave_dir() / f"{resolved.stem}-{digest}{AUTOSAVE_SUFFIX}"


@dataclass(frozen=True)
class Autosave:
    """A recoverable autosave found on disk."""

    path: Path
    project_path: Path | None
    saved_at: datetime
    title: str


def write_autosave(autosave_path: str | Path, project: Project, *,
                   project_path: str | Path | None = None) -> Path:
    """Write an autosave atomically (creating the folder); returns its path."""
    target = Path(autosave_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    header = {"project_path": None if project_path is None else str(project_path),
              "saved_at": datetime.now(timezone.utc).isoformat(), "pid": os.getpid()}
    return atomic_write_bytes(target, project_to_bytes(project, extra={"autosave": header}))


def _describe(path: Path) -> Autosave | None:
    """The autosave's header, or None when it is unreadable or already superseded."""
    try:
        document = decode_project(path.read_bytes(), path=path)
        header = document["autosave"]
        saved_at = datetime.fromisoformat(header["saved_at"])
        project_path = Path(header["project_path"]) if header["project_path"] else None
        pid = int(header.get("pid", 0))
    except (OSError, ProjectError, KeyError, TypeError, ValueError):
        return None
    if pid == os.getpid():
        return None  # this process's own, live document
    if project_path is not None:
        with contextlib.suppress(OSError):
            if project_path.stat().st_mtime >= saved_at.timestamp():
                return None  # the project was saved after this autosave
    return Autosave(path, project_path, saved_at, str(document.get("title", "")))


def find_recoverable_autosaves() -> list[Autosave]:
    """Autosaves left by earlier runs that hold unsaved work, newest first."""
    folder = autosave_dir()
    if not folder.is_dir():
        return []
    found = [_describe(p) for p in folder.glob(f"*{AUTOSAVE_SUFFIX}")]
    return sorted((a for a in found if a), key=lambda a: a.saved_at, reverse=True)


def load_autosave(autosave: Autosave | str | Path) -> Project:
    """Open an autosave as a project (the caller then saves it where the user wants).

    Raises:
        ProjectError: when the autosave is damaged.
    """
    path = autosave.path if isinstance(autosave, Autosave) else Path(autosave)
    return project_from_dict(decode_project(path.read_bytes(), path=path), path=path)


def discard_autosave(autosave: Autosave | str | Path) -> None:
    """Delete an autosave (after a real save, a clean close, or when the user declines it)."""
    path = autosave.path if isinstance(autosave, Autosave) else Path(autosave)
    path.unlink(missing_ok=True)
