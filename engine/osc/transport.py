"""OSC over UDP and TCP: URLs, message encoding, a bound endpoint with a large receive buffer.

python-osc's stock UDP servers silently drop datagrams over 8192 bytes; this endpoint reads up
to 65535 bytes and asks the kernel for a 4 MiB receive buffer, which is what keeps chunked audio
loss-free on loopback (docs/daw-bridge.md). Datagrams are decoded by `packet.decode_packet`.
"""

from __future__ import annotations

import select
import socket
import typing as tp
from dataclasses import dataclass
from urllib.parse import urlsplit

from pythonosc import slip
from pythonosc.osc_message_builder import OscMessageBuilder

from engine.osc.packet import Message, decode_packet

__all__ = ["Message", "decode_packet"]  # re-exported: callers decode through the transport

MAX_DATAGRAM = 65_535
MAX_TCP_FRAME = 1024 * 1024  # a SLIP frame longer than this is dropped, not buffered
RECEIVE_BUFFER = 4 * 1024 * 1024
_OVERSIZED = b"<oversized>"  # sentinel (compared by identity) for a dropped TCP frame


class OscUrlError(ValueError):
    pass


@dataclass(frozen=True)
class OscTarget:
    """Where OSC goes: `osc.udp://HOST:PORT` or `osc.tcp://HOST:PORT`."""

    protocol: str  # "udp" | "tcp"
    host: str
    port: int

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    def __str__(self) -> str:
        return f"osc.{self.protocol}://{self.host}:{self.port}"


def parse_osc_url(url: str) -> OscTarget:
    """Parse `osc.udp://HOST:PORT`, `osc.tcp://HOST:PORT` or plain `HOST:PORT` (UDP)."""
    text = url.strip()
    if "://" not in text:
        text = "osc.udp://" + text
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("osc.udp", "osc.tcp", "udp", "tcp"):
        raise OscUrlError(f"unsupported OSC URL scheme in {url!r}: use osc.udp://HOST:PORT "
                          "or osc.tcp://HOST:PORT")
    try:
        port = parts.port
    except ValueError as exc:
        raise OscUrlError(f"bad port in OSC URL {url!r}: {exc}") from None
    if not parts.hostname or port is None:
        raise OscUrlError(f"OSC URL {url!r} needs a host and a port, e.g. osc.udp://127.0.0.1:9000")
    return OscTarget(scheme.rsplit(".", 1)[-1], parts.hostname, port)


def encode_message(address: str, args: tp.Sequence[tp.Any], types: str | None = None) -> bytes:
    """One OSC message as bytes. `types` pins the type tags (e.g. "ssiiiffs") so that a float
    field never goes out as an int because the value happened to be whole."""
    builder = OscMessageBuilder(address=address)
    if types is not None and len(types) != len(args):
        raise ValueError(f"{address}: {len(args)} arguments for type tags {types!r}")
    for i, value in enumerate(args):
        tag = types[i] if types else None
        if tag == "f":
            value = float(value)
        elif tag == "i":
            value = int(value)
        elif tag == "s":
            value = str(value)
        builder.add_arg(value, tag)
    return builder.build().dgram


def int32(value: int) -> int:
    """An unsigned 32-bit value (e.g. a CRC32) as the signed int32 OSC carries."""
    return value - (1 << 32) if value >= (1 << 31) else value


def uint32(value: int) -> int:
    return value & 0xFFFFFFFF


