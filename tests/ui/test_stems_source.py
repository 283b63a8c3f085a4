"""Variation, repaint and extend of a take made of parts send its stems along
(`inputs.part_audio`, role -> file) with the mix as `source_audio`: a pack with stems edits
the stems and refuses a stems edit without them (`needs_stems`)."""

from __future__ import annotations

import pytest

from ainur_studio.structure import STEM_ROLES
from ainur_studio.types import Task
from tests.ui.window_helpers import recording_window, write_stem_take, write_take
from ui.models.stem_audio import part_files
from ui.settings import Settings
from ui.take_actions import source_stems
from ui.widgets.task_inputs import TASKS


@pytest.fixture
def window(qtbot, tmp_path):
    return recording_window(qtbot, Settings(tmp_path / "s.ini"))


def task_index(task: Task) -> int:
    return next(i for i, (_label, t, _needs) in enumerate(TASKS) if t is task)


def sent_inputs(sent) -> dict:
    (_method, params, _rid), = sent.of("generate")
    return params["request"]["inputs"]


@pytest.mark.parametrize("action, task", [("variation", Task.VARIATION),
                                          ("repaint", Task.REPAINT), ("extend", Task.EXTEND)])
def test_editing_a_stems_take_sends_its_stems_and_its_mix(window, tmp_path, action, task):
    win, sent = window
    take = write_stem_take(tmp_path)
    win.takes.add_take(take)
    win.take_actions.run(action, take.take_id)
    win.prompt_panel.task_inputs.set_region(0.05, 0.15)
    win.generate()
    inputs = sent_inputs(sent)
    assert sent.of("generate")[0][1]["request"]["task"] == task.value
    assert inputs["source_audio"] == take.path
    assert inputs["part_audio"] == {r: str(tmp_path / "s1" / f"{r}.wav") for r in STEM_ROLES}


def test_an_empty_source_takes_the_selected_stems_take_with_its_stems(window, tmp_path):
    win, sent = window
    take = write_stem_take(tmp_path)
    win.takes.add_take(take)
    win.takes_view.setCurrentIndex(win.takes.index(0))
    win.prompt_panel.set_task_index(task_index(Task.VARIATION))
    assert win.prompt.request.inputs.part_audio == {}
    win.generate()
    inputs = sent_inputs(sent)
    assert inputs["source_audio"] == take.path and inputs["part_audio"] == part_files(take)


def test_a_dropped_take_brings_its_stems_and_another_file_drops_them(window, tmp_path):
    win, sent = window
    band = write_stem_take(tmp_path, "band")
    old = write_take(tmp_path / "old", "old", created="2024-05-01T10:00:00+00:00")
    win.takes.add_take(band)
    win.take_actions.run("variation", "band")
    assert win.prompt.request.inputs.part_audio == part_files(band)
    win.prompt_panel.task_inputs.source.setText(old.path)  # typed or dropped
    assert win.prompt.request.inputs.part_audio == {}  # the stems were the old source's
    win.generate()
    assert sent_inputs(sent)["part_audio"] == {}
    win.prompt_panel.task_inputs.source.setText(band.path)  # its mix dropped from the list
    win.generate()
    inputs = sent.of("generate")[-1][1]["request"]["inputs"]
    assert inputs["source_audio"] == band.path and inputs["part_audio"] == part_files(band)


def test_a_new_take_after_an_edit_sends_no_stems_of_the_old_source(window, tmp_path):
    win, sent = window
    take = write_stem_take(tmp_path)
    win.takes.add_take(take)
    win.take_actions.run("variation", take.take_id)
    win.prompt_panel.task_inputs.source.setText("")
    win.prompt_panel.set_task_index(task_index(Task.NEW))
    win.generate()
    assert sent_inputs(sent)["part_audio"] == {}


def test_source_stems_matches_a_takes_mix_or_folder_only(tmp_path):
    take = write_stem_take(tmp_path)
    single = write_take(tmp_path / "old", "old", created="2024-05-01T10:00:00+00:00")
    assert source_stems([single, take], take.path) == part_files(take)
    assert source_stems([take], take.folder + "/") == part_files(take)
    assert source_stems([take], str(tmp_path / "s1" / "bass.wav")) == {}
    assert source_stems([single], single.path) == {}
