"""The engine's TCP transport (`--listen`): a thread per connection, a deadline for the hello,
one client at a time.

A connection must send a `hello` with the token within `handshake_s` seconds, on its own
thread, so an idle or slow stranger never holds up anyone else. A peer with the right token
becomes the engine's client when no other client is attached; otherwise it is told `busy`.
Peer errors (a reset, a broken pipe, a client that stops reading) end that connection only.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
import typing as tp

from engine import protocol as p

if tp.TYPE_CHECKING:
    from engine.server import EngineServer

log = logging.getLogger(__name__)

HANDSHAKE_TIMEOUT_S = 10.0  # from connecting to a hello with the token
SEND_TIMEOUT_S = 30.0       # a client that reads nothing for this long is dropped
REFUSAL_SEND_S = 5.0        # how long a refused peer may take to receive why
LINGER_S = 2.0              # a refused peer's remaining input is drained this long
CLAIM_GRACE_S = 1.0         # a new client waits this long for a departing one to leave
MAX_HANDSHAKES = 16         # connections waiting for their hello at the same time
ACCEPT_POLL_S = 0.5         # how often the accept loop looks for a shutdown


class HandshakeTimeout(Exception):
    """The peer did not finish its first line before the deadline."""


class LineSocket:
    """Bounded lines from a socket (an optional deadline) and whole lines to it.

    An over-long line is returned cut to ``limit + 1`` bytes, so the decoder reports it as
    `line_too_long`, and the rest of it is skipped; memory stays bounded by the limit.
    """

    def __init__(self, sock: socket.socket, limit: int = p.MAX_LINE_BYTES) -> None:
        self.sock = sock
        self._limit = limit
        self._buf = bytearray()
        self._skipping = False

    def read_line(self, deadline: float | None = None) -> bytes | None:
        """The next line; None at end of stream. Past `deadline` (monotonic seconds) it
        raises `HandshakeTimeout`; without one it waits as long as the peer stays."""
        while True:
            line = self._take_line()
            if line is not None:
                return line
            chunk = self._recv(deadline)
            if not chunk:
                rest, skipped = bytes(self._buf), self._skipping
                self._buf.clear()
                return rest if rest and not skipped else None
            self._buf += chunk

    def write(self, line: str) -> None:
        """Send one protocol line; on failure shut the socket so its reader ends too."""
        try:
            self.sock.sendall(line.encode("utf-8") + b"\n")
        except OSError:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)
            raise

    def tell(self, event: p.Event) -> None:
        """Send a refusal, then close gently: what the peer still sends is read and dropped
        for a moment, so the kernel does not reset the connection before the refusal is read.
        A peer that takes longer is not waited for."""
        with contextlib.suppress(OSError):
            self.sock.settimeout(REFUSAL_SEND_S)
            self.write(p.encode(event))
            self.sock.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + LINGER_S
            while time.monotonic() < deadline:
                self.sock.settimeout(max(deadline - time.monotonic(), 0.01))
                if not self.sock.recv(65536):
                    break

    def _take_line(self) -> bytes | None:
        if self._skipping:
            end = self._buf.find(b"\n")
            if end < 0:
                self._buf.clear()
                return None
            del self._buf[:end + 1]
            self._skipping = False
        end = self._buf.find(b"\n", 0, self._limit + 1)
        if end >= 0:
            line = bytes(self._buf[:end + 1])
            del self._buf[:end + 1]
            return line
        if len(self._buf) > self._limit:
            line = bytes(self._buf[:self._limit + 1])
            del self._buf[:self._limit + 1]
            self._skipping = True
            return line
        return None

    def _recv(self, deadline: float | None) -> bytes:
        while True:
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise HandshakeTimeout
                self.sock.settimeout(remaining)
            try:
                return self.sock.recv(65536)
            except TimeoutError:
                if deadline is None:  # an idle client is fine; the timeout bounds sends
                    continue


class TcpTransport:
    """Serves `server` to TCP peers.

    Args:
        server: The engine's `EngineServer` (created with the token).
        handshake_s: How long a new connection may take to send its hello.
    """

    def __init__(self, server: EngineServer, *,
                 handshake_s: float = HANDSHAKE_TIMEOUT_S) -> None:
        self.server = server
        self.handshake_s = handshake_s
        self._client = threading.Lock()  # held by the connection of the attached client
        self._client_peer = ""
        self._handshakes = threading.BoundedSemaphore(MAX_HANDSHAKES)

    def serve(self, listener: socket.socket) -> None:
        """Accept connections until the server is shut down."""
        listener.settimeout(ACCEPT_POLL_S)
        while not self.server.stopping:
            try:
                conn, addr = listener.accept()
            except TimeoutError:
                continue
            except OSError as exc:  # e.g. out of file descriptors: wait, do not spin
                log.warning("cannot accept a connection: %s", exc)
                time.sleep(ACCEPT_POLL_S)
                continue
            peer = f"{addr[0]}:{addr[1]}"
            threading.Thread(target=self._serve_connection, args=(conn, peer), daemon=True,
                             name=f"tcp-{peer}").start()

    def _serve_connection(self, conn: socket.socket, peer: str) -> None:
        log.info("connection from %s", peer)
        with conn:
            try:
                _keep_alive(conn)
                lines = LineSocket(conn)
                hello = self._handshake(lines, peer)
                if hello is not None:
                    self._serve_client(lines, hello, peer)
            except OSError as exc:
                log.warning("connection from %s broke: %s", peer, exc)
            except Exception:  # one connection's bug must not end the engine
                log.exception("connection from %s failed", peer)
        log.info("connection from %s closed", peer)

    def _handshake(self, lines: LineSocket, peer: str) -> bytes | None:
        """The peer's first line when it is a hello with the token; None once refused."""
        if not self._handshakes.acquire(blocking=False):
            self._refuse(lines, peer, p.ErrorCode.BUSY, "too many connections are waiting "
                         "to say hello; try again in a few seconds")
            return None
        try:
            line = self._first_line(lines)
        except HandshakeTimeout:
            self._refuse(lines, peer, p.ErrorCode.UNAUTHORIZED, f"refused: no hello with the "
                         f"token within {self.handshake_s:g} s")
            return None
        finally:
            self._handshakes.release()
        if line is None:
            log.info("connection from %s closed before its hello", peer)
            return None
        refusal = self.server.check_hello(line)
        if refusal is not None:
            log.warning("refused connection from %s: %s", peer, refusal.data["message"])
            lines.tell(refusal)
            return None
        return line

    def _first_line(self, lines: LineSocket) -> bytes | None:
        deadline = time.monotonic() + self.handshake_s
        while True:
            line = lines.read_line(deadline)
            if line is None or line.strip():
                return line

    def _serve_client(self, lines: LineSocket, hello: bytes, peer: str) -> None:
        if not self._client.acquire(timeout=CLAIM_GRACE_S):
            self._refuse(lines, peer, p.ErrorCode.BUSY, f"another client ({self._client_peer}) "
                         "is connected to this engine and only one at a time can use it; "
                         "close it or wait until it disconnects", reply_to=p.decode(hello).id)
            return
        self._client_peer = peer
        lines.sock.settimeout(SEND_TIMEOUT_S)
        self.server.attach(lines.write)
        try:
            if self.server.handle_line(hello):
                self.server.serve(iter(lines.read_line, None))
        finally:
            if self.server.authenticated:
                self.server.cancel_all()  # the client's jobs end with its connection
            self.server.detach()
            self._client.release()

    def _refuse(self, lines: LineSocket, peer: str, code: p.ErrorCode, message: str, *,
                reply_to: str | None = None) -> None:
        log.warning("refused connection from %s: %s", peer, message)
        lines.tell(p.error_event(code, message, reply_to=reply_to,
                                 engine_id=self.server.engine_id))


def _keep_alive(conn: socket.socket) -> None:
    """Keep-alive probes, so a client whose machine vanished frees the engine in about a
    minute (where the platform lets us set the intervals)."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in (("TCP_KEEPIDLE", 30), ("TCP_KEEPINTVL", 10), ("TCP_KEEPCNT", 3)):
        if hasattr(socket, name):
            with contextlib.suppress(OSError):
                conn.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)
