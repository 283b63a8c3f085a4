"""Takes list (drag, context menu, trash), prompt panel fields and the player without sound."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QUrl

from ainur_studio.types import GenerationRequest, Take, Task
from ui.drag import mime_for_files
from ui.main_window import MainWindow
from ui.player import Player, _SilentOutput
from ui.settings import Settings
from ui.widgets.takes_view import TAKE_ACTIONS


@pytest.fixture
def window(qtbot, tmp_path):
    win = MainWindow(settings=Settings(tmp_path / "s.ini"), start_engine=False,
                     player=Player(output=_SilentOutput()))
    qtbot.addWidget(win)
    return win


def make_take(tmp_path, take_id: str = "t1", seconds: float = 1.0) -> Take:
    path = tmp_path / f"{take_id}.wav"
    t = np.arange(int(48000 * seconds)) / 48000
    sf.write(str(path), np.stack([np.sin(2 * np.pi * 220 * t)] * 2, axis=1) * 0.2, 48000)
    return Take(take_id=take_id, path=str(path), frames=len(t),
                request=GenerationRequest(prompt="warm rhodes", seed=5))


def test_mime_data_carries_file_urls(tmp_path):
    mime = mime_for_files([tmp_path / "a.wav", tmp_path / "b.wav"])
    assert mime.urls() == [QUrl.fromLocalFile(str(tmp_path / "a.wav")),
                           QUrl.fromLocalFile(str(tmp_path / "b.wav"))]


def test_context_menu_lists_every_action(window, tmp_path):
    take = make_take(tmp_path)
    window.takes.add_take(take)
    menu = window.takes_view.context_menu(take.take_id)
    ids = [a.data() for a in menu.actions() if a.data()]
    assert ids == [spec[0] for spec in TAKE_ACTIONS if spec]


def test_delete_is_recoverable(window, tmp_path):
    take = make_take(tmp_path)
    window.takes.add_take(take)
    window.take_actions.run("delete", take.take_id)
    assert window.takes.rowCount() == 0
    assert window.takes.deleted_takes()[0].take_id == "t1"
    menu_titles = [a.text() for a in window.takes_view.context_menu("t1").actions()]
    assert any(t.startswith("Restore deleted (1)") for t in menu_titles)
    window.take_actions.run("restore", take.take_id)
    assert window.takes.rowCount() == 1


def test_variation_and_regenerate_fill_the_prompt(window, tmp_path):
    take = make_take(tmp_path)
    window.takes.add_take(take)
    window.take_actions.run("variation", take.take_id)
    assert window.prompt.request.task == Task.VARIATION
    assert window.prompt.request.inputs.source_audio == take.path
    assert window.prompt_panel.task_inputs.currentIndex() == 1
    window.take_actions.run("load_settings", take.take_id)
    assert window.prompt.request.seed == 5 and window.prompt_panel.seed.value() == 5


def test_player_plays_silently_and_moves_the_playhead(window, qtbot, tmp_path):
    take = make_take(tmp_path, seconds=0.3)
    window.takes.add_take(take)
    window.play_take(take.take_id)
    qtbot.waitUntil(lambda: window.player.playing, timeout=3000)  # once the take is read
    qtbot.waitUntil(lambda: (window.timeline.canvas.playhead_ms or 0) > 50, timeout=3000)
    qtbot.waitUntil(lambda: not window.player.playing, timeout=3000)  # stops at the end


def test_missing_audio_output_is_explained():
    player = Player()
    if player.available:
        pytest.skip("this machine has an audio output")
    assert "audio output" in player.unavailable_reason


def test_player_reports_an_unreadable_file(qtbot, tmp_path):
    player = Player(output=_SilentOutput())
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    with qtbot.waitSignal(player.error) as blocker:
        player.load(str(bad))
    assert "bad.wav" in blocker.args[0] and player.path == "" and not player.loading


def test_player_reads_in_the_background_and_plays_once_read(qtbot, tmp_path):
    take = make_take(tmp_path, seconds=0.3)
    player = Player(output=_SilentOutput())
    player.load(take.path)
    assert player.loading and player.duration_ms == 0  # load returned before reading
    player.play(0)  # asked for meanwhile: starts once the take is in
    with qtbot.waitSignal(player.loaded, timeout=3000):
        pass
    qtbot.waitUntil(lambda: player.playing, timeout=3000)
    assert 250 <= player.duration_ms <= 350
    player.stop()
    other = make_take(tmp_path, "t2", seconds=0.6)
    player.load(take.path)
    player.load(other.path)  # the first read's result is dropped
    qtbot.waitUntil(lambda: not player.loading, timeout=3000)
    assert player.path == other.path and player.duration_ms >= 550


def test_prompt_panel_fields_write_the_request(window, qtbot):
    panel = window.prompt_panel
    panel.genre.setText("folk, sea shanty")
    panel.bpm.setValue(96)
    panel.key.setCurrentText("D minor")
    panel.time_sig.setCurrentText("6/8")
    panel.duration_unit.setCurrentIndex(1)  # bars, now that the tempo is known
    panel.duration.setValue(8)
    panel.seed_lock.setChecked(True)
    panel.set_task_index(3)  # extend
    panel.task_inputs.extend_side.setCurrentText("left")
    request = window.prompt.to_request()
    assert request.fields.genre == ["folk", "sea shanty"]
    assert request.fields.bpm == 96 and request.fields.key == "D minor"
    assert request.duration_s == pytest.approx(8 * 3 * 60 / 96)  # 6/8 = 3 quarter notes a bar
    assert request.task == Task.EXTEND and request.inputs.extend_side == "left"
    assert "folk" in request.prompt and "96" in request.prompt  # descriptor from the fields
    seed = request.seed
    window.prompt.after_generate()
    assert window.prompt.request.seed == seed  # locked


def test_bars_need_a_tempo(window):
    window.prompt_panel.duration_unit.setCurrentIndex(1)
    assert window.prompt_panel.duration_unit.currentIndex() == 0


def test_send_to_daw_without_targets_explains(window, tmp_path):
    take = make_take(tmp_path)
    window.takes.add_take(take)
    messages: list[str] = []
    window.take_actions.message.connect(messages.append)
    window.take_actions.run("send_to_daw", take.take_id)
    assert "Settings" in messages[0] and "drag" in messages[0]
