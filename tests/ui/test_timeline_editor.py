"""The timeline editor driven like a user: mouse drags, inline edits, tap-to-sync, LRC files."""

from __future__ import annotations

from importlib import resources

import pytest
from PySide6.QtCore import QPoint, Qt

from ainur_studio.lyrics.lrc import parse_lrc
from ui.widgets.timeline_editor import TimelineEditor
from ui.widgets.timeline_geometry import LINE_TOP, WORD_TOP, snap_ms


@pytest.fixture
def editor(qtbot, three_line_document):
    widget = TimelineEditor(three_line_document)
    widget.canvas.snap = False
    widget.canvas.set_zoom(100.0)  # 100 px per second: 1 px = 10 ms
    widget.resize(1200, 200)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def drag(qtbot, canvas, start: QPoint, end: QPoint) -> None:
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    for k in range(1, 5):
        qtbot.mouseMove(canvas, start + (end - start) * k / 4)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)


def y_line() -> int:
    return int(LINE_TOP + 10)


def test_drag_moves_a_line_in_one_undo_step(editor, qtbot):
    doc, canvas = editor.document, editor.canvas
    drag(qtbot, canvas, QPoint(150, y_line()), QPoint(200, y_line()))  # +50 px = +500 ms
    assert doc.lines[0].start_ms == 1500
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert doc.lines[0].start_ms == 1000
    doc.undo_stack.redo()
    assert doc.lines[0].start_ms == 1500


def test_drag_right_edge_resizes(editor, qtbot):
    doc, canvas = editor.document, editor.canvas
    right = int(canvas.geometry_.x_of(9000)) - 2
    drag(qtbot, canvas, QPoint(right, y_line()), QPoint(right + 100, y_line()))
    assert (doc.lines[2].start_ms, doc.lines[2].end_ms) == (7000, 10000)
    doc.undo_stack.undo()
    assert doc.lines[2].end_ms == 9000


def test_drag_snaps_to_beats_when_bpm_known(editor, qtbot):
    editor.canvas.snap = True
    editor.set_bpm(120.0)  # half-beat grid = 250 ms
    drag(qtbot, editor.canvas, QPoint(150, y_line()), QPoint(183, y_line()))  # +330 ms
    assert editor.document.lines[0].start_ms == 1250
    assert snap_ms(1330, None) == 1330


def test_inline_edit_commits_on_enter_and_escape_cancels(editor, qtbot):
    doc, canvas = editor.document, editor.canvas
    qtbot.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(450, y_line()))
    assert canvas.editing_line == 1
    canvas.editor.selectAll()
    qtbot.keyClicks(canvas.editor, "sing it low")
    qtbot.keyClick(canvas.editor, Qt.Key.Key_Return)
    assert doc.lines[1].text == "sing it low"
    qtbot.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(450, y_line()))
    qtbot.keyClicks(canvas.editor, "oops")
    qtbot.keyClick(canvas.editor, Qt.Key.Key_Escape)
    assert doc.lines[1].text == "sing it low"
    doc.undo_stack.undo()
    assert doc.lines[1].text == "second line"


def test_double_click_on_empty_space_adds_a_line(editor, qtbot):
    qtbot.mouseDClick(editor.canvas, Qt.MouseButton.LeftButton, pos=QPoint(1100, y_line()))
    assert len(editor.document.lines) == 4
    assert editor.document.lines[3].start_ms == 11000
    assert editor.canvas.editing_line == 3


def test_split_merge_delete_from_the_toolbar(editor, qtbot):
    doc = editor.document
    editor.canvas.select(0)
    editor.actions_["split"].trigger()
    assert [ln.text for ln in doc.lines[:2]] == ["first", "line here"]
    editor.actions_["merge"].trigger()
    assert doc.lines[0].text == "first line here"
    editor.actions_["delete"].trigger()
    assert [ln.text for ln in doc.lines] == ["second line", "third line"]
    assert doc.undo_stack.count() == 3


def test_zoom_changes_the_scale(editor, qtbot):
    before = editor.canvas.geometry_.px_per_s
    editor.actions_["zoom_in"].trigger()
    assert editor.canvas.geometry_.px_per_s == pytest.approx(before * 1.25)
    assert editor.canvas.width() >= editor.canvas.geometry_.x_of(9000)


