"""The takes list: waveform thumbnail, prompt summary, seed, length and generation time.

Drag a take out to a DAW (file URL), double-click to play, right-click for the actions.
A take made of stems shows a "▸ N stems" badge: click it to open the stems (one row each,
with mute and solo), drag it to drag every stem; select stems to drag just those. An audio
file dropped on the list can be the given part of an add-parts request.
"""

from __future__ import annotations

import typing as tp
from pathlib import Path

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QDrag,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QTreeView,
    QWidget,
)

from ainur_studio.types import Take
from ui import theme
from ui.models.takes_model import PartRole, PeaksRole, TakeRole, TakesModel, made_in_s
from ui.widgets.stem_delegate import STEM_ROW_H, paint_stem, stem_button_at
from ui.widgets.waveform_view import paint_peaks

ROW_H = 58
THUMB_W = 150
BADGE_W, BADGE_H = 74, 18
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".aiff", ".aif")

# (action id, label); None is a separator. The main window implements each action.
TAKE_ACTIONS: list[tuple[str, str] | None] = [
    ("play", "Play / stop"), ("send_to_daw", "Send to DAW"), None,
    ("reveal", "Reveal in folder"), ("copy_path", "Copy path"), None,
    ("regenerate", "Regenerate with the same seed"), ("variation", "Make a variation"),
    ("repaint", "Repaint a region…"), ("extend", "Extend…"),
    ("use_as_reference", "Use as reference"), ("load_settings", "Load its settings"), None,
    ("export_lrc", "Export lyrics (LRC)…"), ("delete", "Delete (recoverable)"),
]
# added for a take made of stems
STEMS_TAKE_ACTIONS: list[tuple[str, str] | None] = [
    None, ("add_parts", "Add a part…"), ("replace_parts", "Replace a part…"),
]
# a stem row's menu: "solo" and "mute" toggle in the view, the rest go to the take actions
STEM_ACTIONS: list[tuple[str, str] | None] = [
    ("solo", "Solo"), ("mute", "Mute"), None,
    ("replace_part", "Replace this part…"), ("add_parts", "Add a part…"), None,
    ("copy_path", "Copy path"),
]


def take_details(take: Take) -> str:
    """The line under a take's title: its label (interpolation step, best-of rank and score),
    its own seed, length, generation time and lyrics."""
    parts = [str(take.meta["label"])] if take.meta.get("label") else []
    parts += [seed_text(take), f"{take.duration_s:.1f} s"]
    made = made_in_s(take)
    if made is not None:
        parts.append(f"made in {made:.1f} s")
    if take.request.lyrics and take.request.lyrics.lines:
        parts.append(f"{len(take.request.lyrics.lines)} lyric lines")
    return " · ".join(parts)


def seed_text(take: Take) -> str:
    """This output's seed (an interpolation step shows both end seeds)."""
    seed = take.meta.get("seed", take.request.seed)
    second = take.meta.get("second_seed")
    return f"seed {seed}→{second}" if second is not None and second != seed else f"seed {seed}"


def stems_badge(rect: QRect) -> QRect:
    """Where a take row drawn in `rect` shows its "▸ N stems" badge."""
    return QRect(rect.right() - BADGE_W - 6, rect.top() + 6, BADGE_W, BADGE_H)


