"""The takes of the project: an item model over `Take` records with waveform peaks.

Top-level rows are takes; a take made of stems (`Take.parts`) has one child row per stem
(role, file, peaks, given, muted, soloed). A single-file take has no children, so it reads
as the flat list it always was.

Deleting a take only marks it (`Take.deleted`); `restore()` brings it back, so nothing a user
made is lost to a mis-click. Deleted takes are hidden from the rows but kept in `all_takes`.
"""

from __future__ import annotations

import copy
import typing as tp

from PySide6.QtCore import (
    QAbstractItemModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from ainur_studio.types import Take, TakePart
from ui.audio_file import Peaks
from ui.drag import mime_for_files
from ui.models.prompt_state import summarise
from ui.models.stem_audio import part_file, part_files
from ui.models.stem_mix import StemMix


def made_in_s(take: Take) -> float | None:
    """Seconds the engine measured for generating `take` (its sidecar's `timings.total`,
    without loading the model or writing the file): the one "made in" figure the takes list
    and the queue show. None when the take does not say."""
    total = take.timings.get("total")
    return float(total) if isinstance(total, (int, float)) and total > 0 else None


TakeRole = Qt.ItemDataRole.UserRole + 1     # the take (a stem row gives its take)
PeaksRole = Qt.ItemDataRole.UserRole + 2    # the take's or the stem's peaks
PartRole = Qt.ItemDataRole.UserRole + 3     # the stem's TakePart; None on a take row
MutedRole = Qt.ItemDataRole.UserRole + 4
SoloedRole = Qt.ItemDataRole.UserRole + 5
AnyIndex = QModelIndex | QPersistentModelIndex
TOP = 0  # internal id of take rows; a stem row's id is its take's key


class TakesModel(QAbstractItemModel):
    take_added = Signal(str)    # take_id
    takes_changed = Signal()    # anything the project saves changed
    mix_changed = Signal(str)   # take_id whose solo / mute changed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._takes: list[Take] = []   # newest first, deleted ones included
        self._peaks: dict[str, Peaks] = {}
        self._stem_peaks: dict[tuple[str, str], Peaks] = {}   # (take_id, role)
        self._keys: dict[str, int] = {}      # take_id -> stable key (a stem row's internal id)
        self._ids: dict[int, str] = {}
        self.mix = StemMix()

    # --- Qt model ---------------------------------------------------------------------------
    def _visible(self) -> list[Take]:
        return [t for t in self._takes if not t.deleted]

    def _key(self, take_id: str) -> int:
        if take_id not in self._keys:
            self._keys[take_id] = len(self._keys) + 1
            self._ids[self._keys[take_id]] = take_id
        return self._keys[take_id]

    def index(self, row: int, column: int = 0,
              parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column != 0 or row < 0:
            return QModelIndex()
        if not parent.isValid():
            take = self.take_at(row)
            return self.createIndex(row, 0, TOP) if take is not None else QModelIndex()
        take = self.take_of(parent)
        if parent.internalId() != TOP or take is None or row >= len(take.parts):
            return QModelIndex()
        return self.createIndex(row, 0, self._key(take.take_id))

    def parent(self, child: AnyIndex | None = None) -> tp.Any:  # type: ignore[override]
        """The take row of a stem row (Qt's item parent); with no argument, the QObject
        parent as usual."""
        if child is None:
            return super().parent()
        if not child.isValid() or child.internalId() == TOP:
            return QModelIndex()
        row = self.row_of(self._ids.get(child.internalId(), ""))
        return self.createIndex(row, 0, TOP) if row >= 0 else QModelIndex()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        if not parent.isValid():
            return len(self._visible())
        take = self.take_of(parent)
        return len(take.parts) if parent.internalId() == TOP and take is not None else 0

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 1

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> tp.Any:
        take = self.take_of(index)
        if take is None:
            return None
        part = self.part_of(index)
        if part is not None:
            return self._part_data(take, part, role)
        if role == Qt.ItemDataRole.DisplayRole:
            return summarise(take.request)
        if role == Qt.ItemDataRole.ToolTipRole:
            return take.path
        if role == TakeRole:
            return take
        if role == PeaksRole:
            return self._peaks.get(take.take_id)
        return None

    def _part_data(self, take: Take, part: TakePart, role: int) -> tp.Any:
        values = {
            Qt.ItemDataRole.DisplayRole: part.role,
            Qt.ItemDataRole.ToolTipRole: part_file(take, part),
            TakeRole: take, PartRole: part,
            PeaksRole: self._stem_peaks.get((take.take_id, part.role)),
            MutedRole: self.mix.is_muted(take.take_id, part.role),
            SoloedRole: self.mix.is_soloed(take.take_id, part.role),
        }
        return values.get(role)

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

    def take_of(self, index: AnyIndex) -> Take | None:
        """The take of a take row or of a stem row."""
        if not index.isValid():
            return None
        if index.internalId() == TOP:
            return self.take_at(index.row())
        take = self.take(self._ids.get(index.internalId(), ""))
        return take if take is not None and not take.deleted else None

    def part_of(self, index: AnyIndex) -> TakePart | None:
        """The stem of a stem row; None on a take row."""
        take = None if not index.isValid() or index.internalId() == TOP else self.take_of(index)
        return take.parts[index.row()] if take and index.row() < len(take.parts) else None

    def row_of(self, take_id: str) -> int:
        return next((i for i, t in enumerate(self._visible()) if t.take_id == take_id), -1)

    def stem_index(self, take_id: str, role: str) -> QModelIndex:
        take, row = self.take(take_id), self.row_of(take_id)
        if take is None or row < 0:
            return QModelIndex()
        at = next((i for i, p in enumerate(take.parts) if p.role == role), -1)
        return self.index(at, 0, self.index(row)) if at >= 0 else QModelIndex()

    def peaks(self, take_id: str) -> Peaks | None:
        return self._peaks.get(take_id)

    def stem_peaks(self, take_id: str, role: str) -> Peaks | None:
        return self._stem_peaks.get((take_id, role))

    def loudest_stem(self, take_id: str) -> float:
        """The highest absolute peak among the take's stems read so far (0 when none)."""
        take = self.take(take_id)
        found = [self._stem_peaks.get((take_id, p.role)) for p in take.parts] if take else []
        return max((float(max(abs(p.mins.min()), abs(p.maxs.max())))
                    for p in found if p is not None and p.mins.size), default=0.0)

    # --- writing ----------------------------------------------------------------------------
    def set_takes(self, takes: list[Take]) -> None:
        self.beginResetModel()
        self._takes = copy.deepcopy(takes)
        self._peaks.clear()
        self._stem_peaks.clear()
        self.mix = StemMix()
        self.endResetModel()
        self.takes_changed.emit()

    def add_take(self, take: Take) -> None:
        """Add a new take at the top (a take already present is updated instead)."""
        old = self.take(take.take_id)
        if old is not None:
            self._update_take(old, copy.deepcopy(take))
        else:
            self.beginInsertRows(QModelIndex(), 0, 0)
            self._takes.insert(0, copy.deepcopy(take))
            self.endInsertRows()
            self.take_added.emit(take.take_id)
        self.takes_changed.emit()

    def _update_take(self, old: Take, new: Take) -> None:
        same_stems = [p.role for p in old.parts] == [p.role for p in new.parts]
        if not same_stems:
            self.beginResetModel()
        self._takes = [new if t.take_id == new.take_id else t for t in self._takes]
        if same_stems:
            self._emit_row(new.take_id)
        else:
            self.mix.clear(new.take_id)
            self.endResetModel()

    def set_peaks(self, take_id: str, peaks: Peaks) -> None:
        self._peaks[take_id] = peaks
        self._emit_row(take_id)

    def set_stem_peaks(self, take_id: str, role: str, peaks: Peaks) -> None:
        self._stem_peaks[(take_id, role)] = peaks
        self._emit_stem(take_id, role)

    def toggle_mute(self, take_id: str, role: str) -> None:
        self.mix.toggle_mute(take_id, role)
        self._emit_stem(take_id, role)
        self.mix_changed.emit(take_id)

    def toggle_solo(self, take_id: str, role: str) -> None:
        self.mix.toggle_solo(take_id, role)
        self._emit_stem(take_id, role)
        self.mix_changed.emit(take_id)

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

    def _emit_stem(self, take_id: str, role: str) -> None:
        index = self.stem_index(take_id, role)
        if index.isValid():
            self.dataChanged.emit(index, index)

    # --- drag out as files ------------------------------------------------------------------
    def mimeTypes(self) -> list[str]:  # noqa: N802 - Qt's name
        return ["text/uri-list", "text/plain"]

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802 - Qt's name
        return Qt.DropAction.CopyAction

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # noqa: N802 - Qt's name
        """The files of the dragged rows: a take row gives its mix, a stem row its stem."""
        ordered = sorted((i for i in indexes if i.isValid()),
                         key=lambda i: (self.row_of(self._id_of(i)), i.internalId() != TOP,
                                        i.row()))
        paths: list[str] = []
        for index in ordered:
            take, part = self.take_of(index), self.part_of(index)
            path = part_file(take, part) if take and part else take.path if take else ""
            if path and path not in paths:
                paths.append(path)
        return mime_for_files(paths)

    def stems_mime(self, take_id: str) -> QMimeData:
        """Every stem of the take, one file URL each ("all stems")."""
        take = self.take(take_id)
        return mime_for_files(list(part_files(take).values()) if take else [])

    def _id_of(self, index: AnyIndex) -> str:
        take = self.take_of(index)
        return take.take_id if take is not None else ""
