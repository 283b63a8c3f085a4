"""Receiving streamed audio: reassemble chunks, verify CRC32 and SHA-256, write the WAV
atomically into the output folder (never outside it, never over an existing file): a stream
as `<stream id>.wav`, one file of a take sent as parts as `<group>/<role>.wav`.

Memory is allocated as chunks arrive, never from what a header claims: in-order chunks are
appended to the stream's buffer, later ones (only inside the advertised window) wait in a
small map. One stream may announce at most `max_stream_bytes`; all open streams together hold
at most `max_total_bytes`.

`StreamReceiver.handle(address, args, reply)` is transport-free; `serve_receiver()` runs it on
a UDP port (or TCP with SLIP framing).
"""

from __future__ import annotations

import io
import time
import typing as tp
from dataclasses import dataclass, field
from pathlib import Path

from engine.osc import addresses as A
from engine.osc.pcm import crc32, pcm_to_array, sha256_hex
from engine.osc.stream_checks import begin_problem, id_problem, part_problem
from engine.osc.transport import uint32

Reply = tp.Callable[[str, list[tp.Any], str], None]  # (address, args, types)

MAX_STREAM_BYTES = 2 * 1024**3          # one stream: about 93 minutes of 48 kHz stereo f32
MAX_TOTAL_BYTES = 2 * 1024**3           # audio held for all open streams together
MAX_OPEN_STREAMS = 8                    # unfinished streams
MAX_FINISHED = 64                       # finished streams remembered for resent `end`s
IDLE_EXPIRY_S = 30.0


@dataclass
class _Stream:
    stream_id: str
    sample_rate: int
    channels: int
    total_frames: int
    chunk_frames: int
    total_chunks: int
    sha256: str
    data: bytearray = field(default_factory=bytearray)      # chunks below next_expected
    pending: dict[int, bytes] = field(default_factory=dict)  # later chunks, inside the window
    held: int = 0                                            # bytes in data and pending
    next_expected: int = 0
    highest: int = -1
    unacked: int = 0
    last_ack: float = 0.0
    last_nack: float = 0.0
    touched: float = field(default_factory=time.monotonic)
    result: tuple[int, str] | None = None
    path: Path | None = None
    group: str = ""            # the take's folder, for one file of a take sent as parts
    role: str = ""             # that file's name in it

    def add(self, seq: int, payload: bytes) -> None:
        self.pending[seq] = payload
        self.held += len(payload)
        while self.next_expected in self.pending:
            self.data += self.pending.pop(self.next_expected)
            self.next_expected += 1

    def free(self) -> None:
        self.data, self.pending, self.held = bytearray(), {}, 0


@dataclass
class ReceiverStats:
    dropped: int = 0        # malformed or unexpected messages
    bad_chunks: int = 0     # CRC or size mismatch
    completed: int = 0
    written: list[Path] = field(default_factory=list)


