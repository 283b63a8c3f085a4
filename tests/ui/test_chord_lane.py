"""The chord lane: typed and per-bar edits, the key's chords, copy / paste, one undo stack
with the lyrics, bad symbols refused with their message, and the project round trip."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication

from ainur_studio.lyrics.grid import Grid
from ainur_studio.project import Project, project_to_dict
from ainur_studio.structure import NO_CHORD, StructureError
from ainur_studio.types import GenerationRequest
from ui.main_window import MainWindow
from ui.models.chord_palette import chords_in_key
from ui.settings import Settings
from ui.widgets.midi_import_dialog import MidiImportDialog
from ui.widgets.timeline_editor import TimelineEditor
from ui.widgets.timeline_geometry import CHORD_TOP


@pytest.fixture
def editor(qtbot, three_line_document):
    widget = TimelineEditor(three_line_document)
    widget.canvas.set_zoom(100.0)         # 1 px = 10 ms
    widget.set_grid(Grid(120.0))          # a 4/4 bar = 2 s = 200 px
    widget.resize(1200, 260)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def bar_point(bar: int) -> QPoint:
    return QPoint(bar * 200 + 100, int(CHORD_TOP + 8))


def test_typed_chords_fill_the_lane_and_undo_with_the_lyrics(editor, qtbot):
    doc, lane = editor.document, editor.document.chords
    doc.set_text(0, "first line changed")
    editor.chord_bar.text.setText("Am, F | C G")
    qtbot.keyClick(editor.chord_bar.text, Qt.Key.Key_Return)
    assert lane.chords == ["Am", "F", "C", "G"]
    assert editor.chord_bar.text.text() == "Am F C G"
    doc.undo_stack.undo()                  # the chords first, then the lyric edit
    assert lane.chords == [] and doc.lines[0].text == "first line changed"
    doc.undo_stack.undo()
    assert doc.lines[0].text == "first line here"
    doc.undo_stack.redo()
    doc.undo_stack.redo()
    assert lane.chords == ["Am", "F", "C", "G"]


def test_a_bad_symbol_shows_its_message_and_changes_nothing(editor, qtbot):
    lane = editor.document.chords
    lane.set_text("Am F")
    messages: list[str] = []
    editor.status_message.connect(messages.append)
    editor.chord_bar.text.setText("Am F Hm G")
    assert not editor.chord_bar.apply()
    assert lane.chords == ["Am", "F"] and editor.document.undo_stack.count() == 1
    assert "bar 3: bad chord 'Hm'" in editor.chord_bar.problem.text()
    assert "bar 3" in messages[-1]
    with pytest.raises(StructureError, match="bar 2: unknown chord quality 'xyz'"):
        lane.set_chord(1, "Cxyz")
    assert editor.canvas.chord_row.set_chord(4, "Q") is False
    assert lane.chords == ["Am", "F"] and "bar 5" in messages[-1]


def test_a_bar_cell_is_typed_with_a_double_click(editor, qtbot):
    canvas, lane = editor.canvas, editor.document.chords
    qtbot.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=bar_point(2))
    cell = canvas.chord_row.editor
    assert cell is not None
    qtbot.keyClicks(cell, "Dm7")
    qtbot.keyClick(cell, Qt.Key.Key_Return)
    assert lane.chords == [NO_CHORD, NO_CHORD, "Dm7"]
    qtbot.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=bar_point(2))
    cell = canvas.chord_row.editor
    cell.setText("H7")
    qtbot.keyClick(cell, Qt.Key.Key_Return)
    assert canvas.chord_row.editor is cell          # stays open to be fixed
    qtbot.keyClick(cell, Qt.Key.Key_Escape)
    assert canvas.chord_row.editor is None and lane.chords[2] == "Dm7"


def test_the_menu_offers_the_keys_chords(editor):
    assert chords_in_key("D minor")[:7] == ["Dm", "Edim", "F", "Gm", "Am", "Bb", "C"]
    assert "A7" in chords_in_key("D minor")
    assert chords_in_key("")[:3] == ["C", "Dm", "Em"]
    row = editor.canvas.chord_row
    row.key = "G major"
    menu = row.menu(1)
    texts = [a.text() for a in menu.actions()]
    assert texts[1:8] == ["G", "Am", "Bm", "C", "D", "Em", "F#dim"]
    next(a for a in menu.actions() if a.text() == "D").trigger()
    assert editor.document.chords.chords == [NO_CHORD, "D"]


def test_copy_and_paste_a_section_of_bars(editor, qtbot):
    lane, canvas = editor.document.chords, editor.canvas
    lane.set_text("Am F C G")
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=bar_point(1))
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     bar_point(2))
    assert canvas.chord_row.selection == (1, 2)
    qtbot.keyClick(canvas, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "F C"
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=bar_point(5))
    qtbot.keyClick(canvas, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert lane.chords == ["Am", "F", "C", "G", NO_CHORD, "F", "C"]
    QGuiApplication.clipboard().setText("not a chord")
    assert not canvas.chord_row.paste()
    assert lane.chords == ["Am", "F", "C", "G", NO_CHORD, "F", "C"]
    editor.document.undo_stack.undo()
    assert lane.chords == ["Am", "F", "C", "G"]
    canvas.chord_row.select(0, 1)
    canvas.chord_row.clear()
    assert lane.chords == [NO_CHORD, NO_CHORD, "C", "G"]


def test_the_grid_follows_the_metre_and_lines_snap_to_beats(editor, qtbot):
    editor.set_grid(Grid.from_signature(120.0, "6/8"))   # eighth-note beats of 250 ms
    assert editor.canvas.snapped(1130) == 1125              # sixteenths: 125 ms
    editor.snap_lines()
    assert [ln.start_ms for ln in editor.document.lines] == [1000, 4000, 7000]
    editor.document.move_line(1, 4130)
    editor.snap_lines()
    assert editor.document.lines[1].start_ms == 4250
    editor.set_grid(None)
    assert editor.canvas.snapped(1130) == 1130


def test_the_lane_saves_with_the_project_and_reaches_the_request(qtbot, tmp_path):
    win = MainWindow(settings=Settings(tmp_path / "s.ini"), start_engine=False)
    qtbot.addWidget(win)
    win.prompt.set_bpm(100.0)
    win.prompt.set_bars(2)
    win.lyrics.chords.set_text("Am F C")
    assert win.session.dirty
    assert win.prompt.to_request(win.lyrics.lyrics, win.lyrics.chords.chords
                                 ).structure.chords == ["Am", "F"]  # cut to the take's bars
    assert win._save_to(tmp_path / "song")
    document = json.loads((tmp_path / "song.ainur").read_text("utf-8"))
    assert document["chords"] == ["Am", "F", "C"]
    assert document["request"]["structure"]["chords"] == []   # one source: the lane
    assert not win.session.dirty
    win.lyrics.chords.set_chord(0, "Dm")                      # a chord edit alone is unsaved
    assert win.session.dirty
    win.lyrics.undo_stack.undo()
    win.new_project()
    assert win.lyrics.chords.chords == []
    assert win.open_project(str(tmp_path / "song.ainur"))
    assert win.lyrics.chords.chords == ["Am", "F", "C"]
    assert win.timeline.chord_bar.text.text() == "Am F C"
    assert not win.lyrics.undo_stack.canUndo()
    old = project_to_dict(Project(request=GenerationRequest(prompt="old song")))
    del old["chords"]
    old["schema_version"] = 1
    (tmp_path / "old.ainur").write_text(json.dumps(old), "utf-8")
    assert win.open_project(str(tmp_path / "old.ainur"))
    assert win.lyrics.chords.chords == [] and win.prompt.request.prompt == "old song"
    win.timeline.chord_bar.import_button.click()              # the import dialog, for the lane
    dialog = win.prompt_panel.findChild(MidiImportDialog)
    assert dialog is not None and dialog.part.currentText() == "chord lane"
    dialog.reject()
