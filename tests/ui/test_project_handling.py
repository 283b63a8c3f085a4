"""New / open / save, recent files, autosave and crash recovery, the unsaved-changes guard."""

from __future__ import annotations

import os

import pytest
from PySide6.QtWidgets import QMessageBox

from ainur_studio.project.autosave import find_recoverable_autosaves as find_recoverable
from ainur_studio.types import LyricLine, Lyrics, Take
from ui.main_window import MainWindow
from ui.settings import Settings


@pytest.fixture
def window(qtbot, tmp_path):
    win = MainWindow(settings=Settings(tmp_path / "s.ini"), start_engine=False)
    qtbot.addWidget(win)
    return win


def fill(win: MainWindow) -> None:
    win.lyrics.set_lyrics(Lyrics(lines=[LyricLine(0, "first"), LyricLine(1500, "second")]))
    win.prompt.update(prompt="slow folk", seed=42)
    win.takes.add_take(Take(take_id="t1", path="/takes/one.wav",
                            request=win.prompt.to_request(), frames=48000))


def test_save_and_open_round_trip(window, tmp_path):
    fill(window)
    assert window.session.dirty and window.windowTitle().startswith("Untitled •")
    assert window._save_to(tmp_path / "song")  # the extension is added
    assert (tmp_path / "song.ainur").exists()
    assert not window.session.dirty
    window.new_project()
    assert window.lyrics.lines == [] and window.takes.rowCount() == 0
    assert window.open_project(str(tmp_path / "song.ainur"))
    assert [ln.text for ln in window.lyrics.lines] == ["first", "second"]
    assert window.prompt.request.seed == 42
    assert window.takes.take_at(0).take_id == "t1"
    assert window.settings.get("ui/recent_files")[0].endswith("song.ainur")
    assert window.recent_menu.actions()[0].text() == "song.ainur"
    assert not window.lyrics.undo_stack.canUndo()


def test_a_damaged_file_is_refused_and_the_project_stays(window, tmp_path, dialogs):
    fill(window)
    bad = tmp_path / "bad.ainur"
    bad.write_text("{ not json")
    dialogs.answer = QMessageBox.StandardButton.Discard
    assert not window.open_project(str(bad))
    assert dialogs[-1][0] == "warning" and "bad.ainur" in dialogs[-1][1]
    assert [ln.text for ln in window.lyrics.lines] == ["first", "second"]


def test_unsaved_changes_guard_can_cancel(window, dialogs):
    fill(window)
    dialogs.answer = QMessageBox.StandardButton.Cancel
    window.new_project()
    assert dialogs[-1][0] == "question"
    assert len(window.lyrics.lines) == 2  # nothing was thrown away
    assert not window.close()  # closing is refused as well


def test_autosave_is_offered_after_a_crash(window, qtbot, tmp_path, dialogs):
    fill(window)
    written = window.session.autosave()
    assert written is not None and written.exists()
    # A later run (another process id) finds it: pretend the writer was another process.
    text = written.read_text().replace(f'"pid": {os.getpid()}', '"pid": 1')
    written.write_text(text)
    assert find_recoverable()
    fresh = MainWindow(settings=Settings(tmp_path / "s2.ini"), start_engine=False)
    qtbot.addWidget(fresh)
    dialogs.answer = QMessageBox.StandardButton.Yes
    assert fresh.check_recovery()
    assert [ln.text for ln in fresh.lyrics.lines] == ["first", "second"]
    assert fresh.session.dirty  # recovered work still needs a real save
    assert not written.exists()


def test_declined_recovery_discards_the_autosave(window, qtbot, dialogs):
    fill(window)
    written = window.session.autosave()
    written.write_text(written.read_text().replace(f'"pid": {os.getpid()}', '"pid": 1'))
    dialogs.answer = QMessageBox.StandardButton.No
    assert not window.check_recovery()
    assert not written.exists()


def test_autosave_timer_fires_after_an_edit(qtbot, tmp_path):
    settings = Settings(tmp_path / "s.ini")
    settings.set("ui/autosave_s", 1)
    win = MainWindow(settings=settings, start_engine=False)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.session.autosaved, timeout=5000):
        win.lyrics.add_line(0, "typed before a crash")
    untitled = win.session.autosave_path
    assert untitled.exists()
    win.session.save(tmp_path / "saved.ainur")
    assert not untitled.exists()  # a real save removes the autosave
