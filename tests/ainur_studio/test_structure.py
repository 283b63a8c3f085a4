"""The structure vocabulary: parts, chord symbols, metres, bar lengths, and the request checks
that use them."""

from __future__ import annotations

import pytest

from ainur_studio import structure as st
from ainur_studio.limits import request_problems
from ainur_studio.types import GenerationRequest, NoteEvent, Structure, Task, TaskInputs


def codes(structure: Structure, **kwargs) -> list[str]:
    return [p.code for p in request_problems(GenerationRequest(prompt="x", structure=structure,
                                                               **kwargs))]


def test_parts_come_back_in_role_order_without_duplicates():
    assert st.parse_parts("melody, drums,drums") == ["drums", "melody"]
    assert st.parse_parts("all") == list(st.STEM_ROLES)
    with pytest.raises(st.StructureError, match="unknown part.*'guitar'.*drums, bass"):
        st.parse_parts("drums,guitar")


@pytest.mark.parametrize(("symbol", "tones"), [
    ("C", (0, 4, 7)), ("Am", (9, 0, 4)), ("F#m7b5", (6, 9, 0, 4)), ("Bbmaj7", (10, 2, 5, 9)),
    ("G7", (7, 11, 2, 5)), ("C/E", (4, 0, 7)), ("Dmin", (2, 5, 9)), ("N.C.", ()),
])
def test_chord_symbols_give_their_pitch_classes(symbol, tones):
    assert st.chord_tones(symbol) == tones


def test_a_bad_chord_names_its_bar_and_the_fix():
    with pytest.raises(st.StructureError, match=r"bar 3: .*'Hm'.*e\.g\. 'Am'"):
        st.parse_chords("Am | F Hm G")


def test_bar_lengths_follow_the_daw_convention():
    assert st.bars_samples(4, 100) == 460_800                 # 9.6 s to the sample
    assert st.bar_seconds(120, "6/8") == pytest.approx(1.5)    # three quarters
    assert st.bar_seconds(90, "3/4") == pytest.approx(2.0)
    for bad in ("5/5", "0/4", "four"):
        with pytest.raises(st.StructureError, match="metre"):
            st.parse_metre(bad)


def test_the_request_checks_name_each_structure_problem():
    assert codes(Structure(parts=["drums"], bpm=100, bars=4, chords=["Am", "F"])) == []
    assert codes(Structure(bpm=5)) == ["bad_bpm"]
    assert codes(Structure(bars=4)) == ["bad_bars"]               # bars need a tempo
    assert codes(Structure(bpm=100, metre="7/3")) == ["bad_metre"]
    assert codes(Structure(bpm=100, bars=2, chords=["C", "F", "G"])) == ["bad_chords"]
    assert codes(Structure(start_bar=0)) == ["bad_bars"]
    assert codes(Structure(notes={"guitar": []})) == ["bad_notes"]
    late = NoteEvent(pitch=60, start_s=2.0, end_s=1.0)
    assert codes(Structure(notes={"bass": [late]})) == ["bad_notes"]


def test_add_parts_needs_given_parts_and_wanted_ones_that_differ():
    def add(given, wanted):
        return codes(Structure(parts=wanted), task=Task.ADD_PARTS,
                     inputs=TaskInputs(part_audio=given))

    assert add({"drums": "d.wav"}, ["bass"]) == []
    assert add({}, ["bass"]) == ["no_source"]
    assert add({"drums": "d.wav"}, []) == ["bad_parts"]
    assert add({"drums": "d.wav"}, ["drums"]) == ["bad_parts"]


def test_structure_round_trips_through_json():
    request = GenerationRequest(structure=Structure(
        parts=["bass"], bpm=92.5, metre="3/4", bars=8, chords=["Am", "G"],
        notes={"bass": [NoteEvent(pitch=45, start_s=0.0, end_s=0.5, velocity=90)]}))
    assert GenerationRequest.from_dict(request.to_dict()) == request
