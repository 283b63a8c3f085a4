"""Trainer: exact resume, EMA, rotation, cancellation, schedules, data order, DDP."""

from __future__ import annotations

import math
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from ainur_studio.progress import Callbacks
from ainur_studio.training import checkpoint as ckpt
from ainur_studio.training import state_io
from ainur_studio.training.data import ResumableBatchSampler
from ainur_studio.training.ema import EMA
from ainur_studio.training.loop import TrainConfig, Trainer, TrainingError, TrainingStopped
from ainur_studio.training.schedule import cosine_with_warmup
from tests.ainur_studio.trainer_toys import ToyRegressor, toy_dataset

REPO = Path(__file__).resolve().parents[2]


def _config(**overrides) -> TrainConfig:
    base = dict(max_steps=8, batch_size=4, grad_accum=2, lr=1e-2, warmup_steps=2,
                ema_decay=0.9, checkpoint_every=4, keep_last=3, device="cpu")
    return TrainConfig(**{**base, **overrides})


def _trainer(out: Path | None, *, seed: int = 0, **overrides) -> tuple[Trainer, list[dict]]:
    torch.manual_seed(seed)
    trainer = Trainer(model=ToyRegressor(), dataset=toy_dataset(), config=_config(**overrides),
                      out_dir=out, model_config={"type": "toy"})
    history: list[dict] = []
    trainer.add_callback("on_batch_end", lambda t: history.append({"step": t.step, **t.last_losses}))
    return trainer, history


def test_resume_continues_the_same_trajectory(tmp_path):
    full, full_hist = _trainer(tmp_path / "a")
    full.fit()
    assert [h["step"] for h in full_hist] == list(range(1, 9))
    resumed, hist = _trainer(tmp_path / "a", seed=99)  # different init: weights must come back
    assert resumed.resume(tmp_path / "a" / "step-00000004")
    assert (resumed.step, resumed.position) == (4, 8)
    resumed.config.checkpoint_every = 0
    resumed.fit()
    assert [h["loss"] for h in hist] == [h["loss"] for h in full_hist[4:]]
    for (name, a), b in zip(full.model.state_dict().items(), resumed.model.state_dict().values(),
                            strict=True):
        assert torch.equal(a, b), name
    for name, a in full.ema.shadow.items():
        assert torch.equal(a, resumed.ema.shadow[name]), name


def test_loss_goes_down_and_summary(tmp_path):
    trainer, hist = _trainer(None, max_steps=30, checkpoint_every=0, warmup_steps=3, lr=5e-2)
    summary = trainer.fit()
    assert summary["steps"] == 30 and summary["checkpoint"] is None
    assert sum(h["loss"] for h in hist[-5:]) < 0.5 * sum(h["loss"] for h in hist[:5])
    assert hist[-1]["grad_norm"] >= 0 and trainer.samples_per_s > 0
    assert trainer.lr == pytest.approx(5e-2 * cosine_with_warmup(29, warmup_steps=3,
                                                                 total_steps=30, min_ratio=0.1))


def test_ema_follows_the_formula():
    model = torch.nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(0.0)
    ema = EMA(model, decay=0.5, warmup=False)
    expected = 0.0
    for value in (1.0, 2.0, 4.0):
        with torch.no_grad():
            model.weight.fill_(value)
        ema.update(model)
        expected = 0.5 * expected + 0.5 * value
    assert ema.shadow["weight"].item() == pytest.approx(expected)
    with ema.swapped_in(model):
        assert model.weight.item() == pytest.approx(expected)
    assert model.weight.item() == 4.0
    assert EMA(model, decay=0.999).current_decay() == pytest.approx(0.1)


def test_export_writes_ema_weights(tmp_path):
    trainer, _ = _trainer(None, max_steps=3, checkpoint_every=0)
    trainer.fit()
    folder = trainer.export(tmp_path / "export")
    weights = load_file(str(folder / "model.safetensors"))
    for name, avg in trainer.ema.shadow.items():
        assert torch.equal(weights[name], avg), name
    assert (folder / "model_config.json").is_file()


def test_rotation_keeps_the_last_k_and_nothing_is_pickled(tmp_path):
    (tmp_path / ".step-00000099.tmp").mkdir(parents=True)  # left by a killed run
    trainer, _ = _trainer(tmp_path, max_steps=5, checkpoint_every=1, keep_last=2)
    trainer.fit()
    assert [p.name for p in ckpt.list_checkpoints(tmp_path)] == ["step-00000004", "step-00000005"]
    assert not list(tmp_path.glob(".*.tmp"))
    files = {p.suffix for p in (tmp_path / "step-00000005").iterdir()}
    assert files == {".safetensors", ".json"}
    state = ckpt.read_state(tmp_path / "step-00000005")
    assert state["model_config"] == {"type": "toy"} and state["position"] == 10


def stop_after(n: int) -> Callbacks:
    polls = iter(range(-n, 10**9))
    return Callbacks(should_stop=lambda: next(polls) >= 0)


def test_cancellation_saves_and_resumes(tmp_path):
    trainer, _ = _trainer(tmp_path, checkpoint_every=0)
    trainer.progress = stop_after(3)
    with pytest.raises(TrainingStopped, match="stopped at step 3"):
        trainer.fit()
    assert trainer.step == 3
    assert ckpt.latest_checkpoint(tmp_path).name == "step-00000003"
    again, _ = _trainer(tmp_path)
    assert again.resume() and again.step == 3
    assert not _trainer(tmp_path / "empty")[0].resume()


