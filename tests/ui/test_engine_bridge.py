"""The engine bridge against the fake engine: handshake, events, crash detection, restart."""

from __future__ import annotations

from engine.protocol import Event
from ui.engine_bridge import BridgeState


def test_bridge_starts_and_becomes_ready(make_bridge, qtbot):
    bridge = make_bridge()
    with qtbot.waitSignal(bridge.state_changed, timeout=10000,
                          check_params_cb=lambda s: s == "ready"):
        bridge.start()
    assert bridge.engine_id.startswith("e-")
    assert bridge.status["device"] == "cpu"


def test_generate_events_arrive_as_signals(make_bridge, qtbot):
    bridge = make_bridge()
    with qtbot.waitSignal(bridge.state_changed, timeout=10000,
                          check_params_cb=lambda s: s == "ready"):
        bridge.start()
    seen: list[str] = []
    bridge.event_received.connect(lambda e: seen.append(e.event))
    with qtbot.waitSignal(bridge.event_received, timeout=10000,
                          check_params_cb=lambda e: isinstance(e, Event)
                          and e.event == "job_done"):
        bridge.send("generate", {"request": {"prompt": "test", "seed": 1, "duration_s": 1.0}})
    assert seen.index("accepted") < seen.index("started") < seen.index("progress")
    assert "take_ready" in seen


def test_crash_is_reported_and_the_engine_restarts(make_bridge, qtbot):
    bridge = make_bridge(mode="crash")
    with qtbot.waitSignal(bridge.state_changed, timeout=10000,
                          check_params_cb=lambda s: s == "ready"):
        bridge.start()
    first_pid = bridge.pid()
    states: list[str] = []
    bridge.state_changed.connect(states.append)
    with qtbot.waitSignal(bridge.engine_died, timeout=10000) as died:
        bridge.send("generate", {"request": {"prompt": "boom"}})
    message, detail = died.args
    assert "crashed" in message
    assert "about to crash on purpose" in detail
    qtbot.waitUntil(lambda: bridge.state == BridgeState.READY, timeout=10000)
    assert "restarting" in states
    assert bridge.pid() != first_pid
    assert bridge.restarts == 1


def test_restart_budget_is_bounded(make_bridge, qtbot):
    bridge = make_bridge(mode="crash", max_restarts=1)
    bridge.start()
    qtbot.waitUntil(lambda: bridge.state == BridgeState.READY, timeout=10000)
    bridge.send("generate", {"request": {"prompt": "boom"}})
    qtbot.waitUntil(lambda: bridge.state == BridgeState.READY and bridge.restarts == 1,
                    timeout=10000)
    bridge.send("generate", {"request": {"prompt": "boom"}})
    qtbot.waitUntil(lambda: bridge.state == BridgeState.FAILED, timeout=10000)


def test_failure_to_start_is_reported(qtbot):
    from ui.engine_bridge import EngineBridge

    bridge = EngineBridge(["/nonexistent/engine-binary"], max_restarts=0)
    with qtbot.waitSignal(bridge.engine_died, timeout=5000) as died:
        bridge.start()
    assert "could not be started" in died.args[0]
    assert bridge.state == BridgeState.FAILED
