"""Tap-to-sync sessions keep the lines in order and undo as one step; moving keeps lengths."""

from __future__ import annotations

import pytest

from ui.models.lyric_document import MIN_LINE_MS, LyricDocument
from ui.widgets.timeline_editor import TimelineEditor


@pytest.fixture
def editor(qtbot, three_line_document):
    widget = TimelineEditor(three_line_document)
    qtbot.addWidget(widget)
    return widget


def spans(doc: LyricDocument) -> list[tuple[int, int]]:
    return [(ln.start_ms, doc.line_end_ms(i)) for i, ln in enumerate(doc.lines)]


def assert_ordered(doc: LyricDocument) -> None:
    """Every line starts after the previous one has ended and lasts the minimum or more."""
    found = spans(doc)
    for (start, end), (next_start, _end) in zip(found, found[1:]):
        assert start + MIN_LINE_MS <= end <= next_start, found
    assert doc.problems() == []


def tap_at(editor: TimelineEditor, times: list[int]) -> None:
    clock = {"ms": 0}
    editor.clock = lambda: clock["ms"]
    editor.start_tap_sync()
    for ms in times:
        clock["ms"] = ms
        editor.tap()
        assert_ordered(editor.document)  # after every tap, not only at the end


def test_late_taps_push_the_next_lines_instead_of_hiding_them(editor):
    tap_at(editor, [5000])  # the first line is sung after the second's old start
    editor.stop_tap_sync()
    doc = editor.document
    assert doc.lines[0].start_ms == 5000
    assert [ln.text for ln in doc.lines] == ["first line here", "second line", "third line"]
    assert doc.line_end_ms(2) - doc.lines[2].start_ms == 2000  # the set length is kept


def test_each_tap_ends_the_previous_line_and_keeps_that_end(editor):
    tap_at(editor, [500, 2600, 5200])
    doc = editor.document
    assert [ln.start_ms for ln in doc.lines] == [500, 2600, 5200]
    assert [ln.end_ms for ln in doc.lines[:2]] == [2600, 5200]
    doc.move_line(1, 3000)  # the first line's end is its own now
    assert doc.line_end_ms(0) == 2600


def test_a_tap_session_is_one_undo_step(editor):
    doc = editor.document
    before = spans(doc)
    tap_at(editor, [500, 2600])
    editor.stop_tap_sync()
    assert doc.undo_stack.count() == 1
    assert doc.undo_stack.undoText() == "Tap sync"
    doc.undo_stack.undo()
    assert spans(doc) == before
    doc.undo_stack.redo()
    assert [ln.start_ms for ln in doc.lines[:2]] == [500, 2600]


def test_a_mouse_gesture_during_the_session_keeps_its_undo_step(editor):
    doc = editor.document
    tap_at(editor, [500])
    doc.begin_gesture()  # a click on a block starts (and ends) a canvas gesture
    doc.end_gesture()
    editor.clock = lambda: 2600
    editor.tap()
    editor.stop_tap_sync()
    assert doc.undo_stack.count() == 1


def test_word_mode_session_is_one_undo_step_and_ordered(editor):
    editor.actions_["words"].trigger()
    tap_at(editor, [5000, 5400, 5800])  # three words of the first line, all late
    editor.stop_tap_sync()
    doc = editor.document
    assert [w.start_ms for w in doc.lines[0].words] == [5000, 5400, 5800]
    assert doc.undo_stack.count() == 1


def test_starting_at_a_later_line_plays_from_the_line_before(editor):
    editor.canvas.select(2)
    editor.actions_["tap"].trigger()
    assert editor.tap_sync is not None and editor.tap_sync.target() == (2, -1)
    assert editor.canvas.playhead_ms == editor.document.lines[1].start_ms
    editor.clock = lambda: 1500  # a tap earlier than the line before: still after it
    editor.tap()
    assert_ordered(editor.document)


def test_moving_a_line_keeps_its_length(editor):
    doc = editor.document
    assert doc.line_end_ms(0) == 4000  # no end of its own: it runs to the next line
    doc.move_line(0, 2500)
    assert (doc.lines[0].start_ms, doc.line_end_ms(0)) == (2500, 5500)
    doc.move_line(0, 500)
    assert (doc.lines[0].start_ms, doc.line_end_ms(0)) == (500, 3500)
