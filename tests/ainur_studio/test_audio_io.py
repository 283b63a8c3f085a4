"""Audio file round trips and the errors broken files produce."""

from __future__ import annotations

import math

import numpy as np
import pytest
import soundfile as sf
import torch

from ainur_studio.audio.io import AudioReadError, audio_info, audio_read, audio_write


def _tone(seconds: float = 0.25, rate: int = 48_000, freq: float = 440.0) -> torch.Tensor:
    t = torch.arange(int(seconds * rate)) / rate
    left = 0.5 * torch.sin(2 * math.pi * freq * t)
    right = 0.25 * torch.sin(2 * math.pi * 2 * freq * t)
    return torch.stack([left, right])  # (2, T)


@pytest.mark.parametrize(("subtype", "tol"), [("PCM_24", 2e-7), ("PCM_16", 5e-5), ("FLOAT", 0.0)])
def test_round_trip(tmp_path, subtype, tol):
    wav = _tone()
    out = audio_write(tmp_path / "a.wav", wav, 48_000, subtype=subtype)
    assert out == tmp_path / "a.wav"
    back = audio_read(out)
    assert back.dtype == torch.float32 and back.shape == wav.shape
    assert (back - wav).abs().max().item() <= tol
    info = audio_info(out)
    assert (info.sample_rate, info.channels, info.frames, info.subtype) == (
        48_000, 2, wav.shape[1], subtype)


def test_flac_and_explicit_format(tmp_path):
    wav = _tone()
    flac = audio_write(tmp_path / "a.flac", wav, 48_000)
    raw = audio_write(tmp_path / "b.bin", wav, 48_000, subtype="FLOAT", format="WAV")
    assert audio_info(flac).format == "FLAC"
    assert torch.allclose(audio_read(raw), wav)


def test_aiff_suffix_and_float_subtype_listing(tmp_path):
    path = audio_write(tmp_path / "a.aif", _tone(), 48_000)
    assert audio_info(path).format == "AIFF"
    with pytest.raises(ValueError, match="choose one of .*PCM_24"):
        audio_write(tmp_path / "x.flac", _tone(), 48_000, subtype="FLOAT")


def test_resample_keeps_duration_and_pitch(tmp_path):
    wav = _tone(seconds=0.5, rate=44_100, freq=1000.0)
    path = audio_write(tmp_path / "a.wav", wav, 44_100, subtype="FLOAT")
    back = audio_read(path, sample_rate=48_000)
    assert back.shape == (2, 24_000)
    spectrum = torch.fft.rfft(back[0]).abs()
    assert abs(spectrum.argmax().item() * 48_000 / back.shape[1] - 1000.0) <= 2.0


def test_mono_is_duplicated_and_extra_channels_dropped(tmp_path):
    mono = _tone()[:1]
    path = audio_write(tmp_path / "m.wav", mono, 48_000, subtype="FLOAT")
    stereo = audio_read(path)
    assert stereo.shape == (2, mono.shape[1]) and torch.equal(stereo[0], stereo[1])
    four = torch.stack([mono[0], -mono[0], 0.5 * mono[0], 0.1 * mono[0]])
    path4 = audio_write(tmp_path / "q.wav", four, 48_000, subtype="FLOAT")
    assert torch.equal(audio_read(path4), four[:2])
    assert torch.allclose(audio_read(path4, channels=1)[0], four.mean(0), atol=1e-6)


def test_pcm_clips_instead_of_wrapping(tmp_path):
    wav = torch.tensor([[1.5, -2.0, 0.5]])
    back = audio_read(audio_write(tmp_path / "c.wav", wav, 48_000), channels=1)
    assert back[0, 0] > 0.99 and back[0, 1] < -0.99


def test_atomic_write_leaves_no_temp_file_and_replaces(tmp_path):
    path = tmp_path / "sub" / "take.wav"
    audio_write(path, _tone(), 48_000)
    audio_write(path, 0.5 * _tone(), 48_000)
    assert sorted(p.name for p in path.parent.iterdir()) == ["take.wav"]


def test_failed_write_keeps_old_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "take.wav"
    audio_write(path, _tone(), 48_000)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(sf, "write", boom)
    with pytest.raises(OSError, match="disk full"):
        audio_write(path, 0.1 * _tone(), 48_000)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["take.wav"]


@pytest.mark.parametrize(("wav", "match"), [
    (torch.zeros(5), "channels, frames"),
    (torch.zeros(2, 0), "channels, frames"),
    (torch.zeros(48_000, 2), "transposed"),
    (torch.tensor([[0.0, float("nan")]]), "NaN"),
])
def test_write_rejects_bad_input(tmp_path, wav, match):
    with pytest.raises(ValueError, match=match):
        audio_write(tmp_path / "x.wav", wav, 48_000)
    assert not any(tmp_path.iterdir())


def test_write_rejects_unknown_format_and_subtype(tmp_path):
    with pytest.raises(ValueError, match="unknown audio format"):
        audio_write(tmp_path / "x.xyz", _tone(), 48_000)
    with pytest.raises(ValueError, match="does not support subtype"):
        audio_write(tmp_path / "x.flac", _tone(), 48_000, subtype="FLOAT")


def _broken(tmp_path, kind):
    path = tmp_path / f"{kind}.wav"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("these are lyrics, not audio\n" * 20)
    elif kind in ("truncated", "header"):
        good = audio_write(tmp_path / "good.wav", _tone(), 48_000).read_bytes()
        path.write_bytes(good[: len(good) // 2] if kind == "truncated" else good[:30])
    elif kind == "folder":
        path.mkdir()
    return path


@pytest.mark.parametrize(("kind", "match"), [
    ("missing", "does not exist"),
    ("empty", "empty"),
    ("text", "not an audio file"),
    ("truncated", "truncated"),
    ("header", "truncated or corrupt"),
    ("folder", "folder"),
])
def test_broken_files_give_specific_errors(tmp_path, kind, match):
    path = _broken(tmp_path, kind)
    with pytest.raises(AudioReadError, match=match) as err:
        audio_read(path)
    assert str(path) in str(err.value) and err.value.path == path
    assert "." in str(err.value).split(":", 2)[-1]  # a cause followed by a fix


def test_wav_with_an_undecodable_codec_names_it(tmp_path):
    data = bytearray(audio_write(tmp_path / "ok.wav", _tone(), 48_000, subtype="PCM_16")
                     .read_bytes())
    pos = data.index(b"fmt ") + 8
    data[pos: pos + 2] = (0x0055).to_bytes(2, "little")
    path = tmp_path / "mp3-in-wav.wav"
    path.write_bytes(bytes(data))
    with pytest.raises(AudioReadError, match="MP3 data .*0x0055.*Convert it"):
        audio_read(path)


def test_nonfinite_float_file_is_rejected(tmp_path):
    path = tmp_path / "nan.wav"
    sf.write(path, np.array([[0.0, np.nan]], dtype=np.float32).T, 48_000, subtype="FLOAT")
    with pytest.raises(AudioReadError, match="NaN"):
        audio_read(path)


def test_streaming_header_size_is_not_called_truncated(tmp_path):
    path = audio_write(tmp_path / "s.wav", _tone(), 48_000)
    data = bytearray(path.read_bytes())
    pos = data.index(b"data")
    data[pos + 4: pos + 8] = (0xFFFFFFFF).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    assert audio_read(path).shape[0] == 2
