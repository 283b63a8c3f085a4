"""The open project: assembling it from the editors, saving, opening, autosave and recovery.

The session knows the project's path and whether it has unsaved changes (the lyric undo
stack's clean state plus any prompt or take change). Autosaves are ordinary project documents
with an `"autosave"` header, written atomically every few seconds of idle time into
`<user data>/autosave/` in the format `ainur_studio.autosave` reads, so a crash loses at most
one interval of work.
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

from PySide6.QtCore import QObject, QTimer, Signal

from ainur_studio.project import (
    EXTENSION,
    Project,
    ProjectError,
    decode_project,
    load_project_or_backup,
    project_from_dict,
    project_to_bytes,
    save_project,
)
from ui.models.lyric_document import LyricDocument
from ui.models.prompt_state import PromptState
from ui.models.takes_model import TakesModel

AUTOSAVE_SUFFIX = ".ainur-autosave"


@dataclass(frozen=True)
class Recoverable:
    path: Path
    project_path: Path | None
    saved_at: datetime
    title: str


def user_data_dir() -> Path:
    home = os.environ.get("AINUR_STUDIO_HOME")
    if home:
        return Path(home)
    import platformdirs

    return Path(platformdirs.user_data_dir("Ainur Studio", appauthor=False))


def autosave_path_for(project_path: Path | None) -> Path:
    folder = user_data_dir() / "autosave"
    if project_path is None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return folder / f"untitled-{stamp}-{uuid.uuid4().hex[:8]}{AUTOSAVE_SUFFIX}"
    resolved = project_path.expanduser().resolve()
    digest = hashlib.sha1(str(resolved).encode("utf-8")).hexdigest()[:12]
    return folder / f"{resolved.stem}-{digest}{AUTOSAVE_SUFFIX}"


def find_recoverable() -> list[Recoverable]:
    """Autosaves left by earlier runs that hold work newer than their project, newest first."""
    folder = user_data_dir() / "autosave"
    found = [_describe(p) for p in folder.glob(f"*{AUTOSAVE_SUFFIX}")] if folder.is_dir() else []
    return sorted((r for r in found if r), key=lambda r: r.saved_at, reverse=True)


def _describe(path: Path) -> Recoverable | None:
    try:
        document = decode_project(path.read_bytes(), path=path)
        header = document["autosave"]
        saved_at = datetime.fromisoformat(header["saved_at"])
        project_path = Path(header["project_path"]) if header["project_path"] else None
        if int(header.get("pid", 0)) == os.getpid():
            return None
    except (OSError, ProjectError, KeyError, TypeError, ValueError):
        return None
    if project_path is not None:
        with contextlib.suppress(OSError):
            if project_path.stat().st_mtime >= saved_at.timestamp():
                return None
    return Recoverable(path, project_path, saved_at, str(document.get("title", "")))


def load_recoverable(item: Recoverable) -> Project:
    return project_from_dict(decode_project(item.path.read_bytes(), path=item.path),
                             path=item.path)


class ProjectSession(QObject):
    dirty_changed = Signal(bool)
    path_changed = Signal(str)
    autosaved = Signal(str)

    def __init__(self, prompt: PromptState, lyrics: LyricDocument, takes: TakesModel,
                 *, autosave_s: int = 60, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.prompt, self.lyrics, self.takes = prompt, lyrics, takes
        self.path: Path | None = None
        self.title = ""
        self.settings: dict = {}
        self._dirty = False
        self._autosave_path = autosave_path_for(None)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.autosave)
        self.autosave_ms = max(0, autosave_s) * 1000
        prompt.changed.connect(self._mark_dirty)
        takes.takes_changed.connect(self._mark_dirty)
        lyrics.undo_stack.cleanChanged.connect(lambda clean: self._mark_dirty() if not clean
                                               else None)

    # --- state ------------------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return self._dirty

    def display_name(self) -> str:
        return self.path.name if self.path else "Untitled"

    def _mark_dirty(self) -> None:
        if not self._dirty:
            self._dirty = True
            self.dirty_changed.emit(True)
        if self.autosave_ms and not self._timer.isActive():
            self._timer.start(self.autosave_ms)

    def _mark_clean(self) -> None:
        self._timer.stop()
        self.lyrics.undo_stack.setClean()
        if self._dirty:
            self._dirty = False
            self.dirty_changed.emit(False)

    def project(self) -> Project:
        return Project(request=self.prompt.request, lyrics=self.lyrics.lyrics,
                       settings=dict(self.settings), takes=self.takes.all_takes,
                       title=self.title)

    # --- documents --------------------------------------------------------------------------
    def new(self) -> None:
        self.load(Project(), None)

    def load(self, project: Project, path: Path | None) -> None:
        """Show `project` in the editors (the undo history starts afresh)."""
        self.discard_autosave()
        self.prompt.set_request(project.request)
        self.lyrics.reset(project.lyrics)
        self.takes.set_takes(project.takes)
        self.settings, self.title = dict(project.settings), project.title
        self._set_path(path)
        self._mark_clean()

    def open(self, path: str | Path) -> Path:
        """Open a project (falling back to its backup); returns the file actually read.
        Raises ProjectError or OSError and leaves the current project untouched."""
        project, read_from = load_project_or_backup(path)
        self.load(project, Path(path))
        return read_from

    def save(self, path: str | Path | None = None) -> Path:
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("choose where to save the project first (Save As)")
        if target.suffix != EXTENSION:
            target = target.with_name(target.name + EXTENSION)
        save_project(target, self.project())
        self.discard_autosave()
        self._set_path(target)
        self._mark_clean()
        return target

    def _set_path(self, path: Path | None) -> None:
        self.path = path
        self._autosave_path = autosave_path_for(path)
        self.path_changed.emit(str(path) if path else "")

    # --- autosave ---------------------------------------------------------------------------
    def autosave(self) -> Path | None:
        """Write the autosave now (only when there are unsaved changes)."""
        if not self._dirty:
            return None
        header = {"project_path": str(self.path) if self.path else None,
                  "saved_at": datetime.now(timezone.utc).isoformat(), "pid": os.getpid()}
        data = project_to_bytes(self.project(), extra={"autosave": header})
        target = self._autosave_path
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        self.autosaved.emit(str(target))
        return target

    @property
    def autosave_path(self) -> Path:
        return self._autosave_path

    def discard_autosave(self) -> None:
        self._autosave_path.unlink(missing_ok=True)

    def recover(self, item: Recoverable) -> None:
        """Load an autosave left by a crash; it stays unsaved until the user saves it."""
        project = load_recoverable(item)
        self.load(project, item.project_path)
        item.path.unlink(missing_ok=True)
        self._mark_dirty()
