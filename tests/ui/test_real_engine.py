"""One end-to-end run with the real engine process and the debug model pack: the window
generates a take and the GUI thread never stalls while the engine works."""

from __future__ import annotations

import pytest

from engine.protocol import JobStatus
from ui.engine_bridge import EngineBridge, default_engine_command
from ui.latency_probe import LatencyProbe
from ui.main_window import MainWindow
from ui.settings import Settings

# The acceptance figure is 50 ms on an idle machine; the test leaves room for a CI runner
# whose two cores are shared with the engine and other jobs.
MAX_STALL_MS = 100.0


@pytest.mark.slow
def test_generate_with_the_real_engine(qtbot, tmp_path, _isolated_user_dirs):
    bridge = EngineBridge(default_engine_command(),
                          env={"AINUR_STUDIO_HOME": str(_isolated_user_dirs),
                               "OMP_NUM_THREADS": "1"})
    settings = Settings(tmp_path / "s.ini")
    settings.set("output/folder", str(tmp_path / "takes"))
    settings.set("osc/daw", "off")  # no DAW listener on a fixed port during tests
    window = MainWindow(settings=settings, bridge=bridge)
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: bridge.state.value == "ready", timeout=60000)
        window.prompt.update(prompt="folk, accordion", duration_s=2.0, steps=4, model="debug")
        probe = LatencyProbe()
        probe.start()
        window.generate()
        qtbot.waitUntil(lambda: window.takes.rowCount() == 1, timeout=120000)
        probe.stop()
        qtbot.waitUntil(lambda: window.jobs.rows[0].status == JobStatus.SUCCEEDED, timeout=10000)
        take = window.takes.take_at(0)
        assert take.path.startswith(str(tmp_path / "takes"))
        assert take.duration_s == pytest.approx(2.0, abs=0.2)
        assert probe.max_ms < MAX_STALL_MS, probe.summary()
    finally:
        bridge.stop()
