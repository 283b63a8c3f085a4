"""Model packs: the built-in debug pack, save/load round trip, verification errors."""

from __future__ import annotations

import json

import pytest
import torch

from ainur_studio.inference.generate import generate
from ainur_studio.models.factory import load_config
from ainur_studio.models.pretrained import (
    PackError,
    build_pack,
    list_packs,
    load_component,
    load_pack,
    save_pack,
    user_models_dir,
)
from ainur_studio.types import GenerationRequest
from tests.ainur_studio.debug_pack import shared_debug_pack


@pytest.fixture(scope="module")
def pack():
    return shared_debug_pack()


@pytest.fixture(scope="module")
def saved(pack, tmp_path_factory):
    return save_pack(pack, tmp_path_factory.mktemp("packs") / "mine", name="mine",
                     license="CC-BY-4.0", training_data="my own recordings")


def _state(module):
    return {k: v.clone() for k, v in module.state_dict().items()}


def test_debug_pack_is_deterministic(pack):
    again = load_pack("debug")
    for name in ("autoencoder", "prior", "clasp"):
        a, b = _state(getattr(pack, name)), _state(getattr(again, name))
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert pack.hash == again.hash and pack.path is None
    assert "debug" in [p.name for p in list_packs()]


def test_seed_changes_the_weights():
    other = build_pack(load_config("pack_debug"), seed=1)
    base = load_pack("debug")
    w1 = next(iter(other.prior.unet.parameters()))
    w0 = next(iter(base.prior.unet.parameters()))
    assert not torch.equal(w0, w1) and other.hash != base.hash


def test_save_writes_the_documented_layout(saved):
    meta = json.loads((saved / "pack.json").read_text())
    assert meta["name"] == "mine" and meta["license"] == "CC-BY-4.0"
    assert meta["training_data"] == "my own recordings" and meta["sample_rate"] == 48_000
    assert set(meta["components"]) == {"autoencoder", "prior", "clasp"}
    assert all(len(c["sha256"]) == 64 for c in meta["components"].values())
    assert meta["text_encoder"]["type"] == "text_encoder"
    for comp in meta["components"]:
        assert (saved / comp / "model_config.json").is_file()
        assert (saved / comp / "model.safetensors").is_file()


def test_round_trip_gives_identical_outputs(pack, saved):
    loaded = load_pack(saved)
    req = GenerationRequest(prompt="folk, banjo", duration_s=1.0, steps=2, seed=3)
    assert torch.equal(generate(req, pack).audio[0], generate(req, loaded).audio[0])
    assert loaded.name == "mine" and loaded.path == saved


def test_packs_in_the_user_folder_are_listed_and_loaded_by_name(pack):
    save_pack(pack, user_models_dir() / "studio-pack", name="studio-pack")
    assert "studio-pack" in [p.name for p in list_packs()]
    assert load_pack("studio-pack").name == "studio-pack"


def test_one_component_loads_alone_with_the_same_weights(pack, saved):
    config, prior = load_component(saved, "prior")
    assert config == json.loads((saved / "prior" / "model_config.json").read_text())
    stored = {k: v for k, v in prior.state_dict().items() if not k.startswith("text_encoder")}
    for key, value in stored.items():
        assert torch.equal(value, pack.prior.state_dict()[key]), key
    with pytest.raises(PackError, match="has no 'vocoder' component; it has autoencoder"):
        load_component(saved, "vocoder")


def test_damaged_weights_are_refused(saved, tmp_path):
    import shutil

    copy = shutil.copytree(saved, tmp_path / "copy")
    weights = copy / "prior" / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-5] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(PackError, match="prior/model.safetensors has sha256"):
        load_pack(copy)


def test_missing_files_are_named(saved, tmp_path):
    import shutil

    copy = shutil.copytree(saved, tmp_path / "copy")
    (copy / "autoencoder" / "model_config.json").unlink()
    with pytest.raises(PackError, match="'autoencoder' is missing model_config.json"):
        load_pack(copy)
    (copy / "pack.json").unlink()
    with pytest.raises(PackError, match="no pack.json"):
        load_pack(copy)


def test_mismatched_components_are_refused():
    recipe = load_config("pack_debug")
    prior = load_config("prior_debug")
    prior["config"]["latent_channels"] = 16
    recipe["components"] = {**recipe["components"], "prior": prior}
    with pytest.raises(PackError, match="latent channels: 32 vs 16"):
        build_pack(recipe)


def test_unknown_pack_name_lists_the_available_ones():
    with pytest.raises(PackError, match="no model pack named 'nope'; available: debug"):
        load_pack("nope")


def test_save_refuses_to_overwrite(pack, saved):
    with pytest.raises(PackError, match="already holds a pack"):
        save_pack(pack, saved)
