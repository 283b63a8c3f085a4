"""Trains the toy model slowly with a checkpoint every step until killed (see
test_trainer.py::test_sigkill_then_resume_matches). The repository root must be on
PYTHONPATH. Usage: kill_resume_worker.py OUT_DIR"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

from ainur_studio.training.loop import TrainConfig, Trainer
from tests.ainur_studio.trainer_toys import ToyRegressor, toy_dataset

SETTINGS = dict(max_steps=1000, batch_size=4, grad_accum=2, lr=1e-2, warmup_steps=2,
                ema_decay=0.9, checkpoint_every=1, keep_last=2, device="cpu")


def make_trainer(out: Path, **overrides) -> Trainer:
    torch.manual_seed(0)
    return Trainer(model=ToyRegressor(), dataset=toy_dataset(),
                   config=TrainConfig(**{**SETTINGS, **overrides}), out_dir=out,
                   model_config={"type": "toy"})


if __name__ == "__main__":
    trainer = make_trainer(Path(sys.argv[1]))
    trainer.add_callback("on_batch_end", lambda t: time.sleep(0.05))
    trainer.fit()
