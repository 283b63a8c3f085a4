"""`generate`'s parts and grid options (--parts, --bpm, --metre, --bars, --start-bar, --chords,
--midi, --add-to) and the `midi` command, with a fake model that makes stems; and the same on
the debug pack end to end."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ainur_studio.midi_io import midi_bytes, read_notes, write_notes
from ainur_studio.take_reader import read_take
from ainur_studio.types import GenerationRequest, NoteEvent, Structure, Task
from commands import generate as gen_cli
from commands import midi as midi_cli
from engine.take_folder import write_take_folder
from engine.takes import TakeOptions, write_take
from tests.fakes import fake_engine

ROOT = Path(__file__).resolve().parents[2]
CLIP = [NoteEvent(45, 0.0, 0.6, 90), NoteEvent(41, 0.6, 1.2, 100), NoteEvent(43, 1.5, 2.4, 80)]


def parse(module, argv):
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    return parser.parse_args(argv)


def fake_stems(request, pack, **_kw):
    """The generate contract for a pack with stems: one tone per part, the mix their sum."""
    roles = request.structure.parts or ["drums", "bass"]
    given = list(request.inputs.part_audio)
    outputs = []
    for i in range(request.variations):
        samples = round(request.duration_s * 48_000)
        stems = {role: fake_engine.tone(samples / 48_000, request.seed + i + k) * 0.5
                 for k, role in enumerate(sorted({*roles, *given}))}
        outputs.append(stems)
    return types.SimpleNamespace(audio=[sum(s.values()) for s in outputs], timings={},
                                 meta=[{"seed": request.seed + i} for i in range(len(outputs))],
                                 stems=outputs, given=[given] * len(outputs))


SEAMS = {"generate_fn": fake_stems, "load_pack": fake_engine.fake_load_pack}


@pytest.fixture
def clip(tmp_path):
    path = tmp_path / "bassline.mid"
    write_notes(path, CLIP, bpm=100, name="bass")
    return path


@pytest.fixture
def folder_take(tmp_path):
    """A take folder of drums, bass and melody at 100 BPM, 2 bars of 3/4."""
    stems = {r: np.full((2, 48_000 * 2), 0.01 * (k + 1)) for k, r in
             enumerate(("drums", "bass", "melody"))}
    request = GenerationRequest(prompt="waltz", structure=Structure(
        parts=["drums", "bass", "melody"], bpm=100, metre="3/4", bars=2, start_bar=5,
        chords=["C", "G7"], notes={"melody": CLIP, "bass": CLIP[:1]}))
    return write_take_folder(stems, request=request, options=TakeOptions(
        out_dir=tmp_path / "takes", loudness_lufs=None))


def test_the_grid_options_build_the_requests_structure(clip):
    args = parse(gen_cli, ["--prompt", "x", "--parts", "melody,drums,bass", "--bpm", "100",
                           "--bars", "4", "--chords", "Am F | C G", "--start-bar", "9",
                           "--midi", f"bass={clip}", "--seed", "1"])
    request = gen_cli.build_request(args)
    s = request.structure
    assert (s.parts, s.bpm, s.bars, s.start_bar, s.chords) == (
        ["drums", "bass", "melody"], 100, 4, 9, ["Am", "F", "C", "G"])
    assert round(request.duration_s * 48_000) == 460_800 and request.fields.bpm == 100
    assert [(n.pitch, n.velocity) for n in s.notes["bass"]] == [(45, 90), (41, 100), (43, 80)]
    assert request.task is Task.NEW
    args = parse(gen_cli, ["--prompt", "x", "--parts", "all", "--bpm", "120", "--metre", "6/8",
                           "--bars", "3", "--seed", "1"])
    request = gen_cli.build_request(args)  # a 6/8 bar is three quarter notes
    assert request.structure.metre == "6/8" and request.duration_s == pytest.approx(4.5)
    assert len(request.structure.parts) == 5


@pytest.mark.parametrize(("argv", "expected"), [
    (["--parts", "drums,kazoo"], "--parts: unknown part(s) 'kazoo'"),
    (["--chords", "Am Hm"], "--chords: bar 2: bad chord 'Hm'"),
    (["--metre", "5/5"], "--metre: metre '5/5' is not supported"),
    (["--bpm", "500"], "--bpm: tempo 500.0 BPM is out of range"),
    (["--bars", "4"], "--bars needs --bpm"),
    (["--bars", "0", "--bpm", "100"], "--bars: bars must be a whole number from 1"),
    (["--bars", "2", "--bpm", "100", "--chords", "C F G"], "3 chords for 2 bars"),
    (["--start-bar", "0"], "--start-bar (start_bar) must be a whole number from 1"),
    (["--midi", "bass"], "--midi 'bass': write PART=FILE"),
    (["--midi", "bass=missing.mid"], "--midi bass: the MIDI file 'missing.mid' does not exist"),
    (["--midi", "all=x.mid"], "name one part, not all"),
    (["--parts", "drums", "--midi", "melody=x.mid"], "the melody part is not in --parts"),
    (["--add-to", "nowhere"], "--add-to: the take 'nowhere' does not exist"),
])
def test_bad_grid_options_exit_2_with_the_reason(tmp_path, capsys, argv, expected):
    args = parse(gen_cli, ["--prompt", "x", "-o", str(tmp_path), "--device", "cpu", *argv])
    assert gen_cli.run(args, **SEAMS) == 2
    assert expected in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_bad_grid_options_are_refused_before_torch_loads(tmp_path):
    probe = ("import sys, main\ncode = main.main(sys.argv[1:])\n"
             "print('torch' in sys.modules, code)\n")
    proc = subprocess.run([sys.executable, "-c", probe, "generate", "--prompt", "x", "--chords",
                           "Am Q", "-o", str(tmp_path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert "--chords: bar 2: bad chord 'Q'" in proc.stderr
    assert proc.stdout.split() == ["False", "2"]


def test_add_to_gives_the_takes_other_parts_and_keeps_its_grid(folder_take):
    args = parse(gen_cli, ["--add-to", folder_take.folder, "--parts", "bass,vocals",
                           "--seed", "3"])
    request = gen_cli.build_request(args)
    assert request.task is Task.ADD_PARTS and request.structure.parts == ["bass", "vocals"]
    stems = {p.role: p.path for p in folder_take.parts}
    assert request.inputs.part_audio == {"drums": stems["drums"], "melody": stems["melody"]}
    s = request.structure
    assert (s.bpm, s.metre, s.bars, s.start_bar, s.chords) == (100, "3/4", 2, 5, ["C", "G7"])
    assert request.duration_s == 2.0 and request.prompt == "waltz"
    assert s.notes == {"melody": CLIP}  # the given melody keeps its notes; bass is replaced
    args = parse(gen_cli, ["--add-to", folder_take.sidecar_path, "--parts", "vocals",
                           "--seed", "3"])  # the sidecar names the take as well
    assert len(gen_cli.build_request(args).inputs.part_audio) == 3


@pytest.mark.parametrize(("argv", "expected"), [
    ([], "--add-to needs --parts"),
    (["--parts", "all"], "would replace every part of the take"),
    (["--parts", "bass", "--bars", "2"], "--add-to keeps the take's length"),
    (["--parts", "bass", "--task", "extend"], "--add-to is the add-parts task"),
])
def test_add_to_refuses_what_cannot_be_added(folder_take, capsys, argv, expected):
    args = parse(gen_cli, ["--add-to", folder_take.folder, "--device", "cpu", *argv])
    assert gen_cli.run(args, **SEAMS) == 2
    assert expected in capsys.readouterr().err


def test_add_to_refuses_a_single_file_take(tmp_path, capsys):
    take = write_take(np.zeros((2, 48_000)), request=GenerationRequest(prompt="old"),
                      options=TakeOptions(out_dir=tmp_path, loudness_lufs=None))
    args = parse(gen_cli, ["--add-to", take.path, "--parts", "bass", "--device", "cpu"])
    assert gen_cli.run(args, **SEAMS) == 2
    assert "single-file take without parts" in capsys.readouterr().err


def test_generate_prints_each_take_folder_and_its_parts(tmp_path, capsys, clip):
    out = tmp_path / "out"
    args = parse(gen_cli, ["--prompt", "groove", "--parts", "drums,bass", "--bpm", "100",
                           "--bars", "2", "--midi", f"bass={clip}", "-o", str(out),
                           "--device", "cpu", "--steps", "2", "--seed", "4"])
    assert gen_cli.run(args, **SEAMS) == 0
    (folder,) = capsys.readouterr().out.split()
    assert Path(folder).parent == out and Path(folder, "take.json").is_file()
    assert sf.info(str(Path(folder, "mix.wav"))).frames == 230_400
    assert read_notes(Path(folder, "bass.mid"))[0].pitch == 45
    args = parse(gen_cli, ["--prompt", "groove", "--parts", "drums", "-o", str(out), "--json",
                           "--device", "cpu", "--steps", "2", "--seed", "4"])
    assert gen_cli.run(args, **SEAMS) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["folder"] and row["path"] == str(Path(row["folder"], "mix.wav"))
    assert row["parts"] == {"drums": str(Path(row["folder"], "drums.wav"))}


def test_midi_gives_back_the_given_notes_and_transcribes_the_rest(tmp_path, capsys, clip,
                                                                   monkeypatch):
    args = parse(gen_cli, ["--prompt", "groove", "--parts", "bass,melody", "--bpm", "100",
                           "--bars", "2", "--midi", f"bass={clip}", "-o", str(tmp_path / "o"),
                           "--device", "cpu", "--steps", "2", "--seed", "4"])
    assert gen_cli.run(args, **SEAMS) == 0
    folder = Path(capsys.readouterr().out.strip())
    heard = [NoteEvent(60, 0.0, 0.1, 100), NoteEvent(62, 0.5, 0.6, 90)]
    monkeypatch.setattr("ainur_studio.transcribe.transcribe_file", lambda path: heard)
    out = tmp_path / "midi"
    assert midi_cli.run(parse(midi_cli, [str(folder), "--out", str(out), "--json"])) == 0
    rows = {r["role"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert {r: rows[r]["source"] for r in rows} == {"bass": "given", "melody": "transcribed"}
    assert Path(rows["bass"]["path"]).read_bytes() == midi_bytes(
        read_notes(clip), bpm=100, name="bass")  # the clip's notes, bit for bit
    assert Path(rows["bass"]["path"]).read_bytes() == (folder / "bass.mid").read_bytes()
    assert [n.pitch for n in read_notes(rows["melody"]["path"])] == [60, 62]
    # again into the take's own folder: the same files are kept, nothing is overwritten
    assert midi_cli.run(parse(midi_cli, [str(folder)])) == 0
    assert sorted(capsys.readouterr().out.split()) == [str(folder / "bass.mid"),
                                                       str(folder / "melody.mid")]


def test_midi_reports_a_missing_transcription_runtime_per_part(folder_take, capsys,
                                                               monkeypatch):
    from ainur_studio import transcribe

    def unavailable(path):
        raise transcribe.TranscriptionUnavailable("basic-pitch")

    monkeypatch.setattr(transcribe, "transcribe_file", unavailable)
    sidecar = Path(folder_take.sidecar_path)
    data = json.loads(sidecar.read_text(encoding="utf-8"))
    data["request"]["structure"]["notes"].pop("melody")  # a pitched part without notes
    sidecar.write_text(json.dumps(data), encoding="utf-8")
    assert midi_cli.run(parse(midi_cli, [folder_take.folder, "--json"])) == 1
    out, err = capsys.readouterr()
    assert "melody: note transcription needs basic-pitch" in err
    assert [json.loads(line)["role"] for line in out.splitlines()] == ["bass"]
    assert [n.pitch for n in read_notes(Path(folder_take.folder, "bass.mid"))] == [45]


def test_midi_refuses_a_take_without_parts(tmp_path, capsys):
    take = write_take(np.zeros((2, 48_000)), request=GenerationRequest(prompt="old"),
                      options=TakeOptions(out_dir=tmp_path, loudness_lufs=None))
    assert midi_cli.run(parse(midi_cli, [take.sidecar_path])) == 2
    assert "single-file take without parts" in capsys.readouterr().err
    assert midi_cli.run(parse(midi_cli, [str(tmp_path / "nothing")])) == 2


# --- end to end on the debug pack (its prior makes the five stems) -------------------------

def debug_cli(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", *argv], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def test_debug_pack_writes_a_folder_whose_stems_sum_to_the_mix(tmp_path):
    proc = debug_cli("generate", "--model", "debug", "--parts", "drums,bass,melody", "--bpm",
                     "100", "--bars", "4", "--chords", "Am F C G", "--steps", "2", "--seed", "1",
                     "--device", "cpu", "-o", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    take = read_take(proc.stdout.strip())
    assert [p.role for p in take.parts] == ["drums", "bass", "melody"]
    info = sf.info(take.path)
    assert (info.frames, info.samplerate, info.channels) == (460_800, 48_000, 2)
    mix, _ = sf.read(take.path, dtype="float64")
    total = sum(sf.read(p.path, dtype="float64")[0] for p in take.parts)
    assert info.subtype == "PCM_24"
    assert 20 * np.log10(np.abs(total - mix).max() / np.abs(mix).max()) < -60


def test_debug_pack_take_gives_back_the_given_clip_as_midi(tmp_path, clip):
    proc = debug_cli("generate", "--model", "debug", "--parts", "drums,bass,melody", "--bpm",
                     "100", "--bars", "2", "--midi", f"bass={clip}", "--steps", "2", "--seed",
                     "1", "--device", "cpu", "-o", str(tmp_path / "takes"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    midi = debug_cli("midi", proc.stdout.strip(), "--parts", "bass", "--out",
                     str(tmp_path / "midi"))
    assert midi.returncode == 0, midi.stderr[-2000:]
    back = read_notes(midi.stdout.strip())
    assert [(n.pitch, n.velocity) for n in back] == [(n.pitch, n.velocity) for n in CLIP]
    assert [t for n in back for t in (n.start_s, n.end_s)] == pytest.approx(
        [t for n in CLIP for t in (n.start_s, n.end_s)])
