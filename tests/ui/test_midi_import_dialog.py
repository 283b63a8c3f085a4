"""The MIDI import dialog: it lists a clip's tracks (read off the UI thread), fills a part's
notes or the chord lane, can take the clip's tempo, refuses a file that is not MIDI by name,
and opens for a .mid dropped on the prompt panel or the timeline."""

from __future__ import annotations

import io

import mido
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QThreadPool, QUrl
from PySide6.QtGui import QDropEvent

from ainur_studio.midi_io import midi_bytes
from ainur_studio.types import NoteEvent
from ui.models.lyric_document import LyricDocument
from ui.models.prompt_state import PromptState
from ui.widgets.midi_import_dialog import CHORD_LANE, MidiImportDialog
from ui.widgets.prompt_panel import PromptPanel
from ui.widgets.timeline_editor import TimelineEditor

BAR = 2.4  # a 4/4 bar at 100 BPM


def chord(pitches, bar):
    return [NoteEvent(p, bar * BAR, (bar + 1) * BAR, 90) for p in pitches]


@pytest.fixture
def clip(tmp_path):
    """Two tracks at 100 BPM: 'Bass' (4 notes) and 'Keys' playing Am F C G7."""
    bass = [NoteEvent(p, i * BAR, (i + 1) * BAR, 100) for i, p in enumerate((45, 41, 48, 43))]
    keys = (chord([57, 60, 64], 0) + chord([57, 60, 65], 1) + chord([55, 60, 64], 2)
            + chord([55, 59, 62, 65], 3))
    tracks = []
    for name, notes, program in (("Bass", bass, 33), ("Keys", keys, 0)):
        mid = mido.MidiFile(file=io.BytesIO(midi_bytes(notes, bpm=100, name=name,
                                                       program=program)))
        tracks.append(mid.tracks[1])
    mid.tracks[1:] = tracks
    path = tmp_path / "clip.mid"
    mid.save(str(path))
    return path


@pytest.fixture
def state_and_lane(qtbot):
    document = LyricDocument()   # owns the lane: kept alive for the test
    yield PromptState(), document.chords
    del document


def open_dialog(qtbot, state, lane, path, **kwargs) -> MidiImportDialog:
    dialog = MidiImportDialog(state, lane, str(path), **kwargs)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.clip is not None or not dialog.busy, timeout=5000)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=5000)
    return dialog


def test_the_dialog_lists_tracks_and_fills_a_parts_notes(qtbot, clip, state_and_lane):
    state, lane = state_and_lane
    dialog = open_dialog(qtbot, state, lane, clip)
    rows = [dialog.tracks.item(i).text() for i in range(dialog.tracks.count())]
    assert rows == ["All tracks (drums left out)", "Bass — 4 notes", "Keys — 13 notes"]
    assert dialog.part.currentText() == "bass"                 # guessed from the track
    assert "100 BPM 4/4" in dialog.take_grid.text()
    dialog.take_grid.setChecked(True)
    with qtbot.waitSignal(dialog.imported, timeout=5000) as signal:
        dialog.import_button.click()
    assert signal.args == ["bass: 4 notes from clip.mid"]
    notes = state.request.structure.notes["bass"]
    assert [n.pitch for n in notes] == [45, 41, 48, 43]
    assert notes[1].start_s == pytest.approx(BAR, abs=1e-3)
    assert (state.request.structure.bpm, state.request.structure.metre) == (100.0, "4/4")
    assert state.notes_summary() == [("bass", "bass: 4 notes from clip.mid")]


def test_the_chord_lane_is_estimated_from_the_clip(qtbot, clip, state_and_lane):
    state, lane = state_and_lane
    dialog = open_dialog(qtbot, state, lane, clip, target=CHORD_LANE)
    dialog.tracks.setCurrentRow(0)                             # all tracks
    assert dialog.part.currentText() == CHORD_LANE
    with qtbot.waitSignal(dialog.imported, timeout=5000):
        dialog.import_button.click()
    assert lane.chords == ["Am", "F", "C", "G7"]
    assert lane.undo_stack.undoText() == "Import chords from clip.mid"
    assert state.request.structure.notes == {} and state.request.structure.bpm is None


def test_a_file_that_is_not_midi_is_named(qtbot, tmp_path, state_and_lane):
    bad = tmp_path / "song.mid"
    bad.write_text("not midi at all")
    dialog = open_dialog(qtbot, *state_and_lane, bad)
    assert "'" in dialog.status.text() and "song.mid" in dialog.status.text()
    assert "not a Standard MIDI File" in dialog.status.text()
    assert dialog.tracks.count() == 0 and not dialog.import_button.isEnabled()


def test_a_clip_dropped_on_the_prompt_panel_opens_the_dialog(qtbot, clip, state_and_lane):
    state, lane = state_and_lane
    panel = PromptPanel(state, lane)
    qtbot.addWidget(panel)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(clip))])
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    panel.dropEvent(drop)
    dialog = panel.findChild(MidiImportDialog)
    assert dialog is not None and dialog.path.text() == str(clip)
    qtbot.waitUntil(lambda: dialog.tracks.count() == 3, timeout=5000)
    dialog.reject()


def test_cancel_while_the_notes_are_read_imports_nothing(qtbot, clip, state_and_lane):
    state, lane = state_and_lane
    dialog = open_dialog(qtbot, state, lane, clip)
    dialog.import_button.click()
    QThreadPool.globalInstance().waitForDone(5000)   # read, its result not yet delivered
    dialog.reject()
    qtbot.wait(50)
    assert state.request.structure.notes == {} and not dialog.busy


def test_a_clip_dropped_on_the_timeline_asks_for_the_dialog(qtbot, clip, three_line_document):
    editor = TimelineEditor(three_line_document)
    qtbot.addWidget(editor)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(clip))])
    drop = QDropEvent(QPointF(10, 60), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(editor.midi_import_requested) as signal:
        editor.canvas.dropEvent(drop)
    assert signal.args == [str(clip), ""]
    with qtbot.waitSignal(editor.midi_import_requested) as signal:
        editor.chord_bar.import_button.click()
    assert signal.args == ["", CHORD_LANE]
