"""Follow DAW: the prompt's tempo, metre and start bar follow the `daw_state` events the engine
forwards, fed here by the engine's own REAPER and AbletonOSC trackers; a hand edit ends it."""

from __future__ import annotations

import pytest

from engine.osc.daw_link import DawLink
from engine.osc.daw_state import DawStateTracker
from tests.ui.window_helpers import event, recording_window
from ui.models.prompt_state import daw_grid


@pytest.fixture
def window(qtbot, settings):
    win, _sent = recording_window(qtbot, settings)
    return win


def feed(win, daw: str) -> tuple[DawLink, DawStateTracker]:
    """The engine's DAW link and tracker, publishing `daw_state` events to the window."""
    link = DawLink(lambda data: event(win, "daw_state", "", **data))
    return link, DawStateTracker(daw, on_change=link._on_heard)  # as its DawListener does


def grid(win) -> tuple:
    s = win.prompt.request.structure
    return s.bpm, s.metre, s.start_bar


def test_a_reaper_feed_sets_tempo_metre_and_start_bar(window):
    panel = window.prompt_panel
    panel.follow_daw.setChecked(True)
    link, reaper = feed(window, "reaper")
    link.push({"time_signature": "3/4", "source": "reaper"})  # REAPER's script pushes the metre
    reaper.handle("/beat/str", ["9.1.00"])                     # the edit cursor at bar 9
    reaper.handle("/stop", [])
    reaper.handle("/tempo/raw", [124.0])
    assert grid(window) == (124.0, "3/4", 9)
    assert window.prompt.request.fields.bpm == 124.0          # the caption says the same
    assert (panel.bpm.value(), panel.time_sig.currentText(), panel.start_bar.value()) == (
        124.0, "3/4", 9)
    assert window.timeline.canvas.grid.bar_ms == pytest.approx(3 * 60_000 / 124)
    reaper.handle("/play", [1])
    reaper.handle("/tempo/raw", [126.0])                       # playing: the tempo still follows
    assert grid(window) == (126.0, "3/4", 9)
    panel.bpm.setValue(90)                                     # by hand: following ends
    assert not panel.follow_daw.isChecked() and not window.prompt.follow_daw
    reaper.handle("/tempo/raw", [130.0])
    assert grid(window)[0] == 90.0


def test_an_abletonosc_feed_sets_tempo_metre_and_start_bar(window):
    link, live = feed(window, "ableton")
    live.handle("/live/song/get/beat", [12.0])                 # quarter notes: bar 5 of 6/8
    live.handle("/live/song/get/signature_numerator", [6])
    live.handle("/live/song/get/signature_denominator", [8])
    live.handle("/live/song/get/is_playing", [0])
    live.handle("/live/song/get/tempo", [140.0])
    assert grid(window) == (None, "", 1)                       # not following yet
    window.prompt_panel.follow_daw.setChecked(True)            # takes the last state at once
    assert grid(window) == (140.0, "6/8", 5)
    assert window.status.daw.text() == "DAW ■ 140 BPM 6/8"
    window.prompt_panel.start_bar.setValue(2)                  # by hand again
    assert not window.prompt.follow_daw
    live.handle("/live/song/get/tempo", [100.0])
    assert grid(window) == (140.0, "6/8", 2)


def test_what_a_daw_state_says_of_the_grid():
    assert daw_grid({"tempo": 120, "time_signature": "7/8", "playing": False,
                     "position_beats": 7.0, "source": "ardour"}) == {
        "bpm": 120.0, "metre": "7/8", "start_bar": 2}           # Ardour counts metre beats
    assert daw_grid({"tempo": 120, "playing": False, "position_s": 4.0}, "4/4") == {
        "bpm": 120.0, "start_bar": 3}                           # 2 s bars, from seconds
    assert daw_grid({"tempo": 5000, "time_signature": "4/3", "playing": True,
                     "position_beats": 8.0}) == {}              # nothing usable
