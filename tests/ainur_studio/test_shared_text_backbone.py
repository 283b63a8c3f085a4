"""The starter pack builds its MiniLM once: the prior's text encoder and CLASP's frozen text
tower share one backbone, and the embeddings are those of the separately built towers."""

from __future__ import annotations

import pytest

from ainur_studio.models.pretrained import load_pack

TEXT = ["a calm chorale for four voices"]


@pytest.fixture(scope="module")
def starter():
    return load_pack("starter")


def test_starter_pack_holds_one_text_backbone(starter) -> None:
    assert starter.clasp.text_tower.encoder is starter.text_encoder.model
    assert starter.clasp.text_tower.tokenizer is starter.text_encoder.tokenizer


def test_shared_backbone_keeps_the_embeddings(starter) -> None:
    # values computed with two separately built MiniLMs, before the backbone was shared
    emb, _ = starter.text_encoder(TEXT)
    clasp = starter.clasp.embed_text(TEXT)
    assert emb[0, 1, :4].tolist() == pytest.approx(
        [-0.202339, -0.319544, -0.065682, -0.282036], abs=1e-4)
    assert emb.sum().item() == pytest.approx(-10.5019, abs=1e-2)
    assert clasp[0, :4].tolist() == pytest.approx([0.058984, 0.063639, 0.078432, 0.033864],
                                                  abs=1e-4)


def test_shared_backbone_stays_frozen_and_out_of_the_clasp_weights(starter) -> None:
    assert not any(p.requires_grad for p in starter.text_encoder.model.parameters())
    starter.clasp.train()
    try:
        assert not starter.text_encoder.model.training
    finally:
        starter.clasp.eval()
    prefixes = starter.clasp.external_state_prefixes
    assert prefixes == ("text_tower.encoder.",)
    # the transformers MiniLM has weights there (left out of packs), its ONNX export none
    encoder_keys = [k for k in starter.clasp.state_dict() if ".encoder." in k
                    and k.startswith("text_tower.")]
    assert all(k.startswith(prefixes) for k in encoder_keys)
