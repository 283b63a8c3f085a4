"""Streaming a take with stems: one stream per file, the group and role in each `begin`, and
the receiver (`StreamReceiver`, `ainur-studio receive`) writing `<group>/<role>.wav` with
exactly the samples of the take's files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ainur_studio.structure import STEM_ROLES
from engine.osc import addresses as A
from engine.osc.delivery import deliver
from engine.osc.pcm import read_take_pcm
from engine.osc.server import OscServer
from engine.osc.stream_receive import StreamReceiver
from engine.osc.take_files import load_take
from engine.osc.transport import parse_osc_url
from tests.engine.osc.conftest import LossyUdpShim
from tests.engine.osc.procs import CliListener, wait_until

ALL = [*STEM_ROLES, "mix"]


def _assert_identical(take, audio, written: dict[str, Path], result) -> None:
    assert sorted(written) == sorted(ALL)
    for role in ALL:
        sent_pcm = read_take_pcm(Path(take.folder) / f"{role}.wav")[0]
        got_pcm, rate, channels = read_take_pcm(written[role])
        assert (rate, channels) == (48_000, 2)
        assert got_pcm == sent_pcm                       # the same PCM bytes
        got, _ = sf.read(str(written[role]), dtype="float32")
        assert np.array_equal(got, audio[role])          # the same samples
        assert result["streams"][role]["sha256"] == hashlib.sha256(sent_pcm).hexdigest()


@pytest.mark.parametrize("protocol", ["udp", "tcp"])
def test_a_five_stem_take_arrives_bit_identical(stem_take, tmp_path, protocol):
    take, audio = stem_take
    rx = StreamReceiver(tmp_path / "received")
    with OscServer(rx.handle, port=0, protocol=protocol) as server:
        target = parse_osc_url(f"osc.{protocol}://127.0.0.1:{server.port}")
        result = deliver(load_take(take.folder, kind="stream"), target, "stream")
    group = result["stream_group"]
    assert group.startswith("sea_shanty_1-")
    assert {p.parent for p in rx.stats.written} == {tmp_path / "received" / group}
    _assert_identical(take, audio, {p.stem: p for p in rx.stats.written}, result)
    assert [result["streams"][r]["stream_id"] for r in ALL] == [f"{group}.{r}" for r in ALL]


def test_stems_survive_five_percent_datagram_loss(stem_take, receiver):
    take, audio = stem_take
    rx, server = receiver
    with LossyUdpShim(("127.0.0.1", server.port), drop=0.05, seed=11) as shim:
        result = deliver(load_take(take.folder, kind="stream"),
                         parse_osc_url(f"osc.udp://127.0.0.1:{shim.port}"), "stream")
    assert shim.dropped > 0
    _assert_identical(take, audio, {p.stem: p for p in rx.stats.written}, result)


def test_the_receive_command_writes_one_file_per_role_and_the_mix(stem_take, tmp_path):
    take, audio = stem_take
    out = tmp_path / "received"
    with CliListener("receive", "--port", "0", "--out", str(out)) as cli:
        result = deliver(load_take(take.folder, kind="stream"),
                         parse_osc_url(f"osc.udp://127.0.0.1:{cli.port}"), "stream")
        wait_until(lambda: len(cli.stdout) >= 6, "the receiver to print six files")
    written = {Path(line).stem: Path(line) for line in cli.stdout}
    assert {p.parent for p in written.values()} == {out / result["stream_group"]}
    _assert_identical(take, audio, written, result)
    assert any("6 files received" in line for line in cli.stderr)


def test_a_mix_alone_is_one_plain_stream_as_before(stem_take, receiver, tmp_path):
    take, audio = stem_take
    rx, server = receiver
    result = deliver(load_take(take.folder, kind="stream", include="mix"),
                     parse_osc_url(f"osc.udp://127.0.0.1:{server.port}"), "stream")
    (written,) = rx.stats.written
    assert written == tmp_path / "received" / f"{result['stream_id']}.wav"
    assert np.array_equal(sf.read(str(written), dtype="float32")[0], audio["mix"])


@pytest.mark.parametrize("extra,words", [
    (["take", "drums", 0], "4 arguments"),
    (["../up", "drums", 0, 5], "group"),
    (["take", ".hidden", 0, 5], "role"),
    (["take", "NUL", 0, 5], "role"),
    (["take", "drums", 5, 5], "index and count"),
    (["take", "drums", 0, 10_000], "index and count"),
    (["take", "drums", True, 5], "index and count"),
])
def test_the_receiver_refuses_a_bad_part_header(tmp_path, extra, words):
    rx = StreamReceiver(tmp_path / "out")
    replies = []
    rx.handle(A.STREAM_BEGIN, ["t1", 48000, 2, 10, 10, 1, "f32le", "0" * 64, *extra],
              lambda a, v, t: replies.append((a, v)))
    ((address, args),) = replies
    assert address == A.STREAM_ERROR and words in args[1]
    assert not rx.streams and not list(tmp_path.rglob("*.wav"))
