"""The engine follows the DAW: its own OSC listener, pushed state, and durations in bars."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
import soundfile as sf

from engine.client import EngineError
from engine.osc.transport import UdpEndpoint
from tests.engine.conftest import small_request


def _wait(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_engine_listens_to_the_daw_and_publishes_its_state(engine):
    events = []
    engine.add_listener(lambda e: e.event == "daw_state" and events.append(e.data))
    result = engine.request("daw_listen", {"daw": "reaper", "port": 0})
    assert result["listening"] and result["port"] > 0
    with UdpEndpoint() as ep:
        ep.send(("127.0.0.1", result["port"]), "/tempo/raw", [124.0], "f")
        ep.send(("127.0.0.1", result["port"]), "/play", [1], "i")
    _wait(lambda: events and events[-1].get("playing") is True)
    assert events[-1]["tempo"] == 124.0 and events[-1]["summary"] == "REAPER 124 BPM, playing"
    assert engine.status()["daw"]["tempo"] == 124.0
    assert engine.request("daw_listen", {"port": None}) == {"listening": False}


def test_generate_in_bars_uses_the_daws_tempo(engine, tmp_path):
    engine.request("daw_state", {"tempo": 120.0, "time_signature": "3/4", "source": "ableton"})
    job = engine.request("generate", {"request": small_request(steps=2), "bars": 2,
                                      "output": {"dir": str(tmp_path)}})["job"]
    end = engine.wait_job(job, 30)
    assert end.event == "job_done", end.data
    info = sf.info(end.data["takes"][0])
    assert info.frames == 3 * 48_000  # 2 bars of 3/4 at 120 BPM = 3 s


def test_bars_without_any_tempo_is_a_clear_error(engine):
    with pytest.raises(EngineError, match="needs a tempo"):
        engine.request("generate", {"request": small_request(steps=2), "bars": 4})


@pytest.mark.skipif(shutil.which("oscsend") is None, reason="oscsend (liblo-tools) is absent")
@pytest.mark.parametrize("daw,messages,expected", [
    ("reaper", [["/tempo/raw", "f", "126.5"], ["/play", "i", "1"]],
     {"tempo": 126.5, "playing": True, "source": "reaper"}),
    ("ableton", [["/live/song/get/tempo", "f", "90"], ["/live/song/get/is_playing", "F"],
                 ["/live/song/get/signature_numerator", "i", "6"],
                 ["/live/song/get/signature_denominator", "i", "8"]],
     {"tempo": 90.0, "playing": False, "time_signature": "6/8", "source": "ableton"}),
])
def test_engine_daw_state_follows_oscsend(engine, daw, messages, expected):
    port = engine.request("daw_listen", {"daw": daw, "port": 0})["port"]
    for message in messages:
        subprocess.run(["oscsend", "127.0.0.1", str(port), *message], check=True, timeout=5)
    _wait(lambda: all(engine.status()["daw"].get(k) == v for k, v in expected.items()))
