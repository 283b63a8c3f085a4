"""The prompt panel's grid reaches the request: parts, tempo and metre (one source, copied
into the caption's fields), start bar, length in bars, the chord lane and imported notes."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QToolButton

from ainur_studio.limits import request_problems
from ainur_studio.types import GenerationRequest, NoteEvent, PromptFields, Structure
from ui.models.lyric_document import LyricDocument
from ui.models.prompt_state import PromptState
from ui.widgets.prompt_panel import PromptPanel

BASS = [NoteEvent(40, 0.0, 0.5), NoteEvent(43, 0.5, 1.0), NoteEvent(45, 1.0, 2.0)]


@pytest.fixture
def panel(qtbot):
    document = LyricDocument()
    widget = PromptPanel(PromptState(), document.chords)
    widget.document = document
    qtbot.addWidget(widget)
    return widget


def test_the_panels_grid_reaches_the_request(panel):
    state, lane = panel.state, panel.document.chords
    panel.bpm.setValue(100)
    panel.time_sig.setCurrentText("3/4")
    panel.start_bar.setValue(17)
    panel.duration_unit.setCurrentIndex(1)
    panel.duration.setValue(4)
    panel.parts["bass"].setChecked(True)
    panel.parts["drums"].setChecked(True)
    lane.set_text("Am F C G Em")
    state.set_notes("bass", BASS, "clip.mid")
    request = state.to_request(None, lane.chords)
    s = request.structure
    assert (s.parts, s.bpm, s.metre, s.start_bar, s.bars) == (["drums", "bass"], 100.0, "3/4",
                                                               17, 4)
    assert s.chords == ["Am", "F", "C", "G"]                  # one per bar of the take
    assert [n.pitch for n in s.notes["bass"]] == [40, 43, 45]
    assert request.duration_s == pytest.approx(4 * 3 * 0.6)   # 3/4 at 100 BPM: 1.8 s a bar
    assert (request.fields.bpm, request.fields.time_signature) == (100.0, "3/4")
    assert "100 BPM" in request.prompt
    assert request_problems(request) == []
    for box in panel.parts.values():
        box.setChecked(False)
    assert state.request.structure.parts == []                # the pack's default


def test_a_new_tempo_keeps_the_bars_and_a_free_tempo_ends_them(panel):
    state = panel.state
    panel.bpm.setValue(120)
    panel.duration_unit.setCurrentIndex(1)
    panel.duration.setValue(8)
    assert state.request.duration_s == pytest.approx(16.0)
    panel.bpm.setValue(60)
    assert state.request.structure.bars == 8 and state.request.duration_s == pytest.approx(32.0)
    assert panel.duration.value() == 8 and panel.duration.suffix() == " bars"
    panel.bpm.setValue(panel.bpm.minimum())                   # "BPM: any"
    assert state.request.structure.bpm is None and state.request.structure.bars is None
    assert panel.duration_unit.currentIndex() == 0 and state.request.fields.bpm is None


def test_imported_notes_are_listed_and_removable(panel, qtbot):
    state = panel.state
    state.set_notes("bass", BASS, "clip.mid")
    state.set_notes("melody", BASS[:1])
    assert panel.midi_parts.labels() == ["bass: 3 notes from clip.mid", "melody: 1 note"]
    panel.midi_parts.findChild(QToolButton, "remove_bass").click()
    assert list(state.request.structure.notes) == ["melody"]
    assert panel.midi_parts.labels() == ["melody: 1 note"]


def test_an_older_request_brings_its_tempo_into_the_structure(panel):
    old = GenerationRequest(fields=PromptFields(bpm=90.0, time_signature="6/8", key="A minor"),
                            structure=Structure(chords=["C", "G"]))
    panel.state.set_request(old)
    s = panel.state.request.structure
    assert (s.bpm, s.metre, s.chords) == (90.0, "6/8", [])    # the lane keeps its own chords
    assert panel.bpm.value() == 90 and panel.time_sig.currentText() == "6/8"
    panel.state.update_fields(bpm=72.0)                        # the fields set the grid too
    assert panel.state.request.structure.bpm == 72.0
    panel.state.update(structure=Structure(bpm=130.0, metre="4/4"))
    assert panel.state.request.fields.bpm == 130.0
