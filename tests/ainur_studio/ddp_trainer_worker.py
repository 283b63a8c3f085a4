"""Run under `torchrun --nproc_per_node=2`: a few DDP trainer steps, then each rank saves its
weights to OUT/rank<r>.safetensors for the test to compare. The repository root must be on
PYTHONPATH."""

from __future__ import annotations

import json
import os
import sys
from importlib import resources
from pathlib import Path

import torch
from safetensors.torch import save_file

from ainur_studio.models.clasp import create_clasp_from_config
from ainur_studio.training.distributed import cleanup_distributed
from ainur_studio.training.loop import TrainConfig, Trainer
from tests.ainur_studio.trainer_toys import (
    ToyRegressor,
    collate_clasp,
    toy_clasp_items,
    toy_dataset,
)


def main(out: Path) -> None:
    torch.manual_seed(1234 + int(os.environ["RANK"]))  # ranks start from different weights
    config = TrainConfig(max_steps=4, batch_size=3, grad_accum=2, lr=1e-2, warmup_steps=1,
                         ema_decay=0.9, device="cpu")
    trainer = Trainer(model=ToyRegressor(), dataset=toy_dataset(), config=config,
                      out_dir=out / "ckpt", model_config={"toy": True})
    trainer.fit()
    weights = {k: v.contiguous() for k, v in trainer.model.state_dict().items()}
    save_file(weights, str(out / f"rank{trainer.dist.rank}.safetensors"))
    train_clasp(out, trainer.dist.rank)
    cleanup_distributed()


def train_clasp(out: Path, rank: int) -> None:
    """Two steps of the debug CLASP: its loss all-gathers features across ranks."""
    cfg = json.loads(resources.files("ainur_studio.configs").joinpath("clasp_debug.json")
                     .read_text())
    torch.manual_seed(rank)
    config = TrainConfig(max_steps=2, batch_size=2, lr=1e-3, warmup_steps=1, ema_decay=None,
                         device="cpu")
    trainer = Trainer(model=create_clasp_from_config(cfg), dataset=toy_clasp_items(),
                      config=config, collate_fn=collate_clasp)
    trainer.fit()
    weights = {k: v.contiguous() for k, v in trainer.model.state_dict().items()}
    save_file(weights, str(out / f"clasp-rank{rank}.safetensors"))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
