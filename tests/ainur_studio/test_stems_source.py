"""A genre corpus as the stems prior's training data: clips, structures, encoded stems, crops."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ainur_studio.structure import STEM_ROLES
from ainur_studio.training.sources import load_sources
from ainur_studio.training.stems_corpus import load_stem_corpus
from ainur_studio.training.stems_window import crop_structure
from ainur_studio.types import NoteEvent, Structure
from tests.ainur_studio.debug_pack import shared_debug_pack
from tests.ainur_studio.stem_corpus import CHORDS, make_stem_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return make_stem_corpus(tmp_path_factory.mktemp("stems") / "corpus", clips=3, held_out=2)


def test_clips_carry_stems_structure_captions_and_split(corpus):
    clips = load_stem_corpus(corpus)
    assert [c.clip_id for c in clips.train] == ["house-00000", "house-00001"]
    assert [c.clip_id for c in clips.held_out] == ["house-00002"]
    clip = clips.train[0]
    assert clip.stems["vocals"] is None and clip.stems["drums"].name == "drums.wav"
    st = clip.structure
    assert (st.bpm, st.metre, st.start_bar, st.chords[:4]) == (120.0, "4/4", 1, CHORDS)
    assert st.parts == ["drums", "bass", "harmony", "melody"]
    assert sorted(st.notes) == ["bass", "drums", "harmony", "melody"]
    assert st.notes["bass"][1].start_s == pytest.approx(1.0, abs=1e-3)
    assert len(clip.captions) == 2 and clip.lyrics is not None
    assert clips.train[1].lyrics is None


def test_a_clip_missing_a_stem_file_is_reported_and_skipped(tmp_path):
    root = make_stem_corpus(tmp_path / "c", clips=2)
    (root / "genres/house/house-00001/bass.wav").unlink()
    sources = load_sources(root, kind="auto")
    assert [c.clip_id for c in sources.stems.train] == ["house-00000"]
    [skipped] = sources.report.skipped
    assert skipped.path == "house-00001 (line 2)" and skipped.reason == "missing stem"
    assert "bass stem" in skipped.detail and "missing" in skipped.detail
    assert "skipped house-00001" in sources.summary()


def test_kind_mix_reads_the_corpus_as_recordings_and_stems_requires_stems(tmp_path):
    root = make_stem_corpus(tmp_path / "c", clips=1, mix=True)
    sources = load_sources(root / "manifest.jsonl", kind="mix")
    assert sources.stems is None and [Path(i.path).name for i in sources.train] == ["mix.wav"]
    with pytest.raises(ValueError, match="neither a genre corpus of stems"):
        load_sources(root / "genres", kind="stems")


def test_kind_recordings_adds_each_stem_beside_the_mix_in_its_clips_split(tmp_path):
    root = make_stem_corpus(tmp_path / "c", clips=3, held_out=1, mix=True)
    sources = load_sources(root / "manifest.jsonl", kind="recordings")
    names = sorted(Path(i.path).name for i in sources.train)
    assert names == sorted(["mix.wav", "drums.wav", "bass.wav", "harmony.wav", "melody.wav"] * 2)
    assert sorted(Path(i.path).name for i in sources.held_out) == sorted(
        ["mix.wav", "drums.wav", "bass.wav", "harmony.wav", "melody.wav"])
    assert all(not i.lyrics_text for i in sources.train if Path(i.path).name != "mix.wav")


def test_the_autoencoder_reads_stems_and_clasp_only_mixes():
    from ainur_studio.training.spec import RunSpec

    kind = {c: RunSpec(data="d", component=c, mode="full").source_kind()
            for c in ("autoencoder", "decoder", "clasp")}
    assert kind == {"autoencoder": "recordings", "decoder": "recordings", "clasp": "mix"}
    assert RunSpec(data="d", component="autoencoder", mode="full",
                   data_kind="mix").source_kind() == "mix"


# --- crops of a structure ---------------------------------------------------------------

def _structure() -> Structure:
    notes = {"bass": [NoteEvent(40, 0.5, 1.5), NoteEvent(43, 3.0, 3.5), NoteEvent(45, 9.0, 9.5)],
             "melody": [NoteEvent(70, 1.5, 2.6)]}
    return Structure(parts=["bass", "melody"], bpm=120.0, metre="4/4", chords=CHORDS,
                     notes=notes)


def test_a_crop_at_a_bar_line_starts_there():
    crop, start_s = crop_structure(_structure(), 2.0, 4.0)
    assert start_s == 0.0 and crop.start_bar == 2 and crop.chords == CHORDS[1:] + CHORDS[:1]
    assert [(n.pitch, n.start_s) for n in crop.notes["bass"]] == [(43, 1.0)]
    assert [(n.start_s, n.end_s) for n in crop.notes["melody"]] == [(-0.5, pytest.approx(0.6))]
    assert crop.parts == ["bass", "melody"]


def test_a_crop_inside_a_bar_is_seen_from_that_bar():
    crop, start_s = crop_structure(_structure(), 2.5, 4.5)
    assert crop.start_bar == 2 and start_s == pytest.approx(0.5)
    assert [(n.pitch, n.start_s) for n in crop.notes["bass"]] == [(43, 1.0)]  # 0.5 s in
    past_the_end, start = crop_structure(_structure(), 9.0, 11.0)  # bar 5: chords wrap
    assert past_the_end.start_bar == 5 and past_the_end.chords == CHORDS and start == 1.0


def test_crop_features_equal_the_whole_clip_features_at_the_crop():
    track = shared_debug_pack().prior.structure_track
    fr, n = 46.875, 96
    for t0 in (2.0, 2.5, 5.37):
        crop, start_s = crop_structure(_structure(), t0, t0 + n / fr)
        whole = track.build([_structure()], n, fr, start_s=t0)
        assert torch.equal(track.build([crop], n, fr, start_s=start_s), whole)


# --- encoded stems and their crops ------------------------------------------------------

@pytest.fixture(scope="module")
def items(corpus, tmp_path_factory):
    from ainur_studio.training.stems_cache import encode_clips

    clips = load_stem_corpus(corpus)
    return encode_clips(clips.train, shared_debug_pack(), cache_dir=tmp_path_factory.mktemp("c"))


def test_each_role_is_encoded_alone_and_silent_roles_hold_the_silent_latent(items, corpus):
    from ainur_studio.audio.io import audio_read
    from ainur_studio.models.stems import silent_latent

    pack = shared_debug_pack()
    found, skipped = items
    assert skipped == [] and len(found) == 2
    item, c = found[0], pack.prior.latent_channels
    assert pack.prior.roles == STEM_ROLES
    assert item.latents.shape == (5 * c, item.frames) and item.latents.dtype == torch.float16
    assert item.parts.tolist() == [True, True, True, True, False]
    bass = audio_read(Path(item.path) / "bass.wav")
    with torch.no_grad():
        z = pack.autoencoder.encode(bass[None])[0, :, : item.frames]
    assert torch.allclose(item.latents[c:2 * c].float(), z, atol=2e-3)
    silence = silent_latent(pack.autoencoder, item.frames)
    assert torch.allclose(item.latents[4 * c:].float(), silence, atol=2e-3)


def test_crops_give_stacked_stems_the_crop_structure_and_a_caption(items):
    from ainur_studio.data.datasets import collate_crops
    from ainur_studio.training.stems_crops import StemCropDataset

    found, _ = items
    data = StemCropDataset(found, crop_frames=48, frame_rate=shared_debug_pack().prior.frame_rate)
    torch.manual_seed(0)
    crops = [data[i % 2] for i in range(40)]
    batch = collate_crops(crops[:2])
    assert batch["latents"].shape == (2, 160, 48) and batch["parts"].shape == (2, 5)
    assert len(batch["structure"]) == 2 and len(batch["structure_start_s"]) == 2
    assert {c["text"] for c in crops} == set(found[0].captions) | set(found[1].captions)
    for i, crop in enumerate(crops):
        assert 0.0 <= crop["structure_start_s"] < 2.0  # inside the crop's first bar
        item = found[i % 2]
        tokens, _mask = item.embeddings[item.captions.index(crop["text"])]
        assert torch.equal(crop["embedding"], tokens)
    import copy

    from ainur_studio.training.recipes.stems_objective import StemsObjective

    prior = copy.deepcopy(shared_debug_pack().prior)
    prior.attach_text_encoder(shared_debug_pack().text_encoder)
    assert torch.isfinite(StemsObjective(prior).training_losses(batch)["loss"])


def test_a_rendered_corpus_clip_reads_without_its_mix(tmp_path):
    """One clip built by the corpus builder (skipped without FluidSynth and a SoundFont)."""
    import json
    import shutil

    from ainur_studio.data.corpus.genres.build import GenreBuildConfig, build_genres
    from ainur_studio.data.corpus.genres.soundfonts import installed_soundfonts

    pytest.importorskip("pedalboard")
    if not shutil.which("fluidsynth") or not installed_soundfonts():
        pytest.skip("needs fluidsynth and a GM SoundFont")
    build_genres(GenreBuildConfig(out=str(tmp_path), seed=3, genres=["dnb"], songs_per_genre=1))
    record = json.loads((tmp_path / "manifest.jsonl").read_text().splitlines()[0])
    for name in ("mix.flac", "mix.ogg"):  # the stems source never reads the mix
        (tmp_path / Path(record["labels_path"]).parent / name).unlink(missing_ok=True)
    [clip] = load_stem_corpus(tmp_path).train + load_stem_corpus(tmp_path).held_out
    labels = json.loads((tmp_path / record["labels_path"]).read_text())
    st = clip.structure
    assert (st.bpm, st.metre, st.chords) == (labels["bpm"], labels["metre"], labels["chords"])
    assert st.parts == [r for r in STEM_ROLES if record["stems"][r]]
    assert clip.captions == labels["captions"] and len(st.notes["drums"]) > 10
    assert max(n.end_s for n in st.notes["drums"]) <= record["duration_s"]
