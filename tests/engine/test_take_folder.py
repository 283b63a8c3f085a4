"""Takes made of parts on disk: the stems sum to the mix in every format, one common gain,
names by role, the given MIDI, atomic and never overwriting, cleanup of killed writes, and old
single-file takes still opening; the generate job writes folders for stem results."""

from __future__ import annotations

import json
import os
import time
import types

import numpy as np
import pytest
import soundfile as sf

from ainur_studio.midi_io import read_notes, write_notes
from ainur_studio.take_reader import TakeReadError, read_take
from ainur_studio.types import (
    GenerationRequest,
    LyricLine,
    Lyrics,
    NoteEvent,
    Structure,
    Take,
)
from engine import take_folder as tf
from engine.loudness import integrated_loudness, true_peak
from engine.takes import STALE_PART_S, TakeOptions, write_take

SR = 48_000
BASS_NOTES = [NoteEvent(45, 0.0, 0.5, 90), NoteEvent(41, 0.6, 1.2, 100),
              NoteEvent(48, 1.2, 1.9, 70)]


def stems(seconds: float = 2.0) -> dict[str, np.ndarray]:
    t = np.arange(int(SR * seconds)) / SR
    rng = np.random.default_rng(0)
    hits = (np.sin(2 * np.pi * 2 * t) > 0.95) * rng.standard_normal(len(t)) * 0.05
    return {"drums": np.stack([hits, hits * 0.8]),
            "bass": np.stack([0.3 * np.sin(2 * np.pi * 55 * t)] * 2),
            "melody": np.stack([0.2 * np.sin(2 * np.pi * 440 * t),
                                0.2 * np.sin(2 * np.pi * 660 * t)])}


def request(**structure) -> GenerationRequest:
    return GenerationRequest(prompt="Bright funk: slap bass", seed=11, structure=Structure(
        parts=["drums", "bass", "melody"], bpm=100, bars=1, **structure))


def read_parts(take: Take) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    mix, _ = sf.read(take.path, dtype="float64")
    return mix, {p.role: sf.read(p.path, dtype="float64")[0] for p in take.parts}


@pytest.mark.parametrize("fmt", ["wav24", "flac", "wav32f"])
def test_the_stems_sum_to_the_mix_in_the_files(tmp_path, fmt):
    take = tf.write_take_folder(stems(), request=request(), options=TakeOptions(
        out_dir=tmp_path, format=fmt))
    mix, parts = read_parts(take)
    residual = np.abs(sum(parts.values()) - mix).max()
    if fmt == "wav32f":
        assert residual < 1e-6
    else:
        assert 20 * np.log10(residual / np.abs(mix).max()) < -60
    assert mix.shape == (2 * SR, 2) and take.frames == 2 * SR
    assert integrated_loudness(mix, SR) == pytest.approx(-14.0, abs=0.1)


def test_a_folder_holds_the_mix_the_stems_their_midi_lyrics_and_sidecar(tmp_path):
    lyrics = Lyrics(lines=[LyricLine(0, "hey"), LyricLine(1000, "ho")])
    req = request(notes={"bass": BASS_NOTES})
    req.lyrics = lyrics
    take = tf.write_take_folder(stems(), request=req, options=TakeOptions(out_dir=tmp_path),
                                given=["drums"], model_id="debug")
    folder = tmp_path / os.path.basename(take.folder)
    assert sorted(p.name for p in folder.iterdir()) == [
        "bass.mid", "bass.wav", "drums.wav", "melody.wav", "mix.lrc", "mix.wav", "take.json"]
    assert [(p.role, p.given, bool(p.midi_path)) for p in take.parts] == [
        ("drums", True, False), ("bass", False, True), ("melody", False, False)]
    assert all(p.loudness_lufs is not None and p.loudness_lufs < -14 for p in take.parts)
    assert [(n.pitch, n.velocity) for n in read_notes(folder / "bass.mid")] == [
        (n.pitch, n.velocity) for n in BASS_NOTES]
    assert [t for n in read_notes(folder / "bass.mid") for t in (n.start_s, n.end_s)] == \
        pytest.approx([t for n in BASS_NOTES for t in (n.start_s, n.end_s)])
    sidecar = json.loads((folder / "take.json").read_text(encoding="utf-8"))
    assert Take.from_dict(sidecar) == take
    assert sidecar["loudness"]["common_gain"] and not sidecar["loudness"]["limited"]
    assert read_take(folder) == take == read_take(folder / "take.json")
    with sf.SoundFile(take.parts[1].path) as f:
        assert f.title == "Bright funk: slap bass (bass)"


