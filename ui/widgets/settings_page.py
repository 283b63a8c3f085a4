"""The settings page: output, loudness, OSC targets, engine device and remote engine.

Each control writes its setting as soon as it changes; `settings_changed(key)` tells the app
(which restarts the engine when an engine setting changed, or re-reads output options).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.dialog_folders import start_folder
from ui.settings import OSC_ADAPTERS, Settings
from ui.widgets.task_inputs import spin_box

OSC_COLUMNS = ("name", "host", "port", "adapter")


class SettingsPage(QWidget):
    settings_changed = Signal(str)  # the key written

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.output_folder = QLineEdit(settings.get("output/folder"))
        self.output_folder.setPlaceholderText("default: the takes folder in your user data")
        self.output_format = QComboBox()
        self.output_format.addItems(["wav", "flac"])
        self.output_format.setCurrentText(settings.get("output/format"))
        self.loudness = spin_box(-40, -5, settings.get("output/loudness_lufs"), 0.5, " LUFS", 1)
        self.osc_table = QTableWidget(0, len(OSC_COLUMNS))
        self.osc_table.setHorizontalHeaderLabels([c.title() for c in OSC_COLUMNS])
        self.osc_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.osc_table.verticalHeader().hide()
        self.listen_port = QSpinBox()
        self.listen_port.setRange(0, 65535)
        self.listen_port.setSpecialValueText("the DAW's usual port")
        self.listen_port.setToolTip("0: the port the chosen DAW sends feedback to by default "
                                    "(9000 for REAPER and Bitwig, 11001 for Ableton, 8000 for "
                                    "Ardour)")
        self.listen_port.setValue(settings.get("osc/listen_port"))
        self.daw = QComboBox()
        self.daw.addItems(["auto", "reaper", "ableton", "bitwig", "ardour", "off"])
        self.daw.setCurrentText(settings.get("osc/daw"))
        self.daw.setToolTip("Whose tempo and transport feedback to expect; 'off' stops listening")
        self.device = QComboBox()
        self.device.addItems(["auto", "cpu", "cuda", "mps"])
        self.device.setCurrentText(settings.get("engine/device"))
        self.precision = QComboBox()
        self.precision.addItems(["auto", "fp32", "fp16", "bf16"])
        self.precision.setCurrentText(settings.get("engine/precision"))
        self.remote_address = QLineEdit(settings.get("engine/remote_address"))
        self.remote_address.setPlaceholderText("host:port — empty runs the engine here")
        self.remote_token = QLineEdit(settings.get("engine/remote_token"))
        self.remote_token.setEchoMode(QLineEdit.EchoMode.Password)
        self._build()
        self._fill_osc(settings.get("osc/targets"))
        self._connect()

    def _build(self) -> None:
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._choose_folder)
        folder = QHBoxLayout()
        folder.addWidget(self.output_folder, 1)
        folder.addWidget(browse)
        output = QGroupBox("Takes")
        form = QFormLayout(output)
        form.addRow("Folder", folder)
        form.addRow("Format", self.output_format)
        form.addRow("Loudness", self.loudness)
        osc = QGroupBox("DAW (OSC)")
        osc_layout = QVBoxLayout(osc)
        osc_layout.addWidget(self.osc_table)
        buttons = QHBoxLayout()
        add, remove = QPushButton("Add target"), QPushButton("Remove")
        add.clicked.connect(self.add_osc_target)
        remove.clicked.connect(self._remove_osc_target)
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        osc_layout.addLayout(buttons)
        listen = QFormLayout()
        listen.addRow("DAW sending tempo", self.daw)
        listen.addRow("Listen for tempo on port", self.listen_port)
        osc_layout.addLayout(listen)
        engine = QGroupBox("Engine")
        form = QFormLayout(engine)
        form.addRow("Device", self.device)
        form.addRow("Precision", self.precision)
        form.addRow("Remote engine", self.remote_address)
        form.addRow("Token", self.remote_token)
        layout = QVBoxLayout(self)
        for group in (output, osc, engine):
            layout.addWidget(group)
        layout.addStretch(1)

    def _connect(self) -> None:
        pairs = [(self.output_folder.textChanged, "output/folder"),
                 (self.output_format.currentTextChanged, "output/format"),
                 (self.loudness.valueChanged, "output/loudness_lufs"),
                 (self.listen_port.valueChanged, "osc/listen_port"),
                 (self.daw.currentTextChanged, "osc/daw"),
                 (self.device.currentTextChanged, "engine/device"),
                 (self.precision.currentTextChanged, "engine/precision"),
                 (self.remote_address.textChanged, "engine/remote_address"),
                 (self.remote_token.textChanged, "engine/remote_token")]
        for signal, key in pairs:
            signal.connect(lambda value, k=key: self._write(k, value))
        self.osc_table.itemChanged.connect(lambda _item: self._write_osc())

    def _write(self, key: str, value: object) -> None:
        self.settings.set(key, value)
        self.settings_changed.emit(key)

    # --- OSC targets ------------------------------------------------------------------------
    def osc_targets(self) -> list[dict]:
        targets = []
        for row in range(self.osc_table.rowCount()):
            values = {c: self._cell(row, i) for i, c in enumerate(OSC_COLUMNS)}
            try:
                values["port"] = int(values["port"])
            except ValueError:
                continue  # a half-typed row is kept in the table, not saved
            targets.append(values)
        return targets

    def _cell(self, row: int, column: int) -> str:
        if column == 3:
            combo = self.osc_table.cellWidget(row, column)
            return combo.currentText() if isinstance(combo, QComboBox) else "notify"
        item = self.osc_table.item(row, column)
        return item.text().strip() if item else ""

    def add_osc_target(self, target: dict | None = None) -> None:
        target = target or {"name": "DAW", "host": "127.0.0.1", "port": 8000,
                            "adapter": "notify"}
        self.osc_table.blockSignals(True)
        row = self.osc_table.rowCount()
        self.osc_table.insertRow(row)
        for i, column in enumerate(OSC_COLUMNS[:3]):
            self.osc_table.setItem(row, i, QTableWidgetItem(str(target.get(column, ""))))
        adapter = QComboBox()
        adapter.addItems(OSC_ADAPTERS)
        adapter.setCurrentText(str(target.get("adapter", "notify")))
        adapter.currentTextChanged.connect(lambda _t: self._write_osc())
        self.osc_table.setCellWidget(row, 3, adapter)
        self.osc_table.blockSignals(False)
        self._write_osc()

    def _fill_osc(self, targets: list[dict]) -> None:
        for target in targets:
            if isinstance(target, dict):
                self.add_osc_target(target)

    def _remove_osc_target(self) -> None:
        row = self.osc_table.currentRow()
        if row >= 0:
            self.osc_table.removeRow(row)
            self._write_osc()

    def _write_osc(self) -> None:
        self._write("osc/targets", self.osc_targets())

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for takes",
                                                  start_folder("audio", self.output_folder.text()))
        if folder:
            self.output_folder.setText(folder)



