"""Run under `torchrun --nproc_per_node=2`: a few DDP trainer steps, then each rank saves its
weights to OUT/rank<r>.safetensors for the test to compare. The repository root must be on
PYTHONPATH."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

from ainur_studio.training.distributed import cleanup_distributed
from ainur_studio.training.loop import TrainConfig, Trainer
from tests.ainur_studio.trainer_toys import ToyRegressor, toy_dataset


def main(out: Path) -> None:
    torch.manual_seed(1234 + int(os.environ["RANK"]))  # ranks start from different weights
    config = TrainConfig(max_steps=4, batch_size=3, grad_accum=2, lr=1e-2, warmup_steps=1,
                         ema_decay=0.9, device="cpu")
    trainer = Trainer(model=ToyRegressor(), dataset=toy_dataset(), config=config,
                      out_dir=out / "ckpt", model_config={"toy": True})
    trainer.fit()
    weights = {k: v.contiguous() for k, v in trainer.model.state_dict().items()}
    save_file(weights, str(out / f"rank{trainer.dist.rank}.safetensors"))
    cleanup_distributed()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
