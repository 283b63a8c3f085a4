"""Receiving streamed audio: reassemble chunks, verify CRC32 and SHA-256, write the WAV
atomically into the output folder (never outside it, never over an existing file).

`StreamReceiver.handle(address, args, reply)` is transport-free; `serve_receiver()` runs it on
a UDP port (or TCP with SLIP framing).
"""

from __future__ import annotations

import io
import re
import time
import typing as tp
from dataclasses import dataclass, field
from pathlib import Path

from engine.osc import addresses as A
from engine.osc.pcm import crc32, pcm_to_array, sha256_hex
from engine.osc.transport import uint32

Reply = tp.Callable[[str, list[tp.Any], str], None]  # (address, args, types)

MAX_STREAM_BYTES = 2 * 1024**3          # about 93 minutes of 48 kHz stereo f32
MAX_OPEN_STREAMS = 8
IDLE_EXPIRY_S = 30.0
_SAFE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")


@dataclass
class _Stream:
    stream_id: str
    sample_rate: int
    channels: int
    total_frames: int
    chunk_frames: int
    total_chunks: int
    sha256: str
    buffer: bytearray
    have: bytearray
    next_expected: int = 0
    highest: int = -1
    unacked: int = 0
    last_ack: float = 0.0
    last_nack: float = 0.0
    touched: float = field(default_factory=time.monotonic)
    result: tuple[int, str] | None = None
    path: Path | None = None


@dataclass
class ReceiverStats:
    dropped: int = 0        # malformed or unexpected messages
    bad_chunks: int = 0     # CRC or size mismatch
    completed: int = 0
    written: list[Path] = field(default_factory=list)


