"""Piece ids, order, held-out split, styles, captions and the missing-dependency errors."""

from __future__ import annotations

import importlib
import random

import pytest

from ainur_studio.data.corpus import deps
from ainur_studio.data.corpus.captions import caption, caption_fields, mood_words, pace
from ainur_studio.data.corpus.scores import PieceRef, order_pieces, split_of
from ainur_studio.data.corpus.styles import composer_of, genre_of


def test_piece_id_is_file_name_safe_and_includes_the_tune_number() -> None:
    ref = PieceRef("essenFolksong/altdeu10.abc", 128)
    assert ref.piece_id == "essenFolksong-altdeu10-abc-128"
    assert ref.collection == "essenFolksong"
    assert PieceRef("bach/bwv66.6.mxl").piece_id == "bach-bwv66-6-mxl"


def test_order_interleaves_collections_and_depends_on_the_seed() -> None:
    pieces = [PieceRef(f"{c}/p{i}.abc") for c in ("a", "b", "c") for i in range(5)]
    ordered = order_pieces(pieces, seed=1)
    assert [r.collection for r in ordered[:6]] == ["a", "b", "c", "a", "b", "c"]
    assert sorted(r.piece_id for r in ordered) == sorted(r.piece_id for r in pieces)
    assert order_pieces(pieces, seed=1) == ordered
    assert order_pieces(pieces, seed=2) != ordered


def test_split_is_by_piece_stable_and_about_five_percent() -> None:
    ids = [f"piece-{i}" for i in range(4000)]
    held_out = [i for i in ids if split_of(i) == "test"]
    assert 0.035 < len(held_out) / len(ids) < 0.065
    assert [split_of(i) for i in ids[:50]] == [split_of(i) for i in ids[:50]]


def test_genres_and_composers() -> None:
    assert genre_of("essenFolksong", locale="Europa, Mitteleuropa, Deutschland") == \
        "German folk song"
    assert genre_of("oneills1850", time_signature="6/8") == "Irish jig"
    assert genre_of("ryansMammoth", title="Victoria -- Hornpipe") == "fiddle hornpipe"
    assert composer_of("bach") == "Johann Sebastian Bach"
    assert composer_of("trecento", "Landini, Francesco") == "Francesco Landini"
    assert composer_of("trecento", "Anonymous") == ""


def test_caption_uses_the_descriptor_format() -> None:
    fields = caption_fields(composer="Johann Sebastian Bach", genre="Baroque chorale",
                            instruments=["church organ", "strings", "church organ"],
                            moods=["solemn"], key="G major", bpm=84, time_signature="4/4")
    assert caption(fields) == ("Johann Sebastian Bach, Baroque chorale, church organ, strings, "
                               "solemn, G major, 84 BPM, 4/4")


def test_moods_follow_mode_and_pace() -> None:
    assert pace(60, "4/4") == "slow" and pace(150, "6/8") == "medium"
    rng = random.Random(0)
    for _ in range(20):
        assert set(mood_words("minor", 150, "2/4", "dance", rng)) <= {
            "driving", "restless", "dramatic", "tense"}


def test_missing_music21_names_the_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module

    def fake_import(name: str, *args: object) -> object:
        if name == "music21":
            raise ImportError("No module named 'music21'")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", fake_import)
    with pytest.raises(deps.MissingDependency, match="pip install music21"):
        deps.require_music21()


def test_missing_fluidsynth_names_the_apt_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLUIDSYNTH", raising=False)
    monkeypatch.setattr(deps.shutil, "which", lambda name: None)
    with pytest.raises(deps.MissingDependency, match="apt-get install fluidsynth"):
        deps.find_fluidsynth()
    with pytest.raises(deps.MissingDependency, match="fluid-soundfont-gm"):
        deps.find_soundfont("/nonexistent/GM.sf2")
