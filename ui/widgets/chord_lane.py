"""The chord lane on the lyric timeline: one cell per bar above the lyric lines, and the lane
as typed text above the timeline.

`ChordRow` paints the cells and handles them for the canvas: a click selects a bar
(Shift+click a range), a double click types the bar's chord, the context menu offers the
common chords of the key, clearing, copying and pasting bars (as text on the clipboard,
"Am F C G") and importing chords from a MIDI clip. `ChordLaneBar` shows the whole lane as
text; Enter replaces it. Every edit goes to the `ChordLane` (undoable); a symbol that cannot
be read shows `ainur_studio.structure`'s message and changes nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QGuiApplication, QKeyEvent, QPainter, QPen
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QWidget,
)

from ainur_studio.lyrics.grid import Grid
from ainur_studio.structure import NO_CHORD, StructureError, parse_chords
from ui import theme
from ui.models.chord_lane import ChordLane
from ui.models.chord_palette import chords_in_key
from ui.widgets.inline_edit import show_inline_editor
from ui.widgets.timeline_geometry import CHORD_H, CHORD_TOP, TimelineGeometry

NEEDS_TEMPO = "Set a tempo in the prompt panel to write chords per bar."
CELL = QColor("#262a30")
CELL_SELECTED = QColor("#3a5f8a")


class ChordRow(QObject):
    """The chord cells of the timeline canvas `canvas` (which paints and routes mouse events
    in the lane's band here)."""

    message = Signal(str)          # an error or a hint for the status bar
    import_requested = Signal()    # "Import chords from MIDI…" was chosen

    def __init__(self, lane: ChordLane, geometry: TimelineGeometry, canvas: QWidget) -> None:
        super().__init__(canvas)
        self.lane, self._geo, self._canvas = lane, geometry, canvas
        self.grid: Grid | None = None
        self.key = ""                  # the prompt's key, for the menu
        self.start_bar = 1             # the DAW bar of the take's first bar, for the menu
        self.take_bars: int | None = None  # bars from here on lie past the take
        self.selection: tuple[int, int] | None = None
        self._anchor = -1
        self._editor: QLineEdit | None = None
        self._editing = -1
        lane.changed.connect(canvas.update)

    # --- where ------------------------------------------------------------------------------
    @staticmethod
    def contains(pos: QPointF) -> bool:
        return CHORD_TOP <= pos.y() <= CHORD_TOP + CHORD_H

    def bar_at(self, x: float) -> int:
        return self._geo.bar_at(x, self.grid)

    # --- selection --------------------------------------------------------------------------
    def press(self, x: float, *, extend: bool = False) -> int:
        """Select the bar under `x` (Shift: from the last one clicked); returns it."""
        bar = self.bar_at(x)
        if bar < 0:
            self.message.emit(NEEDS_TEMPO)
            return bar
        if extend and self._anchor >= 0:
            self.select(self._anchor, bar)
        else:
            self._anchor = bar
            self.select(bar, bar)
        return bar

    def select(self, first: int, last: int) -> None:
        self.selection = (min(first, last), max(first, last))
        self._canvas.update()

    def clear_selection(self) -> None:
        if self.selection is not None:
            self.selection, self._anchor = None, -1
            self._canvas.update()

    # --- edits ------------------------------------------------------------------------------
    def set_chord(self, bar: int, symbol: str) -> bool:
        """Give bar `bar` a chord; a bad symbol shows its message and changes nothing."""
        try:
            self.lane.set_chord(bar, symbol)
        except StructureError as exc:
            self.message.emit(f"Chord not changed: {exc}")
            return False
        return True

    def copy(self) -> str:
        """The selected bars' chords onto the clipboard as text; returns it."""
        if self.selection is None:
            return ""
        text = " ".join(self.lane.copy_bars(*self.selection))
        QGuiApplication.clipboard().setText(text)
        self.message.emit(f"Copied {text}")
        return text

    def paste(self) -> bool:
        """The clipboard's chords over the bars from the first selected one on."""
        if self.selection is None:
            self.message.emit("Select the bar to paste at first.")
            return False
        try:
            chords = parse_chords(QGuiApplication.clipboard().text())
            if not chords:
                raise StructureError("the clipboard holds no chords; copy bars first")
            self.lane.paste(self.selection[0], chords)
        except StructureError as exc:
            self.message.emit(f"Nothing pasted: {exc}")
            return False
        self.select(self.selection[0], self.selection[0] + len(chords) - 1)
        return True

    def clear(self) -> None:
        if self.selection is not None:
            self.lane.clear_bars(*self.selection)

    # --- inline editor ----------------------------------------------------------------------
    def edit_bar(self, bar: int) -> QLineEdit | None:
        """Type the chord of bar `bar`: Enter commits, Escape cancels."""
        self.finish_edit(commit=True)
        if self.grid is None or bar < 0:
            self.message.emit(NEEDS_TEMPO)
            return None
        rect = self._geo.bar_rect(bar, self.grid)
        chord = self.lane.chord(bar)
        editor = QLineEdit("" if chord == NO_CHORD else chord, self._canvas)
        editor.setPlaceholderText("Am")
        editor.setCompleter(QCompleter(chords_in_key(self.key), editor))
        editor.setGeometry(int(rect.left()), int(rect.top()), int(max(rect.width(), 70)),
                           int(CHORD_H))
        show_inline_editor(editor, owner=self, commit=lambda: self.finish_edit(commit=True))
        self._editor, self._editing = editor, bar
        return editor

    @property
    def editor(self) -> QLineEdit | None:
        return self._editor

    def finish_edit(self, *, commit: bool) -> None:
        """Close the editor; a symbol that cannot be read keeps it open with its message."""
        editor, bar = self._editor, self._editing
        if editor is None:
            return
        if commit and not self.set_chord(bar, editor.text()):
            editor.setStyleSheet(f"border: 1px solid {theme.WARNING.name()}")
            return
        self._editor, self._editing = None, -1
        editor.hide()
        editor.deleteLater()
        self._canvas.setFocus()

    def eventFilter(self, watched: QObject, event: object) -> bool:  # noqa: N802 - Qt's name
        if isinstance(event, QKeyEvent) and watched is self._editor \
                and event.type() == QKeyEvent.Type.KeyPress \
                and event.key() == Qt.Key.Key_Escape:
            self.finish_edit(commit=False)
            return True
        return super().eventFilter(watched, event)

    # --- menu -------------------------------------------------------------------------------
    def menu(self, bar: int) -> QMenu:
        """The context menu of bar `bar` (it becomes the selection unless it is in it)."""
        if self.selection is None or not self.selection[0] <= bar <= self.selection[1]:
            self._anchor = bar
            self.select(bar, bar)
        menu = QMenu(self._canvas)
        daw_bar = f" (DAW bar {self.start_bar + bar})" if self.start_bar > 1 else ""
        menu.addSection(f"Bar {bar + 1}{daw_bar} · chords in {self.key or 'C major'}")
        for symbol in chords_in_key(self.key):
            menu.addAction(symbol, lambda s=symbol: self.set_chord(bar, s))
        menu.addAction("No chord", lambda: self.set_chord(bar, ""))
        menu.addSeparator()
        menu.addAction("Type chord…", lambda: self.edit_bar(bar))
        first, last = self.selection or (bar, bar)
        span = f"bar {first + 1}" if first == last else f"bars {first + 1}–{last + 1}"
        menu.addAction(f"Copy {span}", self.copy)
        menu.addAction("Paste", self.paste)
        menu.addAction(f"Clear {span}", self.clear)
        menu.addSeparator()
        menu.addAction("Import chords from MIDI…", self.import_requested.emit)
        return menu

    # --- painting ---------------------------------------------------------------------------
    def paint(self, painter: QPainter, visible: QRectF) -> None:
        painter.save()
        band = QRectF(visible.left(), CHORD_TOP, visible.width(), CHORD_H)
        painter.fillRect(band, theme.PANEL)
        if self.grid is None:
            painter.setPen(theme.TEXT_DIM)
            painter.drawText(band.adjusted(12, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter,
                             "Chords: " + NEEDS_TEMPO)
        else:
            self._paint_cells(painter, visible)
        painter.restore()

    def _paint_cells(self, painter: QPainter, visible: QRectF) -> None:
        assert self.grid is not None
        first, last = self.bar_at(visible.left()), self.bar_at(visible.right())
        font = QFont(painter.font())
        small = QFont(font)
        small.setPointSizeF(max(6.0, font.pointSizeF() - 2))
        for bar in range(first, last + 1):
            rect = self._geo.bar_rect(bar, self.grid).adjusted(1, 1, -1, -1)
            selected = self.selection is not None and \
                self.selection[0] <= bar <= self.selection[1]
            past = self.take_bars is not None and bar >= self.take_bars
            painter.fillRect(rect, CELL_SELECTED if selected else CELL)
            if rect.width() < 14:
                continue
            painter.setFont(small)
            painter.setPen(theme.TEXT_DIM)
            painter.drawText(rect.adjusted(3, 1, 0, 0), Qt.AlignmentFlag.AlignTop, str(bar + 1))
            chord = self.lane.chord(bar)
            if chord != NO_CHORD:
                painter.setFont(font)
                painter.setPen(theme.TEXT_DIM if past else theme.TEXT)
                painter.drawText(rect.adjusted(22, 0, -2, 0), Qt.AlignmentFlag.AlignVCenter,
                                 chord)
        painter.setPen(QPen(theme.GRID_STRONG, 1))
        painter.drawLine(QPointF(visible.left(), CHORD_TOP + CHORD_H),
                         QPointF(visible.right(), CHORD_TOP + CHORD_H))


class ChordLaneBar(QWidget):
    """The lane as text ("Am F C G", one chord per bar): Enter replaces the lane; a bad
    symbol shows its message and changes nothing."""

    import_requested = Signal()
    message = Signal(str)

    def __init__(self, lane: ChordLane, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lane = lane
        self.text = QLineEdit()
        self.text.setPlaceholderText("Chords, one per bar: Am F C G (N.C. for none)")
        self.text.setAccessibleName("Chord lane")
        self.problem = QLabel()
        self.problem.setObjectName("problem")
        self.problem.hide()
        self.import_button = QToolButton()
        self.import_button.setText("Import MIDI…")
        self.import_button.setToolTip("Estimate one chord per bar from a MIDI clip")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(QLabel("Chords"))
        layout.addWidget(self.text, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.import_button)
        self.text.returnPressed.connect(self.apply)
        self.import_button.clicked.connect(self.import_requested)
        lane.changed.connect(self.refresh)
        self.refresh()

    def apply(self) -> bool:
        """Replace the lane with the typed chords; False (lane unchanged) on a bad symbol."""
        try:
            self.lane.set_text(self.text.text())
        except StructureError as exc:
            self.problem.setText(f"⚠ {exc}")
            self.problem.setToolTip(str(exc))
            self.problem.show()
            self.message.emit(f"Chords not changed: {exc}")
            return False
        self.refresh()
        return True

    def refresh(self) -> None:
        """Show the lane (after any edit, undo or redo)."""
        self.problem.hide()
        if self.text.text() != self.lane.text():
            self.text.setText(self.lane.text())
