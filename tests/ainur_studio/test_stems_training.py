"""`train(spec)` on a genre corpus trains a prior that makes stems: checkpoints, resume, export;
mix-only bases and mixed recordings are refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ainur_studio.training.train import train
from tests.ainur_studio.stem_corpus import make_stem_corpus
from tests.ainur_studio.test_finetune import make_clips


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = make_stem_corpus(tmp_path_factory.mktemp("stems") / "corpus", clips=3, held_out=2,
                            mix=True)
    (root / "genres/house/house-00001/melody.wav").unlink()  # reported and skipped
    return root


def _spec(data: Path, out: Path, **overrides) -> dict:
    return {"data": str(data), "out": str(out), "base": "debug", "mode": "full", "steps": 2,
            "batch_size": 2, "crop_seconds": 1.0, "save_every": 1, "lr": 1e-3, "warmup": 0,
            **overrides}


def test_a_few_steps_on_the_corpus_checkpoint_resume_and_export(corpus, tmp_path):
    from ainur_studio.models.pretrained import load_pack
    from ainur_studio.training.checkpoint import latest_checkpoint

    first = train(_spec(corpus, tmp_path / "run", preview_every=2, preview_seconds=1.0,
                        preview_steps=2))
    assert first["steps"] == 2 and first["clips"] == 1
    assert [s["reason"] for s in first["skipped"]] == ["missing stem"]
    assert latest_checkpoint(tmp_path / "run" / "checkpoints").name == "step-00000002"
    assert len(first["previews"]) == 1
    pack = load_pack(first["pack"])
    assert pack.prior.roles == ("drums", "bass", "harmony", "melody", "vocals")
    resumed = train(_spec(corpus, tmp_path / "run", steps=3, resume=True))
    assert resumed["steps"] == 3
    again = load_pack(resumed["pack"])
    changed = [not torch.equal(a, b) for a, b in zip(pack.prior.state_dict().values(),
                                                     again.prior.state_dict().values())]
    assert any(changed)


def test_a_resumed_run_follows_the_uninterrupted_one(corpus, tmp_path):
    from ainur_studio.progress import Callbacks

    polls = []
    stop_after_two = Callbacks(should_stop=lambda: polls.append(1) or len(polls) > 2)
    straight = train(_spec(corpus, tmp_path / "a", steps=3))
    stopped = train(_spec(corpus, tmp_path / "b", steps=3), progress=stop_after_two)
    assert stopped["stopped"] and stopped["steps"] == 2
    resumed = train(_spec(corpus, tmp_path / "b", steps=3, resume=True))
    assert resumed["steps"] == 3
    assert resumed["loss"] == pytest.approx(straight["loss"], rel=1e-6)


def test_a_mix_only_base_is_refused_for_stems(corpus, tmp_path):
    with pytest.raises(ValueError, match="makes the mix only.*data_kind 'mix'"):
        train(_spec(corpus, tmp_path / "run", base="debug-mix"))


def test_mixed_recordings_with_a_stems_base_keep_failing(corpus, tmp_path):
    with pytest.raises(ValueError, match="makes stems.*mixed recordings"):
        train(_spec(corpus, tmp_path / "a", data_kind="mix"))
    clips = make_clips(tmp_path / "songs", count=2, broken=False)
    with pytest.raises(ValueError, match="makes stems.*mixed recordings"):
        train(_spec(clips, tmp_path / "b"))


def test_data_kind_is_checked():
    from ainur_studio.training.spec import RunSpec

    with pytest.raises(ValueError, match="unknown data_kind"):
        RunSpec.from_dict({"data": "x", "data_kind": "midi"})
    with pytest.raises(ValueError, match="data_kind 'stems' trains the prior"):
        RunSpec.from_dict({"data": "x", "component": "clasp", "data_kind": "stems"})
