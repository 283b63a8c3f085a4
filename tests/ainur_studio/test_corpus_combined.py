"""`make corpus`'s folder: score pieces and genre songs in one manifest, each build resumable
and counting only its own kind; `corpus stats` over both.

Skipped without music21, FluidSynth, a GM SoundFont, pedalboard or mido.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ainur_studio.data.corpus import deps, manifest

pytest.importorskip("mido")
pytest.importorskip("pedalboard")


def _have_tools() -> bool:
    from ainur_studio.data.corpus.genres.soundfonts import installed_soundfonts

    try:
        deps.require_music21()
        deps.find_soundfont()
    except deps.MissingDependency:
        return False
    return bool(shutil.which("fluidsynth") and installed_soundfonts())


pytestmark = pytest.mark.skipif(not _have_tools(), reason="music21 / fluidsynth / SoundFonts "
                                "not installed")


def _scores(out: Path, limit: int):
    from ainur_studio.data.corpus.build import BuildConfig, build
    from ainur_studio.data.corpus.piece import ClipSettings

    clip = ClipSettings(target_s=12.0, min_s=6.0, max_s=15.0, max_clips=1)
    return build(BuildConfig(out=str(out), seed=3, limit=limit, clip=clip,
                             collections=["bach"]))


def _genres(out: Path, limit: int):
    from ainur_studio.data.corpus.genres.build import GenreBuildConfig, build_genres

    return build_genres(GenreBuildConfig(out=str(out), seed=3, limit=limit, genres=["dnb"],
                                         songs_per_genre=2))


@pytest.fixture(scope="module")
def combined(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("combined")
    assert _scores(out, 1).clips == 1
    assert _genres(out, 1).clips == 1          # the score clip is not counted
    return out


def test_both_kinds_share_one_manifest_and_folder(combined: Path) -> None:
    records = manifest.read_records(combined)
    assert [manifest.record_kind(r) for r in records] == ["scores", "genres"]
    for r in records:
        assert (combined / r["audio_path"]).is_file()
    assert records[1]["audio_path"].startswith("genres/dnb/")
    assert json.loads((combined / "build.json").read_text())["config"]["collections"] == ["bach"]
    assert json.loads((combined / "genres" / "build.json").read_text())["kind"] == "genres"


def test_each_build_resumes_and_counts_only_its_own_kind(combined: Path) -> None:
    before = (combined / "manifest.jsonl").read_bytes()
    assert _scores(combined, 1).pieces == 0 and _genres(combined, 1).rendered == 0
    assert (combined / "manifest.jsonl").read_bytes() == before
    assert _scores(combined, 2).clips == 2     # one more piece, after the genre clip
    kinds = [manifest.record_kind(r) for r in manifest.read_records(combined)]
    assert kinds == ["scores", "genres", "scores"]


def test_stats_cover_both_kinds(combined: Path) -> None:
    from ainur_studio.data.corpus.stats import summarise_corpus

    records = manifest.read_records(combined)
    stats = summarise_corpus(combined)
    assert stats["clips"] == len(records)
    scores, genres = stats["scores"], stats["genres"]
    assert scores["clips"] + genres["clips"] == stats["clips"]
    assert stats["hours_by_kind"] == {"scores": scores["hours"], "genres": genres["hours"]}
    assert stats["hours_by_genre"]["dnb"] == genres["hours"]
    assert stats["hours_by_stem"]["drums"] == genres["hours"]
    assert stats["mix_only_hours"] == scores["hours"]
    assert stats["vocal_hours"] == genres["vocal_hours"]


def test_a_share_copies_whole_genre_clips_within_its_budget(combined: Path,
                                                             tmp_path: Path) -> None:
    from ainur_studio.data.corpus.share import clip_files, write_share

    genre = manifest.kind_records(combined, "genres")[0]
    files = clip_files(combined, genre)
    assert {"mix.ogg", "drums.ogg", "drums.mid", "labels.json"} <= {Path(f).name for f in files}
    size = sum((combined / f).stat().st_size for f in files)
    result = write_share(combined, tmp_path / "a", max_bytes=size + 10_000)
    assert result["clips"] == 1 and result["bytes"] <= size + 10_000
    assert manifest.read_records(tmp_path / "a") == [genre]       # the score clip stays out
    for rel in files:
        assert (tmp_path / "a" / rel).read_bytes() == (combined / rel).read_bytes()
    assert write_share(combined, tmp_path / "b", max_bytes=size // 2)["clips"] == 0
    with pytest.raises(FileExistsError, match="already holds a corpus manifest"):
        write_share(combined, tmp_path / "a", max_bytes=size + 10_000)
