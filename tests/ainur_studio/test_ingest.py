"""Dataset ingestion: usable files with captions and lyrics, broken files with reasons."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from ainur_studio.data.ingest import scan_folder


def _tone(seconds: float, rate: int = 48_000, channels: int = 2, amp: float = 0.3):
    t = np.arange(int(rate * seconds)) / rate
    x = amp * np.sin(2 * np.pi * 440 * t)
    return np.stack([x] * channels, 1).astype(np.float32)


@pytest.fixture
def dataset(tmp_path):
    root = tmp_path / "my songs"
    (root / "album").mkdir(parents=True)
    sf.write(root / "a.wav", _tone(3), 48_000, subtype="PCM_24")
    (root / "a.txt").write_text("dusty lo-fi piano, 80 BPM\n")
    (root / "a.lrc").write_text("[00:00.50]first line\n[00:01.50]second line\n")
    sf.write(root / "album" / "b.flac", _tone(2.5, 44_100, 1), 44_100)
    (root / "album" / "b.json").write_text(json.dumps({"prompt": "folk guitar", "genre": "folk"}))
    (root / "empty.wav").write_bytes(b"")
    full = root / "full.wav"
    sf.write(full, _tone(3), 48_000)
    (root / "truncated.wav").write_bytes(full.read_bytes()[: len(full.read_bytes()) // 2])
    full.unlink()
    (root / "notes.wav").write_text("this is a text file, not audio\n" * 20)
    sf.write(root / "one_sample.wav", _tone(1 / 48_000), 48_000)
    sf.write(root / "silent.wav", np.zeros((48_000 * 3, 2), np.float32), 48_000)
    (root / "cover.jpg").write_bytes(b"\xff\xd8\xff")
    return root


def test_report_lists_usable_and_broken_files(dataset):
    before = {p: p.read_bytes() for p in dataset.rglob("*") if p.is_file()}
    report = scan_folder(dataset)
    usable = {i.path.split("/")[-1]: i for i in report.items}
    assert set(usable) == {"a.wav", "b.flac"}
    reasons = {s.path: s.reason for s in report.skipped}
    assert reasons == {"empty.wav": "unreadable", "truncated.wav": "unreadable",
                       "notes.wav": "unreadable", "one_sample.wav": "too short",
                       "silent.wav": "silent", "cover.jpg": "unsupported"}
    assert report.total_seconds == pytest.approx(3 + 2.5, abs=1e-3)
    a, b = usable["a.wav"], usable["b.flac"]
    assert a.prompt == "dusty lo-fi piano, 80 BPM" and a.lyrics_source == "sidecar"
    assert [ln.text for ln in a.lyrics.lines] == ["first line", "second line"]
    assert b.prompt == "folk guitar" and b.fields["genre"] == "folk"
    assert b.conversions == ["resample 44100 Hz -> 48000 Hz", "mono -> stereo"]
    assert report.conversions() == {"resample 44100 Hz -> 48000 Hz": 1, "mono -> stereo": 1}
    json.dumps(report.to_dict())  # JSON-friendly
    assert "silent" in report.summary() and "2 usable files" in report.summary()
    after = {p: p.read_bytes() for p in dataset.rglob("*") if p.is_file()}
    assert after == before  # the user's files are never modified


def test_embedded_tags_give_captions_and_lyrics(tmp_path):
    mutagen = pytest.importorskip("mutagen.flac")
    path = tmp_path / "tagged.flac"
    sf.write(path, _tone(3), 48_000)
    f = mutagen.FLAC(path)
    f["ARTIST"], f["GENRE"], f["TITLE"] = "The Band", "Alternative Rock", "Song"
    f["LYRICS"] = "[00:01.00]tagged words\n[00:02.00]more words"
    f.save()
    (item,) = scan_folder(tmp_path).items
    assert item.fields == {"artist": "The Band", "genre": "Alternative Rock", "title": "Song"}
    assert item.lyrics_source == "tags" and item.lyrics.lines[0].text == "tagged words"


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        scan_folder(tmp_path / "nope")
