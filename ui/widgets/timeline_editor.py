"""The lyric timeline editor: a toolbar and the chord lane's text over the scrolling
timeline canvas.

Lines (and words, in word mode) sit as blocks on a time ruler over the current take's
waveform, under the chord lane (one chord per bar). Every edit goes through the document's
undo stack, chord edits included. Tap-to-sync stamps the next line (or word) at the playback
clock on each press of T (or the Tap button), from the selected line on (playback starts at
the line before it); a session is one undo step. `follow_prompt` keeps the bars, beats and
the chord menu's key with the prompt's grid.
"""

from __future__ import annotations

import typing as tp
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QScrollArea,
    QSizePolicy,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ainur_studio.lyrics.grid import Grid
from ui import theme
from ui.audio_file import Peaks
from ui.dialog_folders import start_file, start_folder
from ui.models.lyric_document import LyricDocument
from ui.models.lyric_io import LyricFileError, export_lrc, import_lrc
from ui.models.prompt_state import PromptState
from ui.models.tap_sync import Clock, TapSync
from ui.widgets.chord_lane import ChordLaneBar
from ui.widgets.midi_import_dialog import CHORD_LANE
from ui.widgets.timeline_canvas import TimelineCanvas


class ElidedHint(QLabel):
    """A one-line hint that ends in "…" where it is cut (the whole of it in its tooltip)."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._full = text
        self.setToolTip(text)
        self.setMinimumWidth(1)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight,
                                                   self.width()))


class TimelineEditor(QWidget):
    tap_sync_toggled = Signal(bool)   # the app starts / stops playback with it
    seek_requested = Signal(int)      # ms
    status_message = Signal(str)
    midi_import_requested = Signal(str, str)  # (path or "", target: a part or "chord lane")

    def __init__(self, document: LyricDocument, clock: Clock | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.clock: Clock = clock or (lambda: 0)
        self.tap_sync: TapSync | None = None
        self.last_folder = ""  # where the last lyric file was imported or exported
        self.canvas = TimelineCanvas(document)
        self.chord_bar = ChordLaneBar(document.chords)
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.canvas)
        self.scroll.setWidgetResizable(False)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.problems_label = QLabel()
        self.problems_label.setObjectName("problem")
        self.actions_: dict[str, QAction] = {}
        self._build()
        self.canvas.zoom_requested.connect(self._on_canvas_zoom)
        self.canvas.seek_requested.connect(self.seek_requested)
        self.canvas.selection_changed.connect(lambda _i: self._update_actions())
        self.canvas.midi_dropped.connect(lambda path: self.midi_import_requested.emit(path, ""))
        self.canvas.chord_row.message.connect(self.status_message)
        self.canvas.chord_row.import_requested.connect(self._request_chord_import)
        self.chord_bar.message.connect(self.status_message)
        self.chord_bar.import_requested.connect(self._request_chord_import)
        document.changed.connect(self._on_document_changed)
        self._on_document_changed()

    # --- construction -----------------------------------------------------------------------
    def _build(self) -> None:
        bar = QToolBar()
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        specs: list[tuple[str, str, str, str | None, tp.Callable[[], object]]] = [
            ("add", "add", "Add line", "Ins", self.add_line),
            ("delete", "delete", "Delete", "Del", self.delete_selected),
            ("split", "split", "Split", "Ctrl+K", self.split_selected),
            ("merge", "merge", "Merge", "Ctrl+M", self.merge_selected),
            ("zoom_out", "zoom_out", "", "Ctrl+-", lambda: self.zoom(0.8)),
            ("zoom_in", "zoom_in", "", "Ctrl+=", lambda: self.zoom(1.25)),
            ("zoom_fit", "", "Zoom to fit", "Ctrl+0", self.zoom_to_fit),
        ]
        for name, icon_name, text, shortcut, slot in specs:
            action = self._action(name, icon_name, text, shortcut, slot)
            bar.addAction(action)
            if name == "zoom_fit":
                bar.removeAction(action)  # in the View menu and on Ctrl+0 only
            if name in ("delete", "split", "merge", "zoom_out", "zoom_in"):
                _icon_only(bar, action)
            if name == "merge":
                bar.addSeparator()
        bar.addSeparator()
        snap = self._action("snap", "snap", "Snap", None, self._on_snap_toggled, checkable=True)
        snap.setChecked(True)
        self._action("snap_lines", "", "Snap lines to the beat", None, self.snap_lines)
        words = self._action("words", "words", "Words", "Ctrl+W", self._on_words_toggled,
                             checkable=True)
        tap = self._action("tap", "tap", "Tap sync", None, self._on_tap_toggled,
                           checkable=True)
        tap_key = self._action("tap_key", "", "Tap", "T", self.tap)
        tap_key.setShortcutContext(Qt.ShortcutContext.WindowShortcut)  # tap from anywhere
        for action in (snap, words, tap):
            bar.addAction(action)
        _icon_only(bar, tap)  # the main toolbar shows it with its name
        bar.addSeparator()
        for name, icon_name, text, slot in (("import", "folder", "Import LRC…", self.choose_import),
                                            ("export", "save", "Export LRC…", self.choose_export)):
            action = self._action(name, icon_name, text, None, slot)
            bar.addAction(action)
            _icon_only(bar, action)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(bar)
        layout.addWidget(self.chord_bar)
        layout.addWidget(self.scroll, 1)
        footer = QHBoxLayout()
        footer.setContentsMargins(6, 2, 6, 2)
        footer.setSpacing(16)  # a problem never runs into the cut-off hint
        hint = ElidedHint("Double-click: edit or add · drag: move · edges: resize · "
                          "drag on the waveform: repaint region · Ctrl+wheel: zoom · T: tap")
        hint.setObjectName("hint")
        footer.addWidget(hint, 1)
        footer.addWidget(self.problems_label)
        layout.addLayout(footer)

    def _action(self, name: str, icon_name: str, text: str, shortcut: str | None,
                slot: tp.Callable[..., object], *, checkable: bool = False) -> QAction:
        label = text or name.replace("_", " ").title()
        action = QAction(theme.icon(icon_name), label, self) if icon_name else \
            QAction(label, self)
        action.setIconText(text)
        action.setCheckable(checkable)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(f"{text or name.replace('_', ' ')} ({shortcut})")
        action.triggered.connect(slot)
        self.addAction(action)
        self.actions_[name] = action
        return action

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.canvas.set_view_height(self.scroll.viewport().height())

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.canvas.set_view_height(self.scroll.viewport().height())

    # --- editing commands -------------------------------------------------------------------
    def add_line(self) -> int:
        """Add a line after the selected one (or at the playhead) and edit its text."""
        sel = self.canvas.selected
        start = self.document.line_end_ms(sel) if sel >= 0 else (self.canvas.playhead_ms or 0)
        index = self.document.add_line(self.canvas.snapped(start))
        self.canvas.select(index)
        self.canvas.edit_line(index)
        return index

    def delete_selected(self) -> None:
        if self.canvas.selected >= 0:
            self.document.delete_lines([self.canvas.selected])

    def split_selected(self) -> None:
        """Split at the inline editor's cursor, else at the word nearest the playhead, else
        in the middle of the line."""
        index = self.canvas.editing_line
        if index >= 0 and self.canvas.editor is not None:
            pos = self.canvas.editor.cursorPosition()
            self.canvas.finish_edit(commit=True)
        else:
            index = self.canvas.selected
            if index < 0:
                return
            pos = _split_position(self.document.lines[index].text)
        try:
            self.document.split_line(index, pos)
        except ValueError as exc:
            self.status_message.emit(f"Cannot split: {exc}")

    def merge_selected(self) -> None:
        index = self.canvas.selected
        if 0 <= index < len(self.document.lines) - 1:
            self.document.merge_with_next(index)

    def zoom(self, factor: float, anchor_x: float | None = None) -> None:
        bar = self.scroll.horizontalScrollBar()
        anchor_x = anchor_x if anchor_x is not None else bar.value() + self.scroll.width() / 2
        anchor_ms = self.canvas.geometry_.ms_of(anchor_x)
        offset = anchor_x - bar.value()
        self.canvas.set_zoom(self.canvas.geometry_.px_per_s * factor)
        bar.setValue(int(self.canvas.geometry_.x_of(anchor_ms) - offset))

    def zoom_to_fit(self) -> None:
        """Show the whole take (or all the lyrics) in the visible width."""
        end_ms = max(self.document.content_end_ms(), 1000)
        self.canvas.set_zoom(max(1, self.scroll.viewport().width() - 8) / (end_ms / 1000.0))
        self.scroll.horizontalScrollBar().setValue(0)

    def _on_canvas_zoom(self, factor: float, anchor_x: float) -> None:
        self.zoom(factor, anchor_x)

    def set_bpm(self, bpm: float | None) -> None:
        """A 4/4 grid at `bpm` (None: no grid)."""
        self.set_grid(Grid(bpm) if bpm else None)

    def set_grid(self, grid: Grid | None) -> None:
        self.canvas.set_grid(grid)

    def follow_prompt(self, prompt: PromptState) -> None:
        """Keep the bars, beats, bar numbers and the chord menu's key with `prompt`."""
        def update() -> None:
            s, row = prompt.structure, self.canvas.chord_row
            row.key, row.start_bar, row.take_bars = prompt.fields.key, s.start_bar, s.bars
            self.set_grid(prompt.grid())

        prompt.changed.connect(update)
        update()

    def snap_lines(self) -> None:
        """Move every line start to the nearest beat (one undo step)."""
        if self.canvas.grid is None:
            self.status_message.emit("Set a tempo in the prompt panel to snap lines to the "
                                     "beat.")
            return
        self.document.snap_lines(self.canvas.grid)

    def _request_chord_import(self) -> None:
        self.midi_import_requested.emit("", CHORD_LANE)

    def set_peaks(self, peaks: Peaks | None) -> None:
        self.canvas.set_peaks(peaks)
        if peaks is not None:
            self.document.set_duration_ms(round(peaks.duration_s * 1000))

    def set_playhead(self, ms: int | None) -> None:
        self.canvas.set_playhead(ms)
        if ms is not None and self.tap_sync is not None:
            self.scroll.ensureVisible(int(self.canvas.geometry_.x_of(ms)), 0, 120, 0)

    # --- tap-to-sync ------------------------------------------------------------------------
    def start_tap_sync(self, start_line: int = 0) -> TapSync:
        """Tap from `start_line` on; after the first line, playback starts at the line before
        it, so the music leads into the first tap."""
        start_line = max(0, start_line)
        if 0 < start_line <= len(self.document.lines):
            self.canvas.set_playhead(self.document.lines[start_line - 1].start_ms)
        self.tap_sync = TapSync(self.document, self.clock, words=self.canvas.words_mode,
                                start_line=start_line, parent=self)
        self.tap_sync.target_changed.connect(self._on_tap_target)
        self.tap_sync.finished.connect(self.stop_tap_sync)
        self._on_tap_target(*(self.tap_sync.target() or (-1, -1)))
        self.actions_["tap"].setChecked(True)
        self.tap_sync_toggled.emit(True)
        self.status_message.emit("Tap sync: press T at the start of each "
                                 + ("word" if self.canvas.words_mode else "line"))
        return self.tap_sync

    def stop_tap_sync(self) -> None:
        if self.tap_sync is None:
            return
        self.tap_sync = None
        self.canvas.tap_target = None
        self.actions_["tap"].setChecked(False)
        self.canvas.update()
        self.tap_sync_toggled.emit(False)

    def tap(self) -> None:
        if self.tap_sync is not None:
            self.tap_sync.tap()

    def _on_tap_toggled(self, on: bool) -> None:
        if on and self.tap_sync is None:
            self.start_tap_sync(max(0, self.canvas.selected))
        elif not on:
            self.stop_tap_sync()

    def _on_tap_target(self, line: int, word: int) -> None:
        self.canvas.tap_target = (line, word) if line >= 0 else None
        if line >= 0:
            self.canvas.select(line)
        self.canvas.update()

    # --- LRC files --------------------------------------------------------------------------
    def import_file(self, path: str | Path) -> list[str]:
        problems = import_lrc(self.document, path)
        self.canvas.select(-1)
        if problems:
            self.status_message.emit(f"Imported {Path(path).name} with {len(problems)} "
                                     f"problem(s): {problems[0]}")
        return problems

    def export_file(self, path: str | Path, *, words: bool | None = None) -> Path:
        words = self.canvas.words_mode if words is None else words
        return export_lrc(self.document, path, words=words)

    def choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import synced lyrics",
                                              start_folder("documents", self.last_folder),
                                              "Synced lyrics (*.lrc);;All files (*)")
        if path:
            self.last_folder = str(Path(path).parent)
            try:
                self.import_file(path)
            except (LyricFileError, UnicodeError) as exc:
                QMessageBox.warning(self, "Cannot import lyrics", str(exc))

    def choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export synced lyrics", start_file("documents", "lyrics.lrc", self.last_folder),
            "Synced lyrics (*.lrc)")
        if path:
            self.last_folder = str(Path(path).parent)
            try:
                self.export_file(path)
            except OSError as exc:
                QMessageBox.warning(self, "Cannot export lyrics", f"{path}: {exc}")

    # --- view updates -----------------------------------------------------------------------
    def _on_snap_toggled(self, on: bool) -> None:
        self.canvas.snap = on

    def _on_words_toggled(self, on: bool) -> None:
        self.canvas.set_words_mode(on)
        self.actions_["words"].setChecked(on)

    def _on_document_changed(self) -> None:
        problems = self.document.problems()
        self.problems_label.setText(
            "" if not problems else f"⚠ {problems[0].message}"
            + (f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""))
        self._update_actions()

    def _update_actions(self) -> None:
        sel = self.canvas.selected
        self.actions_["delete"].setEnabled(sel >= 0)
        self.actions_["split"].setEnabled(sel >= 0)
        self.actions_["merge"].setEnabled(0 <= sel < len(self.document.lines) - 1)


def _icon_only(bar: QToolBar, action: QAction) -> None:
    button = bar.widgetForAction(action)
    if isinstance(button, QToolButton):
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    action.setToolTip(action.toolTip() or action.text())


def _split_position(text: str) -> int:
    """The space nearest the middle of `text` (a word boundary), or its middle."""
    middle = len(text) // 2
    spaces = [i for i, ch in enumerate(text) if ch == " " and 0 < i < len(text) - 1]
    return min(spaces, key=lambda i: abs(i - middle)) if spaces else max(1, middle)
