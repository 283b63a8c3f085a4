"""Latent cache (hits, invalidation by content and model, damage, pruning, never beside the
user's files) and random crops over cached latents."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from ainur_studio.data.datasets import (
    LatentCropDataset,
    LatentItem,
    collate_crops,
    crop_length,
    shift_lyrics,
    split_holdout,
)
from ainur_studio.lyrics.lrc import parse_lrc
from ainur_studio.training.recipes import prior_cache as pc
from tests.ainur_studio.debug_pack import shared_debug_pack


@dataclass
class Src:
    path: str
    prompt: str = "a tone"
    lyrics: object = None



def _tone(path: Path, seconds: float, f0: float) -> Path:
    t = np.arange(int(48_000 * seconds)) / 48_000
    x = 0.3 * np.sin(2 * np.pi * f0 * t)
    sf.write(path, np.stack([x, x], 1).astype(np.float32), 48_000)
    return path


@pytest.fixture
def counted(monkeypatch):
    calls = []
    real = pc.encode_audio

    def encode(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pc, "encode_audio", encode)
    return calls


def test_second_run_reads_the_cache_and_nothing_is_written_beside_the_data(tmp_path, counted):
    data = tmp_path / "data"
    data.mkdir()
    sources = [Src(str(_tone(data / f"{i}.wav", 1.5, 220 * (i + 1)))) for i in range(2)]
    pack = shared_debug_pack()
    first = pc.precache(sources, pack, cache_dir=tmp_path / "cache")
    assert len(counted) == 2
    second = pc.precache(sources, pack, cache_dir=tmp_path / "cache")
    assert len(counted) == 2  # no re-encoding
    for a, b in zip(first, second, strict=True):
        assert torch.equal(a.latents, b.latents) and torch.equal(a.embedding, b.embedding)
        assert a.latents.shape == (32, 71)  # ceil(1.5 s * 48000 / 1024)
        assert a.clasp_audio is not None and a.clasp_audio.norm() == pytest.approx(1, abs=1e-4)
    assert sorted(p.name for p in data.iterdir()) == ["0.wav", "1.wav"]


def test_edited_recording_and_other_model_get_new_entries(tmp_path, counted):
    from ainur_studio.models.factory import load_config
    from ainur_studio.models.pretrained import build_pack

    data = tmp_path / "data"
    data.mkdir()
    src = Src(str(_tone(data / "a.wav", 1.0, 220)))
    cache = tmp_path / "cache"
    before = pc.precache([src], shared_debug_pack(), cache_dir=cache)[0]
    _tone(data / "a.wav", 1.0, 330)  # the user edits the file
    after = pc.precache([src], shared_debug_pack(), cache_dir=cache, prune=True)[0]
    assert after.key != before.key and not torch.equal(after.latents, before.latents)
    assert len(list(cache.rglob("latents/*.safetensors"))) == 1  # the stale entry is pruned
    other = build_pack(load_config("pack_debug"), seed=1)
    assert pc.model_key(other) != pc.model_key(shared_debug_pack())
    pc.precache([src], other, cache_dir=cache, prune=True)
    assert len(counted) == 3
    assert [p.name for p in cache.iterdir()] == [pc.model_key(other)[:24]]


def test_damaged_entry_is_recomputed(tmp_path, counted):
    src = Src(str(_tone(tmp_path / "a.wav", 1.0, 220)))
    item = pc.precache([src], shared_debug_pack(), cache_dir=tmp_path / "cache")[0]
    entry = next((tmp_path / "cache").rglob("latents/*.safetensors"))
    entry.write_bytes(entry.read_bytes()[:40])
    again = pc.precache([src], shared_debug_pack(), cache_dir=tmp_path / "cache")[0]
    assert len(counted) == 2 and torch.equal(item.latents, again.latents)


def test_segmented_encoding_covers_the_whole_file():
    ae = shared_debug_pack().autoencoder
    wav = torch.randn(2, 5 * 1024 + 10) * 0.1
    z = pc.encode_audio(ae, wav, segment_frames=2)
    assert z.shape == (32, 6)
    torch.testing.assert_close(z[:, :2], ae.encode(wav[None, :, :2048])[0], rtol=0, atol=1e-6)


def _item(frames: int, lyrics=None, name: str = "x") -> LatentItem:
    return LatentItem(key=name, path=name, latents=torch.arange(frames).float().expand(4, -1),
                      embedding=torch.zeros(3, 8), mask=torch.ones(3, dtype=torch.bool),
                      lyrics=lyrics)


def test_random_crops_stay_inside_and_replay_with_the_seed():
    ds = LatentCropDataset([_item(50), _item(20)], crop_frames=16, frame_rate=10.0)
    torch.manual_seed(0)
    first = [ds[0]["latents"][0, 0].item() for _ in range(20)]
    torch.manual_seed(0)
    assert [ds[0]["latents"][0, 0].item() for _ in range(20)] == first
    assert all(0 <= s <= 34 for s in first) and len(set(first)) > 5
    crop = ds[0]["latents"]
    assert torch.equal(crop[0], torch.arange(crop[0, 0].item(), crop[0, 0].item() + 16))
    batch = collate_crops([ds[0], ds[1]])
    assert batch["latents"].shape == (2, 4, 16) and batch["mask"].shape == (2, 3)


def test_lyrics_are_retimed_to_the_crop():
    lyrics = parse_lrc("[00:01.00]one\n[00:03.00]two\n")[0]
    shifted = shift_lyrics(lyrics, 2000)
    assert [(ln.start_ms, ln.text) for ln in shifted.lines] == [(-1000, "one"), (1000, "two")]
    ds = LatentCropDataset([_item(40, lyrics)], crop_frames=40, frame_rate=10.0,
                           random_crop=False)
    assert ds[0]["lyrics"].lines[0].start_ms == 1000


def test_crop_length_and_holdout_rules():
    assert crop_length([_item(50), _item(37)], wanted=64, multiple=4) == 36
    with pytest.raises(ValueError, match="fewer than the 4"):
        crop_length([_item(3)], wanted=64, multiple=4)
    with pytest.raises(ValueError, match="empty"):
        crop_length([], wanted=64, multiple=4)
    train, held = split_holdout(list(range(10)), fraction=0.2, seed=1)
    assert len(held) == 2 and sorted(train + held) == list(range(10))
    assert split_holdout(list(range(3)), fraction=0.5) == ([0, 1, 2], [])
