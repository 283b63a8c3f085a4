"""Training from a caption bundle with looked-up text features (`text_features: "lookup"`):
the GPU-bundle script's stages are `train(spec)` runs and write the checkpoints a direct call
writes; the features are what trains (a missing or unknown caption fails naming it, other
features give other weights); no text model is loaded."""

from __future__ import annotations

import json
import shutil
import typing as tp
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from safetensors.torch import load_file, save_file

from ainur_studio.training.caption_bundles import caption_features, write_bundle
from ainur_studio.training.train import train
from tests.ainur_studio.script_module import load_script

RATE = 48_000
CAPTIONS = ["warm synth pad in C", "bright organ chords", "soft choir, slow", "plucked bass line",
            "held-out strings"]


def tone(i: int, seconds: float = 2.5) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    x = sum(0.2 / k * np.sin(2 * np.pi * 110.0 * (i + 2) * k * t) for k in (1, 2, 3))
    x = x * (1 + 0.5 * np.sin(2 * np.pi * (1 + i) * t))
    return np.stack([x, 0.8 * x], 1).astype(np.float32)


def make_bundle(folder: Path, features: tp.Callable[[list[str]], dict] | None = None) -> Path:
    """Five Ogg Vorbis clips (the last held out) with their captions' features: the debug
    pack's text encoder and CLASP text tower, or `features(captions)`."""
    (folder / "audio").mkdir(parents=True)
    items = []
    for i, caption in enumerate(CAPTIONS):
        sf.write(folder / "audio" / f"{i:05d}.ogg", tone(i), RATE, format="OGG",
                 subtype="VORBIS")
        items.append({"file": f"audio/{i:05d}.ogg", "caption": caption, "piece_id": f"p{i}",
                      "split": "test" if i == len(CAPTIONS) - 1 else "train", "duration_s": 2.5})
    if features is None:
        from ainur_studio.models.pretrained import load_pack

        pack = load_pack("debug-mix")
        tensors = caption_features(CAPTIONS, encoder=pack.text_encoder, tower=pack.clasp.text_tower,
                                   max_length=32, tower_max_length=64)
    else:
        tensors = features(CAPTIONS)
    return write_bundle(folder, items, tensors)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    return make_bundle(tmp_path_factory.mktemp("bundle") / "bundle")


def stage(bundle: Path, out: Path, component: str, base: str, **overrides) -> dict:
    """The spec the script gives a stage with `--batch-div 16 --steps 2`, written out here."""
    lr, batch, crop = {"autoencoder": (4e-4, 2, 1.5), "clasp": (3e-4, 4, 6.0),
                       "prior": (3e-4, 2, 10.0)}[component]
    return {"data": str(bundle), "out": str(out), "base": base, "mode": "full",
            "component": component, "text_features": "lookup", "steps": 2, "batch_size": batch,
            "lr": lr, "warmup": 200, "crop_seconds": crop, "save_every": 1000, "keep_last": 1,
            "ema_decay": 0.999, "seed": 0, "resume": True, "name": f"bundle-{component}",
            **overrides}


def weights(run: Path) -> dict[str, torch.Tensor]:
    folder = run / "checkpoints" / "step-00000002"
    return {f"{name}:{k}": v for name in ("model", "ema")
            for k, v in load_file(str(folder / f"{name}.safetensors")).items()}


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_the_script_stages_are_train_spec_runs(bundle, tmp_path):
    out = tmp_path / "script"
    script = load_script("starter_bundle_train")
    assert script.main(["--bundle", str(bundle), "--out", str(out), "--recipe", "pack_debug_mix",
                        "--steps", "2", "2", "2", "--batch-div", "16", "--device", "cpu"]) == 0

    log = json.loads((out / "log.json").read_text())
    assert [log[s]["steps"] for s in ("autoencoder", "clasp", "prior")] == [2, 2, 2]
    assert log["clips"] == {"train": 4, "test": 1} and log["device"] == "cpu"
    names = {p.name for p in out.glob("*.safetensors")}
    assert names == {"autoencoder0.safetensors", "clasp0.safetensors", "prior0.safetensors",
                     "prior1.safetensors"}
    assert not any(k.startswith("text_tower.") for k in load_file(str(out / "clasp0.safetensors")))
    from ainur_studio.models.pretrained import load_pack

    exported = load_pack(out / "prior")  # names the real text models again
    assert type(exported.clasp.text_tower).__name__ == "TextTower"

    # the same specs through train(spec): fresh debug weights, and the script's prior base
    for component, base in (("autoencoder", "debug-mix"), ("clasp", "debug-mix"),
                            ("prior", str(out / "base"))):
        train(stage(bundle, tmp_path / component, component, base), device="cpu")
        assert same(weights(tmp_path / component), weights(out / component)), component
    # the prior trained on the new autoencoder and CLASP: not vacuous
    train(stage(bundle, tmp_path / "prior-on-init", "prior", str(out / "init")), device="cpu")
    assert not same(weights(tmp_path / "prior-on-init"), weights(out / "prior"))


def _scaled(bundle: Path, folder: Path, prefix: str) -> Path:
    """A copy of `bundle` whose `prefix` features are scaled (the audio unchanged)."""
    shutil.copytree(bundle, folder)
    raw = load_file(str(folder / "text.safetensors"))
    save_file({k: v * 3 if k.startswith(prefix) else v for k, v in raw.items()},
              str(folder / "text.safetensors"))
    return folder


