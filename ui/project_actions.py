"""Project handling for the main window: new / open / save / save as, recent files, the
unsaved-changes guard and the crash-recovery prompt (the documents themselves live in
`ProjectSession`)."""

from __future__ import annotations

import typing as tp
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from ainur_studio.project import EXTENSION, ProjectError
from ainur_studio.project.autosave import find_recoverable_autosaves as find_recoverable
from ui.dialog_folders import start_file, start_folder
from ui.models.takes_folder import read_takes_folder, takes_folder

if tp.TYPE_CHECKING:
    from PySide6.QtWidgets import QMenu

    from ui.controller import StudioController
    from ui.models.takes_model import TakesModel
    from ui.project_session import ProjectSession
    from ui.settings import Settings
    from ui.widgets.status_bar import StudioStatusBar

PROJECT_FILTER = f"Ainur Studio projects (*{EXTENSION})"


class ProjectHandling:
    """Mixed into `MainWindow` (a QMainWindow that has the attributes declared here)."""

    session: ProjectSession
    settings: Settings
    status: StudioStatusBar
    takes: TakesModel
    controller: StudioController
    recent_menu: QMenu
    current_take: str

    def _update_title(self) -> None:
        mark = " •" if self.session.dirty else ""
        self.setWindowTitle(f"{self.session.display_name()}{mark} — Ainur Studio")

    def confirm_discard(self) -> bool:
        """Unsaved-changes guard: True when it is fine to replace the current project."""
        if not self.session.dirty:
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes", f"Save the changes to {self.session.display_name()}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save_project()
        return answer == QMessageBox.StandardButton.Discard

    def new_project(self) -> None:
        if self.confirm_discard():
            self.show_takes_folder()

    def show_takes_folder(self) -> None:
        """No project open (at start, after New): an untitled project listing the takes
        folder's takes, newest first, so takes made earlier are there after a restart."""
        folder = takes_folder(self.settings.get("output/folder"))
        self.session.new(takes=read_takes_folder(folder))
        self.current_take = ""
        self._load_peaks()

    def open_project(self, path: str | None = None) -> bool:
        if not self.confirm_discard():
            return False
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self, "Open project", start_folder("documents", self.settings.get("ui/last_folder")),
                PROJECT_FILTER)
            if not path:
                return False
        return self.load_project_file(path)

    def load_project_file(self, path: str) -> bool:
        try:
            read_from = self.session.open(path)
        except (ProjectError, OSError) as exc:
            QMessageBox.warning(self, "Cannot open the project", str(exc))
            return False
        if read_from != Path(path):
            self.status.show_info(f"{Path(path).name} was damaged; opened its backup copy.")
        self._after_project_loaded(path)
        return True

    def _after_project_loaded(self, path: str) -> None:
        self.settings.add_recent_file(str(Path(path).resolve()))
        self.settings.set("ui/last_folder", str(Path(path).parent))
        self._fill_recent_menu()
        self.current_take = ""
        self._load_peaks()

    def _load_peaks(self) -> None:
        for take in self.takes.all_takes:
            if not take.deleted and Path(take.path).exists():
                self.controller.load_peaks(take)

    def save_project(self) -> bool:
        if self.session.path is None:
            return self.save_project_as()
        return self._save_to(self.session.path)

    def save_project_as(self) -> bool:
        name = self.session.display_name()
        name = name if name.endswith(EXTENSION) else f"{name}{EXTENSION}"
        suggested = start_file("documents", name, self.settings.get("ui/last_folder"))
        path, _ = QFileDialog.getSaveFileName(self, "Save project as", suggested, PROJECT_FILTER)
        return bool(path) and self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        try:
            saved = self.session.save(path)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Cannot save the project",
                                f"{path}: {exc}\nYour work is still open; try another folder.")
            return False
        self.settings.add_recent_file(str(saved.resolve()))
        self.settings.set("ui/last_folder", str(saved.parent))
        self._fill_recent_menu()
        self.status.show_info(f"Saved {saved.name}")
        return True

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.get("ui/recent_files")
        for path in recent:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(lambda _c=False, p=path: self.open_project(p))
        self.recent_menu.setEnabled(bool(recent))

    def check_recovery(self) -> bool:
        """Offer autosaves left by a crash; returns True when one was recovered."""
        found = find_recoverable()
        if not found:
            return False
        item = found[0]
        name = item.project_path.name if item.project_path else "an unsaved project"
        answer = QMessageBox.question(
            self, "Recover unsaved work",
            f"Ainur Studio closed unexpectedly. Recover the changes to {name} from "
            f"{item.saved_at.astimezone():%H:%M, %d %b}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            item.path.unlink(missing_ok=True)
            return False
        self.session.recover(item)
        return True
