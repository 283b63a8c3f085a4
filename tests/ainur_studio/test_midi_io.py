"""MIDI clips in and out: notes survive a round trip, the tempo map is followed, and files
that are not MIDI are refused by name."""

from __future__ import annotations

import mido
import pytest

from ainur_studio.midi_io import MidiReadError, read_clip, read_notes, write_notes
from ainur_studio.types import NoteEvent

LINE = [NoteEvent(57, 0.0, 0.3, 90), NoteEvent(60, 0.3, 0.6, 80), NoteEvent(64, 0.6, 1.2, 100)]


def test_notes_written_at_a_tempo_read_back_the_same(tmp_path):
    path = write_notes(tmp_path / "bass.mid", LINE, bpm=100, metre="4/4", name="bass")
    back = read_notes(path)
    assert [(n.pitch, n.velocity) for n in back] == [(n.pitch, n.velocity) for n in LINE]
    for a, b in zip(back, LINE):
        assert a.start_s == pytest.approx(b.start_s, abs=1e-3)
        assert a.end_s == pytest.approx(b.end_s, abs=1e-3)
    clip = read_clip(path)
    assert (clip.bpm, clip.metre, [t.name for t in clip.tracks]) == (100.0, "4/4", ["bass"])


def test_a_tempo_change_moves_later_notes(tmp_path):
    mid = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=500_000, time=0),
                            mido.Message("note_on", note=60, velocity=64, time=0),
                            mido.Message("note_off", note=60, velocity=0, time=480),
                            mido.MetaMessage("set_tempo", tempo=1_000_000, time=0),
                            mido.Message("note_on", note=62, velocity=64, time=0),
                            mido.Message("note_off", note=62, velocity=0, time=480)])
    mid.tracks.append(track)
    mid.save(tmp_path / "t.mid")
    a, b = read_notes(tmp_path / "t.mid")
    assert (a.start_s, a.end_s) == pytest.approx((0.0, 0.5))
    assert (b.start_s, b.end_s) == pytest.approx((0.5, 1.5))   # a quarter at 60 BPM


def test_files_that_are_not_midi_or_hold_no_notes_are_named(tmp_path):
    bad = tmp_path / "notes.mid"
    bad.write_bytes(b"RIFF....WAVE")
    with pytest.raises(MidiReadError, match="notes.mid.*not a Standard MIDI File"):
        read_notes(bad)
    empty = write_notes(tmp_path / "empty.mid", [], bpm=120)
    with pytest.raises(MidiReadError, match="holds no notes"):
        read_notes(empty)
    with pytest.raises(MidiReadError, match="does not exist"):
        read_notes(tmp_path / "missing.mid")
