"""Serving OSC listeners on a thread: UDP (large datagrams and receive buffer) or TCP (SLIP).

Every datagram goes through `decode_packet`; malformed, oversized or unexpected packets are
counted and dropped, and a handler exception never stops the loop.
"""

from __future__ import annotations

import logging
import socket
import threading
import typing as tp

from engine.osc.transport import TcpConnection, UdpEndpoint

log = logging.getLogger(__name__)

Handler = tp.Callable[[str, list[tp.Any], tp.Callable[[str, list[tp.Any], str], None]], None]


class OscServer:
    """Runs `handler(address, args, reply)` for every message received on `host:port`.
    `reply(address, args, types)` answers the sender (same socket, or same TCP connection)."""

    def __init__(self, handler: Handler, *, host: str = "127.0.0.1", port: int = 0,
                 protocol: str = "udp", tick: tp.Callable[[], None] | None = None) -> None:
        self.handler, self.protocol, self.tick = handler, protocol, tick
        self.errors = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        if protocol == "udp":
            self._udp = UdpEndpoint(host, port)
            self.port = self._udp.port
        elif protocol == "tcp":
            self._tcp = socket.create_server((host, port))
            self._tcp.settimeout(0.2)
            self.port = self._tcp.getsockname()[1]
        else:
            raise ValueError(f"protocol must be 'udp' or 'tcp', not {protocol!r}")

    def start(self) -> OscServer:
        target = self._serve_udp if self.protocol == "udp" else self._serve_tcp
        self._spawn(target)
        return self

    def serve_forever(self, seconds: float | None = None) -> None:
        self.start()
        self._stop.wait(seconds)
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=2)
        if self.protocol == "udp":
            self._udp.close()
        else:
            self._tcp.close()

    def __enter__(self) -> OscServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- loops --------------------------------------------------------------------------
    def _spawn(self, target: tp.Callable[..., None], *args: tp.Any) -> None:
        t = threading.Thread(target=target, args=args, daemon=True, name="osc-server")
        self._threads.append(t)
        t.start()

    def _serve_udp(self) -> None:
        while not self._stop.is_set():
            item = self._safe_receive(self._udp)
            if item is not None:
                messages, sender = item
                self._dispatch(messages, lambda a, v, t, s=sender: self._udp.send(s, a, v, t))
            self._tick()

    def _serve_tcp(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._tcp.accept()
            except (TimeoutError, OSError):
                self._tick()
                continue
            self._spawn(self._serve_connection, TcpConnection(("", 0), sock=sock))

    def _serve_connection(self, conn: TcpConnection) -> None:
        with conn:
            while not self._stop.is_set():
                try:
                    item = conn.receive(0.1)
                except (ConnectionError, OSError):
                    return
                if item is not None:
                    self._dispatch(item[0], lambda a, v, t: conn.send(None, a, v, t))
                self._tick()

    def _safe_receive(self, endpoint: UdpEndpoint) -> tp.Any:
        try:
            return endpoint.receive(0.1)
        except OSError:
            self.errors += 1
            return None

    def _dispatch(self, messages: list[tuple[str, list[tp.Any]]], reply: tp.Any) -> None:
        if not messages:
            self.errors += 1  # malformed datagram
        for address, args in messages:
            try:
                self.handler(address, args, reply)
            except Exception:  # a bad message must never stop the listener
                self.errors += 1
                log.exception("OSC handler failed for %s", address)

    def _tick(self) -> None:
        if self.tick:
            try:
                self.tick()
            except Exception:
                log.exception("OSC server tick failed")