class StreamReceiver:
    def __init__(self, out_dir: str | Path, *, window: int = 64,
                 on_written: tp.Callable[[Path], None] | None = None) -> None:
        self.out_dir = Path(out_dir)
        self.window = window
        self.on_written = on_written
        self.streams: dict[str, _Stream] = {}
        self.stats = ReceiverStats()

    def handle(self, address: str, args: list[tp.Any], reply: Reply) -> None:
        """Process one message; anything malformed is counted and dropped."""
        handler = {A.STREAM_BEGIN: self._begin, A.STREAM_CHUNK: self._chunk,
                   A.STREAM_END: self._end, A.STREAM_ABORT: self._abort}.get(address)
        try:
            if handler is None:
                raise ValueError(f"unexpected address {address}")
            handler(args, reply)
        except (ValueError, TypeError, IndexError):
            self.stats.dropped += 1

    def expire(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        for sid in [s for s, st in self.streams.items() if now - st.touched > IDLE_EXPIRY_S]:
            del self.streams[sid]

    # --- messages -----------------------------------------------------------------------
    def _begin(self, args: list[tp.Any], reply: Reply) -> None:
        sid, rate, ch, frames, chunk_frames, chunks, fmt, sha = args[:8]
        sid = _check_id(sid)
        if sid in self.streams:  # a resent begin: answer again
            reply(A.STREAM_READY, [sid, self.window], "si")
            return
        problem = _check_begin(int(rate), int(ch), int(frames), int(chunk_frames), int(chunks),
                               str(fmt), str(sha))
        if problem is None and len(self.streams) >= MAX_OPEN_STREAMS:
            problem = f"too many open streams (at most {MAX_OPEN_STREAMS})"
        if problem:
            reply(A.STREAM_ERROR, [sid, problem], "ss")
            return
        nbytes = int(frames) * int(ch) * 4
        self.streams[sid] = _Stream(sid, int(rate), int(ch), int(frames), int(chunk_frames),
                                    int(chunks), str(sha).lower(), bytearray(nbytes),
                                    bytearray(int(chunks)))
        reply(A.STREAM_READY, [sid, self.window], "si")

    def _chunk(self, args: list[tp.Any], reply: Reply) -> None:
        sid, seq, offset, n, crc, payload = args[:6]
        st = self.streams.get(str(sid))
        if st is None or st.result is not None:
            raise ValueError("chunk for an unknown or finished stream")
        seq, offset, n = int(seq), int(offset), int(n)
        frame_bytes = 4 * st.channels
        expected_n = min(st.chunk_frames, st.total_frames - seq * st.chunk_frames)
        if not (0 <= seq < st.total_chunks) or offset != seq * st.chunk_frames \
                or n != expected_n or len(payload) != n * frame_bytes \
                or crc32(payload) != uint32(int(crc)):
            self.stats.bad_chunks += 1
            reply(A.STREAM_NACK, [st.stream_id, seq, 1], "sii")
            return
        st.touched = time.monotonic()
        if not st.have[seq]:
            st.buffer[offset * frame_bytes: (offset + n) * frame_bytes] = payload
            st.have[seq] = 1
            while st.next_expected < st.total_chunks and st.have[st.next_expected]:
                st.next_expected += 1
        st.highest = max(st.highest, seq)
        st.unacked += 1
        self._maybe_ack(st, reply)

    def _end(self, args: list[tp.Any], reply: Reply) -> None:
        st = self.streams.get(str(args[0]))
        if st is None:
            raise ValueError("end for an unknown stream")
        st.touched = time.monotonic()
        if st.result is None and st.next_expected < st.total_chunks:
            reply(A.STREAM_ACK, [st.stream_id, st.next_expected], "si")
            self._send_nack(st, reply, upto=st.total_chunks, force=True)
            return
        if st.result is None:
            st.result = self._complete(st)
        ok, detail = st.result
        reply(A.STREAM_DONE, [st.stream_id, ok, detail], "sis")

    def _abort(self, args: list[tp.Any], reply: Reply) -> None:
        self.streams.pop(str(args[0]), None)

    # --- helpers ------------------------------------------------------------------------
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
        ranges = _missing_ranges(st.have, st.next_expected, upto)[:64]
        if ranges:
            flat = [v for pair in ranges for v in pair]
            reply(A.STREAM_NACK, [st.stream_id, *flat], "s" + "i" * len(flat))
            st.last_nack = now

    def _complete(self, st: _Stream) -> tuple[int, str]:
        digest = sha256_hex(st.buffer)
        if digest != st.sha256:
            return 0, f"sha256 mismatch: got {digest}, announced {st.sha256}"
        st.path = write_wav_atomic(self.out_dir, st.stream_id, st.buffer, st.channels,
                                   st.sample_rate)
        st.buffer = bytearray()  # free memory; the result stays for resent `end`s
        self.stats.completed += 1
        self.stats.written.append(st.path)
        if self.on_written:
            self.on_written(st.path)
        return 1, digest


def _check_id(sid: tp.Any) -> str:
    if not isinstance(sid, str) or not _SAFE_ID.match(sid):
        raise ValueError("stream id must be 1-80 letters, digits, '.', '_' or '-'")
    return sid


def _check_begin(rate: int, ch: int, frames: int, chunk_frames: int, chunks: int, fmt: str,
                 sha: str) -> str | None:
    if fmt != A.SAMPLE_FORMAT:
        return f"unsupported sample format {fmt!r}; only {A.SAMPLE_FORMAT!r}"
    if not (1 <= rate <= 768_000 and 1 <= ch <= 64 and frames > 0 and chunk_frames > 0):
        return "sample rate, channels, frames and chunk frames must be positive and sane"
    if frames * ch * 4 > MAX_STREAM_BYTES:
        return f"stream too large ({frames * ch * 4} bytes; limit {MAX_STREAM_BYTES})"
    if chunks != -(-frames // chunk_frames):
        return "total_chunks does not match total_frames / chunk_frames"
    if not re.fullmatch(r"[0-9a-fA-F]{64}", sha):
        return "sha256 must be 64 hex digits"
    return None


def _missing_ranges(have: bytearray, start: int, stop: int) -> list[tuple[int, int]]:
    ranges, run_start = [], None
    for seq in range(start, min(stop, len(have))):
        if not have[seq] and run_start is None:
            run_start = seq
        elif have[seq] and run_start is not None:
            ranges.append((run_start, seq - run_start))
            run_start = None
    if run_start is not None:
        ranges.append((run_start, min(stop, len(have)) - run_start))
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
