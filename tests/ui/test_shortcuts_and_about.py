"""Menus and shortcuts a musician relies on, the about box, tap-to-sync from the window."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence

from ui.about import about_text
from ui.main_window import MainWindow
from ui.player import Player, _SilentOutput
from ui.settings import Settings


def shortcuts(action) -> set[str]:
    return {s.toString() for s in action.shortcuts()}


def test_shortcuts(qtbot, tmp_path):
    win = MainWindow(settings=Settings(tmp_path / "s.ini"), start_engine=False)
    qtbot.addWidget(win)
    a = win.actions_
    assert {"Ctrl+Return", "Ctrl+Enter"} <= shortcuts(a["generate"])
    assert shortcuts(a["play"]) == {"Space"}
    assert "Ctrl+Z" in shortcuts(a["undo"]) and "Ctrl+Y" in shortcuts(a["redo"])
    assert shortcuts(a["save"]) == {"Ctrl+S"} and shortcuts(a["open"]) == {"Ctrl+O"}
    assert shortcuts(a["new"]) == {QKeySequence(QKeySequence.StandardKey.New).toString()}
    assert shortcuts(win.timeline.actions_["tap_key"]) == {"T"}
    titles = [m.title() for m in win.menuBar().findChildren(type(win.recent_menu))]
    assert titles == ["&File", "&Edit", "&Generate", "&Playback", "&View", "&Help"]
    file_menu = win.menuBar().actions()[0].menu()
    assert win.recent_menu.menuAction() in file_menu.actions()


def test_undo_action_follows_the_lyric_stack(qtbot, tmp_path):
    win = MainWindow(settings=Settings(tmp_path / "s.ini"), start_engine=False)
    qtbot.addWidget(win)
    assert not win.actions_["undo"].isEnabled()
    win.lyrics.add_line(0, "hello")
    assert win.actions_["undo"].isEnabled()
    win.actions_["undo"].trigger()
    assert win.lyrics.lines == []
    win.actions_["redo"].trigger()
    assert win.lyrics.lines[0].text == "hello"


def test_tap_sync_plays_and_stamps_from_the_player_clock(qtbot, tmp_path):
    win = MainWindow(settings=Settings(tmp_path / "s.ini"), start_engine=False,
                     player=Player(output=_SilentOutput()))
    qtbot.addWidget(win)
    win.lyrics.add_line(0, "one")
    win.lyrics.add_line(3000, "two")
    win.player.position_ms = lambda: 1234  # type: ignore[method-assign]
    win.timeline.clock = win.player.position_ms
    win.timeline.start_tap_sync()
    win.timeline.tap()
    assert win.lyrics.lines[0].start_ms == 1234


def test_about_lists_model_packs_and_licenses():
    text = about_text([{"name": "starter", "size_bytes": 120_000_000, "license": "CC-BY-4.0"}])
    assert "starter" in text and "120 MB" in text and "CC-BY-4.0" in text
    assert "MIT" in text and "LGPL" in text
    assert "No model pack" in about_text([])
