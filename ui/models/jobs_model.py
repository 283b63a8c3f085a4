"""The job queue as the app sees it: one row per generation / training job, fed by engine
events. Rows are added when a request is sent, bound to the engine's job id by its reply, and
updated by `accepted`, `started`, `progress`, `job_done`, `job_failed` and `cancelled`."""

from __future__ import annotations

import time
import typing as tp
from dataclasses import dataclass, field

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from ainur_studio.types import Take
from engine.protocol import ErrorCode, Event, EventName, JobStatus
from ui.models.takes_model import made_in_s

JobRole = Qt.ItemDataRole.UserRole + 1
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass
class JobRow:
    """One job: its ids, what it does, where it is, and how it ended."""

    request_id: str
    kind: str
    summary: str
    job_id: str = ""
    status: JobStatus = JobStatus.QUEUED
    position: int = 0
    step: int = 0
    total: int = 0
    stage: str = ""
    eta_s: float | None = None
    elapsed_s: float = 0.0
    made_in_s: float | None = None  # the takes' generation time (see takes_model.made_in_s)
    message: str = ""
    error: str = ""
    detail: str = ""
    takes: list[str] = field(default_factory=list)
    submitted: float = field(default_factory=time.monotonic)

    @property
    def fraction(self) -> float:
        return min(1.0, self.step / self.total) if self.total else 0.0

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


class JobsModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[JobRow] = []

    # --- Qt model ---------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> tp.Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.summary
        if role == JobRole:
            return row
        return None

    # --- reading ----------------------------------------------------------------------------
    @property
    def rows(self) -> list[JobRow]:
        return list(self._rows)

    def find(self, job_id: str) -> JobRow | None:
        return next((r for r in self._rows if job_id and r.job_id == job_id), None)

    def active_jobs(self) -> list[JobRow]:
        return [r for r in self._rows if r.active]

    # --- writing ----------------------------------------------------------------------------
    def add_pending(self, request_id: str, kind: str, summary: str) -> JobRow:
        row = JobRow(request_id=request_id, kind=kind, summary=summary)
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows))
        self._rows.append(row)
        self.endInsertRows()
        return row

    def bind(self, request_id: str, job_id: str, position: int = 0) -> None:
        """The engine accepted request `request_id` as job `job_id`."""
        for row in self._rows:
            if row.request_id == request_id:
                row.job_id, row.position = job_id, position
                self._changed(row)

    def reject(self, request_id: str, message: str, detail: str = "") -> None:
        """The engine refused the request outright (a failed reply)."""
        for row in self._rows:
            if row.request_id == request_id and row.active:
                self._finish(row, JobStatus.FAILED, message, detail)

    def apply_event(self, event: Event) -> JobRow | None:
        """Update the row the event concerns; returns it (None if unknown)."""
        row = self.find(event.job or "")
        if row is None and event.reply_to:
            row = next((r for r in self._rows if r.request_id == event.reply_to), None)
            if row is not None and event.job:
                row.job_id = event.job
        if row is None:
            return None
        was_active = row.active
        _APPLY.get(event.event, _ignore)(self, row, event.data)
        self._changed(row)
        if was_active and not row.active:
            self._advance_queue(row)
        return row

    def fail_active(self, message: str, detail: str = "") -> list[JobRow]:
        """The engine died: every queued or running job fails with `message`."""
        failed = self.active_jobs()
        for row in failed:
            self._finish(row, JobStatus.FAILED, message, detail, code=ErrorCode.ENGINE_DIED.value)
        return failed

    def clear_finished(self) -> None:
        self.beginResetModel()
        self._rows = [r for r in self._rows if r.active]
        self.endResetModel()

    def _finish(self, row: JobRow, status: JobStatus, message: str, detail: str = "",
                code: str = "") -> None:
        was_active = row.active
        row.status, row.error, row.detail, row.eta_s = status, message, detail, None
        row.message = code or message
        self._changed(row)
        if was_active:
            self._advance_queue(row)

    def _advance_queue(self, gone: JobRow) -> None:
        """`gone` left the engine's queue (done, failed, cancelled): every job queued behind
        it has one job fewer ahead. Positions start from the engine's own count."""
        behind = self._rows[self._rows.index(gone) + 1:]
        for row in behind:
            if row.status == JobStatus.QUEUED and row.job_id and row.position > 0:
                row.position -= 1
                self._changed(row)

    def _changed(self, row: JobRow) -> None:
        index = self.index(self._rows.index(row))
        self.dataChanged.emit(index, index)


def _ignore(model: JobsModel, row: JobRow, data: dict) -> None:
    """Events that do not change a queue row (logs, take_ready handled elsewhere)."""


def _on_accepted(model: JobsModel, row: JobRow, data: dict) -> None:
    row.status, row.position = JobStatus.QUEUED, int(data.get("position", 0) or 0)


def _on_started(model: JobsModel, row: JobRow, data: dict) -> None:
    row.status, row.message = JobStatus.RUNNING, "starting"


def _on_progress(model: JobsModel, row: JobRow, data: dict) -> None:
    row.status = JobStatus.RUNNING
    row.step, row.total = int(data.get("step", 0) or 0), int(data.get("total", 0) or 0)
    row.elapsed_s = float(data.get("elapsed", 0.0) or 0.0)
    row.stage, row.message = str(data.get("stage", "")), str(data.get("message", ""))
    eta = data.get("eta")
    row.eta_s = float(eta) if eta is not None else _estimate_eta(row)


def _on_training_progress(model: JobsModel, row: JobRow, data: dict) -> None:
    _on_progress(model, row, {**data, "stage": "train",
                              "message": f"loss {float(data.get('loss', 0.0)):.4f}"})


def _on_take_ready(model: JobsModel, row: JobRow, data: dict) -> None:
    try:
        take = Take.from_dict(data["take"])
    except (KeyError, TypeError, ValueError):
        return  # the controller reports a take it cannot read
    row.made_in_s = made_in_s(take)


def _on_done(model: JobsModel, row: JobRow, data: dict) -> None:
    row.status, row.eta_s, row.message = JobStatus.SUCCEEDED, None, "done"
    row.takes = [str(p) for p in data.get("takes", [])]
    row.elapsed_s = float(data.get("elapsed", row.elapsed_s) or 0.0)
    row.step = row.total = max(row.total, 1)


def _on_failed(model: JobsModel, row: JobRow, data: dict) -> None:
    detail = "\n\n".join(str(data.get(k) or "") for k in ("detail", "traceback", "log_tail"))
    row.status, row.eta_s = JobStatus.FAILED, None
    row.error = str(data.get("message") or "the job failed")
    row.detail, row.message = detail.strip(), str(data.get("code", ""))


def _on_cancelled(model: JobsModel, row: JobRow, data: dict) -> None:
    row.status, row.eta_s, row.message = JobStatus.CANCELLED, None, "cancelled"


def _estimate_eta(row: JobRow) -> float | None:
    if row.step <= 0 or not row.total or not row.elapsed_s:
        return None
    return row.elapsed_s / row.step * (row.total - row.step)


_APPLY: dict[str, tp.Callable[[JobsModel, JobRow, dict], None]] = {
    EventName.ACCEPTED.value: _on_accepted,
    EventName.STARTED.value: _on_started,
    EventName.PROGRESS.value: _on_progress,
    EventName.TAKE_READY.value: _on_take_ready,
    EventName.TRAINING_PROGRESS.value: _on_training_progress,
    EventName.JOB_DONE.value: _on_done,
    EventName.JOB_FAILED.value: _on_failed,
    EventName.CANCELLED.value: _on_cancelled,
}
