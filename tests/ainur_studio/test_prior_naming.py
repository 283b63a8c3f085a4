"""One name for the latent diffusion model ("prior", `models/prior.py`) and one for its U-Net
backbone ("unet", `models/unet.py`); packs, LoRA packs and checkpoints written before the
renaming still load, keep their hash and generate the same audio."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from ainur_studio.inference.generate import generate
from ainur_studio.models.pretrained import build_pack, load_pack, save_pack
from ainur_studio.types import GenerationRequest

ROOT = Path(__file__).resolve().parents[2]
STARTER = ROOT / "resources" / "models" / "starter"
FINGERPRINT = ROOT / "tests" / "fixtures" / "starter_generation.json"


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_the_shipped_pack_written_before_the_renaming_generates_what_it_did():
    """The starter pack keeps its first layout (`diffusion/`, type `latent_diffusion`, U-Net
    weights under `prior.`); the samples were recorded before the renaming."""
    assert (STARTER / "diffusion" / "model_config.json").is_file()
    pack = load_pack(STARTER)
    pack.defaults["schedule"] = "karras"  # the samples were recorded on its first default
    expected = json.loads(FINGERPRINT.read_text())
    out = generate(GenerationRequest(prompt="chorale, church organ, G major", duration_s=2.0,
                                     seed=11, steps=4), pack).audio[0]
    idx = torch.linspace(0, out.shape[-1] - 1, 12).long()
    assert list(out.shape) == expected["shape"]
    got = [[float(out[c, i]) for i in idx] for c in range(2)]
    assert torch.allclose(torch.tensor(got), torch.tensor(expected["samples"]), atol=1e-4)


def _old_layout(pack_dir: Path) -> None:
    """Rewrite a pack saved now the way packs were written before the renaming."""
    (pack_dir / "prior").rename(pack_dir / "diffusion")
    meta = json.loads((pack_dir / "pack.json").read_text())
    meta["components"] = {("diffusion" if k == "prior" else k): v
                          for k, v in meta["components"].items()}
    (pack_dir / "pack.json").write_text(json.dumps(meta))
    cfg_file = pack_dir / "diffusion" / "model_config.json"
    cfg = json.loads(cfg_file.read_text())
    cfg["type"] = "latent_diffusion"
    cfg_file.write_text(json.dumps(cfg))


def test_a_pack_in_the_old_layout_loads_with_the_same_hash_and_audio(tmp_path):
    pack = build_pack(json.loads((ROOT / "ainur_studio/configs/pack_debug.json").read_text()))
    new = save_pack(pack, tmp_path / "new", name="mine")
    old = tmp_path / "old"
    shutil.copytree(new, old)
    _old_layout(old)
    a, b = load_pack(new), load_pack(old)
    assert (new / "prior").is_dir() and a.hash == b.hash
    request = GenerationRequest(prompt="tone", duration_s=1.0, seed=3, steps=2)
    assert torch.equal(generate(request, a).audio[0], generate(request, b).audio[0])


def test_weights_saved_under_the_old_unet_name_load():
    from ainur_studio.models.factory import create_model_from_config, load_config

    cfg = load_config("prior_debug")
    source = create_model_from_config(cfg)
    old_names = {("prior." + k[len("unet."):] if k.startswith("unet.") else k): v
                 for k, v in source.state_dict().items()}
    assert any(k.startswith("prior.") for k in old_names)
    target = create_model_from_config({**cfg, "type": "latent_diffusion"})
    missing, unexpected = target.load_state_dict(old_names, strict=False)
    assert not missing and not unexpected
    assert all(torch.equal(v, target.state_dict()[k]) for k, v in source.state_dict().items())


def test_old_training_checkpoint_names_are_read():
    from ainur_studio.training.recipes.prior_objective import PriorObjective

    assert PriorObjective.legacy_name("diffusion.prior.x.weight") == "prior.unet.x.weight"
    assert PriorObjective.legacy_name("diffusion.clasp.null") == "prior.clasp.null"
    assert PriorObjective.legacy_name("prior.unet.x") == "prior.unet.x"
