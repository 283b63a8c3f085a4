"""Send a take to a DAW over OSC by running `ainur-studio send` in the background (the
delivery code lives with the engine; the UI only starts it and reports the outcome)."""

from __future__ import annotations

import sys
import typing as tp
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, Signal

from ui.engine_bridge import default_engine_command


def send_command(path: str, target: dict[str, tp.Any], *, prompt: str = "",
                 bpm: float | None = None) -> list[str]:
    """The command line delivering `path` to one OSC target from the settings."""
    base = default_engine_command()[:-1]  # python main.py (or the frozen executable)
    if getattr(sys, "frozen", False):
        base = [sys.executable]
    url = f"osc.udp://{target.get('host', '127.0.0.1')}:{int(target.get('port', 8000))}"
    command = [*base, "send", path, "--to", url, "--as", str(target.get("adapter", "notify")),
               "--json"]
    if prompt:
        command += ["--prompt", prompt]
    if bpm:
        command += ["--bpm", f"{bpm:g}"]
    return command


class DawSender(QObject):
    finished = Signal(bool, str)  # (ok, message for people)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: list[QProcess] = []

    def send(self, path: str, target: dict[str, tp.Any], **kwargs: tp.Any) -> QProcess:
        command = send_command(path, target, **kwargs)
        process = QProcess(self)
        process.setProgram(command[0])
        process.setArguments(command[1:])
        name = target.get("name") or target.get("host")
        process.finished.connect(lambda code, _status, p=process: self._done(p, code, name, path))
        process.errorOccurred.connect(
            lambda _e, p=process: self.finished.emit(False, f"Cannot run the sender: "
                                                            f"{p.errorString()}"))
        self._running.append(process)
        process.start()
        return process

    def _done(self, process: QProcess, code: int, name: str, path: str) -> None:
        self._running.remove(process)
        if code == 0:
            self.finished.emit(True, f"Sent {Path(path).name} to {name}")
        else:
            err = bytes(process.readAllStandardError().data()).decode("utf-8", "replace").strip()
            self.finished.emit(False, f"Could not send to {name}: {err or f'exit code {code}'}")
        process.deleteLater()
