"""The engine bridge over TCP, for an engine running on another machine
(`ainur-studio engine --listen HOST:PORT --token T`). Same signals and restart policy as the
local bridge; "restarting" means reconnecting, and an idle engine shows as "remote"."""

from __future__ import annotations

import os

from PySide6.QtCore import QObject
from PySide6.QtNetwork import QAbstractSocket, QTcpSocket

from engine.protocol import PROTOCOL_VERSION, Method
from ui.engine_bridge import BridgeState, EngineBridge


def parse_address(text: str, default_port: int = 7781) -> tuple[str, int]:
    """"host:port" (or "host") -> (host, port); raises ValueError with the expected form."""
    host, _, port = text.strip().rpartition(":") if ":" in text else (text.strip(), "", "")
    host = host.strip("[]") or "127.0.0.1"
    try:
        number = int(port) if port else default_port
    except ValueError:
        raise ValueError(f"remote engine address {text!r}: write it as host:port, "
                         "e.g. 192.168.1.20:7781") from None
    if not 0 < number < 65536:
        raise ValueError(f"remote engine port {number} is outside 1-65535")
    return host, number


class RemoteEngineBridge(EngineBridge):
    def __init__(self, host: str, port: int, token: str = "", *, max_restarts: int = 3,
                 restart_window_s: float = 60.0, backoff_s: tuple[float, ...] = (0.5, 1.0, 2.0),
                 parent: QObject | None = None) -> None:
        super().__init__(["remote", f"{host}:{port}"], max_restarts=max_restarts,
                         restart_window_s=restart_window_s, backoff_s=backoff_s, parent=parent)
        self.host, self.port, self.token = host, port, token
        self._socket: QTcpSocket | None = None
        self._lost = False

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._socket is not None and \
            self._socket.state() == QAbstractSocket.SocketState.ConnectedState

    def pid(self) -> int:
        return 0

    def start(self) -> None:
        if self.running:
            return
        self._stopping = False
        self._restart_times.clear()
        self._spawn()

    def stop(self, timeout_ms: int = 3000) -> None:
        """Disconnect (the remote engine keeps running for its owner)."""
        self._stopping = True
        self._restart_timer.stop()
        if self._socket is not None:
            self._socket.disconnectFromHost()
        self._set_state(BridgeState.STOPPED)

    def kill(self, reason: str = "") -> None:
        if self._socket is not None:
            self._socket.abort()

    def _write(self, data: bytes) -> None:
        assert self._socket is not None
        self._socket.write(data)

    def _ready_state(self) -> BridgeState:
        return BridgeState.REMOTE

    def _spawn(self) -> None:
        socket = QTcpSocket(self)
        socket.connected.connect(self._on_connected)
        socket.readyRead.connect(lambda: self._feed(bytes(socket.readAll().data())))
        socket.disconnected.connect(lambda: self._on_lost("the connection closed"))
        socket.errorOccurred.connect(lambda _e: self._on_lost(socket.errorString()))
        if self._socket is not None:
            self._socket.deleteLater()
        self._socket, self._buffer, self._lost = socket, b"", False
        self._set_state(BridgeState.STARTING)
        socket.connectToHost(self.host, self.port)

    def _on_connected(self) -> None:
        self.send(Method.HELLO, {"protocol": PROTOCOL_VERSION, "client": "ainur-studio-ui",
                                 "pid": os.getpid(), "token": self.token})

    def _on_lost(self, why: str) -> None:
        if self._lost or self._stopping:
            return
        self._lost = True
        self._stderr_tail.clear()
        self._on_death(f"Lost the remote engine at {self.address} ({why}).")
