"""Checkpoints: every file is fsynced before it is published, a damaged file raises
`CheckpointError` naming it, and resuming falls back to the newest checkpoint that is intact."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from ainur_studio.training import checkpoint as ckpt
from ainur_studio.training.loop import TrainConfig, Trainer
from ainur_studio.training.runs import History, resume_or_start
from tests.ainur_studio.trainer_toys import ToyRegressor, toy_dataset


def _trainer(out: Path, *, seed: int = 0, max_steps: int = 4) -> Trainer:
    torch.manual_seed(seed)
    config = TrainConfig(max_steps=max_steps, batch_size=4, lr=1e-2, warmup_steps=0,
                         ema_decay=0.9, checkpoint_every=2, keep_last=0, device="cpu")
    return Trainer(model=ToyRegressor(), dataset=toy_dataset(), config=config, out_dir=out,
                   model_config={"type": "toy"})


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.fixture
def fsynced(monkeypatch) -> set[tuple[int, int]]:
    """(device, inode) of everything os.fsync is called on."""
    seen: set[tuple[int, int]] = set()
    real = os.fsync

    def counting(fd: int) -> None:
        st = os.fstat(fd)
        seen.add((st.st_dev, st.st_ino))
        real(fd)

    monkeypatch.setattr(os, "fsync", counting)
    return seen


def _key(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_dev, st.st_ino


def test_every_checkpoint_file_is_fsynced(tmp_path, fsynced):
    trainer = _trainer(tmp_path, max_steps=2)
    trainer.fit()
    final = ckpt.latest_checkpoint(tmp_path)
    files = sorted(p for p in final.iterdir())
    assert {p.name for p in files} >= {"model.safetensors", "ema.safetensors",
                                       "optimizer.safetensors", "rng-rank0.safetensors",
                                       "state.json"}
    missing = [p.name for p in files if _key(p) not in fsynced]
    assert not missing, f"not fsynced before publishing: {missing}"
    if os.name == "posix":  # the renames are made durable too
        assert _key(final) in fsynced and _key(tmp_path) in fsynced


def test_exported_inference_files_are_fsynced(tmp_path, fsynced):
    out = ckpt.save_inference(tmp_path / "export", model=ToyRegressor(),
                              model_config={"type": "toy"})
    assert all(_key(p) in fsynced for p in out.iterdir())


@pytest.mark.parametrize("name", ["model.safetensors", "optimizer.safetensors",
                                  "rng-rank0.safetensors", "ema.safetensors", "state.json"])
def test_damaged_file_raises_checkpoint_error_naming_it(tmp_path, name):
    trainer = _trainer(tmp_path, max_steps=2)
    trainer.fit()
    folder = ckpt.latest_checkpoint(tmp_path)
    _truncate(folder / name)
    with pytest.raises(ckpt.CheckpointError) as caught:
        _trainer(tmp_path, seed=1).resume(folder)
    text = str(caught.value)
    assert name in text and "damaged" in text
    assert "earlier checkpoint" in text and "delete" in text


def test_resume_falls_back_to_the_newest_intact_checkpoint(tmp_path, caplog):
    trainer = _trainer(tmp_path, max_steps=4)
    trainer.fit()
    newest = ckpt.latest_checkpoint(tmp_path)
    assert newest.name == "step-00000004"
    _truncate(newest / "model.safetensors")
    resumed = _trainer(tmp_path, seed=1)
    with caplog.at_level("WARNING"):
        assert resumed.resume()
    assert resumed.step == 2
    assert "step-00000004" in caplog.text and "model.safetensors" in caplog.text
    assert ckpt.latest_checkpoint(tmp_path).name == "step-00000002"
    assert [p.name for p in ckpt.list_checkpoints(tmp_path)] == ["step-00000002",
                                                                 "step-00000004"]


def test_check_checkpoint_accepts_an_intact_one(tmp_path):
    trainer = _trainer(tmp_path, max_steps=2)
    trainer.fit()
    ckpt.check_checkpoint(ckpt.latest_checkpoint(tmp_path))  # no error


def test_a_run_folder_with_only_damaged_checkpoints_is_never_reused_silently(tmp_path):
    trainer = _trainer(tmp_path / "ckpt", max_steps=2)
    trainer.fit()
    _truncate(ckpt.latest_checkpoint(tmp_path / "ckpt") / "optimizer.safetensors")
    history = History(tmp_path)
    with pytest.raises(ckpt.CheckpointError, match="every checkpoint .* is damaged"):
        resume_or_start(_trainer(tmp_path / "ckpt"), resume=True, history=history)
    with pytest.raises(RuntimeError, match="already holds checkpoints"):
        resume_or_start(_trainer(tmp_path / "ckpt"), resume=False, history=history)
