"""Open and save dialogs start in the user's folders (or the last one used), never in the
folder the app was started from."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from ainur_studio.types import Lyrics
from ui.main_window import MainWindow
from ui.models.lyric_document import LyricDocument
from ui.player import Player, _SilentOutput
from ui.settings import Settings
from ui.widgets.settings_page import SettingsPage
from ui.widgets.timeline_editor import TimelineEditor


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A user home with Documents and Music folders; the app runs from another folder."""
    home = tmp_path / "home"
    for name in ("Documents", "Music"):
        (home / name).mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DOCUMENTS_DIR", raising=False)
    monkeypatch.delenv("XDG_MUSIC_DIR", raising=False)
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    monkeypatch.chdir(app_dir)
    return home


@pytest.fixture
def opened(monkeypatch) -> list[tuple[str, str]]:
    """(dialog, start directory) of every file dialog; each is cancelled."""
    seen: list[tuple[str, str]] = []

    def file_dialog(kind):
        def show(_parent, _caption="", directory="", *args, **kwargs):
            seen.append((kind, directory))
            return "", ""
        return staticmethod(show)

    def folder_dialog(_parent, _caption="", directory="", *args, **kwargs):
        seen.append(("folder", directory))
        return ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", file_dialog("open"))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", file_dialog("save"))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(folder_dialog))
    return seen


@pytest.fixture
def window(qtbot, tmp_path, home):
    win = MainWindow(settings=Settings(tmp_path / "s.ini"), start_engine=False,
                     player=Player(output=_SilentOutput()))
    qtbot.addWidget(win)
    return win


def test_project_dialogs_start_in_documents(window, home, opened):
    window.open_project()
    window.save_project_as()
    assert opened[0] == ("open", str(home / "Documents"))
    kind, target = opened[1]
    assert kind == "save" and Path(target).parent == home / "Documents"
    assert target.endswith(".ainur")


def test_project_dialogs_remember_the_last_folder(window, home, opened, tmp_path):
    songs = tmp_path / "songs"
    songs.mkdir()
    assert window.save_project_as() is False  # cancelled
    window.settings.set("ui/last_folder", str(songs))
    window.open_project()
    assert opened[-1] == ("open", str(songs))
    window.settings.set("ui/last_folder", str(tmp_path / "gone"))  # deleted since
    window.open_project()
    assert opened[-1] == ("open", str(home / "Documents"))


def test_saving_a_project_remembers_its_folder(window, tmp_path):
    songs = tmp_path / "songs"
    songs.mkdir()
    assert window._save_to(songs / "demo.ainur")
    assert window.settings.get("ui/last_folder") == str(songs)


def test_lyric_dialogs_start_in_documents(qtbot, home, opened):
    editor = TimelineEditor(LyricDocument(Lyrics()))
    qtbot.addWidget(editor)
    editor.choose_import()
    editor.choose_export()
    assert opened == [("open", str(home / "Documents")),
                      ("save", str(home / "Documents" / "lyrics.lrc"))]


def test_folder_for_takes_starts_in_music(qtbot, tmp_path, home, opened):
    page = SettingsPage(Settings(tmp_path / "s.ini"))
    qtbot.addWidget(page)
    page.output_folder.setText("")
    page._choose_folder()
    assert opened == [("folder", str(home / "Music"))]


def test_without_the_usual_folders_dialogs_start_at_home(window, home, opened):
    (home / "Documents").rmdir()
    window.open_project()
    assert opened == [("open", str(home))]


def test_folder_of_recordings_starts_in_music(qtbot, home, opened):
    from ui.widgets.training_page import TrainingPage

    page = TrainingPage()
    qtbot.addWidget(page)
    page.folder.setText("")
    page._choose_folder()
    assert opened == [("folder", str(home / "Music"))]
