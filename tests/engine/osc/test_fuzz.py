"""Thousands of random, truncated and hostile datagrams: every listener keeps serving."""

from __future__ import annotations

import random
import socket
import time

from engine.osc import addresses as A
from engine.osc.daw_state import DawStateTracker
from engine.osc.listener import DawListener
from engine.osc.server import OscServer
from engine.osc.stream_receive import StreamReceiver
from engine.osc.transport import UdpEndpoint, encode_message


def _hostile_datagrams(n: int, seed: int = 0) -> list[bytes]:
    rng = random.Random(seed)
    valid = [
        encode_message(A.STREAM_BEGIN, ["x", 48000, 2, 100, 10, 10, "f32le", "ab" * 32]),
        encode_message(A.STREAM_CHUNK, ["x", 3, 30, 10, 1, b"\1" * 80]),
        encode_message("/tempo/raw", [float("nan")]),
        encode_message("/live/song/get/signature_numerator", ["seven"]),
        encode_message("/time/signature", ["0 / 0"]),
        encode_message("/position/bbt", ["garbage"]),
        encode_message("/play", []),
        encode_message(A.STREAM_END, [123]),
    ]
    out = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.4:
            out.append(bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 300))))
        elif kind < 0.7:
            msg = rng.choice(valid)
            out.append(msg[: rng.randint(0, len(msg))])  # truncated
        elif kind < 0.85:
            msg = bytearray(rng.choice(valid))
            for _ in range(3):
                msg[rng.randrange(len(msg))] = rng.getrandbits(8)  # bit flips
            out.append(bytes(msg))
        else:
            out.append(b"#bundle\0" + bytes(rng.getrandbits(8) for _ in range(40)))
    return out


def _blast(port: int, datagrams: list[bytes]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for i, d in enumerate(datagrams):
            s.sendto(d, ("127.0.0.1", port))
            if i % 200 == 0:
                time.sleep(0.005)


def _still_answers_stream(port: int) -> bool:
    with UdpEndpoint() as ep:
        ep.send(("127.0.0.1", port), A.STREAM_BEGIN,
                ["probe", 48000, 2, 10, 10, 1, "f32le", "0" * 64], "siiiiiss")
        item = ep.receive(2.0)
        return bool(item) and item[0][0][0] == A.STREAM_READY


def test_stream_receiver_survives_fuzz(tmp_path):
    rx = StreamReceiver(tmp_path / "out")
    with OscServer(rx.handle, port=0, tick=rx.expire) as server:
        _blast(server.port, _hostile_datagrams(3000))
        time.sleep(0.3)
        assert _still_answers_stream(server.port)
    assert rx.stats.dropped + server.errors > 100
    assert not list((tmp_path / "out").glob("*")) if (tmp_path / "out").exists() else True


def test_daw_listener_survives_fuzz():
    with DawListener(daw="auto", port=0) as listener:
        _blast(listener.port, _hostile_datagrams(3000, seed=1))
        with UdpEndpoint() as ep:
            ep.send(("127.0.0.1", listener.port), "/tempo/raw", [121.0], "f")
        deadline = time.monotonic() + 2
        while listener.state().tempo != 121.0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert listener.state().tempo == 121.0
        assert listener.dropped > 100


def test_tracker_parses_loose_argument_types():
    t = DawStateTracker("bitwig")
    assert t.handle("/play", [1]) and t.state.playing is True
    assert t.handle("/play", ["0"]) and t.state.playing is False
    assert t.handle("/play", [True]) and t.state.playing is True
    assert t.handle("/tempo/raw", ["140.5"]) and t.state.tempo == 140.5
    assert t.handle("/time/signature", ["6 / 8"])
    assert (t.state.numerator, t.state.denominator) == (6, 8)
    assert not t.handle("/tempo/raw", [-3.0]) and t.state.tempo == 140.5
    assert t.state.summary() == "Bitwig 140.5 BPM 6/8, playing"
    assert abs(t.state.seconds_for_bars(4) - 4 * 6 * 0.5 * 60 / 140.5) < 1e-9
    a = DawStateTracker("ardour")
    assert a.handle("/transport_play", [1.0]) and a.state.playing
    assert a.handle("/position/bbt", ["002|01|0000"]) and a.state.position_beats == 4.0
    assert a.handle("/position/time", ["00:00:02.000"]) and a.state.position_s == 2.0
