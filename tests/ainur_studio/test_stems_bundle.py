"""Stems bundles: the encoded corpus round-trips, and `train(spec)` trains on it with looked-up
text features."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from ainur_studio.training.stems_bundle import read_stems_bundle, write_stems_bundle
from ainur_studio.training.stems_cache import encode_clips
from ainur_studio.training.stems_corpus import load_stem_corpus
from ainur_studio.training.train import train
from tests.ainur_studio.debug_pack import shared_debug_pack
from tests.ainur_studio.stem_corpus import make_stem_corpus


@pytest.fixture(scope="module")
def encoded(tmp_path_factory):
    root = make_stem_corpus(tmp_path_factory.mktemp("stems") / "corpus", clips=3, held_out=2,
                            silent=("vocals", "melody"))
    clips = load_stem_corpus(root)
    items, _ = encode_clips(clips.train + clips.held_out, shared_debug_pack(),
                            cache_dir=tmp_path_factory.mktemp("cache"))
    splits = ["train", "train", "test"]
    folder = write_stems_bundle(tmp_path_factory.mktemp("b") / "bundle", shared_debug_pack(),
                                list(zip(items, splits)))
    return items, folder


def test_the_bundle_gives_back_the_items(encoded):
    items, folder = encoded
    bundle = read_stems_bundle(folder)
    train_items, held = bundle.items(shared_debug_pack())
    assert [it.key for it in train_items + held] == ["house-00000", "house-00001", "house-00002"]
    assert len(held) == 1
    for a, b in zip(items, train_items + held):
        assert b.latents.dtype == torch.float16 and b.latents.shape == a.latents.shape
        c = 32
        present, back = a.latents[: 3 * c].float(), b.latents[: 3 * c].float()
        step = present.abs().amax(dim=-1, keepdim=True) / 127  # int8: half a step at most
        assert ((present - back).abs() <= step / 2 + 2e-3 * present.abs() + 1e-6).all()
        assert (present - back).abs().max() > 0  # int8, not the fp16 it came from
        assert torch.allclose(a.latents[3 * c:].float(), b.latents[3 * c:].float(), atol=2e-3)
        assert b.parts.tolist() == a.parts.tolist() == [True, True, True, False, False]
        assert b.structure == a.structure and b.captions == a.captions
        for (e1, m1), (e2, m2) in zip(a.embeddings, b.embeddings):
            assert torch.equal(m1, m2)
            assert (e1 - e2).abs().max() <= e1.abs().max() / 254 + 2e-3
        assert torch.equal(a.clasp_audio, b.clasp_audio)
    assert train_items[0].lyrics.lines[1].text == "second line"


def test_a_bundle_for_another_prior_is_refused(encoded):
    from ainur_studio.models.pretrained import load_pack

    _, folder = encoded
    with pytest.raises(ValueError, match="holds .* stems"):
        read_stems_bundle(folder).items(load_pack("debug-mix"))


def test_train_on_the_bundle_with_looked_up_text(encoded, tmp_path):
    _, folder = encoded
    result = train({"data": str(folder), "out": str(tmp_path / "run"), "base": "debug",
                    "mode": "full", "steps": 2, "batch_size": 2, "crop_seconds": 1.0,
                    "save_every": 0, "lr": 1e-3, "warmup": 0, "text_features": "lookup",
                    "preview_every": 2, "preview_prompts": []})
    assert result["steps"] == 2 and result["clips"] == 2 and result["pack"]
    assert (Path(result["out"]) / "history.jsonl").is_file()


def test_the_gpu_script_trains_resumes_and_imports_a_pack(encoded, tmp_path):
    """scripts/stems_bundle_train.py: steps and seconds add up over two calls, the fp16 prior
    files it brings back hold the run's EMA weights, and `import` makes a pack that loads with
    them."""
    from safetensors.torch import load_file

    from ainur_studio.models.pretrained import load_pack
    from tests.ainur_studio.script_module import load_script

    _, folder = encoded
    script = load_script("stems_bundle_train")
    out = tmp_path / "weights"
    common = ["train", "--bundle", str(folder), "--out", str(out), "--base", "debug",
              "--config", "prior_debug", "--batch-size", "2", "--crop-seconds", "1",
              "--warmup", "0", "--device", "cpu"]
    assert script.main([*common, "--steps", "2"]) == 0
    first = json.loads((out / "log.json").read_text())["seconds"]
    assert script.main([*common, "--steps", "3"]) == 0
    log = json.loads((out / "log.json").read_text())
    assert log["steps"] == 3 and log["device"] == "cpu" and np.isfinite(log["last_loss"])
    assert log["seconds"] > first > 0  # the seconds of both calls
    files = sorted(p.name for p in out.glob("*.safetensors"))
    assert files == ["prior0.safetensors", "prior1.safetensors"]

    ema = load_file(str(next((out / "run" / "checkpoints").iterdir()) / "ema.safetensors"))
    assert script.main(["import", "--weights", str(out), "--out", str(tmp_path / "pack"),
                        "--name", "stems-test"]) == 0
    pack = load_pack(tmp_path / "pack")
    assert pack.name == "stems-test" and pack.prior.has_stems
    state = pack.prior.state_dict()
    for key, value in ema.items():
        name = key.removeprefix("prior.")
        if name in state and value.is_floating_point():
            assert torch.allclose(state[name].float(), value.float().half().float(), atol=1e-6)
    meta = json.loads((tmp_path / "pack" / "pack.json").read_text())
    assert meta["stems_training"]["steps"] == 3


def test_import_names_what_is_missing(tmp_path):
    from tests.ainur_studio.script_module import load_script

    script = load_script("stems_bundle_train")
    with pytest.raises(SystemExit, match="no log.json"):
        script.main(["import", "--weights", str(tmp_path), "--out", str(tmp_path / "p")])


def test_the_bundle_script_fills_its_budget_without_outgrowing_it(tmp_path, capsys):
    """scripts/stems_bundle.py adds clips while its size estimate fits; the bundle written
    stays within the budget, and the estimate is within 15 % of the real size."""
    from tests.ainur_studio.script_module import load_script

    root = make_stem_corpus(tmp_path / "corpus", clips=4, silent=("vocals",))
    script = load_script("stems_bundle")
    common = ["--corpus", str(root), "--base", "debug", "--cache", str(tmp_path / "cache")]
    assert script.main([*common, "--out", str(tmp_path / "all")]) == 0
    printed = capsys.readouterr()
    full = json.loads(printed.out)
    estimate = float(printed.err.strip().splitlines()[-1].rsplit("(", 1)[1].split()[0])
    assert full["clips"] == 4
    assert abs(estimate - full["mib"]) <= 0.15 * full["mib"] + 0.05, (estimate, full["mib"])
    budget = full["mib"] * 0.6                     # room for two or three of the four clips
    assert script.main([*common, "--out", str(tmp_path / "part"), "--max-mib", str(budget)]) == 0
    part = json.loads(capsys.readouterr().out)
    assert 2 <= part["clips"] < 4 and part["mib"] <= budget


def test_an_excerpt_crops_as_the_whole_clip_does_at_the_same_clip_time(encoded):
    """An excerpt keeps clip time: its crop at frame 0 has the latents, structure, notes and
    lyrics of the whole clip's crop at the excerpt's offset; notes and lines that do not sound
    in it are gone, and a line's open end is made explicit."""
    from ainur_studio.training.stems_bundle import excerpt
    from ainur_studio.training.stems_crops import StemCropDataset

    items, _ = encoded
    item, rate = _sung_late(items[0]), shared_debug_pack().prior.frame_rate
    cut = excerpt(item, round(3.0 * rate), rate)
    assert cut.frames == round(3.0 * rate) and cut.frame_offset > 0
    assert torch.equal(cut.latents, item.latents[:, cut.frame_offset:cut.frame_offset + cut.frames])
    first_s = item.lyrics.lines[0].start_ms / 1000
    assert cut.frame_offset == max(0, round((first_s - 1.0) * rate))  # just before the voice
    a_s, b_s = cut.frame_offset / rate, (cut.frame_offset + cut.frames) / rate
    for role, notes in cut.structure.notes.items():
        whole = [n for n in item.structure.notes[role] if n.end_s > a_s and n.start_s < b_s]
        assert notes == whole
    assert sum(map(len, cut.structure.notes.values())) < sum(map(len, item.structure.notes.values()))
    assert [(ln.start_ms, ln.text, ln.end_ms) for ln in cut.lyrics.lines] == [
        (2500, "hello there", 4000), (4000, "second line", 5500)]  # the third starts after

    frames = 32
    class At(StemCropDataset):
        def offset(self, it):
            return cut.frame_offset if it is item else 0
    whole = At([item], crop_frames=frames, frame_rate=rate, random_crop=False)[0]
    part = StemCropDataset([cut], crop_frames=frames, frame_rate=rate, random_crop=False)[0]
    assert torch.equal(whole["latents"], part["latents"])
    assert whole["structure"] == part["structure"]
    assert whole["structure_start_s"] == pytest.approx(part["structure_start_s"])
    sounding = [ln.text for ln in part["lyrics"].lines]
    assert sounding and sounding == [ln.text for ln in whole["lyrics"].lines
                                     if ln.text in sounding]


def test_a_bundle_of_excerpts_keeps_their_offsets(encoded, tmp_path):
    from ainur_studio.training.stems_bundle import excerpt

    items, _ = encoded
    rate = shared_debug_pack().prior.frame_rate
    cuts = [excerpt(_sung_late(it), round(3.0 * rate), rate) for it in items]
    folder = write_stems_bundle(tmp_path / "b", shared_debug_pack(),
                                list(zip(cuts, ["train", "train", "test"])))
    train_items, held = read_stems_bundle(folder).items(shared_debug_pack())
    for a, b in zip(cuts, train_items + held):
        assert b.frame_offset == a.frame_offset > 0 and b.frames == a.frames
        assert b.structure == a.structure
        assert [ln.text for ln in b.lyrics.lines] == [ln.text for ln in a.lyrics.lines]


def _sung_late(item):
    """`item` with three lyric lines from 2.5 s, the last two with open ends."""
    import dataclasses

    from ainur_studio.types import LyricLine, Lyrics

    lines = [LyricLine(2500, "hello there", end_ms=4000), LyricLine(4000, "second line"),
             LyricLine(5500, "third line")]
    return dataclasses.replace(item, lyrics=Lyrics(lines))