@pytest.mark.parametrize("component, prefix", [("clasp", "pooled."), ("prior", "emb.")])
def test_the_looked_up_features_are_what_trains(bundle, tmp_path, component, prefix):
    other = _scaled(bundle, tmp_path / "other", prefix)
    train(stage(bundle, tmp_path / "a", component, "debug-mix"), device="cpu")
    train(stage(other, tmp_path / "b", component, "debug-mix"), device="cpu")
    assert not same(weights(tmp_path / "a"), weights(tmp_path / "b"))


def test_a_caption_without_features_fails_naming_it(bundle, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(bundle, broken)
    raw = load_file(str(broken / "text.safetensors"))
    save_file({k: v for k, v in raw.items() if k != "emb.2"}, str(broken / "text.safetensors"))
    with pytest.raises(ValueError, match=r"item 2 .*'soft choir, slow'"):
        train(stage(broken, tmp_path / "run", "clasp", "debug-mix"), device="cpu")


def test_a_broken_clip_is_reported_and_skipped(bundle, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(bundle, broken, ignore=shutil.ignore_patterns("decoded"))
    (broken / "audio" / "00001.ogg").write_bytes(b"not audio")
    result = train(stage(broken, tmp_path / "run", "clasp", "debug-mix"), device="cpu")
    assert result["steps"] == 2
    assert [(Path(s["path"]).name, s["reason"]) for s in result["skipped"]] == [
        ("00001.ogg", "unreadable")]
    assert sorted(p.name for p in (broken / "decoded").iterdir()) == [
        "00000.wav", "00002.wav", "00003.wav", "00004.wav"]


def test_an_unknown_text_fails_naming_it(bundle):
    from ainur_studio.training.caption_bundles import bundle_features
    from ainur_studio.training.lookup_packs import lookup_pack
    from ainur_studio.training.lookup_text import MissingTextFeatures

    pack = lookup_pack("debug-mix", bundle_features(bundle))
    emb, mask = pack.prior.encode_text([CAPTIONS[1]])
    assert emb.shape == (1, pack.prior.text_max_length, 32) and mask.any()
    with pytest.raises(MissingTextFeatures, match="'jazz trio'"):
        pack.prior.encode_text(["jazz trio"])
    with pytest.raises(MissingTextFeatures, match="'jazz trio'"):
        pack.clasp.embed_text(["jazz trio"])


def test_lookup_needs_a_caption_bundle(tmp_path):
    folder = tmp_path / "songs"
    folder.mkdir()
    sf.write(folder / "a.wav", tone(0), RATE)
    with pytest.raises(ValueError, match="needs a caption bundle"):
        train(stage(folder, tmp_path / "run", "clasp", "debug-mix"), device="cpu")


def random_features(token_width: int, pooled_width: int):
    def features(captions: list[str]) -> dict[str, torch.Tensor]:
        g = torch.Generator().manual_seed(0)
        return {**{f"emb.{i}": torch.randn(5 + i, token_width, generator=g).half()
                   for i in range(len(captions))},
                **{f"pooled.{i}": torch.randn(pooled_width, generator=g)
                   for i in range(len(captions))}}

    return features


def test_starter_packs_build_without_the_text_model(tmp_path, monkeypatch):
    """The starter configs name the MiniLM; with lookup features it is never read, and a pack
    saved from them names it again (without storing its weights)."""
    from ainur_studio.models import text_encoder
    from ainur_studio.models.factory import load_config
    from ainur_studio.models.pretrained import save_pack
    from ainur_studio.training.caption_bundles import bundle_features
    from ainur_studio.training.lookup_packs import fresh_lookup_pack, lookup_pack

    def unavailable(*_args, **_kwargs):
        raise text_encoder.TextEncoderError("no text model on this machine")

    monkeypatch.setattr(text_encoder, "bundled_minilm_dir", unavailable)
    folder = make_bundle(tmp_path / "bundle", random_features(384, 384))
    table = bundle_features(folder)
    pack = fresh_lookup_pack(load_config("pack_starter"), table)
    assert pack.clasp.embed_text([CAPTIONS[0]]).shape == (1, pack.clasp.embed_dim)
    save_pack(pack, tmp_path / "pack")
    again = lookup_pack(tmp_path / "pack", table)
    assert same(again.clasp.state_dict(), pack.clasp.state_dict())
    meta = json.loads((tmp_path / "pack" / "pack.json").read_text())
    assert meta["text_encoder"]["source"] is None
    stored = load_file(str(tmp_path / "pack" / "clasp" / "model.safetensors"))
    assert not any(k.startswith("text_tower.") for k in stored)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_the_script_trains_every_starter_stage_on_cuda(tmp_path):
    bundle = make_bundle(tmp_path / "bundle", random_features(384, 384))
    out = tmp_path / "out"
    script = load_script("starter_bundle_train")
    assert script.main(["--bundle", str(bundle), "--out", str(out), "--steps", "3", "3", "3",
                        "--batch-div", "8", "--device", "cuda"]) == 0
    log = json.loads((out / "log.json").read_text())
    assert [log[s]["steps"] for s in ("autoencoder", "clasp", "prior")] == [3, 3, 3]
    assert all(np.isfinite(log[s]["last_loss"]) for s in ("autoencoder", "clasp", "prior"))
    assert log["device"] != "cpu"
