"""Lyric document edits, each undoable, and the problem marks."""

from __future__ import annotations

import pytest

from ainur_studio.types import LyricLine, Lyrics, LyricWord
from ui.models.lyric_document import LyricDocument


def make_doc() -> LyricDocument:
    return LyricDocument(Lyrics(lines=[
        LyricLine(1000, "hold the line", words=[LyricWord(1000, "hold"), LyricWord(1500, "the"),
                                                 LyricWord(1800, "line")]),
        LyricLine(4000, "sing it low"),
        LyricLine(7000, "light the way", end_ms=9000),
    ]))


def test_move_shifts_words_and_undo_restores(qtbot):
    doc = make_doc()
    doc.move_line(0, 1500)
    assert doc.lines[0].start_ms == 1500
    assert [w.start_ms for w in doc.lines[0].words] == [1500, 2000, 2300]
    doc.undo_stack.undo()
    assert doc.lines[0].start_ms == 1000
    assert [w.start_ms for w in doc.lines[0].words] == [1000, 1500, 1800]
    doc.undo_stack.redo()
    assert doc.lines[0].start_ms == 1500


def test_gesture_merges_into_one_undo_step(qtbot):
    doc = make_doc()
    doc.begin_gesture()
    for start in (7100, 7200, 7300):
        doc.move_line(2, start)
    doc.end_gesture()
    doc.move_line(2, 8000)
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    assert doc.lines[2].start_ms == 7300
    doc.undo_stack.undo()
    assert doc.lines[2].start_ms == 7000


def test_resize_rescales_words_and_rejects_tiny_lines(qtbot):
    doc = make_doc()
    doc.resize_line(0, 1000, 7000)  # 3 s -> 6 s
    assert doc.lines[0].end_ms == 7000
    assert [w.start_ms for w in doc.lines[0].words] == [1000, 2000, 2600]
    with pytest.raises(ValueError, match="at least"):
        doc.resize_line(0, 1000, 1050)


def test_split_at_word_boundary_and_merge_back(qtbot):
    doc = make_doc()
    doc.split_line(0, len("hold the"))
    assert [ln.text for ln in doc.lines[:2]] == ["hold the", "line"]
    assert doc.lines[1].start_ms == 1800 and doc.lines[0].end_ms == 1800
    doc.merge_with_next(0)
    assert doc.lines[0].text == "hold the line"
    assert len(doc.lines[0].words) == 3
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.lines[0].text == "hold the line" and len(doc.lines) == 3


def test_add_delete_and_text_edit(qtbot):
    doc = make_doc()
    index = doc.add_line(5000, "new line")
    assert index == 2 and doc.lines[2].text == "new line"
    doc.set_text(0, "hold the rope")
    assert [w.text for w in doc.lines[0].words] == ["hold", "the", "rope"]
    assert [w.start_ms for w in doc.lines[0].words] == [1000, 1500, 1800]
    doc.delete_lines([2])
    assert [ln.text for ln in doc.lines] == ["hold the rope", "sing it low", "light the way"]
    while doc.undo_stack.canUndo():
        doc.undo_stack.undo()
    assert doc.lyrics == make_doc().lyrics


def test_problems_mark_overlap_and_past_end(qtbot):
    doc = make_doc()
    assert doc.problems() == []
    doc.resize_line(1, 4000, 7500)
    doc.set_duration_ms(8000)
    kinds = {(p.index, p.kind) for p in doc.problems()}
    assert kinds == {(1, "overlap"), (2, "past-end")}


def test_bad_indexes_raise_clear_errors(qtbot):
    doc = make_doc()
    with pytest.raises(IndexError, match="no lyric line 10"):
        doc.move_line(9, 0)
    with pytest.raises(ValueError, match="inside"):
        doc.split_line(1, 0)
