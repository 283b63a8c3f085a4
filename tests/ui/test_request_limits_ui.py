"""The app refuses a request outside the limits before it is queued: no job row, no engine
request, the seed not spent, and a message that names the limit."""

from __future__ import annotations

from ainur_studio.limits import LIMITS
from ui.main_window import MainWindow
from ui.settings import Settings


def test_out_of_range_values_are_refused_before_queuing(qtbot, make_bridge, tmp_path):
    bridge = make_bridge()
    settings = Settings(tmp_path / "settings.ini")
    settings.set("osc/daw", "off")
    win = MainWindow(settings=settings, bridge=bridge)
    qtbot.addWidget(win)
    sent: list[str] = []
    real_send = bridge.send
    bridge.send = lambda method, params=None: sent.append(str(method)) or real_send(method, params)
    errors: list[str] = []
    win.controller.error.connect(lambda text, detail: errors.append(text))
    for change in ({"duration_s": 0.0}, {"duration_s": 10_000.0}, {"steps": 0},
                   {"sampler": "dpm-fast"}):
        win.prompt.update(prompt="lo-fi beat", seed=11, **change)
        assert win.controller.generate() is None
        assert win.prompt.request.seed == 11  # not spent
    assert not any("generate" in m for m in sent)
    assert win.jobs.rowCount() == 0
    assert "duration_s must be a number from 1 to 600 s" in errors[0]
    assert "steps must be an integer from 1 to 1000" in errors[2]
    assert "unknown sampler" in errors[3]


def test_prompt_panel_ranges_come_from_the_limits(qtbot, tmp_path, make_bridge):
    settings = Settings(tmp_path / "settings.ini")
    settings.set("osc/daw", "off")
    win = MainWindow(settings=settings, bridge=make_bridge())
    qtbot.addWidget(win)
    panel = win.prompt_panel
    assert (panel.steps.minimum(), panel.steps.maximum()) == (1, LIMITS["steps"].high)
    assert panel.guidance.maximum() == LIMITS["guidance"].high
    samplers = [panel.sampler.itemText(i) for i in range(panel.sampler.count())]
    from ainur_studio.limits import SAMPLER_NAMES

    assert tuple(samplers) == SAMPLER_NAMES
