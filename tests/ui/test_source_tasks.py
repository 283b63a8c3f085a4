"""Variation, repaint and extend need a source: an empty Source uses the selected take, and
with no take selected the request is refused before it is queued (the seed is kept)."""

from __future__ import annotations

import pytest

from ainur_studio.types import Task
from tests.ui.window_helpers import recording_window, write_take
from ui.settings import Settings
from ui.widgets.task_inputs import TASKS


@pytest.fixture
def window(qtbot, tmp_path):
    return recording_window(qtbot, Settings(tmp_path / "s.ini"))


def task_index(task: Task) -> int:
    return next(i for i, (_label, t, _needs) in enumerate(TASKS) if t is task)


@pytest.mark.parametrize("task", [Task.VARIATION, Task.REPAINT, Task.EXTEND])
def test_an_empty_source_uses_the_selected_take(window, tmp_path, task):
    win, sent = window
    take = write_take(tmp_path / "takes", "t1", created="2024-05-01T10:00:00+00:00")
    win.takes.add_take(take)
    win.takes_view.setCurrentIndex(win.takes.index(0))
    assert win.current_take == "t1"
    win.prompt_panel.set_task_index(task_index(task))
    win.prompt_panel.task_inputs.set_region(0.05, 0.15)
    assert win.prompt.request.inputs.source_audio == ""
    win.generate()
    (_method, params, _rid), = sent.of("generate")
    assert params["request"]["task"] == task.value
    assert params["request"]["inputs"]["source_audio"] == take.path
    assert win.prompt_panel.task_inputs.source.text() == take.path


def test_no_source_and_no_take_is_refused_before_queuing(window):
    win, sent = window
    win.prompt_panel.set_task_index(task_index(Task.VARIATION))
    seed = win.prompt.request.seed
    win.generate()
    assert sent.of("generate") == []
    assert win.jobs.rowCount() == 0
    assert win.prompt.request.seed == seed  # not spent
    assert "source" in win.status.currentMessage().lower()