def test_tap_sync_stamps_lines_at_the_clock(editor, qtbot):
    times = iter([500, 2600, 5200])
    editor.clock = lambda: next(times)
    editor.start_tap_sync()
    for _ in range(3):
        qtbot.keyClick(editor.canvas, Qt.Key.Key_T)
    assert [ln.start_ms for ln in editor.document.lines] == [500, 2600, 5200]
    assert editor.tap_sync is None  # finished after the last line
    editor.document.undo_stack.undo()
    assert editor.document.lines[2].start_ms == 7000


def test_tap_sync_in_word_mode_stamps_each_word(editor, qtbot):
    clock = {"ms": 0}
    editor.clock = lambda: clock["ms"]
    editor.actions_["words"].trigger()
    sync = editor.start_tap_sync(start_line=1)
    for ms in (4100, 4600, 7050, 7500):
        clock["ms"] = ms
        editor.tap()
    words = [(w.text, w.start_ms) for ln in editor.document.lines[1:] for w in ln.words]
    assert words == [("second", 4100), ("line", 4600), ("third", 7050), ("line", 7500)]
    assert editor.document.lines[2].start_ms == 7050
    assert sync.done


def test_word_blocks_can_be_dragged(editor, qtbot):
    editor.actions_["words"].trigger()
    clock = iter([1000, 1400, 1900])
    editor.clock = lambda: next(clock)
    editor.start_tap_sync()
    for _ in range(3):
        editor.tap()
    editor.stop_tap_sync()
    x = int(editor.canvas.geometry_.x_of(1400)) + 5
    drag(qtbot, editor.canvas, QPoint(x, int(WORD_TOP + 8)), QPoint(x + 20, int(WORD_TOP + 8)))
    assert editor.document.lines[0].words[1].start_ms == 1600


def test_lrc_import_edit_export_round_trip(editor, qtbot, tmp_path):
    source = tmp_path / "song.lrc"
    source.write_bytes(resources.files("resources").joinpath("example.lrc").read_bytes())
    assert editor.import_file(source) == []
    doc = editor.document
    assert len(doc.lines) == 8 and doc.lines[0].words
    doc.move_line(1, 3500)
    doc.set_text(7, "Light the way we row")
    out = editor.export_file(tmp_path / "out.lrc", words=True)
    again, problems = parse_lrc(out.read_bytes())
    assert problems == []
    assert [(ln.start_ms, ln.text) for ln in again.lines] == \
        [(ln.start_ms, ln.text) for ln in doc.lines]
    assert [w.start_ms for w in again.lines[1].words] == [3500, 4000, 4250, 4500, 5200]
    assert again.tags["ti"] == "Lanterns Over the Harbour"
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert [ln.text for ln in doc.lines][0] == "first line here"  # import undone


def test_import_of_a_file_without_lyrics_keeps_the_document(editor, tmp_path):
    from ui.models.lyric_io import LyricFileError

    bad = tmp_path / "bad.lrc"
    bad.write_text("just some text\nno stamps\n")
    with pytest.raises(LyricFileError, match="bad.lrc"):
        editor.import_file(bad)
    assert editor.document.lines[0].text == "first line here"


def test_problem_label_reports_overlap(editor, qtbot):
    editor.document.resize_line(1, 4000, 8000)
    assert "overlaps" in editor.problems_label.text()


def test_keyboard_walks_lines_and_opens_the_editor(editor, qtbot):
    seeks: list[int] = []
    editor.seek_requested.connect(seeks.append)
    editor.canvas.setFocus()
    qtbot.keyClick(editor.canvas, Qt.Key.Key_Right)
    qtbot.keyClick(editor.canvas, Qt.Key.Key_Right)
    assert editor.canvas.selected == 1 and seeks == [1000, 4000]
    qtbot.keyClick(editor.canvas, Qt.Key.Key_Left)
    assert editor.canvas.selected == 0
    qtbot.keyClick(editor.canvas, Qt.Key.Key_F2)
    assert editor.canvas.editing_line == 0


def test_zoom_to_fit_shows_everything(editor, qtbot):
    editor.actions_["zoom_fit"].trigger()
    assert editor.canvas.geometry_.x_of(editor.document.content_end_ms()) <= \
        editor.scroll.viewport().width()
