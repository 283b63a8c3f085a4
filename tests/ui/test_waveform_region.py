"""Repaint and extend regions chosen by dragging on the take's waveform, shown shaded and kept
in step with the prompt panel's fields; Generate stays in sight in every task pane."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication

from ainur_studio.types import Task
from ui import theme
from ui.audio_file import Peaks
from ui.main_window import MainWindow
from ui.player import Player, _SilentOutput
from ui.settings import Settings
from ui.widgets.task_inputs import TASKS

PX_PER_S = 100.0  # 1 px = 10 ms


def task_index(label: str) -> int:
    return next(i for i, (name, _task, _src) in enumerate(TASKS) if name == label)


@pytest.fixture
def themed(qapp):
    """The app's own style, fonts and paddings (as `make run` shows it), restored after."""
    style, palette, sheet = qapp.style().name(), qapp.palette(), qapp.styleSheet()
    theme.apply_theme(qapp)
    yield qapp
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.setStyle(style)


@pytest.fixture
def window(qtbot, tmp_path, themed):
    win = MainWindow(settings=Settings(tmp_path / "s.ini"), start_engine=False,
                     player=Player(output=_SilentOutput()))
    qtbot.addWidget(win)
    win.resize(1440, 900)
    win.show()
    qtbot.waitExposed(win)
    win.timeline.canvas.snap = False
    win.timeline.canvas.set_zoom(PX_PER_S)
    bins = 800
    wave = np.sin(np.linspace(0, 60, bins)).astype(np.float32) * 0.6
    win.timeline.set_peaks(Peaks(-np.abs(wave), np.abs(wave), 8.0))  # an 8 s take
    return win


def wave_y(win: MainWindow) -> int:
    """A height inside the waveform lane, under the lyric lanes."""
    canvas = win.timeline.canvas
    return int((canvas.geometry_.lanes_bottom(canvas.words_mode) + canvas.height()) / 2)


def drag(qtbot, widget, start: QPoint, end: QPoint,
         modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, modifier, start)
    for k in range(1, 5):
        qtbot.mouseMove(widget, start + (end - start) * k / 4)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, modifier, end)


def x_of(seconds: float) -> int:
    return round(seconds * PX_PER_S)


def test_dragging_on_the_waveform_sets_the_repaint_region(window, qtbot):
    inputs = window.prompt_panel.task_inputs
    y = wave_y(window)
    drag(qtbot, window.timeline.canvas, QPoint(x_of(3.5), y), QPoint(x_of(1.5), y))
    assert window.prompt.request.task is Task.REPAINT  # the drag chose the task too
    assert window.prompt_panel.task_inputs.currentIndex() == task_index("Repaint")
    assert (inputs.region_start.value(), inputs.region_end.value()) == (1.5, 3.5)
    assert window.prompt.inputs.region_start_s == 1.5
    assert window.timeline.canvas.region == (1500, 3500)


def test_typed_region_fields_move_the_drawn_region(window, qtbot):
    window.prompt_panel.set_task_index(task_index("Repaint"))
    inputs = window.prompt_panel.task_inputs
    inputs.region_end.setValue(4.0)
    inputs.region_start.setValue(2.0)
    assert window.timeline.canvas.region == (2000, 4000)
    window.prompt_panel.set_task_index(task_index("New"))
    assert window.timeline.canvas.region is None  # only the tasks that use it show it


def test_the_region_is_drawn_shaded(window, qtbot):
    canvas = window.timeline.canvas
    window.prompt_panel.set_task_index(task_index("Repaint"))
    before = canvas.grab().toImage()
    window.prompt_panel.task_inputs.set_region(2.0, 4.0)
    after = canvas.grab().toImage()
    y = int(canvas.geometry_.lanes_bottom(False) + 6)  # in the lane, above the waveform
    assert after.pixelColor(x_of(3.0), y) != before.pixelColor(x_of(3.0), y)
    assert after.pixelColor(x_of(6.0), y) == before.pixelColor(x_of(6.0), y)


def test_shift_drag_over_the_lyrics_also_selects_a_region(window, qtbot):
    y = int(window.timeline.canvas.geometry_.lanes_bottom(False) - 20)
    drag(qtbot, window.timeline.canvas, QPoint(x_of(1.0), y), QPoint(x_of(2.0), y),
         Qt.KeyboardModifier.ShiftModifier)
    assert window.timeline.canvas.region == (1000, 2000)
    assert window.lyrics.lines == []  # no line was added or moved


def test_dragging_past_the_end_sets_how_much_to_extend(window, qtbot):
    window.prompt_panel.set_task_index(task_index("Extend"))
    inputs = window.prompt_panel.task_inputs
    y = wave_y(window)
    drag(qtbot, window.timeline.canvas, QPoint(x_of(8.0), y), QPoint(x_of(11.0), y))
    assert window.prompt.request.task is Task.EXTEND
    assert inputs.extend_s.value() == 3.0
    assert window.timeline.canvas.region == (8000, 11000)
    inputs.extend_s.setValue(5.0)
    assert window.timeline.canvas.region == (8000, 13000)


@pytest.mark.parametrize("label", ["New", "Repaint", "Extend", "Interpolate", "Best of N"])
def test_generate_stays_in_sight_at_1440x900(window, qtbot, label):
    window.prompt_panel.set_task_index(task_index(label))
    QApplication.processEvents()
    button = window.prompt_panel.generate
    assert button.isVisible()
    on_window = QRect(button.mapTo(window, QPoint(0, 0)), button.size())
    assert window.rect().contains(on_window)
    assert button.visibleRegion().boundingRect() == button.rect()  # not scrolled or clipped


def test_a_loaded_request_shows_its_region_in_the_fields_and_on_the_waveform(window):
    request = window.prompt.request
    request.task = Task.REPAINT
    request.inputs.region_start_s, request.inputs.region_end_s = 1.25, 2.5
    request.inputs.source_audio = "take.wav"
    window.prompt.set_request(request)  # opening a project, or a take's settings
    inputs = window.prompt_panel.task_inputs
    assert (inputs.region_start.value(), inputs.region_end.value()) == (1.25, 2.5)
    assert inputs._source_row["repaint"].text() == "take.wav"
    assert window.timeline.canvas.region == (1250, 2500)
    assert window.prompt.inputs.region_end_s == 2.5  # showing it wrote nothing back


def test_a_click_on_the_waveform_only_clears_the_selection(window, qtbot):
    window.lyrics.add_line(1000, "hold the line")
    canvas = window.timeline.canvas
    canvas.select(0)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(x_of(2.0), wave_y(window)))
    assert canvas.selected == -1
    assert canvas.region is None and window.prompt.request.task is Task.NEW
