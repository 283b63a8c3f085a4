"""The job queue: one row per job with a progress bar, ETA and a cancel button.

Failed jobs say what happened in plain words; the engine's detail (traceback, log tail) is one
click away behind "Details".
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.protocol import JobStatus
from ui import theme
from ui.models.jobs_model import JobRow, JobsModel


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d} left" if seconds >= 60 else f"{seconds} s left"


def describe_row(row: JobRow) -> str:
    """The status line under a job's title."""
    if row.status == JobStatus.QUEUED:
        return "waiting for the engine" if not row.job_id else \
            ("next" if row.position == 0 else f"queued, {row.position} ahead")
    if row.status == JobStatus.RUNNING:
        parts = [row.stage or "running"]
        if row.total:
            parts.append(f"step {row.step}/{row.total}")
        parts.append(format_eta(row.eta_s))
        return " · ".join(p for p in parts if p)
    if row.status == JobStatus.SUCCEEDED:
        takes = f"{len(row.takes)} take{'s' if len(row.takes) != 1 else ''}" if row.takes else ""
        time = f"made in {row.made_in_s:.1f} s" if row.made_in_s is not None else \
            f"{row.elapsed_s:.1f} s"
        return " · ".join(p for p in ("done", takes, time) if p)
    if row.status == JobStatus.CANCELLED:
        return "cancelled"
    return f"failed: {row.error}"


class JobRowWidget(QFrame):
    cancel_requested = Signal(str)  # job id

    def __init__(self, row: JobRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row = row
        self.title = QLabel()
        self.status = QLabel()
        self.status.setObjectName("hint")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(8)
        self.cancel = QToolButton()
        self.cancel.setIcon(theme.icon("cancel"))
        self.cancel.setToolTip("Cancel this job")
        self.cancel.setObjectName("rowButton")
        self.cancel.setFixedSize(24, 22)
        self.cancel.setIconSize(QSize(14, 14))
        self.title.setMinimumWidth(1)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.cancel.clicked.connect(lambda: self.cancel_requested.emit(self.row.job_id))
        self.details = QPushButton("Details")
        self.details.setFlat(True)
        self.details.clicked.connect(self.show_details)
        grid = QVBoxLayout(self)
        grid.setContentsMargins(6, 4, 6, 4)
        grid.setSpacing(2)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.details)
        top.addWidget(self.cancel)
        grid.addLayout(top)
        grid.addWidget(self.progress)
        grid.addWidget(self.status)
        self.update_row(row)

    def update_row(self, row: JobRow) -> None:
        self.row = row
        self.title.setText(row.summary)
        self.status.setText(describe_row(row))
        self.status.setObjectName("problem" if row.status == JobStatus.FAILED else "hint")
        self.status.style().polish(self.status)
        self.progress.setValue(int(row.fraction * 1000))
        self.progress.setVisible(row.active or row.status == JobStatus.SUCCEEDED)
        self.cancel.setVisible(row.active)
        self.cancel.setEnabled(bool(row.job_id))
        self.details.setVisible(row.status == JobStatus.FAILED)

    def show_details(self) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Warning, "Job failed", self.row.error, parent=self)
        box.setDetailedText(self.row.detail or "(no further detail)")
        box.open()
        return box


class QueueView(QWidget):
    cancel_requested = Signal(str)  # job id

    def __init__(self, model: JobsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.rows: list[JobRowWidget] = []
        self._list = QVBoxLayout()
        self._list.setSpacing(2)
        self._list.addStretch(1)
        inner = QWidget()
        inner.setLayout(self._list)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.empty = QLabel("No jobs yet: press Generate (Ctrl+Enter).")
        self.empty.setObjectName("hint")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        clear = QPushButton("Clear finished")
        clear.clicked.connect(model.clear_finished)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.empty)
        layout.addWidget(scroll, 1)
        layout.addWidget(clear, 0, Qt.AlignmentFlag.AlignRight)
        model.rowsInserted.connect(self._rebuild)
        model.modelReset.connect(self._rebuild)
        model.dataChanged.connect(self._on_data_changed)
        self._rebuild()

    def _rebuild(self) -> None:
        for widget in self.rows:
            self._list.removeWidget(widget)
            widget.setParent(None)  # gone at once, not at the next event-loop turn
            widget.deleteLater()
        self.rows = []
        for row in reversed(self.model.rows):  # newest at the top
            widget = JobRowWidget(row)
            widget.cancel_requested.connect(self.cancel_requested)
            self._list.insertWidget(self._list.count() - 1, widget)
            self.rows.append(widget)
        self.empty.setVisible(not self.rows)

    def _on_data_changed(self) -> None:
        for widget in self.rows:
            widget.update_row(widget.row)