class TakeDelegate(QStyledItemDelegate):
    def __init__(self, view: TakesView) -> None:
        super().__init__(view)
        self._view = view

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        if index.data(PartRole) is not None:
            return QSize(THUMB_W + 200, STEM_ROW_H)
        return QSize(THUMB_W + 200, ROW_H)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        if index.data(PartRole) is not None:
            self._paint_stem(painter, option, index)
            return
        take: Take = index.data(TakeRole)
        rect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.fillRect(rect, theme.ACCENT.darker(200) if selected else theme.BACKGROUND)
        thumb = QRectF(rect.left() + 6, rect.top() + 6, THUMB_W, rect.height() - 12)
        painter.fillRect(thumb, theme.PANEL)
        paint_peaks(painter, thumb, index.data(PeaksRole))
        playing = self._view.playing_take == take.take_id
        if playing and self._view.playhead_ms is not None and take.duration_s:
            x = thumb.left() + thumb.width() * self._view.playhead_ms / 1000 / take.duration_s
            painter.setPen(QPen(theme.PLAYHEAD, 1.5))
            painter.drawLine(int(x), int(thumb.top()), int(x), int(thumb.bottom()))
        badge = BADGE_W + 8 if take.parts else 0
        text = QRect(int(thumb.right()) + 10, rect.top() + 8,
                     rect.width() - THUMB_W - 22, rect.height() - 16)
        painter.setPen(theme.PLAYHEAD if playing else theme.TEXT)
        title = ("▶ " if playing else "") + str(index.data(Qt.ItemDataRole.DisplayRole))
        metrics = painter.fontMetrics()
        painter.drawText(text, Qt.AlignmentFlag.AlignTop,
                         metrics.elidedText(title, Qt.TextElideMode.ElideRight,
                                            text.width() - badge))
        painter.setPen(theme.TEXT_DIM)
        painter.drawText(text, Qt.AlignmentFlag.AlignBottom,
                         metrics.elidedText(take_details(take), Qt.TextElideMode.ElideRight,
                                            text.width()))
        if take.parts:
            self._paint_badge(painter, stems_badge(rect), take, index)
        painter.setPen(QPen(theme.PANEL, 1))
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        painter.restore()

    def _paint_badge(self, painter: QPainter, rect: QRect, take: Take,
                     index: QModelIndex | QPersistentModelIndex) -> None:
        arrow = "▾" if self._view.isExpanded(index) else "▸"
        painter.setPen(QPen(theme.GRID_STRONG, 1))
        painter.setBrush(theme.PANEL)
        painter.drawRoundedRect(rect, 4, 4)
        painter.setPen(theme.TEXT)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, f"{arrow} {len(take.parts)} stems")

    def _paint_stem(self, painter: QPainter, option: QStyleOptionViewItem,
                    index: QModelIndex | QPersistentModelIndex) -> None:
        take: Take = index.data(TakeRole)
        audible = self._view.takes_model().mix.audible(take)
        role = index.data(PartRole).role
        playing = self._view.playing_take == take.take_id and self._view.playhead_ms is not None
        playhead = (self._view.playhead_ms or 0) / 1000 if playing else None
        paint_stem(painter, option, index, audible=audible is None or role in audible,
                   playhead_s=playhead, loudest=self._view.takes_model().loudest_stem(take.take_id))