class StreamReceiver:
    def __init__(self, out_dir: str | Path, *, window: int = 64,
                 on_written: tp.Callable[[Path], None] | None = None,
                 max_stream_bytes: int = MAX_STREAM_BYTES,
                 max_total_bytes: int = MAX_TOTAL_BYTES) -> None:
        self.out_dir = Path(out_dir)
        self.window = window
        self.on_written = on_written
        self.max_stream_bytes, self.max_total_bytes = max_stream_bytes, max_total_bytes
        self.streams: dict[str, _Stream] = {}
        self.stats = ReceiverStats()

    @property
    def held_bytes(self) -> int:
        """Audio bytes held in memory for all streams."""
        return sum(st.held for st in self.streams.values())

    def handle(self, address: str, args: list[tp.Any], reply: Reply) -> None:
        """Process one message; anything malformed is counted and dropped."""
        handler = {A.STREAM_BEGIN: self._begin, A.STREAM_CHUNK: self._chunk,
                   A.STREAM_END: self._end, A.STREAM_ABORT: self._abort}.get(address)
        try:
            if handler is None:
                raise ValueError(f"unexpected address {address}")
            handler(args, reply)
        except (ValueError, TypeError, IndexError, OverflowError):
            self.stats.dropped += 1

    def expire(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        for sid in [s for s, st in self.streams.items() if now - st.touched > IDLE_EXPIRY_S]:
            self.streams.pop(sid).free()

    # --- messages -----------------------------------------------------------------------
    def _begin(self, args: list[tp.Any], reply: Reply) -> None:
        sid, rate, ch, frames, chunk_frames, chunks, fmt, sha = args[:8]
        problem = id_problem(sid) or part_problem(args[8:])
        if problem:
            self.stats.dropped += 1
            reply(A.STREAM_ERROR, [str(sid), problem], "ss")
            return
        if sid in self.streams:  # a resent begin: answer again
            reply(A.STREAM_READY, [sid, self.window], "si")
            return
        rate, ch, frames, chunk_frames, chunks = (int(v) for v in (rate, ch, frames,
                                                                   chunk_frames, chunks))
        problem = (begin_problem(rate, ch, frames, chunk_frames, chunks, str(fmt), str(sha))
                   or self._room_problem(frames * ch * 4))
        if problem:
            reply(A.STREAM_ERROR, [sid, problem], "ss")
            return
        group, role = (str(args[8]), str(args[9])) if len(args) > 8 else ("", "")
        self.streams[sid] = _Stream(sid, rate, ch, frames, chunk_frames, chunks,
                                    str(sha).lower(), group=group, role=role)
        reply(A.STREAM_READY, [sid, self.window], "si")

    def _chunk(self, args: list[tp.Any], reply: Reply) -> None:
        sid, seq, offset, n, crc, payload = args[:6]
        st = self._open_stream(sid)
        seq, offset, n = int(seq), int(offset), int(n)
        if not _chunk_fits(st, seq, offset, n, payload, int(crc)):
            self.stats.bad_chunks += 1
            reply(A.STREAM_NACK, [st.stream_id, seq, 1], "sii")
            return
        if seq >= st.next_expected + self.window:
            raise ValueError(f"chunk {seq} is beyond the receive window")
        st.touched = time.monotonic()
        if seq >= st.next_expected and seq not in st.pending:
            if self.held_bytes + len(payload) > self.max_total_bytes:
                self._refuse_for_memory(st, reply)
                return
            st.add(seq, bytes(payload))
        st.highest = max(st.highest, seq)
        st.unacked += 1
        self._maybe_ack(st, reply)

    def _end(self, args: list[tp.Any], reply: Reply) -> None:
        st = self.streams.get(args[0]) if isinstance(args[0], str) else None
        if st is None:
            raise ValueError("end for an unknown stream")
        st.touched = time.monotonic()
        if st.result is None and st.next_expected < st.total_chunks:
            reply(A.STREAM_ACK, [st.stream_id, st.next_expected], "si")
            self._send_nack(st, reply, upto=st.total_chunks, force=True)
            return
        if st.result is None:
            st.result = self._complete(st)
            self._forget_old_finished()
        ok, detail = st.result
        reply(A.STREAM_DONE, [st.stream_id, ok, detail], "sis")

    def _abort(self, args: list[tp.Any], reply: Reply) -> None:
        st = self.streams.pop(args[0], None) if isinstance(args[0], str) else None
        if st is not None:
            st.free()

    # --- helpers ------------------------------------------------------------------------
    def _open_stream(self, sid: tp.Any) -> _Stream:
        st = self.streams.get(sid) if isinstance(sid, str) else None
        if st is None or st.result is not None:
            raise ValueError("chunk for an unknown or finished stream")
        return st

    def _room_problem(self, nbytes: int) -> str | None:
        if nbytes > self.max_stream_bytes:
            return f"stream too large ({nbytes} bytes; limit {self.max_stream_bytes})"
        if sum(st.result is None for st in self.streams.values()) >= MAX_OPEN_STREAMS:
            return f"too many open streams (at most {MAX_OPEN_STREAMS})"
        held = self.held_bytes
        if held + nbytes > self.max_total_bytes:
            return (f"not enough room: open streams hold {held} bytes and this one needs "
                    f"{nbytes}, over the {self.max_total_bytes}-byte limit for all open "
                    "streams together; send it again when they finish")
        return None

    def _refuse_for_memory(self, st: _Stream, reply: Reply) -> None:
        """Over the total limit mid-stream: abort this stream and free its memory at once."""
        del self.streams[st.stream_id]
        st.free()
        reply(A.STREAM_ERROR, [st.stream_id, (
            f"stream aborted: open streams hold {self.held_bytes} bytes, at the "
            f"{self.max_total_bytes}-byte limit for all open streams together; send it again "
            "when the others finish")], "ss")

    def _forget_old_finished(self) -> None:
        finished = [sid for sid, st in self.streams.items() if st.result is not None]
        for sid in finished[:-MAX_FINISHED]:
            del self.streams[sid]

    def _maybe_ack(self, st: _Stream, reply: Reply) -> None:
        now = time.monotonic()
        if st.unacked >= 8 or now - st.last_ack > 0.02 or st.next_expected == st.total_chunks:
            reply(A.STREAM_ACK, [st.stream_id, st.next_expected], "si")
            st.unacked, st.last_ack = 0, now
        if st.highest - st.next_expected > 4:
            self._send_nack(st, reply, upto=st.highest - 3)

    def _send_nack(self, st: _Stream, reply: Reply, *, upto: int, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - st.last_nack < 0.03:
            return
        ranges = missing_ranges(st.pending, st.next_expected, upto)[:64]
        if ranges:
            flat = [v for pair in ranges for v in pair]
            reply(A.STREAM_NACK, [st.stream_id, *flat], "s" + "i" * len(flat))
            st.last_nack = now

    def _complete(self, st: _Stream) -> tuple[int, str]:
        digest = sha256_hex(st.data)
        if digest != st.sha256:
            st.free()
            return 0, f"sha256 mismatch: got {digest}, announced {st.sha256}"
        folder, name = ((self.out_dir / st.group, st.role) if st.group
                        else (self.out_dir, st.stream_id))
        st.path = write_wav_atomic(folder, name, st.data, st.channels, st.sample_rate)
        st.free()  # the result stays for resent `end`s
        self.stats.completed += 1
        self.stats.written.append(st.path)
        if self.on_written:
            self.on_written(st.path)
        return 1, digest


def _chunk_fits(st: _Stream, seq: int, offset: int, n: int, payload: tp.Any, crc: int) -> bool:
    """Whether a chunk is where the header says chunk `seq` is, with the right size and CRC."""
    expected_n = min(st.chunk_frames, st.total_frames - seq * st.chunk_frames)
    return (0 <= seq < st.total_chunks and offset == seq * st.chunk_frames
            and n == expected_n and len(payload) == n * 4 * st.channels
            and crc32(payload) == uint32(crc))


def missing_ranges(received: tp.Iterable[int], start: int, stop: int) -> list[tuple[int, int]]:
    """(first, count) gaps in [start, stop) between the `received` chunk numbers. The work
    grows with the chunks received, never with the length of the stream."""
    ranges, cursor = [], start
    for seq in sorted(s for s in received if start <= s < stop):
        if seq > cursor:
            ranges.append((cursor, seq - cursor))
        cursor = seq + 1
    if cursor < stop:
        ranges.append((cursor, stop - cursor))
    return ranges


def write_wav_atomic(out_dir: Path, stem: str, pcm: bytes | bytearray, channels: int,
                     sample_rate: int) -> Path:
    """32-bit float WAV of exactly the received samples; a new name if `stem.wav` exists."""
    import soundfile as sf

    from ainur_studio.fileio import atomic_write_bytes

    out_dir.mkdir(parents=True, exist_ok=True)
    path = _unused_path(out_dir / f"{stem}.wav")
    buf = io.BytesIO()
    sf.write(buf, pcm_to_array(pcm, channels), sample_rate, subtype="FLOAT", format="WAV")
    atomic_write_bytes(path, buf.getvalue())
    return path


def _unused_path(path: Path) -> Path:
    n = 1
    candidate = path
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate
