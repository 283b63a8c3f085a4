"""The `deliver` request: the engine sends a take to a DAW or OSC receiver on a worker thread
and replies when it is done, so control requests never wait behind the network."""

from __future__ import annotations

import socket
import threading

import pytest

from engine.client import EngineError
from engine.osc import delivery_requests
from tests.engine.osc.conftest import write_take
from tests.fakes.osc_peer import osc_peer as fake_osc_peer


@pytest.fixture
def osc_peer():
    with fake_osc_peer() as peer:
        yield peer


@pytest.fixture
def take(tmp_path):
    path = tmp_path / "sea shanty.wav"
    write_take(path, 0.5)
    return path


def test_deliver_notifies_an_osc_peer(engine, osc_peer, take):
    url, heard = osc_peer
    result = engine.request("deliver", {"take": str(take), "target": url, "kind": "notify",
                                        "prompt": "folk", "bpm": 96, "bars": 8})
    assert result == {"kind": "notify", "target": url, "address": "/ainur/take",
                      "path": str(take.resolve())}
    address, args = heard.get(timeout=5)
    assert address == "/ainur/take"
    assert args[0] == str(take.resolve()) and args[1] == "sea shanty"
    assert args[2:5] == (48_000, 2, 24_000)
    assert args[5] == pytest.approx(96.0) and args[6] == pytest.approx(8.0)
    assert args[7] == "folk"


def test_deliver_to_a_daw_uses_its_adapter(engine, osc_peer, take):
    url, heard = osc_peer
    engine.request("deliver", {"take": str(take), "target": url, "kind": "bitwig",
                               "track": 2, "slot": 3})
    assert heard.get(timeout=5) == ("/track/2/clip/3/insertFile", (str(take.resolve()),))


def test_a_slow_delivery_does_not_hold_up_control_requests(engine, take):
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # a receiver that never acks
    silent.bind(("127.0.0.1", 0))
    done: list[str] = []
    failure: list[EngineError] = []

    def deliver() -> None:
        try:
            engine.request("deliver", {"take": str(take), "kind": "stream", "timeout": 1.0,
                                       "target": f"osc.udp://127.0.0.1:"
                                                 f"{silent.getsockname()[1]}"})
        except EngineError as exc:
            failure.append(exc)
        done.append("deliver")

    worker = threading.Thread(target=deliver)
    try:
        worker.start()
        engine.status()
        done.append("status")
        worker.join(30)
    finally:
        silent.close()
    assert done == ["status", "deliver"]
    assert failure and failure[0].code == "delivery_failed"
    assert "127.0.0.1" in failure[0].message


@pytest.mark.parametrize("params,words", [
    ({"target": "osc.udp://127.0.0.1:9"}, "take must be"),
    ({"take": "{take}"}, "target must be"),
    ({"take": "{take}", "target": "http://127.0.0.1:9"}, "osc.udp://"),
    ({"take": "{take}", "target": "osc.udp://127.0.0.1:9", "kind": "fax"}, "notify"),
    ({"take": "{take}", "target": "osc.udp://127.0.0.1:9", "bpm": "fast"}, "bpm"),
    ({"take": "{take}", "target": "osc.udp://127.0.0.1:9", "track": 1.5}, "track"),
    ({"take": "{take}", "target": "osc.udp://127.0.0.1:9", "timeout": 0}, "timeout"),
    ({"take": "{take}", "target": "osc.udp://127.0.0.1:9", "timeout": 1e9}, "timeout"),
    ({"take": "{missing}", "target": "osc.udp://127.0.0.1:9"}, "cannot read take"),
])
def test_bad_deliver_params_are_refused_with_the_fix(engine, take, params, words):
    params = {k: v.format(take=take, missing=take.with_name("gone.wav"))
              if isinstance(v, str) else v for k, v in params.items()}
    with pytest.raises(EngineError, match=words) as info:
        engine.request("deliver", params)
    assert info.value.code == "bad_params"


def test_too_many_deliveries_at_once_are_refused(engine, take, monkeypatch):
    monkeypatch.setattr(delivery_requests, "MAX_RUNNING", 1)
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    url = f"osc.udp://127.0.0.1:{silent.getsockname()[1]}"
    started = threading.Event()
    first: list[BaseException] = []

    def slow() -> None:
        started.set()
        try:
            engine.request("deliver", {"take": str(take), "kind": "stream", "timeout": 1.0,
                                       "target": url})
        except EngineError as exc:
            first.append(exc)

    worker = threading.Thread(target=slow)
    try:
        worker.start()
        started.wait(5)
        for _ in range(200):  # until the first delivery holds the only place
            if engine.server.deliveries.running:
                break
            threading.Event().wait(0.01)
        with pytest.raises(EngineError, match="deliveries") as info:
            engine.request("deliver", {"take": str(take), "target": url})
        assert info.value.code == "busy"
        worker.join(30)
    finally:
        silent.close()
    assert first and first[0].code == "delivery_failed"


def _send_command(argv: list[str]) -> int:
    import argparse

    from commands import send

    parser = argparse.ArgumentParser()
    send.add_arguments(parser)
    return send.run(parser.parse_args(argv))


def test_the_send_command_delivers_the_same_way(osc_peer, take, capsys):
    url, heard = osc_peer
    assert _send_command([str(take), "--to", url, "--as", "reaper", "--json"]) == 0
    assert heard.get(timeout=5) == ("/ainur/insert", (str(take.resolve()),))
    assert '"kind": "reaper"' in capsys.readouterr().out
    assert _send_command([str(take), "--to", url, "--timeout", "0"]) == 1
    assert "timeout must be above 0" in capsys.readouterr().err
