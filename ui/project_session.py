"""The open project: assembling it from the editors, saving, opening, autosave and recovery.

The session knows the project's path and whether it has unsaved changes (the lyric undo
stack's clean state, which covers the chord lane too, plus any prompt or take change). Autosaves are ordinary project documents
with an `"autosave"` header, written atomically every few seconds of idle time into
`<user data>/autosave/` by `ainur_studio.project.autosave`, so a crash loses at most
one interval of work.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from ainur_studio.project import (
    EXTENSION,
    Project,
    load_project_or_backup,
    save_project,
)
from ainur_studio.project.autosave import (
    Autosave,
    autosave_path_for,
    load_autosave,
    write_autosave,
)
from ainur_studio.types import Take
from ui.models.lyric_document import LyricDocument
from ui.models.prompt_state import PromptState
from ui.models.takes_model import TakesModel


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
                       chords=self.lyrics.chords.chords, settings=dict(self.settings),
                       takes=self.takes.all_takes, title=self.title)

    # --- documents --------------------------------------------------------------------------
    def new(self, *, takes: list[Take] | None = None) -> None:
        """An untitled project (listing `takes`, e.g. those already in the takes folder)."""
        self.load(Project(takes=list(takes or [])), None)

    def load(self, project: Project, path: Path | None) -> None:
        """Show `project` in the editors (the undo history starts afresh)."""
        self.discard_autosave()
        self.prompt.set_request(project.request)
        self.lyrics.reset(project.lyrics)
        self.lyrics.chords.reset(project.chords)
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
        target = write_autosave(self._autosave_path, self.project(), project_path=self.path)
        self.autosaved.emit(str(target))
        return target

    @property
    def autosave_path(self) -> Path:
        return self._autosave_path

    def discard_autosave(self) -> None:
        self._autosave_path.unlink(missing_ok=True)

    def recover(self, item: Autosave) -> None:
        """Load an autosave left by a crash; it stays unsaved until the user saves it."""
        project = load_autosave(item)
        self.load(project, item.project_path)
        item.path.unlink(missing_ok=True)
        self._mark_dirty()
