"""Sending audio over OSC: chunked f32le PCM with a sliding window, cumulative acks, NACKed
and timed-out chunks resent, and a clear error when the receiver stops answering.

Protocol in `addresses.py`. The sender paces itself (token bucket) and never has more than
`window` chunks in flight, so a receiver with a few-MiB socket buffer never drops on loopback.
"""

from __future__ import annotations

import time
import typing as tp
import uuid
from dataclasses import dataclass

from engine.osc import addresses as A
from engine.osc.pcm import crc32, sha256_hex
from engine.osc.transport import Message, int32

LOOPBACK_CHUNK_FRAMES = 960  # 7680-byte stereo payload: the datagram stays under 8192 bytes
NETWORK_CHUNK_FRAMES = 144   # 1152-byte payload: fits a 1500-byte Ethernet MTU unfragmented


class StreamError(RuntimeError):
    """Streaming failed; the message says where and why."""


class Connection(tp.Protocol):
    def send(self, target: tp.Any, address: str, args: tp.Sequence[tp.Any] = (),
             types: str | None = None) -> None: ...

    def receive(self, timeout: float) -> tuple[list[Message], tp.Any] | None: ...


@dataclass(frozen=True)
class StreamPart:
    """Where a stream belongs when it carries one file of a take sent as parts: the group
    (the take), the file's role, its index and the number of files (`/ainur/stream/begin`'s
    last four arguments)."""

    group: str
    role: str
    index: int
    count: int

    def header(self) -> tuple[list[tp.Any], str]:
        return [self.group, self.role, self.index, self.count], A.STREAM_PART_TYPES


@dataclass
class StreamStats:
    stream_id: str
    chunks: int
    datagrams: int
    resent: int
    seconds: float
    sha256: str


@dataclass
class _Layout:
    pcm: bytes
    frame_bytes: int
    chunk_frames: int
    total_frames: int
    total_chunks: int

    def chunk(self, seq: int) -> tuple[int, int, bytes]:
        offset = seq * self.chunk_frames
        n = min(self.chunk_frames, self.total_frames - offset)
        start = offset * self.frame_bytes
        return offset, n, self.pcm[start: start + n * self.frame_bytes]


