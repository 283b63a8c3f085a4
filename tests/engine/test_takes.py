"""Takes on disk: formats, tags, sidecar, LRC, naming, never overwriting, atomicity."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
import soundfile as sf

from ainur_studio.lyrics.lrc import read_lrc
from ainur_studio.types import GenerationRequest, LyricLine, Lyrics, Take
from engine.takes import TakeOptions, check_template, render_name, slugify, write_new, write_take

SR = 48_000


def chord(seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(SR * seconds)) / SR
    return np.stack([0.2 * np.sin(2 * np.pi * 220 * t), 0.2 * np.sin(2 * np.pi * 330 * t)])


def request(**kw) -> GenerationRequest:
    return GenerationRequest(prompt="Warm Lo-fi / piano: rain", seed=42, **kw)


@pytest.mark.parametrize(("fmt", "subtype", "suffix"), [
    ("wav24", "PCM_24", ".wav"), ("wav32f", "FLOAT", ".wav"), ("flac", "PCM_24", ".flac")])
def test_formats(tmp_path, fmt, subtype, suffix):
    take = write_take(chord(), request=request(), options=TakeOptions(out_dir=tmp_path,
                                                                        format=fmt))
    info = sf.info(take.path)
    assert take.path.endswith(suffix)
    assert (info.samplerate, info.channels, info.frames, info.subtype) == (SR, 2, SR, subtype)
    assert take.frames == SR and take.duration_s == pytest.approx(1.0)


def test_tags_sidecar_and_lrc(tmp_path):
    lyrics = Lyrics(lines=[LyricLine(0, "first line"), LyricLine(2500, "second line")])
    take = write_take(chord(), request=request(lyrics=lyrics), model_id="debug",
                      model_hash="ab" * 32, options=TakeOptions(out_dir=tmp_path))
    with sf.SoundFile(take.path) as f:
        assert f.title == "Warm Lo-fi / piano: rain"
        assert json.loads(f.comment)["seed"] == 42
        assert "Ainur Studio" in f.software
    sidecar = json.loads(open(take.sidecar_path, encoding="utf-8").read())
    back = Take.from_dict(sidecar)
    assert back.request == take.request and back.model_hash == "ab" * 32
    assert sidecar["loudness"]["target_lufs"] == -14.0
    parsed, problems = read_lrc(take.lrc_path)
    assert not problems and [ln.text for ln in parsed.lines] == ["first line", "second line"]
    assert parsed.lines[1].start_ms == 2500


def test_no_lrc_without_lyrics(tmp_path):
    take = write_take(chord(), request=request(), options=TakeOptions(out_dir=tmp_path))
    assert take.lrc_path == ""
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json", ".wav"]


def test_existing_files_are_never_overwritten(tmp_path):
    now = dt.datetime(2026, 5, 4, 12, 0, 0)
    options = TakeOptions(out_dir=tmp_path)
    name = render_name(options.template, request=request(), seed=42, n=1, take_id="x", now=now)
    precious = tmp_path / f"{name}.wav"
    precious.write_bytes(b"the user's own file")
    first = write_take(chord(), request=request(), options=options, now=now)
    second = write_take(chord(), request=request(), options=options, now=now)
    assert precious.read_bytes() == b"the user's own file"
    assert first.path.endswith(f"{name}-2.wav") and second.path.endswith(f"{name}-3.wav")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left
    with pytest.raises(FileExistsError):
        write_new(precious, b"new")
    assert precious.read_bytes() == b"the user's own file"


def test_naming_template():
    now = dt.datetime(2026, 5, 4, 13, 14, 15)
    req = request()
    assert render_name("{date}_{prompt_slug}_{seed}_{n}", request=req, seed=42, n=2,
                       take_id="t", now=now) == "2026-05-04_warm-lo-fi-piano-rain_42_2"
    assert render_name("{time}-{model}/{task}", request=req, seed=1, n=1, take_id="t",
                       now=now) == "131415-starter_new"
    assert slugify("  ♪♪  ") == "untitled"
    with pytest.raises(ValueError, match="unknown field"):
        check_template("{date}_{artist}")
    with pytest.raises(ValueError, match="malformed"):
        check_template("{date")


@pytest.mark.parametrize("audio", [np.zeros((3, 100)), np.zeros((2, 0)), np.zeros(100),
                                   np.full((2, 100), np.nan)])
def test_bad_audio_is_refused_without_writing(tmp_path, audio):
    with pytest.raises(ValueError):
        write_take(audio, request=request(), options=TakeOptions(out_dir=tmp_path))
    assert not list(tmp_path.iterdir())


def test_mono_becomes_stereo_and_options_are_checked(tmp_path):
    take = write_take(chord()[:1], request=request(),
                      options=TakeOptions(out_dir=tmp_path, loudness_lufs=None))
    data, _ = sf.read(take.path)
    assert data.shape == (SR, 2) and np.allclose(data[:, 0], data[:, 1])
    with pytest.raises(ValueError, match="format"):
        TakeOptions(out_dir=tmp_path, format="mp3")
    with pytest.raises(ValueError, match="LUFS"):
        TakeOptions(out_dir=tmp_path, loudness_lufs=5.0)
    with pytest.raises(ValueError, match="unknown output option"):
        TakeOptions.from_params({"folder": "x"}, default_dir=tmp_path)