def test_non_finite_loss_is_reported():
    class Broken(ToyRegressor):
        def training_losses(self, batch):
            return {"loss": super().training_losses(batch)["loss"] * math.nan}

    trainer = Trainer(model=Broken(), dataset=toy_dataset(), config=_config())
    with pytest.raises(TrainingError, match="loss is nan at step 1"):
        trainer.fit()
    with pytest.raises(TrainingError, match="training_losses"):
        Trainer(model=torch.nn.Linear(1, 1), dataset=[], config=_config())


def test_schedule_shape():
    f = [cosine_with_warmup(s, warmup_steps=4, total_steps=14, min_ratio=0.1) for s in range(16)]
    assert f[:4] == [0.25, 0.5, 0.75, 1.0]
    assert f[4] == pytest.approx(1.0) and f[9] == pytest.approx(0.55)
    assert f[14] == f[15] == pytest.approx(0.1)
    assert all(a >= b for a, b in zip(f[4:], f[5:], strict=False))


def test_sampler_is_deterministic_disjoint_and_resumable():
    ranks = [ResumableBatchSampler(10, batch_size=2, seed=3, rank=r, world_size=2) for r in (0, 1)]
    epoch = [i for p in range(ranks[0].batches_per_epoch) for s in ranks for i in s.batch_at(p)]
    assert len(epoch) == 8 and len(set(epoch)) == 8
    it = iter(ranks[0])
    stream = [next(it) for _ in range(7)]
    late = ResumableBatchSampler(10, batch_size=2, seed=3, rank=0, world_size=2, start=4)
    assert next(iter(late)) == stream[4]
    assert ranks[0]._permutation(0).tolist() != ranks[0]._permutation(1).tolist()
    with pytest.raises(ValueError, match="smaller than one global batch"):
        ResumableBatchSampler(3, batch_size=2, world_size=2)


def test_optimizer_and_rng_state_round_trip():
    model = ToyRegressor()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.training_losses((torch.randn(3, 4), torch.randn(3)))["loss"].backward()
    opt.step()
    tensors, meta = state_io.optimizer_to_flat(opt.state_dict())
    opt2 = torch.optim.AdamW(ToyRegressor().parameters(), lr=5.0)
    opt2.load_state_dict(state_io.optimizer_from_flat(tensors, meta))
    assert opt2.param_groups[0]["lr"] == 1e-3
    for a, b in zip(opt.state.values(), opt2.state.values(), strict=True):
        assert torch.equal(a["exp_avg"], b["exp_avg"])
    saved = state_io.rng_to_flat()
    first = (torch.rand(3), random.random(), np.random.rand())
    state_io.rng_from_flat(*saved)
    second = (torch.rand(3), random.random(), np.random.rand())
    assert torch.equal(first[0], second[0]) and first[1:] == second[1:]


@pytest.mark.slow
def test_torchrun_two_ranks_end_identical(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           str(REPO / "tests" / "ainur_studio" / "ddp_trainer_worker.py"), str(tmp_path)]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    for prefix in ("", "clasp-"):  # toy model, then CLASP with all-gathered features
        a, b = (load_file(str(tmp_path / f"{prefix}rank{r}.safetensors")) for r in (0, 1))
        for name in a:
            assert torch.equal(a[name], b[name]), f"{prefix}{name}"
    state = ckpt.read_state(tmp_path / "ckpt" / "step-00000004")
    assert state["world_size"] == 2 and state["position"] == 8
    assert (tmp_path / "ckpt" / "step-00000004" / "rng-rank1.safetensors").is_file()
    assert time.perf_counter() - t0 < 120


@pytest.mark.slow
def test_sigkill_then_resume_matches(tmp_path):
    from tests.ainur_studio.kill_resume_worker import make_trainer

    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, str(REPO / "tests/ainur_studio/kill_resume_worker.py"),
                             str(tmp_path / "killed")], cwd=REPO, env=env)
    deadline = time.monotonic() + 120
    while ckpt.latest_checkpoint(tmp_path / "killed") is None or \
            int(ckpt.latest_checkpoint(tmp_path / "killed").name[5:]) < 4:
        assert proc.poll() is None and time.monotonic() < deadline, "worker did not train"
        time.sleep(0.05)
    proc.kill()  # SIGKILL, possibly mid-write
    proc.wait()
    latest = ckpt.latest_checkpoint(tmp_path / "killed")
    stop = latest_step(latest) + 3
    resumed = make_trainer(tmp_path / "killed")
    assert resumed.resume() and resumed.step == stop - 3
    hist: list[float] = []
    resumed.add_callback("on_batch_end", lambda t: hist.append(t.last_losses["loss"]))
    resumed.fit(until_step=stop)
    full = make_trainer(tmp_path / "full", checkpoint_every=0)
    full_hist: list[float] = []
    full.add_callback("on_batch_end", lambda t: full_hist.append(t.last_losses["loss"]))
    full.fit(until_step=stop)
    assert len(full_hist) == stop and hist == full_hist[-3:]


def latest_step(path: Path) -> int:
    return int(path.name.split("-")[1])


def test_batches_are_moved_to_the_training_device():
    from dataclasses import dataclass

    from ainur_studio.training.loop import to_device

    @dataclass
    class Batch:
        audio: torch.Tensor
        texts: list

    meta = torch.device("meta")
    t = torch.zeros(2)
    moved = to_device({"a": t, "b": [t, "x"], "c": (t, 3), "d": Batch(t, ["hi"])}, meta)
    assert moved["a"].device == meta and moved["b"][0].device == meta and moved["b"][1] == "x"
    assert moved["c"][0].device == meta and moved["c"][1] == 3
    assert moved["d"].audio.device == meta and moved["d"].texts == ["hi"]
