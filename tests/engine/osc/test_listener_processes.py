"""Real listener processes on loopback (`main.py receive`, `main.py daw listen`, the engine's
DAW listener): one bad datagram must not make them deaf, a stream header must not make
`receive` allocate what it claims, and thousands of hostile datagrams leave each of them
still acting on a valid message."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from engine.client import EngineClient
from engine.osc import addresses as A
from engine.osc.stream_send import StreamSender
from engine.osc.transport import UdpEndpoint, encode_message
from tests.engine.osc.hostile import (
    blast,
    hostile_datagrams,
    huge_blob,
    negative_size_bundle,
    nested_bundle,
    raw_message,
)
from tests.engine.osc.procs import ENGINE, ROOT, CliListener, listener_status, wait_until

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="SIGINT and /proc/PID/status")

# Each of these once made a listener thread die (RecursionError) or spin forever.
KILLERS = {
    "bundle nested 3000 deep": nested_bundle(3000, encode_message("/tempo/raw", [99.0])),
    "bundle element of size -4": negative_size_bundle(-4),
    "bundle element of size -2^31": negative_size_bundle(-2**31),
    "unknown type tag": raw_message(b"/tempo/raw", b",S", b"abc\0"),
    "blob of 2 GiB": huge_blob(),
}
GIB = 1024**3
# After a fuzz, "auto" may have taken the peer for any DAW; this address names its own.
ABLETON_TEMPO = "/live/song/get/tempo"


def _send_small_stream(port: int, stream_id: str, *, seed: int = 0) -> bytes:
    """Stream 0.05 s of stereo noise to the receiver; returns the PCM sent."""
    pcm = np.random.default_rng(seed).uniform(-1, 1, (2400, 2)).astype("<f4").tobytes()
    with UdpEndpoint() as conn:
        StreamSender(conn, ("127.0.0.1", port), timeout=10.0).send(
            pcm, sample_rate=48_000, channels=2, stream_id=stream_id)
    return pcm


def _written_pcm(path) -> bytes:
    import soundfile as sf

    data, _ = sf.read(str(path), dtype="float32", always_2d=True)
    return data.astype("<f4").tobytes()


def _ask(port: int, address: str, args: list, types: str) -> list:
    """Send one message and return the first reply's (address, args) list."""
    with UdpEndpoint() as ep:
        ep.send(("127.0.0.1", port), address, args, types)
        item = ep.receive(10.0)
    assert item, f"no reply to {address}"
    return item[0][0]


@pytest.fixture
def receive(tmp_path):
    with CliListener("receive", "--port", "0", "--out", str(tmp_path / "out")) as rx:
        yield rx


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    client = EngineClient(command=ENGINE, cwd=str(ROOT),
                          env={"AINUR_STUDIO_HOME": str(tmp_path_factory.mktemp("engine"))})
    client.start()
    yield client
    client.close()


# --- #12: one datagram must not make a listener deaf -------------------------------------------

def test_receive_survives_each_killer_datagram(receive, tmp_path):
    for i, (name, datagram) in enumerate(KILLERS.items()):
        blast(receive.port, [datagram])
        pcm = _send_small_stream(receive.port, f"after-{i}", seed=i)
        assert _written_pcm(tmp_path / "out" / f"after-{i}.wav") == pcm, name
    received, dropped, _ = listener_status(receive.port)
    assert dropped >= len(KILLERS) and received > dropped
    assert receive.stop() == 0
    assert f"{len(KILLERS)} files received" in "\n".join(receive.stderr)


def test_daw_listen_survives_each_killer_datagram():
    with CliListener("daw", "listen", "--port", "0", "--seconds", "600", "--json") as daw:
        for i, (name, datagram) in enumerate(KILLERS.items()):
            blast(daw.port, [datagram, encode_message("/tempo/raw", [100.0 + i], "f")])
            assert listener_status(daw.port)[1] == i + 1, name  # counted, and still answering
        assert daw.stop() == 0
    state = json.loads(daw.stdout[-1])
    assert state["tempo"] == 100.0 + len(KILLERS) - 1
    assert state["dropped"] == len(KILLERS)


