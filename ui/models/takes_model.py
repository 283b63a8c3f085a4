"""The takes of the project: a list model over `Take` records with waveform peaks.

Deleting a take only marks it (`Take.deleted`); `restore()` brings it back, so nothing a user
made is lost to a mis-click. Deleted takes are hidden from the rows but kept in `all_takes`.
"""

from __future__ import annotations

import copy
import typing as tp

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from ainur_studio.types import Take
from ui.audio_file import Peaks
from ui.drag import mime_for_files
from ui.models.prompt_state import summarise


def made_in_s(take: Take) -> float | None:
    """Seconds the engine measured for generating `take` (its sidecar's `timings.total`,
    without loading the model or writing the file): the one "made in" figure the takes list
    and the queue show. None when the take does not say."""
    total = take.timings.get("total")
    return float(total) if isinstance(total, (int, float)) and total > 0 else None


TakeRole = Qt.ItemDataRole.UserRole + 1
PeaksRole = Qt.ItemDataRole.UserRole + 2
AnyIndex = QModelIndex | QPersistentModelIndex


class TakesModel(QAbstractListModel):
    take_added = Signal(str)    # take_id
    takes_changed = Signal()    # anything the project saves changed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._takes: list[Take] = []   # newest first, deleted ones included
        self._peaks: dict[str, Peaks] = {}

    # --- Qt model ---------------------------------------------------------------------------
    def _visible(self) -> list[Take]:
        return [t for t in self._takes if not t.deleted]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._visible())

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> tp.Any:
        if not index.isValid() or index.row() >= self.rowCount():
            return None
        take = self._visible()[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return summarise(take.request)
        if role == Qt.ItemDataRole.ToolTipRole:
            return take.path
        if role == TakeRole:
            return take
        if role == PeaksRole:
            return self._peaks.get(take.take_id)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    # --- reading ----------------------------------------------------------------------------
    @property
    def all_takes(self) -> list[Take]:
        return copy.deepcopy(self._takes)

    def take(self, take_id: str) -> Take | None:
        return next((t for t in self._takes if t.take_id == take_id), None)

    def take_at(self, row: int) -> Take | None:
        visible = self._visible()
        return visible[row] if 0 <= row < len(visible) else None

    def row_of(self, take_id: str) -> int:
        return next((i for i, t in enumerate(self._visible()) if t.take_id == take_id), -1)

    def peaks(self, take_id: str) -> Peaks | None:
        return self._peaks.get(take_id)

    # --- writing ----------------------------------------------------------------------------
    def set_takes(self, takes: list[Take]) -> None:
        self.beginResetModel()
        self._takes = copy.deepcopy(takes)
        self._peaks.clear()
        self.endResetModel()
        self.takes_changed.emit()

    def add_take(self, take: Take) -> None:
        """Add a new take at the top (a take already present is updated instead)."""
        if self.take(take.take_id) is not None:
            self._takes = [take if t.take_id == take.take_id else t for t in self._takes]
            self._emit_row(take.take_id)
        else:
            self.beginInsertRows(QModelIndex(), 0, 0)
            self._takes.insert(0, copy.deepcopy(take))
            self.endInsertRows()
            self.take_added.emit(take.take_id)
        self.takes_changed.emit()

    def set_peaks(self, take_id: str, peaks: Peaks) -> None:
        self._peaks[take_id] = peaks
        self._emit_row(take_id)

    def delete(self, take_id: str) -> None:
        """Move a take to the project's trash (recoverable with `restore`)."""
        self._set_deleted(take_id, True)

    def restore(self, take_id: str) -> None:
        self._set_deleted(take_id, False)

    def deleted_takes(self) -> list[Take]:
        return [t for t in self._takes if t.deleted]

    def _set_deleted(self, take_id: str, deleted: bool) -> None:
        take = self.take(take_id)
        if take is None:
            raise KeyError(f"no take {take_id!r} in this project")
        if take.deleted == deleted:
            return
        self.beginResetModel()
        take.deleted = deleted
        self.endResetModel()
        self.takes_changed.emit()

    def _emit_row(self, take_id: str) -> None:
        row = self.row_of(take_id)
        if row >= 0:
            self.dataChanged.emit(self.index(row), self.index(row))

    # --- drag out as files ------------------------------------------------------------------
    def mimeTypes(self) -> list[str]:  # noqa: N802 - Qt's name
        return ["text/uri-list", "text/plain"]

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802 - Qt's name
        return Qt.DropAction.CopyAction

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # noqa: N802 - Qt's name
        rows = sorted({i.row() for i in indexes if i.isValid()})
        takes = [self.take_at(r) for r in rows]
        return mime_for_files([t.path for t in takes if t is not None])