class StreamSender:
    """Streams one PCM buffer to a receiver over `conn` (UDP endpoint or TCP connection)."""

    def __init__(self, conn: Connection, target: tp.Any, *, chunk_frames: int =
                 LOOPBACK_CHUNK_FRAMES, window: int = 32, timeout: float = 10.0,
                 max_bytes_per_s: float = 8e6, describe_target: str = "") -> None:
        if chunk_frames <= 0 or window <= 0:
            raise ValueError("chunk_frames and window must be positive")
        self.conn, self.target = conn, target
        self.chunk_frames, self.window, self.timeout = chunk_frames, window, timeout
        self.max_bytes_per_s = max_bytes_per_s
        self.where = describe_target or str(target)

    def send(self, pcm: bytes, *, sample_rate: int, channels: int,
             stream_id: str | None = None, part: StreamPart | None = None) -> StreamStats:
        frame_bytes = 4 * channels
        if channels <= 0 or len(pcm) % frame_bytes:
            raise StreamError(f"PCM of {len(pcm)} bytes is not whole {channels}-channel frames")
        total_frames = len(pcm) // frame_bytes
        if total_frames == 0:
            raise StreamError("nothing to stream: the take has no audio frames")
        layout = _Layout(pcm, frame_bytes, self.chunk_frames, total_frames,
                         -(-total_frames // self.chunk_frames))
        run = _Run(self, layout, stream_id or uuid.uuid4().hex, sample_rate, channels, part)
        return run.execute()


class _Run:
    """State of one stream; `execute()` runs begin -> chunks -> end."""

    def __init__(self, sender: StreamSender, layout: _Layout, stream_id: str,
                 sample_rate: int, channels: int, part: StreamPart | None = None) -> None:
        self.s, self.layout, self.id = sender, layout, stream_id
        self.sample_rate, self.channels, self.part = sample_rate, channels, part
        self.sha = sha256_hex(layout.pcm)
        self.base = 0              # every chunk below this is acknowledged
        self.next_seq = 0          # next chunk never sent
        self.sent_at: dict[int, float] = {}
        self.resend: list[int] = []
        self.window = sender.window
        self.rto = 0.2
        self.datagrams = self.resent = 0
        self.last_heard = time.monotonic()
        self.done: tuple[int, str] | None = None
        self._bucket_t, self._bucket = time.monotonic(), 0.0

    def execute(self) -> StreamStats:
        t0 = time.monotonic()
        self._handshake()
        while self.base < self.layout.total_chunks:
            self._send_pending()
            self._poll(0.005)
            self._check_alive("sending chunks")
        self._finish()
        return StreamStats(self.id, self.layout.total_chunks, self.datagrams, self.resent,
                           time.monotonic() - t0, self.sha)

    # --- phases -------------------------------------------------------------------------
    def _begin(self) -> tuple[list[tp.Any], str]:
        args = [self.id, self.sample_rate, self.channels, self.layout.total_frames,
                self.layout.chunk_frames, self.layout.total_chunks, A.SAMPLE_FORMAT, self.sha]
        if self.part is None:
            return args, A.STREAM_BEGIN_TYPES
        extra, types = self.part.header()
        return args + extra, A.STREAM_BEGIN_TYPES + types

    def _handshake(self) -> None:
        ready = False
        t_sent = 0.0
        begin, types = self._begin()
        while not ready:
            if time.monotonic() - t_sent > 0.25:
                t_sent = time.monotonic()
                self._send(A.STREAM_BEGIN, begin, types)
            ready = self._poll(0.05, want=A.STREAM_READY)
            self._check_alive("waiting for the receiver to accept the stream")
        self.rto = max(0.1, 4 * (time.monotonic() - t_sent))

    def _finish(self) -> None:
        t_sent = 0.0
        while self.done is None:
            if time.monotonic() - t_sent > 0.2:
                t_sent = time.monotonic()
                self._send(A.STREAM_END, [self.id, self.layout.total_chunks], "si")
            self._send_resends()
            self._poll(0.02)
            self._check_alive("waiting for the receiver to confirm the stream")
        ok, detail = self.done
        if not ok:
            raise StreamError(f"receiver at {self.s.where} rejected stream {self.id}: {detail}")

    # --- sending ------------------------------------------------------------------------
    def _send_pending(self) -> None:
        self._send_resends()
        limit = min(self.layout.total_chunks, self.base + self.window)
        while self.next_seq < limit:
            self._send_chunk(self.next_seq)
            self.next_seq += 1
        now = time.monotonic()
        for seq in range(self.base, self.next_seq):
            if now - self.sent_at.get(seq, now) > self.rto:
                self._send_chunk(seq, again=True)

    def _send_resends(self) -> None:
        pending, self.resend = sorted(set(self.resend)), []
        for seq in pending:
            if seq >= self.base:
                self._send_chunk(seq, again=True)

    def _send_chunk(self, seq: int, *, again: bool = False) -> None:
        offset, n, payload = self.layout.chunk(seq)
        self._pace(len(payload))
        self._send(A.STREAM_CHUNK, [self.id, seq, offset, n, int32(crc32(payload)), payload],
                   "siiiib")
        self.sent_at[seq] = time.monotonic()
        self.resent += again

    def _send(self, address: str, args: list[tp.Any], types: str) -> None:
        try:
            self.s.conn.send(self.s.target, address, args, types)
        except OSError as exc:
            raise StreamError(f"cannot send to {self.s.where}: {exc}") from None
        self.datagrams += 1

    def _pace(self, nbytes: int) -> None:
        now = time.monotonic()
        self._bucket = max(0.0, self._bucket - (now - self._bucket_t) * self.s.max_bytes_per_s)
        self._bucket_t = now
        self._bucket += nbytes
        excess = self._bucket - self.s.max_bytes_per_s * 0.01  # allow 10 ms bursts
        if excess > 0:
            time.sleep(excess / self.s.max_bytes_per_s)

    # --- receiving ----------------------------------------------------------------------
    def _poll(self, timeout: float, want: str | None = None) -> bool:
        """Handle replies for up to `timeout` s; True once a `want` message arrived."""
        got = False
        deadline = time.monotonic() + timeout
        while True:
            try:
                item = self.s.conn.receive(max(0.0, deadline - time.monotonic()))
            except (OSError, ConnectionError) as exc:
                raise StreamError(f"lost the connection to {self.s.where}: {exc}") from None
            if item is None:
                return got
            for address, args in item[0]:
                kind = self._handle(address, args)
                got |= want is not None and kind == want
            if got or time.monotonic() >= deadline:
                return got

    def _handle(self, address: str, args: list[tp.Any]) -> str | None:
        if not args or args[0] != self.id:
            return None
        self.last_heard = time.monotonic()
        if address == A.STREAM_READY and len(args) > 1 and int(args[1]) > 0:
            self.window = min(self.window, int(args[1]))
        elif address == A.STREAM_ACK and len(args) > 1:
            self.base = max(self.base, min(int(args[1]), self.layout.total_chunks))
        elif address == A.STREAM_NACK:
            pairs = [int(a) for a in args[1:]]
            for start, count in zip(pairs[::2], pairs[1::2], strict=False):
                self.resend.extend(range(start, min(start + count, self.layout.total_chunks)))
        elif address == A.STREAM_DONE and len(args) > 2:
            self.done = (int(args[1]), str(args[2]))
        elif address == A.STREAM_ERROR:
            raise StreamError(f"receiver at {self.s.where} reported: {args[1:]}")
        return address

    def _check_alive(self, what: str) -> None:
        silent = time.monotonic() - self.last_heard
        if silent > self.s.timeout:
            raise StreamError(
                f"no reply from the receiver at {self.s.where} for {silent:.1f} s while {what} "
                f"({self.base}/{self.layout.total_chunks} chunks acknowledged); is "
                "`ainur-studio receive` (or another receiver) running on that port?")
