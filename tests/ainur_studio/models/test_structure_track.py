"""The structure track: grid pulses and phases, chord chroma per bar, note onsets, the parts
mask, and that nulling a group changes what the network sees."""

from __future__ import annotations

import math

import pytest
import torch

from ainur_studio.models.structure_track import GROUPS, NOTE_ROLES, StructureTrackConditioner
from ainur_studio.structure import STEM_ROLES
from ainur_studio.types import NoteEvent, Structure
from tests.ainur_studio.debug_pack import shared_debug_pack

FR = 48_000 / 1024  # latent frames per second of the debug pack (46.875)


@pytest.fixture(scope="module")
def track():
    return StructureTrackConditioner(roles=STEM_ROLES, channels=4)


def feats(track, structure, n=600, start_s=0.0, parts=None):
    return track.build([structure], n, FR, start_s=start_s, parts=parts)[0]


def group(track, f, name):
    return f[track.slices[name]]


def test_beat_and_downbeat_pulses_fall_on_the_frames_of_the_beats(track):
    grid = group(track, feats(track, Structure(bpm=100.0, metre="4/4")), "grid")
    beats = [math.floor(k * 0.6 * FR) for k in range(40)]  # 100 BPM: a beat every 0.6 s
    assert torch.nonzero(grid[6]).flatten().tolist() == [f for f in beats if f < 600]
    assert torch.nonzero(grid[7]).flatten().tolist() == [f for f in beats[::4] if f < 600]
    assert grid[8].eq(1).all()  # has-grid
    assert grid[1, 0] == 1.0 and abs(float(grid[0, 0])) < 1e-9  # beat phase 0 at the start


def test_the_metre_and_a_window_offset_move_the_grid(track):
    grid = group(track, feats(track, Structure(bpm=120.0, metre="3/4"), start_s=1.0), "grid")
    beat = 0.5  # 120 quarter notes per minute
    expected = [math.floor((k * beat - 1.0) * FR) for k in range(2, 40)]
    assert torch.nonzero(grid[6]).flatten().tolist() == [f for f in expected if f < 600]
    downbeats = [math.floor((k * beat - 1.0) * FR) for k in range(3, 40, 3)]
    assert torch.nonzero(grid[7]).flatten().tolist() == [f for f in downbeats if f < 600]


def test_start_bar_sets_the_phrase_phase(track):
    first = group(track, feats(track, Structure(bpm=100.0, start_bar=1)), "grid")
    third = group(track, feats(track, Structure(bpm=100.0, start_bar=3)), "grid")
    assert first[5, 0] == pytest.approx(1.0) and third[5, 0] == pytest.approx(-1.0)  # cos
    assert torch.equal(first[:4], third[:4]) and torch.equal(first[6:], third[6:])


def test_no_tempo_no_grid_and_no_chords(track):
    f = feats(track, Structure(chords=["Am"]))
    assert group(track, f, "grid").eq(0).all() and group(track, f, "chords").eq(0).all()


def test_chroma_and_bass_of_each_bar_and_the_progression_repeats(track):
    chords = group(track, feats(track, Structure(bpm=100.0, chords=["Am", "F", "C", "G"]),
                                n=600), "chords")
    bar = 2.4  # one 4/4 bar at 100 BPM
    expected = {"Am": ({9, 0, 4}, 9), "F": ({5, 9, 0}, 5), "C": ({0, 4, 7}, 0),
                "G": ({7, 11, 2}, 7)}
    for i, name in enumerate(["Am", "F", "C", "G", "Am"]):
        frame = math.floor((i + 0.5) * bar * FR)
        tones, bass = expected[name]
        assert set(torch.nonzero(chords[:12, frame]).flatten().tolist()) == tones, (i, name)
        assert torch.nonzero(chords[12:24, frame]).flatten().tolist() == [bass]
    change = math.floor(bar * FR)  # Am -> F on the frame of bar 2's downbeat
    assert chords[9, change - 1] == 1 and chords[4, change - 1] == 1 and chords[4, change] == 0
    assert chords[24].eq(1).all()


def test_note_onsets_pitch_classes_and_height(track):
    notes = {"bass": [NoteEvent(45, 0.5, 1.0, velocity=127), NoteEvent(52, 1.0, 1.5, 64)]}
    f = group(track, feats(track, Structure(notes=notes), n=100), "notes")
    bass = f[NOTE_ROLES.index("bass") * 15: (NOTE_ROLES.index("bass") + 1) * 15]
    a0, a1 = math.floor(0.5 * FR), math.floor(1.0 * FR)
    assert torch.nonzero(bass[12]).flatten().tolist() == [a0, a1]
    assert bass[12, a0] == pytest.approx(1.0) and bass[12, a1] == pytest.approx(64 / 127)
    assert bass[9, a0:a1].eq(1).all() and bass[9, :a0].eq(0).all()  # A
    assert bass[4, a1:math.ceil(1.5 * FR)].eq(1).all()  # E
    assert bass[13, a0] == pytest.approx(45 / 127) and bass[14].eq(1).all()
    drums = f[:15]
    assert drums.eq(0).all()  # no notes given for drums: null, has-notes 0


def test_the_parts_mask(track):
    f = group(track, feats(track, Structure(parts=["bass", "vocals"]), n=8), "parts")
    assert f[:, 0].tolist() == [0, 1, 0, 0, 1, 1]
    every = group(track, feats(track, Structure(), n=8), "parts")
    assert every[:, 0].tolist() == [1, 1, 1, 1, 1, 1]
    given = torch.tensor([[True, False, False, False, False]])
    assert group(track, feats(track, None, n=8, parts=given), "parts")[:, 0].tolist() == [
        1, 0, 0, 0, 0, 1]
    assert feats(track, None, n=8).eq(0).all()


def test_groups_null_independently(track):
    f = track.build([Structure(bpm=100.0, chords=["C"])], 50, FR)
    drop = torch.zeros(1, len(GROUPS), dtype=torch.bool)
    drop[0, GROUPS.index("chords")] = True
    nulled = track.null(f, drop)[0]
    assert group(track, nulled, "chords").eq(0).all()
    assert torch.equal(group(track, nulled, "grid"), group(track, f[0], "grid"))
    assert torch.equal(group(track, nulled, "parts"), group(track, f[0], "parts"))


def test_nulling_the_structure_changes_the_network_output():
    prior = shared_debug_pack().prior
    structure = Structure(bpm=100.0, chords=["Am", "F"], parts=["drums", "bass"],
                          notes={"bass": [NoteEvent(45, 0.0, 0.5)]})
    cond = prior.conditions(texts=["funk"], n_frames=32, structures=[structure])
    x = torch.randn(1, prior.net_channels, 32, generator=torch.Generator().manual_seed(0))
    s = torch.tensor([0.5])
    full = prior.predict_v(x, s, **prior.branch(cond))
    none = prior.predict_v(x, s, **prior.branch(cond, structure=False))
    assert not torch.equal(full, none)
    for g in range(len(GROUPS)):
        drop = torch.zeros(1, len(GROUPS), dtype=torch.bool)
        drop[0, g] = True
        one = prior.predict_v(x, s, **prior.branch(cond, drop_structure=drop))
        assert not torch.equal(one, full), GROUPS[g]
    empty = prior.conditions(texts=["funk"], n_frames=32)
    assert torch.equal(prior.predict_v(x, s, **prior.branch(empty)), none)
