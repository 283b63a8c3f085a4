"""Takes made of stems in the takes list: stem rows, thumbnails, drag, solo / mute in the
preview, and add / replace a part as an add-parts request."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QPoint, Qt, QUrl

from ainur_studio.structure import STEM_ROLES
from ainur_studio.types import GenerationRequest, Take, Task
from tests.ui.window_helpers import recording_window, stem_frames, write_stem_take
from ui.main_window import MainWindow
from ui.models.stem_mix import audible_roles
from ui.models.takes_model import PartRole
from ui.player import Player, _SilentOutput, _SoundDeviceOutput
from ui.settings import Settings
from ui.widgets.add_parts_dialog import AddPartsDialog
from ui.widgets.stem_delegate import stem_buttons
from ui.widgets.takes_view import STEM_ACTIONS, STEMS_TAKE_ACTIONS, TAKE_ACTIONS, stems_badge

RATE = 48_000
SECONDS = 0.25


class RecordingOutput(_SilentOutput):
    """A silent output that keeps every buffer the player gives it."""

    def __init__(self) -> None:
        super().__init__()
        self.given: list[np.ndarray] = []

    def start(self, frames: np.ndarray, rate: int, start_frame: int) -> None:
        self.given.append(frames)
        super().start(frames, rate, start_frame)

    def replace(self, frames: np.ndarray) -> None:
        self.given.append(frames)


def write_single_take(folder: Path, take_id: str = "old") -> Take:
    path = folder / f"{take_id}.wav"
    sf.write(str(path), stem_frames("drums"), RATE)
    return Take(take_id=take_id, path=str(path), frames=int(RATE * SECONDS),
                request=GenerationRequest(prompt="an old take", seed=1))


@pytest.fixture
def recorder() -> RecordingOutput:
    return RecordingOutput()


@pytest.fixture
def window(qtbot, tmp_path, recorder):
    win = MainWindow(settings=Settings(tmp_path / "s.ini"), start_engine=False,
                     player=Player(output=recorder))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def click(qtbot, view, point: QPoint) -> None:
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def test_a_take_with_five_stems_shows_five_stem_rows(window, qtbot, tmp_path):
    take = write_stem_take(tmp_path)
    window.takes.add_take(take)
    view, model = window.takes_view, window.takes
    top = model.index(0)
    assert model.rowCount(top) == 5
    assert view.stem_rows("s1") == []  # closed until its badge is clicked
    click(qtbot, view, stems_badge(view.visualRect(top)).center())
    assert view.stem_rows("s1") == list(STEM_ROLES)
    vocals = model.stem_index("s1", "vocals")
    assert vocals.parent() == top and vocals.data(PartRole).given
    assert not model.stem_index("s1", "bass").data(PartRole).given
    assert "given" in view._tip_at(view.visualRect(vocals).center())
    click(qtbot, view, stems_badge(view.visualRect(top)).center())
    assert view.stem_rows("s1") == []


def test_stem_thumbnails_are_read_in_the_background(window, qtbot, tmp_path):
    take = write_stem_take(tmp_path)
    window.takes.add_take(take)
    window.controller.load_peaks(take)
    qtbot.waitUntil(lambda: all(window.takes.stem_peaks("s1", r) is not None
                                for r in STEM_ROLES), timeout=5000)
    drums, vocals = (window.takes.stem_peaks("s1", r) for r in ("drums", "vocals"))
    assert drums.duration_s == pytest.approx(SECONDS)
    assert drums.maxs.max() == pytest.approx(0.075, abs=0.01)  # (L + R/2) / 2 of a 0.1 tone
    assert not np.array_equal(drums.maxs, vocals.maxs)


def test_dragging_all_stems_one_stem_or_several(window, tmp_path):
    take = write_stem_take(tmp_path)
    window.takes.add_take(take)
    model = window.takes
    urls = model.stems_mime("s1").urls()
    assert urls == [QUrl.fromLocalFile(p.path) for p in take.parts] and len(urls) == 5
    assert model.mimeData([model.stem_index("s1", "bass")]).urls() == \
        [QUrl.fromLocalFile(take.parts[1].path)]
    two = model.mimeData([model.stem_index("s1", "vocals"), model.stem_index("s1", "drums")])
    assert two.urls() == [QUrl.fromLocalFile(take.parts[0].path),
                          QUrl.fromLocalFile(take.parts[4].path)]
    assert model.mimeData([model.index(0)]).urls() == [QUrl.fromLocalFile(take.path)]


def test_selecting_stems_keeps_them_within_one_take(window, qtbot, tmp_path):
    window.takes.add_take(write_stem_take(tmp_path, "a"))
    window.takes.add_take(write_stem_take(tmp_path, "b"))
    view, model = window.takes_view, window.takes
    for take_id in ("a", "b"):
        view.set_stems_open(take_id, True)
    modifier = Qt.KeyboardModifier.ControlModifier
    for role in ("bass", "drums"):
        rect = view.visualRect(model.stem_index("a", role))
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())
    assert sorted(i.data(PartRole).role for i in view.selectedIndexes()) == ["bass", "drums"]
    assert window.current_take == "a"
    rect = view.visualRect(model.stem_index("b", "melody"))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())
    assert [i.data(PartRole).role for i in view.selectedIndexes()] == ["melody"]
    assert window.current_take == "b"


def test_mute_and_solo_change_what_the_player_is_given(window, qtbot, tmp_path, recorder):
    take = write_stem_take(tmp_path)
    window.takes.add_take(take)
    view, model = window.takes_view, window.takes
    view.set_stems_open("s1", True)
    window.play_take("s1")
    qtbot.waitUntil(lambda: window.player.playing, timeout=3000)  # once the take is read
    mix = sf.read(take.path, dtype="float32", always_2d=True)[0]
    assert np.allclose(recorder.given[-1], mix)
    drums = stem_buttons(view.visualRect(model.stem_index("s1", "drums")))
    click(qtbot, view, drums["mute"].center())
    assert model.mix.is_muted("s1", "drums")
    others = sum(stem_frames(r) for r in STEM_ROLES if r != "drums")
    qtbot.waitUntil(lambda: np.allclose(recorder.given[-1], others, atol=1e-6), timeout=5000)
    assert window.player.audible == ["bass", "harmony", "melody", "vocals"]
    bass = stem_buttons(view.visualRect(model.stem_index("s1", "bass")))
    click(qtbot, view, bass["solo"].center())
    assert np.allclose(recorder.given[-1], stem_frames("bass"), atol=1e-6)
    view.stem_menu("s1", "bass").actions()[0].trigger()   # "Solo" again: unsolo
    view.stem_menu("s1", "drums").actions()[1].trigger()  # "Mute" again: unmute
    assert window.player.audible is None
    assert np.allclose(recorder.given[-1], mix)  # nothing muted: the mix file again
    assert window.player.playing


def test_replace_this_part_on_the_bass_builds_an_add_parts_request(qtbot, settings, tmp_path,
                                                                   monkeypatch):
    win, sent = recording_window(qtbot, settings)
    take = write_stem_take(tmp_path, bpm=120.0)
    win.takes.add_take(take)
    win.prompt.update(prompt="funky slap bass", seed=77, steps=12)
    monkeypatch.setattr(AddPartsDialog, "exec", lambda self: 1)  # accept as preset
    win.takes_view.part_action_requested.emit("replace_part", "s1", "bass")
    (method, params, _id), = sent.of("generate")
    request = GenerationRequest.from_dict(params["request"])
    assert request.task is Task.ADD_PARTS
    assert request.structure.parts == ["bass"]
    assert request.inputs.part_audio == {p.role: p.path for p in take.parts if p.role != "bass"}
    assert request.prompt == "funky slap bass" and request.seed == 77 and request.steps == 12
    assert request.duration_s == pytest.approx(SECONDS)
    assert request.structure.bpm == 120.0 and request.structure.bars == 1  # the take's grid
    assert win.jobs.rows[0].summary.startswith("add-parts:")


def test_add_a_part_refuses_when_no_part_would_be_given(qtbot, settings, tmp_path, monkeypatch):
    win, sent = recording_window(qtbot, settings)
    take = write_stem_take(tmp_path)
    take.parts = take.parts[:1]  # only drums
    win.takes.add_take(take)
    errors: list[str] = []
    win.controller.error.connect(lambda text, _d: errors.append(text))
    win.take_actions.queue_parts({}, ["drums"], take.duration_s, take.request)
    assert sent.of("generate") == [] and "given part" in errors[0]
    dialog = AddPartsDialog(None, title="Replace a part", have=["drums"], checked=["drums"])
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled() and "Keep at least one" in dialog.summary.text()
    dialog.role_boxes["drums"].setChecked(False)
    dialog.role_boxes["bass"].setChecked(True)
    assert ok.isEnabled() and dialog.wanted() == ["bass"] and dialog.given_roles() == ["drums"]


def test_an_audio_file_dropped_on_the_list_can_be_the_given_part(qtbot, settings, tmp_path,
                                                                  monkeypatch):
    win, sent = recording_window(qtbot, settings)
    path = tmp_path / "my bass line.wav"
    sf.write(str(path), stem_frames("bass"), RATE)

    def accept_with_drums(dialog: AddPartsDialog) -> int:
        assert dialog.file_role.currentText() == "bass"  # guessed from the name
        assert not dialog.role_boxes["bass"].isEnabled()
        dialog.role_boxes["drums"].setChecked(True)
        return 1

    monkeypatch.setattr(AddPartsDialog, "exec", accept_with_drums)
    win.takes_view.audio_dropped.emit(str(path))
    request = GenerationRequest.from_dict(sent.of("generate")[0][1]["request"])
    assert request.inputs.part_audio == {"bass": str(path)}
    assert request.structure.parts == ["drums"]
    assert request.duration_s == pytest.approx(SECONDS)


def test_a_single_file_take_shows_no_stem_rows(window, qtbot, tmp_path):
    take = write_single_take(tmp_path)
    window.takes.add_take(take)
    view, model = window.takes_view, window.takes
    top = model.index(0)
    assert model.rowCount(top) == 0 and not model.index(0, 0, top).isValid()
    click(qtbot, view, stems_badge(view.visualRect(top)).center())  # no badge: a plain click
    assert view.stem_rows("old") == [] and not view.isExpanded(top)
    assert window.current_take == "old"
    ids = [a.data() for a in view.context_menu("old").actions() if a.data()]
    assert ids == [spec[0] for spec in TAKE_ACTIONS if spec]
    assert model.mimeData([top]).urls() == [QUrl.fromLocalFile(take.path)]


def test_a_take_with_stems_adds_the_part_actions_to_its_menus(window, tmp_path):
    window.takes.add_take(write_stem_take(tmp_path))
    ids = [a.data() for a in window.takes_view.context_menu("s1").actions() if a.data()]
    assert ids == [s[0] for s in TAKE_ACTIONS + STEMS_TAKE_ACTIONS if s]
    stem_ids = [a.data() for a in window.takes_view.stem_menu("s1", "bass").actions()
                if a.data()]
    assert stem_ids == [s[0] for s in STEM_ACTIONS if s]


def test_audible_roles_solo_wins_over_mute():
    roles = list(STEM_ROLES)
    assert audible_roles(roles, set(), set()) is None
    assert audible_roles(roles, {"drums"}, set()) == roles[1:]
    assert audible_roles(roles, {"bass"}, {"bass", "vocals"}) == ["bass", "vocals"]
    assert audible_roles(roles, {"drums"}, {"unknown"}) == roles[1:]
    assert audible_roles(roles, set(roles), set()) == []  # everything muted: silence


class FakeStream:
    def __init__(self, **kwargs) -> None:
        self.callback = kwargs["callback"]

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def close(self) -> None: ...


class FakeSoundDevice:
    def OutputStream(self, **kwargs) -> FakeStream:  # noqa: N802 - sounddevice's name
        self.stream = FakeStream(**kwargs)
        return self.stream


def test_a_swapped_buffer_plays_on_from_the_same_frame():
    sd = FakeSoundDevice()
    output = _SoundDeviceOutput(sd)
    first, second = np.ones((100, 2), np.float32), np.full((100, 2), 2.0, np.float32)
    output.start(first, RATE, 10)
    out = np.zeros((30, 2), np.float32)
    sd.stream.callback(out, 30, None, None)
    assert (out == 1.0).all() and output.frame() == 40
    output.replace(second)
    sd.stream.callback(out, 30, None, None)
    assert (out == 2.0).all() and output.frame() == 70


def test_a_take_that_gains_stems_gets_its_stem_rows(window, tmp_path):
    take = write_stem_take(tmp_path)
    plain = Take(take_id="s1", path=take.path, frames=take.frames, request=take.request)
    window.takes.add_take(plain)
    assert window.takes.rowCount(window.takes.index(0)) == 0
    window.takes.add_take(take)
    assert window.takes.rowCount() == 1 and window.takes.rowCount(window.takes.index(0)) == 5
