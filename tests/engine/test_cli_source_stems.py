"""`generate --task variation|repaint|extend --source TAKE` on a take made of parts: the mix
goes as `source_audio` and the stems as `inputs.part_audio`, so a pack with stems edits the
stems (and refuses a stems edit without them); end to end on the debug pack."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ainur_studio.take_reader import read_take
from ainur_studio.types import GenerationRequest, Structure
from commands import generate as gen_cli
from engine.take_folder import write_take_folder
from engine.takes import TakeOptions, write_take

ROOT = Path(__file__).resolve().parents[2]
ROLES = ("drums", "bass", "melody")


def request_of(*argv: str):
    parser = argparse.ArgumentParser()
    gen_cli.add_arguments(parser)
    return gen_cli.build_request(parser.parse_args(["--prompt", "x", "--seed", "1", *argv]))


@pytest.fixture
def band(tmp_path):
    stems = {r: np.full((2, 48_000), 0.01 * (k + 1)) for k, r in enumerate(ROLES)}
    return write_take_folder(stems, request=GenerationRequest(
        prompt="band", structure=Structure(parts=list(ROLES))), options=TakeOptions(
        out_dir=tmp_path / "takes", loudness_lufs=None))


@pytest.mark.parametrize("named", ["folder", "take.json", "mix.wav"])
def test_a_take_folder_source_gives_its_mix_and_its_stems(band, named):
    path = band.folder if named == "folder" else str(Path(band.folder, named))
    request = request_of("--task", "variation", "--source", path)
    assert request.inputs.source_audio == band.path
    assert request.inputs.part_audio == {r: str(Path(band.folder, f"{r}.wav")) for r in ROLES}
    assert request.structure.parts == []  # every stem is edited


def test_one_stem_as_source_edits_that_part_over_the_others(band):
    bass = str(Path(band.folder, "bass.wav"))
    request = request_of("--task", "repaint", "--region", "0.1", "0.5", "--source", bass)
    assert request.inputs.source_audio == bass
    assert sorted(request.inputs.part_audio) == sorted(ROLES)
    assert request.structure.parts == ["bass"]
    asked = request_of("--task", "variation", "--source", bass, "--parts", "bass,melody")
    assert asked.structure.parts == ["bass", "melody"]


def test_single_file_takes_and_plain_files_go_without_stems(tmp_path):
    old = write_take(np.zeros((2, 48_000)), request=GenerationRequest(prompt="old"),
                     options=TakeOptions(out_dir=tmp_path, loudness_lufs=None))
    for named in (old.path, old.sidecar_path):
        request = request_of("--task", "variation", "--source", named)
        assert (request.inputs.source_audio, request.inputs.part_audio) == (old.path, {})
    plain = tmp_path / "loop.wav"
    sf.write(str(plain), np.zeros((48_000, 2)), 48_000)
    request = request_of("--task", "extend", "--source", str(plain))
    assert (request.inputs.source_audio, request.inputs.part_audio) == (str(plain), {})


@pytest.mark.parametrize("damage, expected", [
    ("folder", "is not a take: there is no take.json"),
    ("stem", "the take's bass stem"),
    ("nothing", "does not exist"),
])
def test_a_bad_source_take_exits_2_with_the_reason(band, tmp_path, capsys, damage, expected):
    source = band.folder
    if damage == "folder":
        source = str(tmp_path / "empty")
        Path(source).mkdir()
    elif damage == "stem":
        Path(band.folder, "bass.wav").unlink()
    elif damage == "nothing":
        source = str(tmp_path / "gone")
    parser = argparse.ArgumentParser()
    gen_cli.add_arguments(parser)
    args = parser.parse_args(["--task", "variation", "--source", source, "--device", "cpu"])
    assert gen_cli.run(args) == 2
    assert expected in capsys.readouterr().err


def debug_cli(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", *argv], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def test_debug_pack_varies_a_stems_take_stem_by_stem(tmp_path):
    made = debug_cli("generate", "--model", "debug", "--parts", "drums,bass", "--bpm", "120",
                     "--bars", "1", "--steps", "2", "--seed", "1", "--device", "cpu", "-o",
                     str(tmp_path / "a"))
    assert made.returncode == 0, made.stderr[-2000:]
    source = read_take(made.stdout.strip())
    varied = debug_cli("generate", "--model", "debug", "--task", "variation", "--source",
                       source.folder, "--strength", "0.5", "--steps", "2", "--seed", "2",
                       "--device", "cpu", "-o", str(tmp_path / "b"))
    assert varied.returncode == 0, varied.stderr[-2000:]
    take = read_take(varied.stdout.strip())
    assert [p.role for p in take.parts] == ["drums", "bass"]
    assert take.request.inputs.part_audio == {p.role: p.path for p in source.parts}
    mix, _ = sf.read(take.path, dtype="float64")
    total = sum(sf.read(p.path, dtype="float64")[0] for p in take.parts)
    assert np.abs(total - mix).max() <= 1e-3 * max(np.abs(mix).max(), 1e-9)
