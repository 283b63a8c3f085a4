"""The same trainer for every component: CLASP, the autoencoder, its decoder and a prior from
scratch; manifests as a data source."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

from ainur_studio.training.sources import load_sources
from ainur_studio.training.train import train
from tests.ainur_studio.test_finetune import make_clips


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    return make_clips(tmp_path_factory.mktemp("recordings") / "songs", count=4, broken=False)



def _manifest(clips: Path, folder: Path) -> Path:
    """A corpus-format manifest in `folder` with paths relative to it; clip 3 is held out."""
    folder.mkdir(exist_ok=True)
    rel = Path(os.path.relpath(clips, folder))
    rows = [{"clip_id": f"c{i}", "audio_path": str(rel / f"clip{i}.wav"),
             "caption": f"caption {i}", "lrc_path": str(rel / "clip0.lrc") if i == 0 else None,
             "split": "test" if i == 3 else "train"} for i in range(4)]
    rows.append({"audio_path": str(rel / "missing.wav"), "caption": "gone", "split": "train"})
    path = folder / "manifest.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_manifest_rows_become_items_with_their_split(clips):
    sources = load_sources(_manifest(clips, clips.parent / "corpus"))
    assert [Path(i.path).name for i in sources.train] == ["clip0.wav", "clip1.wav", "clip2.wav"]
    assert [i.prompt for i in sources.held_out] == ["caption 3"]
    assert sources.train[0].lyrics is not None and sources.train[1].lyrics is None
    assert [(s.path, s.reason) for s in sources.report.skipped] == [
        ("missing.wav (line 5)", "unreadable")]


def test_bad_manifest_lines_name_the_line(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text('{"audio_path": "a.wav"}\n{oops\n')
    with pytest.raises(ValueError, match=r"m.jsonl:2: not valid JSON"):
        load_sources(path)
    path.write_text('{"caption": "no audio"}\n')
    with pytest.raises(ValueError, match="audio_path"):
        load_sources(path)


def _run(data: Path, out: Path, **overrides) -> dict:
    spec = {"data": str(data), "out": str(out), "base": "debug-mix", "steps": 2, "batch_size": 2,
            "crop_seconds": 1.0, "save_every": 0, "lr": 1e-3, "holdout": 0.0, **overrides}
    return train(spec)


@pytest.mark.parametrize("component", ["clasp", "autoencoder"])
def test_components_train_from_scratch_and_export_their_model(clips, tmp_path, component):
    from ainur_studio.models.factory import create_model_from_config

    result = _run(clips, tmp_path / "run", mode="scratch", component=component,
                  config="debug")
    assert result["steps"] == 2 and result["model"] and result["pack"] is None
    config = json.loads(Path(result["model"], "model_config.json").read_text())
    assert config["type"] == ("clasp" if component == "clasp" else "autoencoder")
    create_model_from_config(config)  # the exported config rebuilds the model


def test_decoder_finetune_keeps_the_encoder_and_exports_a_pack(clips, tmp_path):
    from ainur_studio.models.pretrained import load_pack

    base = load_pack("debug-mix")
    result = _run(clips, tmp_path / "run", mode="full", component="decoder", holdout=0.25,
                  preview_every=1)
    tuned = load_pack(result["pack"])
    for (name, a), b in zip(base.autoencoder.encoder.state_dict().items(),
                            tuned.autoencoder.encoder.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
    assert any(not torch.equal(a, b) for a, b in zip(
        base.autoencoder.decoder.state_dict().values(),
        tuned.autoencoder.decoder.state_dict().values(), strict=True))
    history = (tmp_path / "run" / "history.jsonl").read_text()
    assert "held_out_loss" in history


def test_prior_from_scratch_on_a_manifest(clips, tmp_path):
    manifest = _manifest(clips, tmp_path / "corpus")
    result = _run(manifest, tmp_path / "run", mode="scratch", component="prior",
                  config="prior_debug_mix", ema_decay=0.9)
    assert result["steps"] == 2 and Path(result["pack"], "pack.json").is_file()
    with pytest.raises(ValueError, match="unknown config .huge. for the prior: use one of"):
        _run(manifest, tmp_path / "run2", mode="scratch", component="prior", config="huge")
