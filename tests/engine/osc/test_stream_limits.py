"""The reference receiver's bounds: memory is allocated as chunks arrive, per stream and in
total; chunks beyond the advertised window are refused; the missing-range scan is linear in
the chunks received; ids naming hidden files or Windows devices are refused with a reason."""

from __future__ import annotations

import hashlib
import time
import tracemalloc
import zlib

import pytest

from engine.osc import addresses as A
from engine.osc.server import OscServer
from engine.osc.stream_receive import StreamReceiver
from engine.osc.stream_send import StreamError, StreamSender
from engine.osc.transport import UdpEndpoint, int32

GIB = 1024**3


class Replies(list):
    def __call__(self, address: str, args: list, types: str) -> None:
        self.append((address, args))


def _begin(rx: StreamReceiver, sid: str, *, frames: int = 100, chunk_frames: int = 10,
           channels: int = 1, sha: str = "0" * 64) -> tuple:
    replies = Replies()
    rx.handle(A.STREAM_BEGIN, [sid, 48_000, channels, frames, chunk_frames,
                               -(-frames // chunk_frames), "f32le", sha], replies)
    return replies[-1] if replies else ()


def _chunk(rx: StreamReceiver, sid: str, seq: int, *, chunk_frames: int = 10,
           payload: bytes | None = None, reply: Replies | None = None) -> Replies:
    replies = reply if reply is not None else Replies()
    payload = b"\0" * (4 * chunk_frames) if payload is None else payload
    rx.handle(A.STREAM_CHUNK, [sid, seq, seq * chunk_frames, len(payload) // 4,
                               int32(zlib.crc32(payload)), payload], replies)
    return replies


# --- memory ------------------------------------------------------------------------------------

def test_a_2_gib_header_allocates_nothing_until_data_arrives(tmp_path):
    rx = StreamReceiver(tmp_path)
    tracemalloc.start()
    try:
        reply = _begin(rx, "big", frames=2 * GIB // 8, chunk_frames=960, channels=2)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert reply == (A.STREAM_READY, ["big", 64])
    assert peak < 1024**2  # measured: well under a MiB for a 2 GiB announcement
    assert rx.held_bytes == 0


def test_memory_held_is_the_data_received(tmp_path):
    rx = StreamReceiver(tmp_path)
    _begin(rx, "s", frames=1000)
    for seq in range(5):
        _chunk(rx, "s", seq)
    assert rx.held_bytes == 5 * 40
    _chunk(rx, "s", 9)  # out of order, inside the window: kept until the gap fills
    _chunk(rx, "s", 9)  # a duplicate costs nothing
    assert rx.held_bytes == 6 * 40


def test_open_streams_together_stay_within_the_total_limit(tmp_path):
    rx = StreamReceiver(tmp_path, max_stream_bytes=800, max_total_bytes=1000)
    sha = hashlib.sha256(b"\0" * 800).hexdigest()
    assert _begin(rx, "a", frames=200, sha=sha)[0] == A.STREAM_READY
    assert _begin(rx, "b", frames=200)[0] == A.STREAM_READY  # nothing is held yet
    assert "too large" in _begin(rx, "c", frames=201)[1][1]  # over the per-stream limit
    for seq in range(20):
        _chunk(rx, "a", seq)
    replies = Replies()
    for seq in range(6):
        _chunk(rx, "b", seq, reply=replies)
    address, (sid, message) = replies[-1]
    assert (address, sid) == (A.STREAM_ERROR, "b") and "1000-byte limit" in message
    assert "b" not in rx.streams and rx.held_bytes == 800  # b's memory is freed at once
    refused = _begin(rx, "c", frames=100)
    assert refused[0] == A.STREAM_ERROR and "1000-byte limit" in refused[1][1]
    done = Replies()
    rx.handle(A.STREAM_END, ["a", 20], done)
    assert done[-1] == (A.STREAM_DONE, ["a", 1, sha]) and rx.held_bytes == 0
    assert _begin(rx, "c", frames=100)[0] == A.STREAM_READY


def test_chunks_beyond_the_advertised_window_are_refused(tmp_path):
    rx = StreamReceiver(tmp_path, window=8)
    assert _begin(rx, "w", frames=1000, chunk_frames=1) == (A.STREAM_READY, ["w", 8])
    _chunk(rx, "w", 8, chunk_frames=1)
    assert rx.held_bytes == 0 and rx.stats.dropped == 1
    _chunk(rx, "w", 7, chunk_frames=1)
    assert rx.held_bytes == 4


def _scan_pattern_seconds(tmp_path, total_chunks: int) -> float:
    """Time to handle a fixed pattern of gaps, a far chunk and `end`s, on a stream announced
    with `total_chunks` one-frame chunks."""
    rx = StreamReceiver(tmp_path)
    _begin(rx, "scan", frames=total_chunks, chunk_frames=1)
    replies = Replies()
    seqs = [0, 1, 2, 3, *range(4, 60, 2), total_chunks - 1, total_chunks - 2]
    t0 = time.perf_counter()
    for seq in seqs:
        _chunk(rx, "scan", seq, chunk_frames=1, reply=replies)
    for _ in range(3):
        rx.handle(A.STREAM_END, ["scan", total_chunks], replies)
    elapsed = time.perf_counter() - t0
    assert any(a == A.STREAM_NACK for a, _ in replies)  # the gaps were reported
    return elapsed


def test_missing_range_scan_does_not_grow_with_the_announced_size(tmp_path):
    small = min(_scan_pattern_seconds(tmp_path, 2_000) for _ in range(5))
    big = min(_scan_pattern_seconds(tmp_path, 2_000_000) for _ in range(5))
    assert big / small < 10, (small, big)  # a scan over every announced chunk: ~1000x


def test_missing_ranges_are_the_gaps_between_received_chunks():
    from engine.osc.stream_receive import missing_ranges

    assert missing_ranges([5, 3, 9], start=2, stop=12) == [(2, 1), (4, 1), (6, 3), (10, 2)]
    assert missing_ranges([], start=0, stop=3) == [(0, 3)]
    assert missing_ranges([0, 1, 2], start=0, stop=3) == []
    assert missing_ranges([7], start=0, stop=5) == [(0, 5)]


# --- stream ids --------------------------------------------------------------------------------

@pytest.mark.parametrize("sid, reason", [
    (".", "hidden"), ("..", "hidden"), ("....", "hidden"), (".take", "hidden"),
    ("CON", "reserved"), ("con", "reserved"), ("Con.wav", "reserved"), ("NUL.txt", "reserved"),
    ("aux", "reserved"), ("PRN.x.y", "reserved"), ("com1", "reserved"), ("COM9.tar.gz", "reserved"),
    ("lpt1", "reserved"), ("LPT9", "reserved"), ("../../etc/passwd", "letters, digits"),
])
def test_ids_naming_hidden_files_or_windows_devices_are_refused(tmp_path, sid, reason):
    rx = StreamReceiver(tmp_path)
    address, (echoed, message) = _begin(rx, sid)
    assert (address, echoed) == (A.STREAM_ERROR, sid) and reason in message
    assert sid in message or reason == "letters, digits"
    assert not rx.streams and rx.stats.dropped == 1


@pytest.mark.parametrize("sid", ["CONSOLE", "com10", "COM", "lpt0x", "nul-take", "take.1",
                                 "a..b", "x.", "Take_1-2"])
def test_ids_that_only_look_alike_are_accepted(tmp_path, sid):
    assert _begin(StreamReceiver(tmp_path), sid) == (A.STREAM_READY, [sid, 64])


def test_the_sender_reports_why_an_id_was_refused(tmp_path):
    rx = StreamReceiver(tmp_path)
    with OscServer(rx.handle, port=0) as server, UdpEndpoint() as conn:
        sender = StreamSender(conn, ("127.0.0.1", server.port), timeout=10.0)
        with pytest.raises(StreamError, match="reserved device name on Windows"):
            sender.send(b"\0" * 80, sample_rate=48_000, channels=2, stream_id="aux")
    assert not list(tmp_path.iterdir())
