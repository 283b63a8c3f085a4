"""`ainur-studio midi TAKE`: drums without given notes are not transcribed, and the files
written into the take's folder are recorded in its take.json (atomically)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import mido
import numpy as np
import pytest

from ainur_studio.take_reader import read_take
from ainur_studio.types import GenerationRequest, NoteEvent, Structure
from commands import midi as midi_cli
from engine.take_folder import write_take_folder
from engine.takes import TakeOptions

CLIP = [NoteEvent(45, 0.0, 0.6, 90), NoteEvent(41, 0.6, 1.2, 100)]
HEARD = [NoteEvent(64, 0.0, 0.2, 80), NoteEvent(67, 0.3, 0.5, 70)]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    midi_cli.add_arguments(parser)
    return parser.parse_args(argv)


def band_take(folder: Path, notes: dict[str, list[NoteEvent]]):
    stems = {r: np.full((2, 48_000), 0.01 * (k + 1)) for k, r in
             enumerate(("drums", "bass", "melody"))}
    request = GenerationRequest(prompt="band", structure=Structure(
        parts=list(stems), bpm=100, metre="4/4", bars=1, notes=notes))
    return write_take_folder(stems, request=request, options=TakeOptions(
        out_dir=folder, loudness_lufs=None))


@pytest.fixture
def heard(monkeypatch) -> list[str]:
    """The stems the (stand-in) transcriber was asked to hear."""
    asked: list[str] = []

    def transcribe_file(path):
        asked.append(Path(path).stem)
        return HEARD

    monkeypatch.setattr("ainur_studio.transcribe.transcribe_file", transcribe_file)
    return asked


def test_drums_without_notes_are_not_transcribed_and_get_no_file(tmp_path, capsys, heard):
    take = band_take(tmp_path, {"bass": CLIP})
    assert midi_cli.run(parse([take.folder])) == 0  # every part: skipping drums is no failure
    out, err = capsys.readouterr()
    assert heard == ["melody"]
    assert "drums: no notes given; drum transcription is not available" in err
    assert sorted(out.split()) == [str(Path(take.folder, "bass.mid")),
                                   str(Path(take.folder, "melody.mid"))]
    assert not Path(take.folder, "drums.mid").exists()
    assert midi_cli.run(parse([take.folder, "--parts", "drums"])) == 1  # asked for by name
    assert capsys.readouterr().out == "" and heard == ["melody"]


def test_given_drum_notes_go_on_the_percussion_channel(tmp_path, capsys, heard):
    kit = [NoteEvent(36, 0.0, 0.1, 110), NoteEvent(38, 0.6, 0.7, 100)]
    take = band_take(tmp_path, {"drums": kit})
    assert midi_cli.run(parse([take.folder, "--parts", "drums", "--out",
                               str(tmp_path / "midi")])) == 0
    path = capsys.readouterr().out.strip()
    ons = [m for m in mido.MidiFile(path).tracks[-1] if m.type == "note_on" and m.velocity]
    assert [(m.channel, m.note) for m in ons] == [(9, 36), (9, 38)]
    assert heard == []


def test_transcribed_midi_is_recorded_in_the_takes_sidecar(tmp_path, capsys, heard):
    take = band_take(tmp_path, {"bass": CLIP})
    sidecar = Path(take.sidecar_path)
    before = json.loads(sidecar.read_text(encoding="utf-8"))
    assert [p["midi_path"] for p in before["parts"]] == ["", str(Path(take.folder,
                                                                      "bass.mid")), ""]
    assert midi_cli.run(parse([take.folder])) == 0
    after = json.loads(sidecar.read_text(encoding="utf-8"))
    melody = str(Path(take.folder, "melody.mid"))
    assert [p["midi_path"] for p in after["parts"]] == ["", str(Path(take.folder, "bass.mid")),
                                                        melody]
    for p in before["parts"]:
        p["midi_path"] = melody if p["role"] == "melody" else p["midi_path"]
    assert after == before  # nothing else in the sidecar changed
    assert {p.role: p.midi_path for p in read_take(take.folder).parts}["melody"] == melody
    assert not [f for f in Path(take.folder).iterdir() if f.name.endswith(".tmp")]


def test_midi_written_elsewhere_leaves_the_sidecar_alone(tmp_path, capsys, heard):
    take = band_take(tmp_path / "takes", {"bass": CLIP})
    sidecar = Path(take.sidecar_path)
    before = sidecar.read_bytes()
    assert midi_cli.run(parse([take.folder, "--out", str(tmp_path / "midi")])) == 0
    assert Path(tmp_path, "midi", "melody.mid").is_file()
    assert sidecar.read_bytes() == before


def test_a_failed_sidecar_update_keeps_the_old_sidecar_and_the_midi(tmp_path, capsys, heard,
                                                                     monkeypatch):
    take = band_take(tmp_path, {"bass": CLIP})
    sidecar = Path(take.sidecar_path)
    before = sidecar.read_bytes()

    import ainur_studio.fileio as fileio

    def half_written(path, data, **_kw):
        def write(temp):
            temp.write_bytes(data[:10])
            raise OSError(28, "No space left on device")
        return real_write(path, write)

    real_write = fileio.atomic_write
    monkeypatch.setattr(fileio, "atomic_write_bytes", half_written)
    assert midi_cli.run(parse([take.folder])) == 1
    err = capsys.readouterr().err
    assert "the MIDI files were written, but the take's sidecar" in err and "No space" in err
    assert sidecar.read_bytes() == before
    assert Path(take.folder, "melody.mid").is_file()
    assert not [f for f in Path(take.folder).iterdir() if f.name.endswith(".tmp")]
