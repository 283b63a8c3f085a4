"""Send a take to a DAW over OSC. The engine delivers it (the `deliver` request,
docs/engine-protocol.md); the UI asks through the bridge and reports the outcome."""

from __future__ import annotations

import typing as tp
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from engine.protocol import Method, Reply
from ui.engine_bridge import EngineBridge


def deliver_params(path: str, target: dict[str, tp.Any], *, prompt: str = "",
                   bpm: float | None = None) -> dict[str, tp.Any]:
    """The `deliver` params sending `path` to one OSC target from the settings."""
    url = f"osc.udp://{target.get('host', '127.0.0.1')}:{int(target.get('port', 8000))}"
    params: dict[str, tp.Any] = {"take": path, "target": url,
                                 "kind": str(target.get("adapter", "notify"))}
    if prompt:
        params["prompt"] = prompt
    if bpm:
        params["bpm"] = float(bpm)
    return params


class DawSender(QObject):
    finished = Signal(bool, str)  # (ok, message for people)

    def __init__(self, bridge: EngineBridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge

    def send(self, path: str, target: dict[str, tp.Any], **kwargs: tp.Any) -> str | None:
        """Ask the engine to deliver `path` to `target`; returns the request id, or None
        (and `finished(False, why)`) when no engine runs."""
        name = str(target.get("name") or target.get("host"))
        try:
            return self.bridge.request(Method.DELIVER, deliver_params(path, target, **kwargs),
                                       lambda reply: self._done(reply, name, path))
        except RuntimeError as exc:
            self.finished.emit(False, f"Cannot send to {name}: {exc}.")
            return None

    def _done(self, reply: Reply, name: str, path: str) -> None:
        if reply.ok:
            note = (reply.result or {}).get("note") if isinstance(reply.result, dict) else None
            self.finished.emit(True, f"Sent {Path(path).name} to {name}"
                                     + (f" ({note})" if note else ""))
        else:
            why = reply.error.message if reply.error else "the engine refused the delivery"
            self.finished.emit(False, f"Could not send to {name}: {why}")
