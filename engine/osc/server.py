"""Serving OSC listeners on a thread: UDP (large datagrams and receive buffer) or TCP (SLIP).

Every datagram is isolated: it goes through `decode_packet`, and a malformed one, a handler
that raises or any other failure is counted in `errors` and logged at the 1st, 10th, 100th...
occurrence, never fatal. Every server answers `/ainur/status` with its counters.
"""

from __future__ import annotations

import logging
import socket
import threading
import typing as tp

from engine.osc import addresses as A
from engine.osc.packet import decode_packet
from engine.osc.transport import TcpConnection, UdpEndpoint

log = logging.getLogger(__name__)

Reply = tp.Callable[[str, list[tp.Any], str], None]
Handler = tp.Callable[[str, list[tp.Any], Reply], None]
_INT32_MAX = 2**31 - 1


class OscServer:
    """Runs `handler(address, args, reply)` for every message received on `host:port`.
    `reply(address, args, types)` answers the sender (same socket, or same TCP connection).

    `rejected()`, when given, counts the well-formed messages the handler refused; it goes
    into the `/ainur/status` reply next to `received` datagrams and `errors`."""

    def __init__(self, handler: Handler, *, host: str = "127.0.0.1", port: int = 0,
                 protocol: str = "udp", tick: tp.Callable[[], None] | None = None,
                 rejected: tp.Callable[[], int] | None = None) -> None:
        self.handler, self.protocol, self.tick, self.rejected = handler, protocol, tick, rejected
        self.received = 0
        self.errors = 0
        self._counts = threading.Lock()
        self._serial = threading.Lock()  # one message at a time, even with TCP connections
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
        self.where = f"osc.{protocol}://{host}:{self.port}"

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
        if self.errors:
            log.info("OSC listener on %s stopped: %d datagrams received, %d dropped",
                     self.where, self.received, self.errors)

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
            try:
                item = self._udp.receive_datagram(0.1)
            except OSError as exc:
                self._drop(f"cannot read from the socket: {exc}")
                item = None
            if item is not None:
                data, sender = item
                self._handle(data, lambda a, v, t, s=sender: self._udp.send(s, a, v, t))
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
                    frame = conn.receive_frame(0.1)
                except ValueError as exc:  # an unreadable or oversized frame
                    self._count_received()
                    self._drop(str(exc))
                    continue
                except (ConnectionError, OSError):
                    return
                if frame is not None:
                    self._handle(frame, lambda a, v, t: conn.send(None, a, v, t))
                self._tick()

    # --- one datagram ---------------------------------------------------------------------
    def _handle(self, data: bytes, reply: Reply) -> None:
        """Decode and dispatch one datagram; whatever it holds, the loop goes on."""
        self._count_received()
        try:
            messages = decode_packet(data)
        except ValueError as exc:
            self._drop(str(exc))
            return
        except Exception as exc:  # a decoder bug must not stop the listener either
            self._drop(f"undecodable datagram: {exc!r}", exc_info=True)
            return
        if not messages:
            self._drop("an empty bundle")
        for address, args in messages:
            try:
                with self._serial:
                    if address == A.LISTENER_STATUS:
                        self._answer_status(reply)
                    else:
                        self.handler(address, args, reply)
            except Exception as exc:  # a bad message must never stop the listener
                self._drop(f"the handler for {address} failed: {exc!r}", exc_info=True)

    def _answer_status(self, reply: Reply) -> None:
        rejected = self.rejected() if self.rejected else 0
        counts = [min(n, _INT32_MAX) for n in (self.received, self.errors, rejected)]
        reply(A.LISTENER_STATUS_REPLY, counts, "iii")

    def _count_received(self) -> None:
        with self._counts:
            self.received += 1

    def _drop(self, reason: str, *, exc_info: bool = False) -> None:
        with self._counts:
            self.errors += 1
            n = self.errors
        if _is_power_of_ten(n):
            log.warning("OSC listener on %s: %d bad datagram%s dropped so far (latest: %s)",
                        self.where, n, "" if n == 1 else "s", reason, exc_info=exc_info)

    def _tick(self) -> None:
        if self.tick:
            try:
                with self._serial:
                    self.tick()
            except Exception:
                log.exception("OSC server tick failed")


def _is_power_of_ten(n: int) -> bool:
    if n <= 0:
        return False
    while n % 10 == 0:
        n //= 10
    return n == 1
