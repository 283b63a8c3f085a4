"""Against real third-party OSC peers (liblo-tools, SuperCollider); skipped when absent.

`.ci/run` installs them with apt (liblo-tools, supercollider-server, jackd2).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import numpy as np
import pytest

from ainur_studio.structure import STEM_ROLES
from engine.osc.delivery import DeliveryOptions, TakeInfo, deliver
from engine.osc.listener import DawListener
from engine.osc.take_files import load_take
from engine.osc.transport import parse_osc_url
from tests.engine.osc.conftest import write_take


def _free_port(kind=socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


needs = lambda tool: pytest.mark.skipif(shutil.which(tool) is None,  # noqa: E731
                                         reason=f"{tool} is not installed")


def _stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


@needs("oscdump")
@pytest.mark.parametrize("protocol", ["udp", "tcp"])
def test_oscdump_receives_take_notification_with_documented_types(tmp_path, protocol):
    path = tmp_path / "Ünïcode take – 1.wav"
    write_take(path, 1.0)
    port = _free_port(socket.SOCK_DGRAM if protocol == "udp" else socket.SOCK_STREAM)
    url = str(port) if protocol == "udp" else f"osc.tcp://:{port}"
    dump = subprocess.Popen(["oscdump", "-L", url], stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)
    take = TakeInfo.from_file(path, take_id="t-42", prompt="dusty piano, 90 BPM", bpm=90,
                              bars=4)
    deliver(take, parse_osc_url(f"osc.{protocol}://127.0.0.1:{port}"), "notify")
    time.sleep(0.5)
    out = _stop(dump)
    line = next(ln for ln in out.splitlines() if "/ainur/take" in ln)
    assert "/ainur/take ssiiiffs" in line
    assert str(path.resolve()) in line and '"t-42"' in line
    assert " 48000 2 48000 90.000000 4.000000 " in line and "dusty piano, 90 BPM" in line


@needs("oscsend")
@pytest.mark.parametrize("daw,messages,expected", [
    ("reaper", [("/tempo/raw", "f", "124"), ("/play", "i", "1"), ("/time", "f", "12.5")],
     {"tempo": 124.0, "playing": True, "position_s": 12.5}),
    ("reaper", [("/tempo/raw", "f", "98.5"), ("/play", "f", "0.0"), ("/stop", "f", "1.0"),
                ("/beat/str", "s", "5.2.50")],
     {"tempo": 98.5, "playing": False, "position_beats": 17.5}),
    ("ableton", [("/live/song/get/tempo", "f", "132.0"),
                 ("/live/song/get/is_playing", "T", None),
                 ("/live/song/get/signature_numerator", "i", "7"),
                 ("/live/song/get/signature_denominator", "i", "8")],
     {"tempo": 132.0, "playing": True, "numerator": 7, "denominator": 8}),
    ("ableton", [("/live/song/get/is_playing", "F", None),
                 ("/live/song/get/current_song_time", "f", "33.0")],
     {"playing": False, "position_beats": 33.0}),
])
def test_daw_state_follows_oscsend(daw, messages, expected):
    with DawListener(daw=daw, port=0) as listener:
        for address, types, value in messages:
            cmd = ["oscsend", "127.0.0.1", str(listener.port), address, types]
            subprocess.run(cmd + ([value] if value is not None else []), check=True, timeout=5)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            state = listener.state()
            if all(getattr(state, k) == v for k, v in expected.items()):
                break
            time.sleep(0.05)
    for key, value in expected.items():
        assert getattr(state, key) == value, (key, state)
    assert state.daw == daw


@pytest.fixture(scope="module")
def scsynth_server(tmp_path_factory):
    if not (shutil.which("scsynth") and shutil.which("jackd")):
        pytest.skip("scsynth / jackd are not installed")
    env = {**os.environ, "JACK_NO_AUDIO_RESERVATION": "1", "JACK_DEFAULT_SERVER": "ainurtest",
           "SC_JACK_DEFAULT_OUTPUTS": "", "HOME": str(tmp_path_factory.mktemp("schome"))}
    jack = subprocess.Popen(["jackd", "--no-realtime", "-d", "dummy", "-r", "48000", "-p", "1024"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    port = _free_port()
    sc = subprocess.Popen(["scsynth", "-u", str(port), "-B", "127.0.0.1", "-i", "0", "-o", "2"],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    from engine.osc.scsynth import Scsynth, ScsynthError

    deadline = time.monotonic() + 15
    ok = False
    while time.monotonic() < deadline and sc.poll() is None:
        try:
            with Scsynth("127.0.0.1", port, timeout=0.5) as s:
                s.request("/status", [], lambda a, v: a == "/status.reply", "status")
                ok = True
                break
        except ScsynthError:
            time.sleep(0.3)
    if not ok:
        out = _stop(sc)
        _stop(jack)
        pytest.skip(f"scsynth did not start: {out[-400:]}")
    yield port
    _stop(sc)
    _stop(jack)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["scsynth", "scsynth-stream"])
def test_scsynth_receives_22s_take(tmp_path, scsynth_server, kind):
    from engine.osc.scsynth import Scsynth

    path = tmp_path / "take.wav"
    audio = write_take(path, 22.0, seed=3)
    bufnum = 0 if kind == "scsynth" else 1
    result = deliver(TakeInfo.from_file(path),
                     parse_osc_url(f"osc.udp://127.0.0.1:{scsynth_server}"), kind,
                     DeliveryOptions(bufnum=bufnum, timeout=10))
    assert (result["frames"], result["channels"], result["sample_rate"]) == \
        (audio.shape[0], 2, 48000.0)
    with Scsynth("127.0.0.1", scsynth_server) as server:
        info = server.query(bufnum)
        assert (info.frames, info.channels, info.sample_rate) == (audio.shape[0], 2, 48000.0)
        flat = audio.reshape(-1)
        for index in (0, 123_457, flat.size - 8):
            got = server.get_samples(bufnum, index, 8)
            np.testing.assert_array_equal(np.float32(got), flat[index: index + 8])


@pytest.mark.parametrize("kind", ["scsynth", "scsynth-stream"])
def test_scsynth_loads_each_stem_into_its_own_buffer(stem_take, scsynth_server, kind):
    from engine.osc.scsynth import Scsynth

    take, audio = stem_take
    roles = [*STEM_ROLES, "mix"]
    first = 10 if kind == "scsynth" else 20
    result = deliver(load_take(take.folder, kind=kind),
                     parse_osc_url(f"osc.udp://127.0.0.1:{scsynth_server}"), kind,
                     DeliveryOptions(bufnum=first, timeout=10))
    assert list(result["buffers"]) == roles
    assert [b["bufnum"] for b in result["buffers"].values()] == list(range(first, first + 6))
    with Scsynth("127.0.0.1", scsynth_server) as server:
        for i, role in enumerate(roles):
            info = server.query(first + i)
            assert (info.frames, info.channels) == (len(audio[role]), 2)
            flat = audio[role].reshape(-1)
            for index in (0, flat.size - 8):
                got = server.get_samples(first + i, index, 8)
                np.testing.assert_array_equal(np.float32(got), flat[index: index + 8])
