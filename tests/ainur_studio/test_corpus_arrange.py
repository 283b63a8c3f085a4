"""Pure parts of the corpus builder: harmony, accompaniment, arrangement, MIDI, clips."""

from __future__ import annotations

import random
import struct

import pytest

from ainur_studio.data.corpus import accompany
from ainur_studio.data.corpus.arrange import arrange, choose_bpm
from ainur_studio.data.corpus.clips import plan_clips
from ainur_studio.data.corpus.harmony import harmonise, parse_key
from ainur_studio.data.corpus.midi import DRUM_CHANNEL, channels_for, midi_bytes
from ainur_studio.data.corpus.score_data import Bar, Note, Part, ScoreData, beat_length


def _folk_tune(bars: int = 8, time_signature: str = "4/4") -> ScoreData:
    """C major: tonic arpeggio bars alternating with dominant ones."""
    notes = []
    for b in range(bars):
        pitches = [60, 64, 67, 72] if b % 2 == 0 else [67, 71, 74, 71]
        notes += [Note(b * 4.0 + i, 1.0, p) for i, p in enumerate(pitches)]
    return ScoreData(parts=[Part("melody", notes)],
                     bars=[Bar(b * 4.0, 4.0) for b in range(bars)],
                     time_signature=time_signature, key="C major")


def _chorale() -> ScoreData:
    parts = [Part(name, [Note(i * 1.0, 1.0, base + (i % 3)) for i in range(32)])
             for name, base in (("S", 72), ("A", 65), ("T", 57), ("B", 48))]
    return ScoreData(parts=parts, bars=[Bar(b * 4.0, 4.0) for b in range(8)], key="F major")


def test_parse_key() -> None:
    assert parse_key("F# minor") == (6, "minor")
    assert parse_key("Bb major") == (10, "major")


def test_harmonise_finds_tonic_and_dominant() -> None:
    data = _folk_tune()
    chords = harmonise(data.parts[0].notes, data.bars, data.key, 4.0)
    assert len(chords) == 16  # two per 4/4 bar
    assert chords[0].root == 0 and chords[-1].root == 0
    assert {c.root for c in chords[2:4]} == {7}  # bar 2 outlines G major


def test_beat_length_of_compound_metres() -> None:
    assert beat_length("6/8") == 1.5 and beat_length("3/4") == 1.0 and beat_length("2/2") == 2.0


@pytest.mark.parametrize("time_signature, bar", [("4/4", 4.0), ("3/4", 3.0), ("6/8", 3.0)])
def test_drums_follow_the_metre_and_skip_pickups(time_signature: str, bar: float) -> None:
    bars = [Bar(0.0, 1.0)] + [Bar(1.0 + i * bar, bar) for i in range(4)]
    drums = accompany.drum_pattern(bars, time_signature, random.Random(0))
    kicks = sorted(n.start for n in drums if n.pitch == accompany.KICK)
    assert kicks[0] == 1.0  # nothing in the pickup; the first full bar starts with a kick
    assert all(any(abs(k - b.start) < 1e-9 or abs(k - b.start - bar / 2) < 1e-9
                   for b in bars) for k in kicks)


def test_comp_and_bass_stay_inside_their_chords() -> None:
    data = _folk_tune()
    chords = harmonise(data.parts[0].notes, data.bars, data.key, 4.0)
    for pattern in accompany.COMP_PATTERNS:
        notes = accompany.comp(chords, 1.0, pattern)
        for note in notes:
            chord = next(c for c in chords if c.start <= note.start < c.end)
            assert note.pitch % 12 in chord.tones
    bass = accompany.bass_line(chords, 1.0, walking=True)
    assert all(36 <= n.pitch < 48 for n in bass)


def test_arrangement_is_deterministic_per_seed() -> None:
    data = _folk_tune()
    a = arrange(data, "dance", random.Random(5))
    b = arrange(data, "dance", random.Random(5))
    assert midi_bytes(a, "4/4") == midi_bytes(b, "4/4")
    assert a.tracks[0].role == "lead" and any(t.role == "chords" for t in a.tracks)


def test_polyphonic_ensembles_cover_every_part() -> None:
    for seed in range(20):
        arrangement = arrange(_chorale(), "sacred", random.Random(seed))
        parts = [t for t in arrangement.tracks if t.role == "part"]
        assert len(parts) == 4 or arrangement.ensemble == "doubled"
        assert all(-1.0 <= t.pan <= 1.0 and 0 <= t.reverb <= 127 for t in arrangement.tracks)


def test_choose_bpm_puts_common_notes_at_a_plausible_speed() -> None:
    bpm = choose_bpm(_chorale(), "sacred", random.Random(0))
    assert 70 <= bpm <= 120


def test_midi_file_structure() -> None:
    arrangement = arrange(_folk_tune(), "dance", random.Random(1))
    data = midi_bytes(arrangement, "4/4")
    assert data[:4] == b"MThd"
    fmt, ntracks, division = struct.unpack(">HHH", data[8:14])
    assert (fmt, ntracks, division) == (1, len(arrangement.tracks) + 1, 480)
    assert data.count(b"MTrk") == ntracks
    assert b"\xff\x51\x03" + round(60e6 / arrangement.bpm).to_bytes(3, "big") in data


def test_drums_take_channel_ten() -> None:
    arrangement = arrange(_folk_tune(), "dance", random.Random(0))
    arrangement.tracks[-1].is_drum = True
    assert channels_for(arrangement.tracks)[-1] == DRUM_CHANNEL
    assert DRUM_CHANNEL not in channels_for(arrangement.tracks)[:-1]


def test_clips_start_and_end_on_bar_lines() -> None:
    bars = [Bar(i * 4.0, 4.0) for i in range(40)]  # 40 bars of 4/4 at 120 BPM = 80 s
    windows = plan_clips(bars, 120, target_s=20, min_s=10, max_s=24)
    assert [w.first_bar for w in windows] == [0, 10, 20, 30]
    assert all(abs(w.duration_s - 20) < 1e-9 for w in windows[:-1])
    assert windows[-1].end_s == pytest.approx(80 + 1.5)  # the final clip keeps its tail


def test_short_remainder_joins_the_previous_clip() -> None:
    bars = [Bar(i * 4.0, 4.0) for i in range(12)]  # 24 s at 120 BPM
    windows = plan_clips(bars, 120, target_s=20, min_s=10, max_s=24)
    assert len(windows) == 1 and windows[0].last_bar == 11
