"""Importing a prior trained elsewhere (a `train(spec)` run of `scripts/starter_prior_latents.py`)
into the starter pack: the weights and config land, the other components stay, steps and runs
are recorded."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from ainur_studio.models.pretrained import load_pack
from ainur_studio.training import checkpoint as ckpt
from ainur_studio.training.recipes.starter import StarterPaths, piece_round_robin
from ainur_studio.training.recipes.starter_pack import import_prior

PACK = Path(__file__).resolve().parents[2] / "resources" / "models" / "starter"


@pytest.fixture(scope="module")
def shipped():
    return load_pack(PACK)


def trained_prior(shipped, run: Path, *, steps: int, mode: str, scale: float) -> dict:
    """A prior run 'trained' by nudging the shipped weights: its newest checkpoint (EMA weights
    named as the prior recipe's trainer names them), its spec and its loss history."""
    state = {k: v + 0.01 if v.is_floating_point() else v
             for k, v in shipped.prior.state_dict().items()}
    config = json.loads(json.dumps(shipped.configs["prior"]))
    config["config"]["latent_scale"] = scale
    folder = run / "checkpoints" / f"step-{steps:08d}"
    folder.mkdir(parents=True)
    save_file({f"prior.{k}": v.contiguous() for k, v in state.items()},
              str(folder / "ema.safetensors"))
    (folder / "state.json").write_text(json.dumps({"format_version": ckpt.FORMAT_VERSION,
                                                   "step": steps, "model_config": config}))
    (run / "spec.json").write_text(json.dumps({"mode": mode, "base": "starter", "lr": 1e-4,
                                               "batch_size": 2, "crop_seconds": 9.9}))
    (run / "history.jsonl").write_text(json.dumps({"step": steps, "loss": 0.1}) + "\n")
    return state


def latent_bundle(folder: Path) -> Path:
    folder.mkdir()
    clips = [{"clip_id": f"c{i}", "piece_id": f"p{i // 2}", "split": "test" if i == 3 else "train",
              "duration_s": 20.0, "shard": 0, "index": i} for i in range(4)]
    (folder / "clips.json").write_text(json.dumps({"clips": clips}))
    (folder / "lat-000.safetensors").write_bytes(b"")
    return folder


def test_import_prior_replaces_only_the_prior(shipped, tmp_path: Path) -> None:
    pack_dir = tmp_path / "pack"
    shutil.copytree(PACK, pack_dir)
    before = json.loads((pack_dir / "pack.json").read_text())
    paths = StarterPaths(manifest=tmp_path / "corpus" / "manifest.jsonl", runs=tmp_path / "runs",
                         shipped=pack_dir)
    bundle = latent_bundle(tmp_path / "bundle")

    state = trained_prior(shipped, tmp_path / "scratch", steps=7, mode="scratch", scale=2.0)
    import_prior(paths, tmp_path / "scratch", pack_dir, bundle=bundle)
    meta = json.loads((pack_dir / "pack.json").read_text())
    assert meta["components"]["autoencoder"] == before["components"]["autoencoder"]
    assert meta["components"]["clasp"] == before["components"]["clasp"]
    assert meta["components"]["prior"] != before["components"]["diffusion"]  # written before the renaming
    assert meta["training"]["steps"]["prior"] == 7  # from scratch: earlier steps do not count
    assert meta["training"]["steps"]["autoencoder"] == before["training"]["steps"]["autoencoder"]
    run = meta["training"]["runs"][-1]
    assert run["data"]["clips"] == 3 and run["data"]["pieces"] == 2
    assert run["prior"]["latent_scale"] == 2.0
    pack = load_pack(pack_dir)
    assert pack.prior.latent_scale == 2.0
    loaded = pack.prior.state_dict()
    key = next(k for k, v in state.items() if v.is_floating_point())
    assert torch.allclose(loaded[key], state[key].half().float())

    trained_prior(shipped, tmp_path / "continued", steps=5, mode="full", scale=2.0)
    import_prior(paths, tmp_path / "continued", pack_dir, bundle=bundle)
    meta = json.loads((pack_dir / "pack.json").read_text())
    assert meta["training"]["steps"]["prior"] == 12  # continued: steps add up
    assert len(meta["training"]["runs"]) == len(before["training"]["runs"]) + 2


def test_import_prior_refuses_weights_of_another_shape(shipped, tmp_path: Path) -> None:
    pack_dir = tmp_path / "pack"
    shutil.copytree(PACK, pack_dir)
    folder = tmp_path / "bad"
    trained_prior(shipped, folder, steps=1, mode="scratch", scale=1.0)
    state_file = folder / "checkpoints" / "step-00000001" / "state.json"
    state = json.loads(state_file.read_text())
    state["model_config"]["config"]["unet"]["channels"] = [32, 64, 96, 128]
    state_file.write_text(json.dumps(state))
    paths = StarterPaths(manifest=tmp_path / "m.jsonl", runs=tmp_path / "runs", shipped=pack_dir)
    with pytest.raises((ValueError, RuntimeError)):
        import_prior(paths, folder, pack_dir, bundle=latent_bundle(tmp_path / "bundle"))
    assert (pack_dir / "pack.json").read_text() == (PACK / "pack.json").read_text()


def test_clips_are_ordered_one_per_piece_in_turn() -> None:
    rows = [{"clip_id": f"{piece}{k}", "piece_id": piece}
            for piece, n in (("a", 3), ("b", 1), ("c", 2)) for k in range(n)]
    order = [r["clip_id"] for r in piece_round_robin(rows)]
    assert order == ["a0", "b0", "c0", "a1", "c1", "a2"]
    assert piece_round_robin([]) == []
