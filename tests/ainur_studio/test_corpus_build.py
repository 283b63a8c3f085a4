"""End to end: a tiny corpus from one Bach chorale (skipped without music21 / FluidSynth)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
import soundfile as sf

from ainur_studio.data.corpus import deps
from ainur_studio.data.corpus.build import BuildConfig, build, summarise
from ainur_studio.data.corpus.piece import ClipSettings
from ainur_studio.lyrics.lrc import read_lrc


def _have_tools() -> bool:
    try:
        deps.require_music21()
        deps.find_fluidsynth()
        deps.find_soundfont()
    except deps.MissingDependency:
        return False
    return True


pytestmark = pytest.mark.skipif(not _have_tools(),
                                reason="music21 / fluidsynth / fluid-soundfont-gm not installed")
CLIP = ClipSettings(target_s=12.0, min_s=6.0, max_s=15.0, max_clips=2)


def _build(out: Path) -> None:
    build(BuildConfig(out=str(out), seed=3, limit=1, clip=CLIP, collections=["bach"]))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    _build(out)
    return out


def test_manifest_records_point_at_48k_stereo_clips(corpus: Path) -> None:
    records = [json.loads(line) for line in (corpus / "manifest.jsonl").read_text().splitlines()]
    assert 1 <= len(records) <= CLIP.max_clips
    for record in records:
        audio, rate = sf.read(corpus / record["audio_path"])
        assert rate == 48000 and audio.shape[1] == 2
        assert abs(audio.shape[0] / rate - record["duration_s"]) < 1e-3
        assert record["caption"].startswith("Johann Sebastian Bach, Baroque chorale, ")
        assert f"{record['bpm']} BPM" in record["caption"]
        assert record["split"] in ("train", "test")
        assert record["source"].startswith("bach/")


def test_lyrics_are_enhanced_lrc_inside_the_clip(corpus: Path) -> None:
    records = [json.loads(line) for line in (corpus / "manifest.jsonl").read_text().splitlines()]
    for record in records:
        if record["lrc_path"] is None:
            continue
        lyrics, problems = read_lrc(corpus / record["lrc_path"])
        assert not problems
        assert lyrics.text == record["lyrics_text"]
        for line in lyrics.lines:
            assert line.words and all(0 <= w.start_ms <= record["duration_s"] * 1000
                                      for w in line.words)


def test_same_seed_same_manifest_and_audio(corpus: Path, tmp_path: Path) -> None:
    _build(tmp_path)
    assert (tmp_path / "manifest.jsonl").read_bytes() == (corpus / "manifest.jsonl").read_bytes()
    for flac in (corpus / "audio").rglob("*.flac"):
        assert (tmp_path / flac.relative_to(corpus)).read_bytes() == flac.read_bytes()


def test_resume_renders_nothing_twice(corpus: Path) -> None:
    before = (corpus / "manifest.jsonl").read_text()
    state = build(BuildConfig(out=str(corpus), seed=3, limit=1, clip=CLIP,
                              collections=["bach"]))
    assert state.pieces == 0 and (corpus / "manifest.jsonl").read_text() == before
    stats = summarise(corpus)
    assert stats["clips"] == len(before.splitlines()) and stats["pieces"] == 1


def test_cli_parses_the_build_options() -> None:
    from commands import corpus as cli

    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args(["build", "--out", "x", "--seed", "7", "--limit", "20",
                              "--clip-seconds", "16", "--workers", "2"])
    assert (args.out, args.seed, args.limit, args.clip_seconds, args.workers) == \
        ("x", 7, 20, 16.0, 2)
