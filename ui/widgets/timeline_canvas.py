"""The painted lyric timeline: ruler, chord lane, waveform, line and word blocks, playhead.

The canvas reads the `LyricDocument` and writes every edit back to it (each one undoable);
it never edits its own copy. Mouse: drag a block to move it, drag its edges to resize, double
click to edit its text (or to add a line on empty space), click the ruler to seek,
Ctrl+wheel to zoom. A drag on the waveform lane (or a Shift+drag anywhere under the chord
lane) chooses a region: `region_dragged` reports it; `set_region` shows the one the task uses.
With a tempo (`set_grid`) it draws bars and beats, edits snap to them, and the chord lane's
cells (`ChordRow`) take one chord per bar. A MIDI file dropped on it is `midi_dropped`.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QFontMetrics,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import QLineEdit, QWidget

from ainur_studio.lyrics.grid import Grid
from ui import theme
from ui.audio_file import Peaks
from ui.models.lyric_document import LyricDocument
from ui.widgets import timeline_paint as paint
from ui.widgets.chord_lane import NEEDS_TEMPO, ChordRow
from ui.widgets.inline_edit import show_inline_editor
from ui.widgets.midi_drop import MidiDropTarget
from ui.widgets.timeline_geometry import (
    LINE_H,
    LINE_TOP,
    RULER_H,
    Hit,
    TimelineGeometry,
    snap_ms,
)

REGION_MIN_PX = 3.0  # a shorter drag is a click, not a region


@dataclass
class _Drag:
    hit: Hit
    press_x: float
    start_ms: int
    end_ms: int
    moved: bool = False


class TimelineCanvas(MidiDropTarget, QWidget):
    selection_changed = Signal(int)   # selected line, -1 for none
    seek_requested = Signal(int)      # ms, from a click on the ruler
    zoom_requested = Signal(float, float)  # (factor, anchor x in canvas coordinates)
    region_dragged = Signal(int, int)  # (start ms, end ms) chosen by a drag on the waveform
    midi_dropped = Signal(str)        # path of a MIDI file dropped from the DAW or desktop

    def __init__(self, document: LyricDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.geometry_ = TimelineGeometry()
        self.words_mode = False
        self.snap = True
        self.grid: Grid | None = None      # bars and beats, when the tempo is known
        self.chord_row = ChordRow(document.chords, self.geometry_, self)
        self.selected = -1
        self.selected_word = -1
        self.playhead_ms: int | None = None
        self.tap_target: tuple[int, int] | None = None
        self.peaks: Peaks | None = None
        self._drag: _Drag | None = None
        self.region: tuple[int, int] | None = None  # shown shaded, e.g. the repaint region
        self.region_label = ""
        self._region_anchor: float | None = None  # x where a region drag began
        self._view_height = 0
        self._editor: QLineEdit | None = None
        self._editing = -1
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Lyric timeline")
        self.setAcceptDrops(True)
        document.changed.connect(self._on_document_changed)
        self._on_document_changed()

    # --- state from outside -----------------------------------------------------------------
    def set_zoom(self, px_per_s: float) -> None:
        self.geometry_.set_zoom(px_per_s)
        self._resize_to_content()

    def set_words_mode(self, on: bool) -> None:
        self.words_mode = on
        self._resize_to_content()

    def set_playhead(self, ms: int | None) -> None:
        self.playhead_ms = ms
        self.update()

    def set_peaks(self, peaks: Peaks | None) -> None:
        self.peaks = peaks
        self.update()

    def set_grid(self, grid: Grid | None) -> None:
        """Bars and beats from the take's start (None: free tempo, no grid)."""
        self.grid = grid
        self.chord_row.grid = grid
        self.update()

    def set_region(self, region: tuple[int, int] | None, label: str = "") -> None:
        """Shade `region` (start ms, end ms) with `label`; None hides it."""
        self.region = (min(region), max(region)) if region else None
        self.region_label = label if region else ""
        self.update()

    def select(self, index: int) -> None:
        index = index if 0 <= index < len(self.document.lines) else -1
        if index != self.selected:
            self.selected, self.selected_word = index, -1
            self.selection_changed.emit(index)
        self.update()

    def snapped(self, ms: float) -> int:
        return snap_ms(ms, self.grid if self.snap else None, division=2)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(self.geometry_.width_for(self.document),
                     self.geometry_.height(self.words_mode))

    def set_view_height(self, height: int) -> None:
        """Fill the visible height of the scroll area (the waveform lane takes the rest)."""
        self._view_height = height
        self._resize_to_content()

    def _resize_to_content(self) -> None:
        hint = self.sizeHint()
        self.setMinimumSize(hint)
        self.resize(max(hint.width(), self.width()), max(hint.height(), self._view_height))
        self.update()

    def _on_document_changed(self) -> None:
        if self.selected >= len(self.document.lines):
            self.select(len(self.document.lines) - 1)
        self._resize_to_content()

    # --- painting ---------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        visible = QRectF(event.rect())
        painter.fillRect(visible, theme.BACKGROUND)
        geo = self.geometry_
        paint.paint_waveform(painter, geo, self.peaks, visible, self.height(),
                             geo.lanes_bottom(self.words_mode))
        paint.paint_grid(painter, geo, visible, self.height(), self.grid)
        paint.paint_past_end(painter, geo, self.document.duration_ms, visible, self.height())
        paint.paint_region(painter, geo, self.region, self.region_label, self.height(),
                           geo.lanes_bottom(self.words_mode))
        paint.paint_ruler(painter, geo, visible)
        self.chord_row.paint(painter, visible)
        problems = {p.index: p.kind for p in self.document.problems()}
        for i in range(len(self.document.lines)):
            paint.paint_line_block(painter, geo, self.document, i, selected=i == self.selected,
                                   problem=problems.get(i, ""), tap=self._tap_line() == i)
            if self.words_mode:
                paint.paint_word_blocks(painter, geo, self.document, i,
                                        selected=self.selected_word if i == self.selected
                                        else -1, tap=self._tap_word(i))
        if not self.document.lines:
            paint.paint_empty_hint(painter, visible)
        if self.playhead_ms is not None:
            x = geo.x_of(self.playhead_ms)
            painter.setPen(QPen(theme.PLAYHEAD, 1.5))
            painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))

    def _tap_line(self) -> int:
        return self.tap_target[0] if self.tap_target else -1

    def _tap_word(self, line: int) -> int:
        if self.tap_target and self.tap_target[0] == line:
            return self.tap_target[1]
        return -1

    # --- mouse ------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        pos = event.position()
        self.setFocus()
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if pos.y() < RULER_H:
            self.seek_requested.emit(self.geometry_.ms_of(pos.x()))
            return
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if ChordRow.contains(pos):
            self.chord_row.press(pos.x(), extend=shift)
            return
        self.chord_row.clear_selection()
        if self._on_waveform(pos) or event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self._region_anchor = pos.x()
            return
        hit = self.geometry_.hit(self.document, pos, words=self.words_mode)
        if hit.kind == "empty":
            self.select(-1)
            return
        self.select(hit.line)
        if hit.kind == "word":
            self.selected_word = hit.word
            word = self.document.lines[hit.line].words[hit.word]
            start, end = word.start_ms, word.end_ms or word.start_ms
        else:
            start, end = self.document.lines[hit.line].start_ms, \
                self.document.line_end_ms(hit.line)
        self._drag = _Drag(hit, pos.x(), start, end)
        self.document.begin_gesture()
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        pos = event.position()
        if self._region_anchor is not None:
            self._drag_region(pos.x())
            return
        if self._drag is None:
            self._update_cursor(pos)
            return
        delta = self.geometry_.ms_of(abs(pos.x() - self._drag.press_x))
        delta = delta if pos.x() >= self._drag.press_x else -delta
        if delta == 0 and not self._drag.moved:
            return
        self._drag.moved = True
        self._apply_drag(self._drag, delta)

    def _apply_drag(self, drag: _Drag, delta: int) -> None:
        hit, doc = drag.hit, self.document
        try:
            if hit.kind == "word":
                doc.move_word(hit.line, hit.word, self.snapped(drag.start_ms + delta))
            elif hit.edge == "left":
                doc.resize_line(hit.line, self.snapped(drag.start_ms + delta), drag.end_ms)
            elif hit.edge == "right":
                doc.resize_line(hit.line, drag.start_ms, self.snapped(drag.end_ms + delta))
            else:
                doc.move_line(hit.line, self.snapped(drag.start_ms + delta))
        except ValueError:
            pass  # a resize below the minimum length: keep the last valid shape

    def _on_waveform(self, pos: QPointF) -> bool:
        return pos.y() >= self.geometry_.lanes_bottom(self.words_mode)

    def _drag_region(self, x: float) -> None:
        anchor = self._region_anchor
        if anchor is None or abs(x - anchor) < REGION_MIN_PX:
            return
        start, end = sorted((self.snapped(self.geometry_.ms_of(anchor)),
                             self.snapped(self.geometry_.ms_of(x))))
        if end > start:
            self.set_region((start, end), self.region_label)
            self.region_dragged.emit(start, end)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self._region_anchor is not None:
            x, anchor = event.position().x(), self._region_anchor
            self._drag_region(x)
            self._region_anchor = None
            if abs(x - anchor) < REGION_MIN_PX:
                self.select(-1)  # a click, as on any empty space
        if self._drag is not None:
            self.document.end_gesture()
            self._drag = None

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        pos = event.position()
        if ChordRow.contains(pos):
            self.chord_row.edit_bar(self.chord_row.bar_at(pos.x()))
            return
        hit = self.geometry_.hit(self.document, pos, words=self.words_mode)
        if hit.kind == "line":
            self.edit_line(hit.line)
        elif hit.kind == "empty" and LINE_TOP <= pos.y() <= LINE_TOP + LINE_H:
            index = self.document.add_line(self.snapped(self.geometry_.ms_of(pos.x())))
            self.select(index)
            self.edit_line(index)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            factor = 1.25 if event.angleDelta().y() > 0 else 0.8
            self.zoom_requested.emit(factor, event.position().x())
            event.accept()
        else:
            event.ignore()

    def _update_cursor(self, pos: QPointF) -> None:
        if self._on_waveform(pos):
            self.setCursor(Qt.CursorShape.IBeamCursor)
            self.setToolTip("Drag to choose the region to repaint (or, past the end, how much "
                            "to extend)")
            return
        hit = self.geometry_.hit(self.document, pos, words=self.words_mode)
        if hit.edge:
            self.setCursor(Qt.CursorShape.SizeHorCursor)
        elif hit.kind != "empty":
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.unsetCursor()
        if hit.kind == "line":
            line = self.document.lines[hit.line]
            self.setToolTip(f"{_clock(line.start_ms)} – "
                            f"{_clock(self.document.line_end_ms(hit.line))}  {line.text}")

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 - Qt's name
        if not ChordRow.contains(QPointF(event.pos())):
            return
        bar = self.chord_row.bar_at(event.pos().x())
        if bar < 0:
            self.chord_row.message.emit(NEEDS_TEMPO)
            return
        menu = self.chord_row.menu(bar)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(event.globalPos())

    def midi_dropped_at(self, path: str) -> None:
        self.midi_dropped.emit(path)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Left / Right walk the lines, Enter or F2 edits the selected one; with bars of the
        chord lane selected, Ctrl+C / Ctrl+V copy and paste their chords."""
        key, count = event.key(), len(self.document.lines)
        if self.chord_row.selection is not None and event.matches(QKeySequence.StandardKey.Copy):
            self.chord_row.copy()
        elif self.chord_row.selection is not None and \
                event.matches(QKeySequence.StandardKey.Paste):
            self.chord_row.paste()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and count:
            step = -1 if key == Qt.Key.Key_Left else 1
            start = self.selected if self.selected >= 0 else (count if step < 0 else -1)
            self.select(max(0, min(count - 1, start + step)))
            self.seek_requested.emit(self.document.lines[self.selected].start_ms)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F2) and self.selected >= 0:
            self.edit_line(self.selected)
        else:
            super().keyPressEvent(event)

    # --- inline editing ---------------------------------------------------------------------
    def edit_line(self, index: int) -> QLineEdit:
        """Open an inline editor over line `index`; Enter commits, Escape cancels."""
        self.finish_edit(commit=True)
        rect = self.geometry_.line_rect(self.document, index)
        width = max(rect.width(), QFontMetrics(self.font()).horizontalAdvance(
            self.document.lines[index].text) + 24, 160)
        editor = QLineEdit(self.document.lines[index].text, self)
        editor.setGeometry(int(rect.left()), int(rect.top() + 4), int(width), int(LINE_H - 8))
        show_inline_editor(editor, owner=self, commit=lambda: self.finish_edit(commit=True))
        self._editor, self._editing = editor, index
        return editor

    @property
    def editor(self) -> QLineEdit | None:
        return self._editor

    @property
    def editing_line(self) -> int:
        return self._editing if self._editor is not None else -1

    def finish_edit(self, *, commit: bool) -> None:
        editor, index = self._editor, self._editing
        if editor is None:
            return
        self._editor, self._editing = None, -1
        if commit and 0 <= index < len(self.document.lines):
            self.document.set_text(index, editor.text())
        editor.hide()
        editor.deleteLater()
        self.setFocus()

    def eventFilter(self, watched: object, event: object) -> bool:  # noqa: N802 - Qt's name
        if isinstance(event, QKeyEvent) and watched is self._editor \
                and event.type() == QKeyEvent.Type.KeyPress \
                and event.key() == Qt.Key.Key_Escape:
            self.finish_edit(commit=False)
            return True
        return super().eventFilter(watched, event)


def _clock(ms: int) -> str:
    return f"{ms // 60000}:{ms % 60000 / 1000:05.2f}"



