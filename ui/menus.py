"""The main window's menus, toolbar and shortcuts, built from the window's slots."""

from __future__ import annotations

import typing as tp

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QMenuBar, QToolBar, QToolButton

from ui import theme

if tp.TYPE_CHECKING:
    from ui.models.lyric_document import LyricDocument
    from ui.widgets.timeline_editor import TimelineEditor


class MenuHost(tp.Protocol):
    """What the menus need of the main window: its collaborators and its slots."""

    timeline: TimelineEditor
    lyrics: LyricDocument
    docks: dict[str, QDockWidget]
    recent_menu: QMenu

    def menuBar(self) -> QMenuBar: ...  # noqa: N802 - Qt's name
    def addAction(self, action: QAction) -> None: ...  # noqa: N802 - Qt's name
    def addToolBar(self, toolbar: QToolBar) -> None: ...  # noqa: N802 - Qt's name
    def new_project(self) -> None: ...
    def open_project(self) -> None: ...
    def save_project(self) -> None: ...
    def save_project_as(self) -> None: ...
    def generate(self) -> None: ...
    def cancel_all(self) -> None: ...
    def add_parts_to_file(self) -> None: ...
    def restart_engine(self) -> None: ...
    def toggle_playback(self) -> None: ...
    def show_about(self) -> None: ...
    def close(self) -> bool: ...


def make_action(window: QMainWindow | MenuHost, text: str, slot: tp.Callable[..., object], *,
                shortcuts: tuple[str | QKeySequence.StandardKey, ...] = (),
                icon: str = "", tip: str = "") -> QAction:
    action = QAction(theme.icon(icon), text, window) if icon else QAction(text, window)
    keys = [QKeySequence(k) for k in shortcuts]
    if keys:
        action.setShortcuts(keys)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.setToolTip(f"{tip or text} ({keys[0].toString()})" if keys else (tip or text))
    action.triggered.connect(lambda _checked=False: slot())
    window.addAction(action)
    return action


def build_menus(w: MenuHost) -> dict[str, QAction]:
    """File, Edit, Generate, Playback, View and Help menus; returns the actions by name."""
    a: dict[str, QAction] = {}
    bar = w.menuBar()
    file = bar.addMenu("&File")
    a["new"] = make_action(w, "&New project", w.new_project, shortcuts=(QKeySequence.StandardKey.New,))
    a["open"] = make_action(w, "&Open…", w.open_project, shortcuts=("Ctrl+O",))
    a["save"] = make_action(w, "&Save", w.save_project, shortcuts=("Ctrl+S",), icon="save")
    a["save_as"] = make_action(w, "Save &as…", w.save_project_as, shortcuts=("Ctrl+Shift+S",))
    a["import_lrc"] = make_action(w, "&Import lyrics (LRC)…", w.timeline.choose_import)
    a["export_lrc"] = make_action(w, "&Export lyrics (LRC)…", w.timeline.choose_export)
    a["quit"] = make_action(w, "&Quit", w.close, shortcuts=("Ctrl+Q",))
    w.recent_menu = QMenu("Open &recent", w)
    for name in ("new", "open"):
        file.addAction(a[name])
    file.addMenu(w.recent_menu)
    file.addSeparator()
    for name in ("save", "save_as", None, "import_lrc", "export_lrc", None, "quit"):
        file.addAction(a[name]) if name else file.addSeparator()
    edit = bar.addMenu("&Edit")
    undo = w.lyrics.undo_stack.createUndoAction(w, "&Undo")
    undo.setShortcuts([QKeySequence("Ctrl+Z")])
    redo = w.lyrics.undo_stack.createRedoAction(w, "&Redo")
    redo.setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")])
    undo.setIcon(theme.icon("undo"))
    redo.setIcon(theme.icon("redo"))
    a["undo"], a["redo"] = undo, redo
    for action in (undo, redo):
        w.addAction(action)
        edit.addAction(action)
    edit.addSeparator()
    for name in ("add", "delete", "split", "merge", "words", "snap", "snap_lines"):
        edit.addAction(w.timeline.actions_[name])
    gen = bar.addMenu("&Generate")
    a["generate"] = make_action(w, "&Generate", w.generate, icon="generate",
                                shortcuts=("Ctrl+Return", "Ctrl+Enter"))
    a["cancel_all"] = make_action(w, "&Cancel all jobs", w.cancel_all, icon="cancel")
    a["restart_engine"] = make_action(w, "&Restart the engine", w.restart_engine)
    a["add_parts_to_file"] = make_action(w, "Add &parts to an audio file…", w.add_parts_to_file,
                                         tip="Generate parts in time with an audio file")
    for name in ("generate", "add_parts_to_file", "cancel_all", None, "restart_engine"):
        gen.addAction(a[name]) if name else gen.addSeparator()
    play = bar.addMenu("&Playback")
    a["play"] = make_action(w, "&Play / stop", w.toggle_playback, shortcuts=("Space",),
                            icon="play")
    play.addAction(a["play"])
    play.addAction(w.timeline.actions_["tap"])
    view = bar.addMenu("&View")
    for dock in w.docks.values():
        view.addAction(dock.toggleViewAction())
    view.addSeparator()
    view.addAction(w.timeline.actions_["zoom_in"])
    view.addAction(w.timeline.actions_["zoom_out"])
    view.addAction(w.timeline.actions_["zoom_fit"])
    help_ = bar.addMenu("&Help")
    a["about"] = make_action(w, "&About Ainur Studio", w.show_about)
    help_.addAction(a["about"])
    return a


def build_toolbar(w: MenuHost, actions: dict[str, QAction]) -> QToolBar:
    bar = QToolBar("Transport")
    bar.setObjectName("transport")
    bar.setMovable(False)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    bar.addAction(actions["generate"])
    bar.addSeparator()
    bar.addAction(actions["play"])
    bar.addAction(w.timeline.actions_["tap"])
    bar.addSeparator()
    for name in ("undo", "redo"):
        bar.addAction(actions[name])
        button = bar.widgetForAction(actions[name])
        if isinstance(button, QToolButton):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    return bar
