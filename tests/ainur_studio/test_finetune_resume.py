"""Kill-and-resume and DDP for fine-tuning: a SIGKILLed run resumed from its checkpoint follows
the uninterrupted loss trajectory step for step; under torchrun both ranks end identical."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from ainur_studio.training.train import train
from tests.ainur_studio.test_finetune import make_clips, spec

REPO = Path(__file__).resolve().parents[2]

KILLED_RUN = """
import json, os, signal, sys
import torch
torch.set_num_threads(1)
from ainur_studio.progress import Callbacks
from ainur_studio.training.train import train
spec, kill_at = json.loads(sys.argv[1]), int(sys.argv[2])
def callback(info):
    if info["step"] == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)
train(spec, progress=Callbacks(report=callback))
"""

DDP_RUN = """
import json, os, sys
import torch
from safetensors.torch import save_file
import ainur_studio.training.recipes.prior_fit as run
from ainur_studio.training.distributed import cleanup_distributed
from ainur_studio.training.train import train
fit = run.fit
def fit_and_save(*args, **kwargs):
    trainer, summary, stopped = fit(*args, **kwargs)
    weights = {n: p.detach().contiguous() for n, p in trainer.model.named_parameters()
               if p.requires_grad}
    save_file(weights, os.path.join(sys.argv[2], f"rank{trainer.dist.rank}.safetensors"))
    return trainer, summary, stopped
run.fit = fit_and_save
train(json.loads(sys.argv[1]), device="cpu")
cleanup_distributed()
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}


def _losses(out: Path) -> list[tuple[int, float]]:
    lines = (out / "history.jsonl").read_text().splitlines()
    return [(r["step"], r["loss"]) for r in map(json.loads, lines) if "loss" in r]


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    return make_clips(tmp_path_factory.mktemp("recordings") / "songs", broken=False)


@pytest.mark.slow
def test_sigkill_then_resume_matches_the_uninterrupted_run(clips, tmp_path):
    torch.set_num_threads(1)
    run = spec(clips, tmp_path / "whole", steps=8, save_every=3, ema_decay=0.99)
    train(run)
    killed = {**run, "out": str(tmp_path / "killed")}
    proc = subprocess.run([sys.executable, "-c", KILLED_RUN, json.dumps(killed), "5"],
                          env=_env(), cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert [s for s, _ in _losses(tmp_path / "killed")] == [1, 2, 3, 4, 5]
    assert not (tmp_path / "killed" / "pack").exists()
    train({**killed, "resume": True})
    whole, resumed = _losses(tmp_path / "whole"), _losses(tmp_path / "killed")
    assert [s for s, _ in resumed] == list(range(1, 9))
    for (step, a), (_, b) in zip(whole, resumed, strict=True):
        assert b == pytest.approx(a, rel=1e-5, abs=1e-7), f"step {step}"
    a = load_file(str(tmp_path / "whole" / "pack" / "prior_lora" / "adapter.safetensors"))
    b = load_file(str(tmp_path / "killed" / "pack" / "prior_lora" / "adapter.safetensors"))
    for name in a:
        torch.testing.assert_close(a[name], b[name], rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_torchrun_two_cpu_ranks_end_with_identical_weights(clips, tmp_path):
    script = tmp_path / "ddp_run.py"
    script.write_text(DDP_RUN)
    run = spec(clips, tmp_path / "run", steps=3, batch_size=2, save_every=2)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           str(script), json.dumps(run), str(tmp_path)]
    proc = subprocess.run(cmd, env=_env(), cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r0, r1 = (load_file(str(tmp_path / f"rank{r}.safetensors")) for r in (0, 1))
    assert r0.keys() == r1.keys() and r0
    for name in r0:
        assert torch.equal(r0[name], r1[name]), name
    state = json.loads((tmp_path / "run" / "checkpoints" / "step-00000003" / "state.json")
                       .read_text())
    assert state["world_size"] == 2
    assert Path(tmp_path / "run" / "pack" / "pack.json").is_file()
