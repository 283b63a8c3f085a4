"""The TCP bridge against a tiny protocol server: hello with the token, "remote" state,
and reconnection after the server drops the connection."""

from __future__ import annotations

import socket
import threading

import pytest

from engine.protocol import Reply, decode, encode
from ui.engine_bridge import BridgeState
from ui.remote_bridge import RemoteEngineBridge, parse_address


class TinyServer:
    """Accepts connections, answers hello, and records the tokens it was sent."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.tokens: list[str] = []
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn: socket.socket) -> None:
        for line in conn.makefile("rb"):
            request = decode(line)
            self.tokens.append(request.params.get("token", ""))
            reply = Reply(reply_to=request.id, result={"protocol": 1, "engine_id": "e-remote",
                                                       "device": "cuda:0",
                                                       "precision": "bf16"})
            conn.sendall((encode(reply) + "\n").encode())

    def drop_all(self) -> None:
        for conn in self.connections:
            conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self.connections.clear()


def test_parse_address():
    assert parse_address("10.0.0.5:9000") == ("10.0.0.5", 9000)
    assert parse_address("studio-pc") == ("studio-pc", 7781)
    with pytest.raises(ValueError, match="host:port"):
        parse_address("studio:abc")


def test_remote_bridge_connects_and_reconnects(qtbot):
    server = TinyServer()
    bridge = RemoteEngineBridge("127.0.0.1", server.port, "s3cret", backoff_s=(0.05,))
    bridge.start()
    qtbot.waitUntil(lambda: bridge.state == BridgeState.REMOTE, timeout=5000)
    assert server.tokens == ["s3cret"]
    assert bridge.status["device"] == "cuda:0"
    with qtbot.waitSignal(bridge.engine_died, timeout=5000) as died:
        server.drop_all()
    assert "Lost the remote engine" in died.args[0]
    qtbot.waitUntil(lambda: bridge.state == BridgeState.REMOTE and len(server.tokens) == 2,
                    timeout=5000)
    bridge.stop()
    assert bridge.state == BridgeState.STOPPED


def test_unreachable_remote_engine_is_reported(qtbot):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens here now
    bridge = RemoteEngineBridge("127.0.0.1", port, max_restarts=0)
    with qtbot.waitSignal(bridge.engine_died, timeout=5000) as died:
        bridge.start()
    assert f"127.0.0.1:{port}" in died.args[0]
    assert bridge.state == BridgeState.FAILED


def test_settings_choose_the_bridge(tmp_path):
    from ui.main_window import make_bridge
    from ui.settings import Settings

    settings = Settings(tmp_path / "s.ini")
    settings.set("engine/device", "cpu")
    local = make_bridge(settings, None)
    assert not isinstance(local, RemoteEngineBridge)
    assert local.command[-4:] == ["--device", "cpu", "--precision", "auto"]
    settings.set("engine/remote_address", "10.1.2.3:7000")
    settings.set("engine/remote_token", "tok")
    remote = make_bridge(settings, None)
    assert isinstance(remote, RemoteEngineBridge)
    assert (remote.host, remote.port, remote.token) == ("10.1.2.3", 7000, "tok")
