"""The status bar: engine state, device, precision, the chosen model, memory, DAW sync, and the
last message; an error keeps a "Details" link until the next one."""

from __future__ import annotations

import typing as tp

from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QStatusBar, QWidget

from ui.models.packs import model_label

STATE_TEXT = {"stopped": "Engine stopped", "starting": "Engine starting…",
              "ready": "Engine ready", "busy": "Engine busy",
              "restarting": "Engine restarting…", "remote": "Remote engine",
              "failed": "Engine failed"}


def memory_text(memory: dict[str, tp.Any]) -> str:
    used, total = memory.get("used_mb"), memory.get("total_mb")
    if used is None or not total:
        return ""
    return f"{used / 1024:.1f}/{total / 1024:.0f} GB"


class StudioStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = QLabel(STATE_TEXT["stopped"])
        self.engine.setObjectName("engineState")
        self.device = QLabel()
        self.model = QLabel()
        self.memory = QLabel()
        self.daw = QLabel("DAW: not linked")
        self.audio = QLabel()
        self.details = QPushButton("Details")
        self.details.setFlat(True)
        self.details.hide()
        self.details.clicked.connect(self.show_details)
        self._detail = ("", "")
        self._chosen = ""  # the model chosen in the prompt panel
        self.addWidget(self.details)
        for label in (self.audio, self.daw, self.memory, self.model, self.device, self.engine):
            self.addPermanentWidget(label)
        for label in (self.device, self.model, self.memory, self.audio):
            label.hide()
        self.set_engine_state("stopped")

    def _show(self, label: QLabel, text: str) -> None:
        label.setText(text)
        label.setVisible(bool(text))

    def set_engine_state(self, state: str) -> None:
        self.engine.setText(STATE_TEXT.get(state, state))
        self.engine.setProperty("state", state)
        self.engine.style().unpolish(self.engine)
        self.engine.style().polish(self.engine)

    def set_engine_status(self, status: dict[str, tp.Any]) -> None:
        device = status.get("device") or "?"
        precision = status.get("precision") or ""
        self._show(self.device, f"{device} {precision}".strip())
        loaded = status.get("model")
        self.model.setToolTip(f"{self._chosen}\nthe engine last used {loaded}" if loaded
                              else self._chosen)
        self._show(self.memory, memory_text(status.get("memory") or {}))
        self.set_daw_state(status.get("daw") or {})

    def set_model(self, model: str) -> None:
        """Show the model chosen in the prompt panel: the one the next take is made with."""
        self._chosen = model
        self._show(self.model, f"model: {model_label(model)}" if model else "")
        self.model.setToolTip(model)

    def set_daw_state(self, daw: dict[str, tp.Any]) -> None:
        """Show e.g. "DAW ▶ 124 BPM 4/4" with the DAW's name in the tooltip."""
        if not daw.get("tempo") and daw.get("playing") is None:
            return
        playing = "▶" if daw.get("playing") else "■"
        tempo = f"{float(daw['tempo']):g} BPM" if daw.get("tempo") else ""
        self.daw.setText(f"DAW {playing} {tempo} {daw.get('time_signature') or ''}".strip())
        self.daw.setToolTip(str(daw.get("summary") or daw.get("source") or "DAW"))

    def set_audio_note(self, note: str) -> None:
        self._show(self.audio, "no sound" if note else "")
        self.audio.setToolTip(note)

    def show_error(self, message: str, detail: str = "") -> None:
        self._detail = (message, detail)
        self.showMessage(message)
        self.details.setVisible(bool(detail))

    def show_info(self, message: str, timeout_ms: int = 8000) -> None:
        self.details.hide()
        self.showMessage(message, timeout_ms)

    def show_details(self) -> QMessageBox:
        message, detail = self._detail
        box = QMessageBox(QMessageBox.Icon.Warning, "Ainur Studio", message, parent=self)
        box.setDetailedText(detail)
        box.open()
        return box
