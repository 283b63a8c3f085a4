"""Send to DAW: the UI asks the engine (`deliver` over the bridge) and shows the outcome; no
subprocess. Against the fake engine, which runs the real server and delivery code."""

from __future__ import annotations

import socket

import numpy as np
import pytest
import soundfile as sf

from ainur_studio.paths import takes_dir
from ainur_studio.types import GenerationRequest, PromptFields, Take
from tests.fakes.osc_peer import osc_peer
from ui.daw_send import DawSender, deliver_params
from ui.engine_bridge import BridgeState
from ui.main_window import MainWindow
from ui.player import Player, _SilentOutput
from ui.settings import Settings


def ready_bridge(make_bridge, qtbot):
    bridge = make_bridge()
    bridge.start()
    qtbot.waitUntil(lambda: bridge.state == BridgeState.READY, timeout=15000)
    return bridge


def a_take(tmp_path) -> Take:
    # the engine delivers only its own takes: this one sits in the (test's) takes folder
    takes_dir().mkdir(parents=True, exist_ok=True)
    path = takes_dir() / "warm rhodes.wav"
    sf.write(str(path), np.zeros((4800, 2), dtype=np.float32), 48000)
    return Take(take_id="t1", path=str(path), frames=4800,
                request=GenerationRequest(prompt="warm rhodes", seed=5,
                                          fields=PromptFields(bpm=96)))


def test_deliver_params_name_the_target_and_the_take():
    params = deliver_params("/takes/a.wav", {"name": "Live", "host": "127.0.0.1",
                                             "port": 11000, "adapter": "ableton"},
                            prompt="folk", bpm=96)
    assert params == {"take": "/takes/a.wav", "target": "osc.udp://127.0.0.1:11000",
                      "kind": "ableton", "prompt": "folk", "bpm": 96.0}


def test_send_to_daw_goes_through_the_engine(make_bridge, qtbot, tmp_path):
    bridge = ready_bridge(make_bridge, qtbot)
    win = MainWindow(settings=Settings(tmp_path / "s.ini"), bridge=bridge, start_engine=False,
                     player=Player(output=_SilentOutput()))
    qtbot.addWidget(win)
    take = a_take(tmp_path)
    win.takes.add_take(take)
    errors: list[str] = []
    win.controller.error.connect(lambda text, _detail: errors.append(text))
    with osc_peer() as (url, heard):
        port = int(url.rsplit(":", 1)[1])
        win.settings.set("osc/targets", [{"name": "Bitwig", "host": "127.0.0.1", "port": port,
                                          "adapter": "notify"}])
        with qtbot.waitSignal(win.take_actions.message, timeout=15000) as shown:
            win.take_actions.run("send_to_daw", take.take_id)
        address, args = heard.get(timeout=5)
    assert shown.args == ["Sent warm rhodes.wav to Bitwig"]
    assert address == "/ainur/take" and args[0] == take.path
    assert args[5] == pytest.approx(96.0) and args[7] == "warm rhodes"
    assert errors == []  # the delivery's reply is the sender's, not a controller error


def test_a_refused_delivery_is_shown_with_the_engines_reason(make_bridge, qtbot, tmp_path):
    sender = DawSender(ready_bridge(make_bridge, qtbot))
    take = a_take(tmp_path)
    with qtbot.waitSignal(sender.finished, timeout=15000) as done:
        sender.send(take.path, {"name": "Fax", "host": "127.0.0.1", "port": 9, "adapter": "fax"})
    ok, text = done.args
    assert not ok
    assert text.startswith("Could not send to Fax: ") and "notify" in text


def test_the_engine_dying_mid_delivery_is_reported(make_bridge, qtbot, tmp_path):
    sender = DawSender(ready_bridge(make_bridge, qtbot))
    take = a_take(tmp_path)
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # never acknowledges a stream
    silent.bind(("127.0.0.1", 0))
    try:
        with qtbot.waitSignal(sender.finished, timeout=15000) as done:
            sender.send(take.path, {"name": "Far", "host": "127.0.0.1",
                                    "port": silent.getsockname()[1], "adapter": "stream"})
            sender.bridge.kill("killed by the test")
    finally:
        silent.close()
    ok, text = done.args
    assert not ok and "killed by the test" in text


def test_without_an_engine_the_sender_says_so(tmp_path, qtbot):
    from ui.engine_bridge import EngineBridge

    sender = DawSender(EngineBridge(["false"]))
    with qtbot.waitSignal(sender.finished, timeout=2000) as done:
        sender.send(str(tmp_path / "a.wav"), {"name": "Live", "host": "127.0.0.1", "port": 9})
    assert done.args[0] is False and "not running" in done.args[1]


def test_an_error_event_answering_a_request_reaches_its_sender(qtbot):
    from engine.protocol import ErrorCode, encode, error_event
    from ui.engine_bridge import EngineBridge

    class HandFedBridge(EngineBridge):  # no process: the engine's line is fed by hand
        running = True  # type: ignore[assignment]

        def _write(self, data: bytes) -> None:
            pass

    bridge = HandFedBridge(["false"])
    answers: list = []
    request_id = bridge.request("deliver", {}, answers.append)
    bridge._dispatch(encode(error_event(ErrorCode.MALFORMED, "params must be an object",
                                        reply_to=request_id)).encode())
    assert len(answers) == 1 and not answers[0].ok
    assert answers[0].error.code == "malformed"
