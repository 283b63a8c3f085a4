"""The takes list: waveform thumbnail, prompt summary, seed, length and generation time.

Drag a take out to a DAW (file URL), double-click to play, right-click for the actions.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from ainur_studio.types import Take
from ui import theme
from ui.models.takes_model import PeaksRole, TakeRole, TakesModel, made_in_s
from ui.widgets.waveform_view import paint_peaks

ROW_H = 58
THUMB_W = 150

# (action id, label); None is a separator. The main window implements each action.
TAKE_ACTIONS: list[tuple[str, str] | None] = [
    ("play", "Play / stop"), ("send_to_daw", "Send to DAW"), None,
    ("reveal", "Reveal in folder"), ("copy_path", "Copy path"), None,
    ("regenerate", "Regenerate with the same seed"), ("variation", "Make a variation"),
    ("repaint", "Repaint a region…"), ("extend", "Extend…"),
    ("use_as_reference", "Use as reference"), ("load_settings", "Load its settings"), None,
    ("export_lrc", "Export lyrics (LRC)…"), ("delete", "Delete (recoverable)"),
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


class TakeDelegate(QStyledItemDelegate):
    def __init__(self, view: TakesView) -> None:
        super().__init__(view)
        self._view = view

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        return QSize(THUMB_W + 200, ROW_H)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
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
        text = QRect(int(thumb.right()) + 10, rect.top() + 8,
                     rect.width() - THUMB_W - 22, rect.height() - 16)
        painter.setPen(theme.PLAYHEAD if playing else theme.TEXT)
        title = ("▶ " if playing else "") + str(index.data(Qt.ItemDataRole.DisplayRole))
        metrics = painter.fontMetrics()
        painter.drawText(text, Qt.AlignmentFlag.AlignTop,
                         metrics.elidedText(title, Qt.TextElideMode.ElideRight, text.width()))
        painter.setPen(theme.TEXT_DIM)
        painter.drawText(text, Qt.AlignmentFlag.AlignBottom,
                         metrics.elidedText(take_details(take), Qt.TextElideMode.ElideRight,
                                            text.width()))
        painter.setPen(QPen(theme.PANEL, 1))
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        painter.restore()


class TakesView(QListView):
    take_activated = Signal(str)          # take_id (double-click / Enter: play)
    take_selected = Signal(str)           # take_id, "" when nothing is selected
    action_requested = Signal(str, str)   # (action id from TAKE_ACTIONS, take_id)

    def __init__(self, model: TakesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.playing_take = ""
        self.playhead_ms: int | None = None
        self.setModel(model)
        self.setItemDelegate(TakeDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setUniformItemSizes(True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._on_context_menu)
        self.doubleClicked.connect(lambda i: self.take_activated.emit(self._id(i)))
        self.selectionModel().currentChanged.connect(
            lambda cur, _prev: self.take_selected.emit(self._id(cur)))
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

    def context_menu(self, take_id: str) -> QMenu:
        menu = QMenu(self)
        for spec in TAKE_ACTIONS:
            if spec is None:
                menu.addSeparator()
                continue
            action_id, label = spec
            action = QAction(label, menu)
            action.setData(action_id)
            action.triggered.connect(
                lambda _c=False, a=action_id: self.action_requested.emit(a, take_id))
            menu.addAction(action)
        trash = self.takes_model().deleted_takes()
        if trash:
            restore = menu.addMenu(f"Restore deleted ({len(trash)})")
            for take in trash:
                act = restore.addAction(take_details(take))
                act.triggered.connect(
                    lambda _c=False, t=take.take_id: self.action_requested.emit("restore", t))
        return menu

    def _on_context_menu(self, pos: QPoint) -> None:
        index = self.indexAt(pos)
        if index.isValid():
            self.context_menu(self._id(index)).exec(self.viewport().mapToGlobal(pos))

    @staticmethod
    def _id(index: QModelIndex | QPersistentModelIndex) -> str:
        take = index.data(TakeRole) if index.isValid() else None
        return take.take_id if take is not None else ""
