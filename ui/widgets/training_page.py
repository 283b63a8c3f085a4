"""The training page (created the first time it is shown): pick a folder of recordings, read
the dataset report and, once a run starts, what it adapts and why, set the parameters,
start / stop / resume, watch the loss, listen to preview clips as the engine renders them and
see how close they come to the held-out recordings."""

from __future__ import annotations

import typing as tp
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.protocol import Event, EventName
from ui.dataset_report import DatasetReport, scan_folder
from ui.dialog_folders import start_folder
from ui.models.packs import exported_pack_name
from ui.widgets.loss_plot import LossPlot
from ui.widgets.task_inputs import spin_box
from ui.widgets.training_closeness import ClosenessView
from ui.workers import GeneratorWorker, start_worker


class TrainingPage(QWidget):
    train_requested = Signal(dict)     # the training spec sent with the `train` request
    stop_requested = Signal(str)       # job id
    preview_requested = Signal(str)    # path of a preview clip to play

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job_id = ""
        self.report: DatasetReport | None = None
        self._worker: GeneratorWorker | None = None
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("a folder of your recordings (with .lrc / .txt beside them)")
        self.report_label = QLabel("Pick a folder to see what the model will learn from.")
        self.report_label.setObjectName("hint")
        self.report_label.setWordWrap(True)
        self.report_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.component = QComboBox()
        self.component.addItems(["lora", "prior", "clasp", "autoencoder"])
        self.steps = QSpinBox()
        self.steps.setRange(10, 1_000_000)
        self.steps.setValue(600)  # RunSpec.steps: the prior's steps of a fine-tune
        self.learning_rate = spin_box(1e-6, 1e-2, 1e-4, 1e-5, "", 6)
        self.batch = QSpinBox()
        self.batch.setRange(1, 256)
        self.batch.setValue(4)
        self.rank = QSpinBox()
        self.rank.setRange(1, 256)
        self.rank.setValue(16)
        self.preview_every = QSpinBox()
        self.preview_every.setRange(0, 1_000_000)
        self.preview_every.setValue(150)
        self.preview_every.setSpecialValueText("never")
        self.preview_every.setToolTip("Render previews of your captions every so many steps and "
                                      "measure how close they come to recordings held out from "
                                      "training (0 = never: nothing is held out)")
        self.plan_label = QLabel("")
        self.plan_label.setObjectName("hint")
        self.plan_label.setWordWrap(True)
        self.plan_label.hide()
        self.closeness = ClosenessView()
        self.install = QCheckBox("Install in the Model list when done")
        self.install.setChecked(True)
        self.install.setToolTip("Copy the finished pack into your models folder, so the "
                                "Model list and `ainur-studio models` show it")
        self.start = QPushButton("Start")
        self.resume = QPushButton("Resume")
        self.stop = QPushButton("Stop")
        self.state_label = QLabel("idle")
        self.plot = LossPlot()
        self.previews = QListWidget()
        self._build()

    def _build(self) -> None:
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._choose_folder)
        self.folder.editingFinished.connect(lambda: self.scan(self.folder.text()))
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        data = QGroupBox("Dataset")
        data_layout = QVBoxLayout(data)
        data_layout.addLayout(row)
        data_layout.addWidget(self.report_label)
        data_layout.addWidget(self.plan_label)
        params = QGroupBox("Parameters")
        form = QFormLayout(params)
        form.addRow("Train", self.component)
        form.addRow("Steps", self.steps)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Batch", self.batch)
        form.addRow("LoRA rank", self.rank)
        form.addRow("Previews every", self.preview_every)
        form.addRow(self.install)
        buttons = QHBoxLayout()
        for button in (self.start, self.resume, self.stop):
            buttons.addWidget(button)
        buttons.addWidget(self.state_label, 1)
        form.addRow(buttons)
        self.start.clicked.connect(lambda: self.request_training(resume=False))
        self.resume.clicked.connect(lambda: self.request_training(resume=True))
        self.stop.clicked.connect(lambda: self.stop_requested.emit(self.job_id))
        self.previews.itemDoubleClicked.connect(
            lambda item: self.preview_requested.emit(item.toolTip()))
        top = QHBoxLayout()
        top.addWidget(data, 3)
        top.addWidget(params, 2)
        live = QGroupBox("Progress")
        live_layout = QHBoxLayout(live)
        live_layout.addWidget(self.plot, 3)
        previews = QVBoxLayout()
        previews.addWidget(QLabel("Previews (double-click to play)"))
        previews.addWidget(self.previews, 1)
        previews.addWidget(self.closeness)
        live_layout.addLayout(previews, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(live, 1)
        self._set_running(False)

    # --- dataset ----------------------------------------------------------------------------
    def scan(self, folder: str) -> GeneratorWorker | None:
        if not folder:
            return None
        if self._worker is not None:
            self._worker.abort()
        self.report_label.setText("Reading the folder…")
        self._worker = start_worker(
            scan_folder, folder,
            on_yield=lambda n: self.report_label.setText(f"Reading the folder… {n} files"),
            on_return=self.show_report,
            on_error=lambda msg, _tb: self.report_label.setText(msg))
        worker = self._worker
        return worker

    def show_report(self, report: DatasetReport) -> None:
        self.report = report
        self.folder.setText(report.folder)
        self.report_label.setText("\n".join(report.lines()))
        self.start.setEnabled(report.files > 0 and not self.job_id)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of recordings",
                                                  start_folder("audio", self.folder.text()))
        if folder:
            self.folder.setText(folder)
            self.scan(folder)

    # --- training ---------------------------------------------------------------------------
    def spec(self, *, resume: bool = False) -> dict[str, tp.Any]:
        return {"data_dir": self.folder.text(), "component": self.component.currentText(),
                "steps": self.steps.value(), "learning_rate": self.learning_rate.value(),
                "batch_size": self.batch.value(), "lora_rank": self.rank.value(),
                "preview_every": self.preview_every.value(),
                "install": self.install.isChecked(), "resume": resume}

    def request_training(self, *, resume: bool) -> None:
        if not self.folder.text():
            self.report_label.setText("Pick a folder of recordings first.")
            return
        self.plot.clear()
        self.closeness.clear()
        self.plan_label.clear()
        self.plan_label.hide()
        self.train_requested.emit(self.spec(resume=resume))

    def training_started(self, job_id: str) -> None:
        self.job_id = job_id
        self._set_running(True)

    def on_event(self, event: Event) -> None:
        """Engine events about the training job."""
        if not self.job_id or event.job != self.job_id:
            return
        if event.event == EventName.TRAINING_PROGRESS.value:
            data = event.data
            self.plot.add_point(int(data.get("step", 0)), float(data.get("loss", 0.0)),
                                int(data.get("total", 0) or 0))
            eta = data.get("eta")
            self.state_label.setText(f"training · {data.get('samples_per_s', 0):.1f} samples/s"
                                     + (f" · {int(eta) // 60} min left" if eta else ""))
            for path in data.get("previews", []) or []:
                self._add_preview(str(path))
            if data.get("event") == "validation":
                self.closeness.show_validation(int(data.get("step", 0)),
                                               data.get("validation") or {})
        elif event.event == EventName.PROGRESS.value and event.data.get("stage") == "plan":
            self._add_choice(str(event.data.get("message", "")))
        elif event.event in (EventName.JOB_DONE.value, EventName.JOB_FAILED.value,
                             EventName.CANCELLED.value):
            self.state_label.setText(self._ended_text(event))
            self.job_id = ""
            self._set_running(False)

    def _ended_text(self, event: Event) -> str:
        name = exported_pack_name(event.data) if event.event == EventName.JOB_DONE.value else ""
        if name and self.install.isChecked():
            return f"done · pack {name!r} is in the Model list"
        if name:
            return f"done · pack {name!r} in {event.data.get('pack')}"
        return str(event.data.get("message") or event.data.get("status", event.event))

    def _add_choice(self, line: str) -> None:
        """A choice the run made and why (the engine's "plan" lines), under the report."""
        text = self.plan_label.text() or "This run:"
        self.plan_label.setText(f"{text}\n• {line}")
        self.plan_label.show()

    def _add_preview(self, path: str) -> None:
        if self.previews.findItems(Path(path).name, Qt.MatchFlag.MatchExactly):
            return
        self.previews.addItem(Path(path).name)
        self.previews.item(self.previews.count() - 1).setToolTip(path)

    def _set_running(self, running: bool) -> None:
        self.start.setEnabled(not running)
        self.resume.setEnabled(not running)
        self.stop.setEnabled(running)
        self.state_label.setText("training" if running else self.state_label.text())

