"""Streaming takes to the reference receiver: loss recovery, integrity, clean failure."""

from __future__ import annotations

import hashlib
import socket

import numpy as np
import pytest
import soundfile as sf

from engine.osc.delivery import TakeInfo, deliver
from engine.osc.pcm import read_take_pcm
from engine.osc.stream_send import StreamError, StreamSender
from engine.osc.transport import UdpEndpoint, parse_osc_url
from tests.engine.osc.conftest import LossyUdpShim


def _pcm_sha(path) -> str:
    return hashlib.sha256(read_take_pcm(path)[0]).hexdigest()


@pytest.mark.parametrize("protocol", ["udp", "tcp"])
def test_stream_reassembles_identical_audio(tmp_path, take_22s, protocol):
    from engine.osc.server import OscServer
    from engine.osc.stream_receive import StreamReceiver

    path, audio = take_22s
    rx = StreamReceiver(tmp_path / "out")
    with OscServer(rx.handle, port=0, protocol=protocol):
        pass  # a server can start and stop cleanly
    with OscServer(rx.handle, port=0, protocol=protocol) as server:
        target = parse_osc_url(f"osc.{protocol}://127.0.0.1:{server.port}")
        result = deliver(TakeInfo.from_file(path), target, "stream")
    assert result["chunks"] == -(-len(audio) // 960)
    (written,) = rx.stats.written
    received, rate = sf.read(str(written), dtype="float32", always_2d=True)
    assert rate == 48_000 and received.shape == audio.shape
    assert np.array_equal(received, audio)  # bit-identical samples
    assert _pcm_sha(written) == _pcm_sha(path) == result["sha256"]


def test_stream_survives_five_percent_datagram_loss(take_22s, receiver):
    rx, server = receiver
    path, audio = take_22s
    with LossyUdpShim(("127.0.0.1", server.port), drop=0.05, seed=7) as shim:
        target = parse_osc_url(f"osc.udp://127.0.0.1:{shim.port}")
        result = deliver(TakeInfo.from_file(path), target, "stream")
    assert shim.dropped > 20  # the shim really dropped datagrams both ways
    assert result["resent"] > 0
    (written,) = rx.stats.written
    received, _ = sf.read(str(written), dtype="float32", always_2d=True)
    assert np.array_equal(received, audio)
    assert written.read_bytes() == written.read_bytes()  # readable, complete


def test_sender_fails_cleanly_when_no_receiver(take_22s):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]  # bound but never read: nobody answers
        pcm, rate, ch = read_take_pcm(take_22s[0])
        with UdpEndpoint() as conn:
            sender = StreamSender(conn, ("127.0.0.1", dead_port), timeout=0.8)
            with pytest.raises(StreamError, match="no reply from the receiver"):
                sender.send(pcm, sample_rate=rate, channels=ch)


def test_sender_fails_cleanly_when_receiver_vanishes_mid_stream(tmp_path, take_22s):
    from engine.osc.server import OscServer
    from engine.osc.stream_receive import StreamReceiver

    rx = StreamReceiver(tmp_path / "out")
    server = OscServer(rx.handle, port=0).start()
    calls = {"n": 0}
    original = rx.handle

    def dying(address, args, reply):
        calls["n"] += 1
        if calls["n"] == 200:
            server._stop.set()  # the receiver goes away after 200 messages
        original(address, args, reply)

    server.handler = dying
    pcm, rate, ch = read_take_pcm(take_22s[0])
    with UdpEndpoint() as conn:
        sender = StreamSender(conn, ("127.0.0.1", server.port), timeout=0.8)
        with pytest.raises(StreamError, match="no reply"):
            sender.send(pcm, sample_rate=rate, channels=ch)
    server.stop()
    assert not rx.stats.written


def test_receiver_rejects_corrupt_chunks_and_unsafe_ids(tmp_path):
    from engine.osc import addresses as A
    from engine.osc.stream_receive import StreamReceiver

    rx = StreamReceiver(tmp_path / "out")
    replies = []
    reply = lambda a, v, t: replies.append((a, v))  # noqa: E731
    rx.handle(A.STREAM_BEGIN, ["../../etc/passwd", 48000, 2, 10, 10, 1, "f32le", "0" * 64], reply)
    assert rx.stats.dropped == 1 and not rx.streams  # no path-like ids
    rx.handle(A.STREAM_BEGIN, ["ok", 48000, 2, 10, 10, 1, "f32le", "0" * 64], reply)
    assert replies[-1] == (A.STREAM_READY, ["ok", 64])
    rx.handle(A.STREAM_CHUNK, ["ok", 0, 0, 10, 12345, b"\0" * 80], reply)  # bad CRC
    assert rx.stats.bad_chunks == 1 and replies[-1] == (A.STREAM_NACK, ["ok", 0, 1])
    rx.handle(A.STREAM_BEGIN, ["big", 48000, 2, 10**12, 960, -(-10**12 // 960), "f32le",
                               "0" * 64], reply)
    assert replies[-1][0] == A.STREAM_ERROR and "too large" in replies[-1][1][1]
    assert list((tmp_path).rglob("*.wav")) == []