class UdpEndpoint:
    """A bound UDP socket that sends OSC messages and receives replies on the same port
    (peers such as scsynth reply to the sender's address)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        self.sock.bind((host, port))

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    def send(self, target: tuple[str, int], address: str, args: tp.Sequence[tp.Any] = (),
             types: str | None = None) -> None:
        self.sock.sendto(encode_message(address, args, types), target)

    def receive(self, timeout: float) -> tuple[list[Message], tuple[str, int]] | None:
        """Wait up to `timeout` s for one datagram; malformed ones come back as []."""
        item = self.receive_datagram(timeout)
        if item is None:
            return None
        try:
            return decode_packet(item[0]), item[1]
        except ValueError:
            return [], item[1]

    def receive_datagram(self, timeout: float) -> tuple[bytes, tuple[str, int]] | None:
        """Wait up to `timeout` s for one datagram: (raw bytes, sender), undecoded."""
        ready, _, _ = select.select([self.sock], [], [], max(timeout, 0.0))
        if not ready:
            return None
        data, sender = self.sock.recvfrom(MAX_DATAGRAM)
        return data, sender

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> UdpEndpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class TcpConnection:
    """OSC 1.1 over TCP (SLIP framing), both directions on one connection."""

    def __init__(self, target: tuple[str, int], *, timeout: float = 5.0,
                 sock: socket.socket | None = None) -> None:
        self.sock = sock or socket.create_connection(target, timeout=timeout)
        self._buffer = b""
        self._skipping = False  # inside a frame longer than MAX_TCP_FRAME: drop to its end

    def send(self, target: tuple[str, int] | None, address: str, args: tp.Sequence[tp.Any] = (),
             types: str | None = None) -> None:
        self.sock.sendall(slip.encode(encode_message(address, args, types)))

    def receive(self, timeout: float) -> tuple[list[Message], tuple[str, int]] | None:
        """Wait up to `timeout` s for one frame; malformed ones come back as []."""
        try:
            frame = self.receive_frame(timeout)
            return None if frame is None else (decode_packet(frame), self.peer)
        except ValueError:
            return [], self.peer

    def receive_frame(self, timeout: float) -> bytes | None:
        """The next SLIP-decoded frame; None when none completed within `timeout` s. Raises
        ValueError for a frame that cannot be unescaped or was longer than MAX_TCP_FRAME."""
        frame = self._next_frame()
        if frame is None:
            ready, _, _ = select.select([self.sock], [], [], max(timeout, 0.0))
            if not ready:
                return None
            data = self.sock.recv(MAX_DATAGRAM)
            if not data:
                raise ConnectionError("the OSC peer closed the TCP connection")
            self._buffer += data
            frame = self._next_frame()
            if frame is None:
                return None
        if frame is _OVERSIZED:
            raise ValueError(f"OSC over TCP: a frame longer than {MAX_TCP_FRAME} bytes was "
                             "dropped")
        try:
            return slip.decode(slip.END + frame + slip.END)
        except slip.ProtocolError as exc:
            raise ValueError(f"OSC over TCP: bad SLIP framing: {exc}") from None

    def _next_frame(self) -> bytes | None:
        """The next raw frame, `_OVERSIZED` where one too long ended, None if none is complete.
        Memory stays bounded: an oversized frame is dropped as it arrives."""
        end = slip.END
        while True:
            if self._skipping:
                stop = self._buffer.find(end)
                if stop < 0:
                    self._buffer = b""
                    return None
                self._buffer, self._skipping = self._buffer[stop:], False
                return _OVERSIZED
            start = 1 if self._buffer.startswith(end) else 0
            stop = self._buffer.find(end, start)
            if stop < 0:
                if len(self._buffer) > MAX_TCP_FRAME:
                    self._buffer, self._skipping = b"", True
                return None
            frame, self._buffer = self._buffer[start:stop], self._buffer[stop:]
            if frame:
                return frame

    @property
    def peer(self) -> tuple[str, int]:
        return self.sock.getpeername()[:2]

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> TcpConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_connection(target: OscTarget, *, timeout: float = 5.0) -> UdpEndpoint | TcpConnection:
    """A connection to `target` that can send and receive replies."""
    if target.protocol == "tcp":
        return TcpConnection(target.address, timeout=timeout)
    return UdpEndpoint("0.0.0.0" if target.host not in ("127.0.0.1", "localhost") else "127.0.0.1")
