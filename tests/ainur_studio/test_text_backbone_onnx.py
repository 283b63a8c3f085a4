"""The bundled MiniLM's ONNX export: written by the first load, used by every later one
without importing transformers, with the same tokens and features; a damaged, stale or
switched-off export falls back to transformers."""

from __future__ import annotations

import json
import subprocess
import sys
import weakref

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ainur_studio.models import text_backbone_onnx as tbo
from ainur_studio.models import text_encoder as te

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

TEXTS = ["", "a calm chorale", "Lo-fi HIP HOP beat — dusty drums, café piano, 85 BPM",
         "钢琴 and 🎹 with naïve accents", "word " * 300]


@pytest.fixture(scope="module")
def minilm_dir():
    return te.bundled_minilm_dir()


@pytest.fixture(scope="module")
def reference(minilm_dir):
    """The transformers tokenizer and model, loaded once."""
    return te.load_text_backbone(minilm_dir)


@pytest.fixture
def fresh_shared(monkeypatch):
    """No backbone is shared yet in this process."""
    monkeypatch.setattr(te, "_SHARED", weakref.WeakValueDictionary())


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("AINUR_STUDIO_CACHE", str(tmp_path))
    return tmp_path


def test_fast_tokenizer_gives_the_transformers_tokens(minilm_dir, reference) -> None:
    fast = tbo.FastTokenizer(minilm_dir)
    for limit in (8, 128, 512):
        want = reference[0](TEXTS, max_length=limit, padding=True, truncation=True,
                            return_tensors="pt")
        got = fast(TEXTS, max_length=limit)
        assert torch.equal(got["input_ids"], want["input_ids"])
        assert torch.equal(got["attention_mask"], want["attention_mask"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=4))
def test_fast_tokenizer_matches_on_any_text(minilm_dir, reference, texts) -> None:
    fast = tbo.FastTokenizer(minilm_dir)
    want = reference[0](texts, max_length=32, padding=True, truncation=True, return_tensors="pt")
    assert fast(texts, max_length=32)["input_ids"].tolist() == want["input_ids"].tolist()


def test_first_load_exports_and_the_next_runs_onnx(cache, fresh_shared, reference) -> None:
    first = te.shared_text_backbone()
    assert not isinstance(first.model, tbo.OnnxTextModel)  # transformers, then exported
    onnx_path, record_path = tbo.export_paths(te.MINILM_SHA256)
    record = json.loads(record_path.read_text())
    assert record["source_sha256"] == te.MINILM_SHA256
    # the weights lie beside the graph, so onnxruntime maps them instead of copying them
    assert onnx_path.stat().st_size < 1e6 and tbo.weights_path(onnx_path).stat().st_size > 1e7
    del first
    te._SHARED.clear()
    second = te.shared_text_backbone()
    assert isinstance(second.model, tbo.OnnxTextModel)
    assert isinstance(second.tokenizer, tbo.FastTokenizer)

    tokenizer, model = reference
    tokens = tokenizer(TEXTS, max_length=128, padding=True, truncation=True, return_tensors="pt")
    with torch.no_grad():
        want = model(**tokens).last_hidden_state
    got = second.model(input_ids=tokens["input_ids"],
                       attention_mask=tokens["attention_mask"]).last_hidden_state
    real = tokens["attention_mask"].bool()
    assert (got - want)[real].abs().max().item() < 1e-4
    assert te.module_device(second.model) == torch.device("cpu")


def test_a_warm_start_does_not_import_transformers(cache, fresh_shared) -> None:
    te.shared_text_backbone()  # makes sure the export exists in this cache
    code = ("import sys; from ainur_studio.models.text_encoder import FrozenTextEncoder; "
            "e = FrozenTextEncoder(); emb, mask = e(['a calm chorale']); "
            "print(type(e.model).__name__, 'transformers' in sys.modules, tuple(emb.shape))")
    env = {**__import__("os").environ, "AINUR_STUDIO_CACHE": str(cache)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=300, check=True).stdout.split()
    assert out[:2] == ["OnnxTextModel", "False"], out


def test_a_damaged_export_falls_back_and_is_rebuilt(cache, fresh_shared) -> None:
    te.shared_text_backbone()
    te._SHARED.clear()
    onnx_path, _ = tbo.export_paths(te.MINILM_SHA256)
    data = bytearray(onnx_path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    onnx_path.write_bytes(bytes(data))
    backbone = te.shared_text_backbone()
    assert not isinstance(backbone.model, tbo.OnnxTextModel)
    te._SHARED.clear()
    assert tbo.load_onnx_backbone(te.bundled_minilm_dir(verify=False),
                                  te.MINILM_SHA256) is not None  # rebuilt by that load


def test_damaged_or_missing_weights_fall_back(cache, fresh_shared, minilm_dir) -> None:
    te.shared_text_backbone()
    onnx_path, _ = tbo.export_paths(te.MINILM_SHA256)
    data_path = tbo.weights_path(onnx_path)
    data = bytearray(data_path.read_bytes())
    data[len(data) // 3] ^= 0x01
    data_path.write_bytes(bytes(data))
    assert tbo.load_onnx_backbone(minilm_dir, te.MINILM_SHA256) is None
    data_path.unlink()
    assert tbo.load_onnx_backbone(minilm_dir, te.MINILM_SHA256) is None


def test_a_stale_record_is_not_used(cache, fresh_shared, minilm_dir) -> None:
    te.shared_text_backbone()
    _, record_path = tbo.export_paths(te.MINILM_SHA256)
    record = json.loads(record_path.read_text())
    record_path.write_text(json.dumps({**record, "format": tbo.EXPORT_FORMAT + 1}))
    assert tbo.load_onnx_backbone(minilm_dir, te.MINILM_SHA256) is None


def test_switched_off_neither_exports_nor_uses(cache, fresh_shared, monkeypatch) -> None:
    monkeypatch.setenv(tbo.SWITCH, "0")
    backbone = te.shared_text_backbone()
    assert not isinstance(backbone.model, tbo.OnnxTextModel)
    assert not any(cache.rglob("*.onnx"))


def test_no_onnx_package_means_no_export_and_no_error(cache, fresh_shared,
                                                      monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx raises ImportError
    backbone = te.shared_text_backbone()
    assert backbone.model is not None and not any(cache.rglob("*.onnx"))