def test_loud_stems_lower_the_common_gain_instead_of_being_limited(tmp_path):
    loud = stems()
    clicks = np.zeros(2 * SR)
    clicks[::SR // 4] = 0.9  # peaks far above the loudness: -8 LUFS would need a limiter
    loud["drums"] = np.stack([clicks, clicks])
    take = tf.write_take_folder(loud, request=request(), options=TakeOptions(
        out_dir=tmp_path, loudness_lufs=-8.0, true_peak_dbtp=-1.0, format="wav32f"))
    mix, parts = read_parts(take)
    assert np.abs(sum(parts.values()) - mix).max() < 1e-6
    assert all(true_peak(x, SR) <= -1.0 for x in (mix, *parts.values()))
    assert integrated_loudness(mix, SR) < -8.5  # the ceiling, not the target, set the gain
    sidecar = json.loads(open(take.sidecar_path, encoding="utf-8").read())
    assert sidecar["loudness"]["peak_bound"] is True
    gains = [np.sum(parts[r] * loud[r].T) / np.sum(loud[r] ** 2) for r in parts]
    assert np.ptp(gains) < 1e-6  # one gain for every file, the one the sidecar reports
    assert 20 * np.log10(gains[0]) == pytest.approx(sidecar["loudness"]["gain_db"], abs=1e-3)


def test_an_existing_folder_is_never_overwritten(tmp_path):
    first = tf.write_take_folder(stems(0.5), request=request(),
                                 options=TakeOptions(out_dir=tmp_path, template="take"))
    precious = tmp_path / "take-2"
    precious.mkdir()
    (precious / "mine.txt").write_text("the user's own file")
    third = tf.write_take_folder(stems(0.5), request=request(),
                                 options=TakeOptions(out_dir=tmp_path, template="take"))
    assert (first.folder, third.folder) == (str(tmp_path / "take"), str(tmp_path / "take-3"))
    assert third.path == str(tmp_path / "take-3" / "mix.wav")
    assert sorted(p.name for p in precious.iterdir()) == ["mine.txt"]
    assert read_take(third.folder).parts[0].path == str(tmp_path / "take-3" / "drums.wav")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_failed_write_leaves_nothing_behind(tmp_path, monkeypatch):
    calls = []
    real = tf.write_audio_file

    def failing(path, *args):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(path, *args)

    monkeypatch.setattr(tf, "write_audio_file", failing)
    with pytest.raises(OSError, match="No space"):
        tf.write_take_folder(stems(0.5), request=request(), options=TakeOptions(out_dir=tmp_path))
    assert len(calls) == 3 and list(tmp_path.iterdir()) == []


def _age(path, seconds):
    old = time.time() - seconds
    os.utime(path, (old, old))


def test_temporary_folders_of_a_killed_write_are_removed_on_the_next_take(tmp_path):
    stale = tmp_path / ".song_1.0a1b2c3d.take-part"
    fresh = tmp_path / ".song_2.12345678.take-part"          # a write in progress
    nested = tmp_path / ".song_3.deadbeef.take-part"          # not only files: not ours
    foreign = tmp_path / ".album.0a1b2c3d.part"
    for folder in (stale, fresh, nested, foreign):
        folder.mkdir()
        (folder / "mix.wav").write_bytes(b"partial")
    (nested / "sub").mkdir()
    for folder in (stale, nested, foreign):
        _age(folder, STALE_PART_S + 60)
    tf.write_take_folder(stems(0.2), request=request(), options=TakeOptions(out_dir=tmp_path))
    assert not stale.exists()
    assert fresh.is_dir() and nested.is_dir() and foreign.is_dir()
    assert tf.remove_stale_folders(tmp_path / "missing") == []


def test_bad_stems_are_refused_before_anything_is_written(tmp_path):
    options = TakeOptions(out_dir=tmp_path / "out")
    uneven = {"drums": np.zeros((2, 100)), "bass": np.zeros((2, 90))}
    with pytest.raises(ValueError, match="as long"):
        tf.write_take_folder(uneven, request=request(), options=options)
    with pytest.raises(ValueError, match="unknown stem role"):
        tf.write_take_folder({"kazoo": np.zeros((2, 100))}, request=request(), options=options)
    with pytest.raises(ValueError, match="at least one stem"):
        tf.write_take_folder({}, request=request(), options=options)
    assert not (tmp_path / "out").exists()


def test_old_single_file_takes_still_open(tmp_path):
    take = write_take(stems(0.5)["bass"], request=GenerationRequest(prompt="old"),
                      options=TakeOptions(out_dir=tmp_path))
    sidecar = json.loads(open(take.sidecar_path, encoding="utf-8").read())
    for key in ("parts", "folder"):  # written before takes had parts
        sidecar.pop(key)
    with open(take.sidecar_path, "w", encoding="utf-8") as f:
        json.dump(sidecar, f)
    for path in (take.sidecar_path, take.path):
        back = read_take(path)
        assert (back.path, back.parts, back.folder) == (take.path, [], "")
    with pytest.raises(TakeReadError, match="does not exist"):
        read_take(tmp_path / "gone")
    (tmp_path / "other.json").write_text("{}")
    with pytest.raises(TakeReadError, match="not a take sidecar"):
        read_take(tmp_path / "other.json")


def test_a_moved_take_folder_opens_where_it_is(tmp_path):
    take = tf.write_take_folder(stems(0.3), request=request(notes={"bass": BASS_NOTES}),
                                options=TakeOptions(out_dir=tmp_path / "a", template="t"))
    os.rename(tmp_path / "a", tmp_path / "b")
    moved = read_take(tmp_path / "b" / "t")
    assert take.folder == str(tmp_path / "a" / "t")
    assert moved.folder == str(tmp_path / "b" / "t")
    assert all(os.path.isfile(p.path) for p in moved.parts)
    assert os.path.isfile(moved.parts[1].midi_path) and os.path.isfile(moved.path)


def test_the_generate_job_writes_a_folder_for_stem_results(tmp_path):
    from engine.devices import DeviceChoice
    from engine.inprocess import InProcessEngine
    from tests.fakes import fake_engine

    def with_stems(req, pack, **_kw):
        parts = stems(1.0)
        return types.SimpleNamespace(audio=[sum(parts.values())], timings={}, meta=[{"seed": 5}],
                                     stems=[parts], given=[["drums"]])

    clip = tmp_path / "bass.mid"
    write_notes(clip, BASS_NOTES, bpm=100)
    engine = InProcessEngine(takes_dir=tmp_path / "takes", device=DeviceChoice("cpu", "fp32"),
                             generate_fn=with_stems, load_pack=fake_engine.fake_load_pack)
    try:
        job = engine.generate({"prompt": "x", "seed": 5, "duration_s": 1.0, "structure": {
            "parts": ["drums", "bass", "melody"], "bpm": 100,
            "notes": {"bass": [vars(n) for n in read_notes(clip)]}}})
        assert engine.wait_job(job, 30).event == "job_done"
        (ready,) = [e.data for e in engine.job_events(job) if e.event == "take_ready"]
    finally:
        engine.close()
    take = Take.from_dict(ready["take"])
    assert ready["paths"]["folder"] == take.folder and os.path.isdir(take.folder)
    assert ready["paths"]["parts"] == {p.role: p.path for p in take.parts}
    assert [p.role for p in take.parts if p.given] == ["drums"]
    assert [n.pitch for n in read_notes(take.parts[1].midi_path)] == [45, 41, 48]


def test_the_engine_refuses_bad_structure_when_it_is_submitted(tmp_path):
    from engine.client import EngineError
    from engine.devices import DeviceChoice
    from engine.inprocess import InProcessEngine
    from tests.fakes import fake_engine

    engine = InProcessEngine(takes_dir=tmp_path, device=DeviceChoice("cpu", "fp32"),
                             generate_fn=fake_engine.fake_generate,
                             load_pack=fake_engine.fake_load_pack)
    try:
        for structure, expected in [({"bpm": 500}, "tempo 500"),
                                    ({"parts": ["kazoo"]}, "unknown part(s) 'kazoo'"),
                                    ({"bpm": 100, "chords": ["Am", "Hm"]}, "bar 2: bad chord"),
                                    ({"bars": 4}, "needs a tempo")]:
            with pytest.raises(EngineError) as info:
                engine.generate({"prompt": "x", "structure": structure})
            assert info.value.code == "bad_params" and expected in info.value.message
    finally:
        engine.close()