def test_engine_daw_listener_survives_each_killer_datagram(engine):
    logs: list[str] = []
    engine.add_listener(lambda e: e.event == "log" and logs.append(e.data["message"]))
    port = engine.request("daw_listen", {"daw": "auto", "port": 0})["port"]
    for i, (name, datagram) in enumerate(KILLERS.items()):
        tempo = 60.0 + i
        blast(port, [datagram, encode_message("/tempo/raw", [tempo], "f")])
        wait_until(lambda t=tempo: engine.status()["daw"].get("tempo") == t, f"tempo after {name}")
    assert listener_status(port)[1] == len(KILLERS)
    assert any("dropped" in line and str(port) in line for line in logs), logs


# --- #13: `receive` allocates as data arrives, within bounds ----------------------------------

def test_receive_does_not_allocate_what_headers_claim(receive, tmp_path):
    before = receive.rss_bytes()
    frames = 2 * GIB // 8  # stereo f32: exactly the 2 GiB a stream may announce
    for sid in ("claims-2gib", "claims-2gib-too"):
        reply = _ask(receive.port, A.STREAM_BEGIN,
                     [sid, 48_000, 2, frames, 960, -(-frames // 960), "f32le", "0" * 64],
                     "siiiiiss")
        assert reply == (A.STREAM_READY, [sid, 64])
    listener_status(receive.port)
    assert receive.rss_bytes() - before < 64 * 1024**2  # measured: nothing like 4 GiB
    over = _ask(receive.port, A.STREAM_BEGIN,
                ["claims-too-much", 48_000, 2, frames + 1, 960, -(-(frames + 1) // 960),
                 "f32le", "0" * 64], "siiiiiss")
    assert over[0] == A.STREAM_ERROR and "too large" in over[1][1]
    pcm = _send_small_stream(receive.port, "still-fine")
    assert _written_pcm(tmp_path / "out" / "still-fine.wav") == pcm


def test_receive_one_frame_chunks_far_ahead_do_not_block_it(receive, tmp_path):
    total = 2**28  # one-frame mono chunks: 268 million of them
    sid = "one-frame-chunks"
    assert _ask(receive.port, A.STREAM_BEGIN, [sid, 48_000, 1, total, 1, total, "f32le",
                                               "0" * 64], "siiiiiss")[0] == A.STREAM_READY
    import zlib

    from engine.osc.transport import int32

    payload = b"\0\0\0\0"
    chunks = [encode_message(A.STREAM_CHUNK, [sid, seq, seq, 1, int32(zlib.crc32(payload)),
                                              payload], "siiiib")
              for seq in (0, total - 1, total - 2, 2, 3, 4, 5, 6, 7, 8)]
    blast(receive.port, chunks + [encode_message(A.STREAM_END, [sid, total], "si")])
    pcm = _send_small_stream(receive.port, "after-one-frame-chunks")
    assert _written_pcm(tmp_path / "out" / "after-one-frame-chunks.wav") == pcm


# --- the fuzz: thousands of hostile datagrams, then a valid message -------------------------

FUZZ = 3000


def _fuzz(port: int, seed: int) -> tuple[int, int, int]:
    before = listener_status(port)
    sent = blast(port, hostile_datagrams(FUZZ, seed=seed))
    received, dropped, rejected = listener_status(port)
    assert received - before[0] > sent // 2  # the listener really read most of them
    assert dropped - before[1] > FUZZ // 10
    return received, dropped, rejected


def test_receive_fuzz_then_a_complete_stream(receive, tmp_path):
    _fuzz(receive.port, seed=11)
    pcm = _send_small_stream(receive.port, "after-fuzz")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["after-fuzz.wav"]
    assert _written_pcm(tmp_path / "out" / "after-fuzz.wav") == pcm
    assert receive.stop() == 0
    assert any("messages dropped" in line for line in receive.stderr)


def test_daw_listen_fuzz_then_a_tempo():
    with CliListener("daw", "listen", "--port", "0", "--seconds", "600", "--json") as daw:
        _, dropped, rejected = _fuzz(daw.port, seed=12)
        blast(daw.port, [encode_message(ABLETON_TEMPO, [121.0], "f")])
        listener_status(daw.port)
        assert daw.stop() == 0
    state = json.loads(daw.stdout[-1])
    assert state["tempo"] == 121.0 and state["dropped"] >= dropped


def test_engine_daw_listener_fuzz_then_a_tempo(engine):
    port = engine.request("daw_listen", {"daw": "auto", "port": 0})["port"]
    _fuzz(port, seed=13)
    blast(port, [encode_message(ABLETON_TEMPO, [133.0], "f")])
    wait_until(lambda: engine.status()["daw"].get("tempo") == 133.0, "the tempo after the fuzz")