class TakesView(QTreeView):
    take_activated = Signal(str)          # take_id (double-click / Enter: play)
    take_selected = Signal(str)           # take_id, "" when nothing is selected
    action_requested = Signal(str, str)   # (action id from TAKE_ACTIONS, take_id)
    part_action_requested = Signal(str, str, str)  # (action id from STEM_ACTIONS, take_id, role)
    audio_dropped = Signal(str)           # an audio file dropped on the list (its path)

    def __init__(self, model: TakesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.playing_take = ""
        self.playhead_ms: int | None = None
        self._selected = ""
        self._badge_press: tuple[str, QPoint] | None = None
        self.setModel(model)
        self.setItemDelegate(TakeDelegate(self))
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)   # the stems badge opens a take; no branch arrows
        self.setIndentation(18)
        self.setExpandsOnDoubleClick(False)  # double-click plays
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._on_context_menu)
        self.doubleClicked.connect(lambda i: self.take_activated.emit(self._id(i)))
        self.selectionModel().currentChanged.connect(self._on_current_changed)
        model.modelReset.connect(self._forget_selected)
        model.mix_changed.connect(lambda _t: self.viewport().update())
        self.setToolTip("Drag a take into your DAW · double-click to play")

    def takes_model(self) -> TakesModel:
        model = self.model()
        assert isinstance(model, TakesModel)
        return model

    def current_take(self) -> Take | None:
        return self.currentIndex().data(TakeRole) if self.currentIndex().isValid() else None

    def set_playing(self, take_id: str, playhead_ms: int | None) -> None:
        self.playing_take, self.playhead_ms = take_id, playhead_ms
        self.viewport().update()

    def set_stems_open(self, take_id: str, open_: bool) -> None:
        """Show or hide the stem rows of a take."""
        row = self.takes_model().row_of(take_id)
        if row >= 0:
            self.setExpanded(self.takes_model().index(row), open_)

    def stem_rows(self, take_id: str) -> list[str]:
        """The roles of the take's stem rows on screen (none while the take is closed)."""
        model, row = self.takes_model(), self.takes_model().row_of(take_id)
        parent = model.index(row)
        if row < 0 or not self.isExpanded(parent):
            return []
        return [model.index(i, 0, parent).data(Qt.ItemDataRole.DisplayRole)
                for i in range(model.rowCount(parent))
                if not self.isRowHidden(i, parent)]

    # --- menus ------------------------------------------------------------------------------
    def context_menu(self, take_id: str) -> QMenu:
        menu = QMenu(self)
        take = self.takes_model().take(take_id)
        specs = TAKE_ACTIONS + (STEMS_TAKE_ACTIONS if take is not None and take.parts else [])
        add_actions(menu, specs, lambda a: self.action_requested.emit(a, take_id))
        trash = self.takes_model().deleted_takes()
        if trash:
            restore = menu.addMenu(f"Restore deleted ({len(trash)})")
            for deleted in trash:
                act = restore.addAction(take_details(deleted))
                act.triggered.connect(
                    lambda _c=False, t=deleted.take_id: self.action_requested.emit("restore", t))
        return menu

    def stem_menu(self, take_id: str, role: str) -> QMenu:
        """The menu of one stem row: solo / mute (checked when on) and the part actions."""
        menu, mix = QMenu(self), self.takes_model().mix
        state = {"solo": mix.is_soloed(take_id, role), "mute": mix.is_muted(take_id, role)}
        add_actions(menu, STEM_ACTIONS, lambda a: self._on_stem_action(a, take_id, role),
                    checked=state)
        return menu

    def _on_stem_action(self, action: str, take_id: str, role: str) -> None:
        if action == "solo":
            self.takes_model().toggle_solo(take_id, role)
        elif action == "mute":
            self.takes_model().toggle_mute(take_id, role)
        else:
            self.part_action_requested.emit(action, take_id, role)

    def _on_context_menu(self, pos: QPoint) -> None:
        index = self.indexAt(pos)
        if not index.isValid():
            return
        part = index.data(PartRole)
        take_id = self._id(index)
        menu = self.stem_menu(take_id, part.role) if part else self.context_menu(take_id)
        menu.exec(self.viewport().mapToGlobal(pos))

    # --- selection: one take, or stems of one take ------------------------------------------
    def selectionCommand(self, index: QModelIndex | QPersistentModelIndex,  # noqa: N802
                         event: QEvent | None = None) -> QItemSelectionModel.SelectionFlag:
        command = super().selectionCommand(index, event)
        flags = QItemSelectionModel.SelectionFlag
        if not index.isValid() or command == flags.NoUpdate:
            return command
        take_id = self._id(index)
        others = [i for i in self.selectedIndexes()
                  if i.data(PartRole) is None or self._id(i) != take_id]
        if index.data(PartRole) is None or others:
            return flags.ClearAndSelect
        return command

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        take_id = self._id(current)
        if take_id != self._selected:  # moving among a take's stems keeps the take
            self._selected = take_id
            self.take_selected.emit(take_id)

    def _forget_selected(self) -> None:
        self._selected = ""

    # --- mouse: mute / solo buttons, the stems badge ----------------------------------------
    def _hit(self, index: QModelIndex, pos: QPoint) -> str:
        """"mute" / "solo" on a stem row's buttons, "stems" on a take's badge, else ""."""
        rect = self.visualRect(index)
        if index.data(PartRole) is not None:
            return stem_button_at(rect, pos.x(), pos.y())
        take = index.data(TakeRole)
        return "stems" if take is not None and take.parts and stems_badge(rect).contains(pos) \
            else ""

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        pos = event.position().toPoint()
        index = self.indexAt(pos)
        hit = self._hit(index, pos) if index.isValid() and \
            event.button() == Qt.MouseButton.LeftButton else ""
        if hit in ("mute", "solo"):
            part = index.data(PartRole)
            model = self.takes_model()
            toggle = model.toggle_mute if hit == "mute" else model.toggle_solo
            toggle(self._id(index), part.role)
            event.accept()
        elif hit == "stems":
            self._badge_press = (self._id(index), pos)
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        press = self._badge_press
        moved = press is not None and (event.position().toPoint() - press[1]).manhattanLength() \
            >= QApplication.startDragDistance()
        if press is not None and moved:
            self._badge_press = None
            self.drag_stems(press[0])
        elif press is None:
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self._badge_press is not None:
            take_id, _pos = self._badge_press
            self._badge_press = None
            index = self.takes_model().index(self.takes_model().row_of(take_id))
            self.setExpanded(index, not self.isExpanded(index))
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def drag_stems(self, take_id: str) -> None:
        """Drag every stem of the take out (one file URL each)."""
        drag = QDrag(self)
        drag.setMimeData(self.takes_model().stems_mime(take_id))
        drag.exec(Qt.DropAction.CopyAction)

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            tip = self._tip_at(event.pos())
            if tip:
                QToolTip.showText(event.globalPos(), tip, self)
                return True
        return super().viewportEvent(event)

    def _tip_at(self, pos: QPoint) -> str:
        index = self.indexAt(pos)
        hit = self._hit(index, pos) if index.isValid() else ""
        tips = {"mute": "Mute this stem in the preview", "solo": "Solo this stem in the preview",
                "stems": "Click to show the stems · drag to drag every stem"}
        part = index.data(PartRole) if index.isValid() else None
        if not hit and part is not None and part.given:
            return f"{part.role}: given (an input of this take, not generated)"
        return tips.get(hit, "")

    # --- an audio file dropped from outside ---------------------------------------------------
    def _dropped_audio(self, event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> str:
        if event.source() is self:
            return ""
        for url in event.mimeData().urls():
            if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in AUDIO_SUFFIXES:
                return url.toLocalFile()
        return ""

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        event.acceptProposedAction() if self._dropped_audio(event) else event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt's name
        event.acceptProposedAction() if self._dropped_audio(event) else event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        path = self._dropped_audio(event)
        if path:
            event.acceptProposedAction()  # the dialog it opens waits until the drop is over
            QTimer.singleShot(0, lambda: self.audio_dropped.emit(path))
        else:
            event.ignore()

    @staticmethod
    def _id(index: QModelIndex | QPersistentModelIndex) -> str:
        take = index.data(TakeRole) if index.isValid() else None
        return take.take_id if take is not None else ""


def add_actions(menu: QMenu, specs: tp.Sequence[tuple[str, str] | None],
                run: tp.Callable[[str], None], *,
                checked: dict[str, bool] | None = None) -> None:
    """Add an action per (action id, label) of `specs` (None: a separator) that calls
    `run(action id)`; those in `checked` are checkable, checked as it says."""
    for spec in specs:
        if spec is None:
            menu.addSeparator()
            continue
        action_id, label = spec
        action = QAction(label, menu)
        action.setData(action_id)
        if checked is not None and action_id in checked:
            action.setCheckable(True)
            action.setChecked(checked[action_id])
        action.triggered.connect(lambda _c=False, a=action_id: run(a))
        menu.addAction(action)
