"""The `deliver` request: the engine sends a take to a DAW or OSC receiver on a worker thread
and replies when it is done, so control requests never wait behind the network; it sends only
its own takes (in its takes folder, or takes it wrote elsewhere)."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest

from ainur_studio.paths import takes_dir
from ainur_studio.structure import STEM_ROLES
from ainur_studio.types import GenerationRequest, Take
from engine.client import EngineError
from engine.osc import delivery_requests
from tests.engine.osc.conftest import OrderedPeer, write_stem_take, write_take
from tests.fakes.osc_peer import osc_peer as fake_osc_peer


@pytest.fixture
def osc_peer():
    with fake_osc_peer() as peer:
        yield peer


@pytest.fixture
def ordered_peer():
    peer = OrderedPeer()
    yield peer
    peer.endpoint.close()


@pytest.fixture
def take():
    """A take in the engine's takes folder (tests/conftest.py points it at a fresh folder)."""
    folder = takes_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "sea shanty.wav"
    write_take(path, 0.5)
    return path


@pytest.fixture
def outside(tmp_path):
    """An audio file the engine can read but did not write, outside its takes folder."""
    path = tmp_path / "private" / "diary.wav"
    path.parent.mkdir()
    write_take(path, 0.2)
    return path


def test_deliver_notifies_an_osc_peer(engine, osc_peer, take):
    url, heard = osc_peer
    result = engine.request("deliver", {"take": str(take), "target": url, "kind": "notify",
                                        "prompt": "folk", "bpm": 96, "bars": 8})
    assert result == {"kind": "notify", "target": url, "address": "/ainur/take",
                      "take": "sea shanty", "files": {"mix": str(take.resolve())},
                      "path": str(take.resolve()), "messages": 1, "placed": ["mix"]}
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


def test_deliver_sends_a_take_folder_written_outside_the_takes_folder(engine, ordered_peer,
                                                                      tmp_path):
    take, _ = write_stem_take(tmp_path / "elsewhere" / "shanty 2")  # generate's output.dir
    result = engine.request("deliver", {"take": take.folder, "target": ordered_peer.url,
                                        "kind": "reaper"})
    heard = ordered_peer.heard()
    assert [args[0].split(":", 4)[3] for _, args in heard] == list(STEM_ROLES)
    assert result["placed"] == list(STEM_ROLES) and result["take"] == "shanty 2"


def test_deliver_sends_a_single_file_take_with_its_sidecar_anywhere(engine, ordered_peer,
                                                                    tmp_path):
    path = tmp_path / "elsewhere" / "old take.wav"
    path.parent.mkdir()
    write_take(path, 0.2)
    record = Take(take_id="0123456789ab", path=str(path), request=GenerationRequest())
    path.with_suffix(".json").write_text(json.dumps(record.to_dict()))
    engine.request("deliver", {"take": str(path), "target": ordered_peer.url, "kind": "reaper"})
    assert ordered_peer.heard() == [("/ainur/insert", [str(path.resolve())])]


def _refused(engine, path, peer) -> EngineError:
    with pytest.raises(EngineError) as info:
        engine.request("deliver", {"take": str(path), "target": peer.url, "kind": "stream"})
    assert peer.heard(quiet_s=0.1) == []  # nothing reached the network
    return info.value


def test_deliver_refuses_a_file_outside_the_takes_folder(engine, ordered_peer, outside):
    error = _refused(engine, outside, ordered_peer)
    assert error.code == "bad_params"
    assert "outside the takes folder" in error.message and str(takes_dir()) in error.message
    assert "diary.wav" in error.message


def test_deliver_refuses_a_link_from_the_takes_folder_to_outside(engine, ordered_peer,
                                                                 outside):
    link = takes_dir() / "innocent.wav"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside)
    assert "outside the takes folder" in _refused(engine, link, ordered_peer).message


def test_a_sidecar_cannot_vouch_for_a_file_outside_its_folder(engine, ordered_peer, outside,
                                                              tmp_path):
    fake = tmp_path / "elsewhere" / "fake.json"
    fake.parent.mkdir()
    fake.write_text(json.dumps(Take(take_id="x", path=str(outside),
                                    request=GenerationRequest()).to_dict()))
    assert "outside the takes folder" in _refused(engine, fake, ordered_peer).message
    Path(fake).with_name("take.json").write_text(json.dumps(Take(
        take_id="x", path=str(outside), request=GenerationRequest(),
        folder=str(fake.parent)).to_dict()))  # a "take folder" whose files are not in it
    assert _refused(engine, fake.parent, ordered_peer).code == "bad_params"


def test_the_send_command_sends_any_file_it_is_given(ordered_peer, outside, capsys):
    assert _send_command([str(outside), "--to", ordered_peer.url, "--as", "reaper"]) == 0
    assert ordered_peer.heard() == [("/ainur/insert", [str(outside.resolve())])]


@pytest.mark.parametrize("params,words", [
    ({"target": "osc.udp://127.0.0.1:9"}, "take must be"),
    ({"take": "{take}", "target": "osc.udp://127.0.0.1:9", "include": "drums"}, "include"),
    ({"take": "{take}", "target": "osc.udp://127.0.0.1:9", "bank": -1}, "bank"),
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
