"""The shipped starter pack: size, hashes, metadata, loading and one short generation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from ainur_studio.fileio import sha256_file

PACK = Path(__file__).resolve().parents[2] / "resources" / "models" / "starter"
LIMIT_BYTES = 40 * 1024 * 1024


@pytest.fixture(scope="module")
def meta() -> dict:
    return json.loads((PACK / "pack.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pack():
    from ainur_studio.models.pretrained import load_pack

    return load_pack("starter")


def test_pack_fits_the_size_limit() -> None:
    size = sum(f.stat().st_size for f in PACK.rglob("*") if f.is_file())
    assert 0 < size <= LIMIT_BYTES


def test_component_hashes_match_pack_json(meta: dict) -> None:
    assert set(meta["components"]) == {"autoencoder", "diffusion", "clasp"}
    for comp, entry in meta["components"].items():
        assert sha256_file(PACK / comp / "model.safetensors") == entry["sha256"]


def test_pack_json_records_training_and_licences(meta: dict) -> None:
    assert meta["name"] == "starter"
    assert all(meta["training"]["steps"][s] > 0 for s in ("autoencoder", "clasp", "prior"))
    assert {"weights", "corpus_scores", "soundfont", "text_encoder"} <= set(meta["licenses"])
    assert meta["text_encoder"]["source"] is None  # the installed MiniLM, not a copy


def test_weights_are_stored_in_half_precision() -> None:
    from safetensors import safe_open

    with safe_open(str(PACK / "diffusion" / "model.safetensors"), "pt") as f:
        dtypes = {f.get_slice(k).get_dtype() for k in f.keys()}
    assert dtypes == {"F16"}


def test_starter_is_found_by_name_and_upcast_on_load(pack) -> None:
    assert pack.name == "starter" and pack.path == PACK
    assert next(pack.prior.parameters()).dtype == torch.float32
    assert pack.clasp is not None


def test_a_short_generation_runs(pack) -> None:
    from ainur_studio.inference.generate import generate
    from ainur_studio.types import GenerationRequest

    request = GenerationRequest(prompt="chorale, church organ, G major", duration_s=1.5, seed=3,
                                steps=2, guidance=2.0)
    result = generate(request, pack)
    audio = result.audio[0]
    assert audio.shape == (2, 72_000)
    assert torch.isfinite(audio).all() and audio.abs().max() > 0
