"""A tiny LoRA fine-tune of the debug-mix pack, trained in a few steps (seconds on one core),
for the style-strength tests."""

from __future__ import annotations

from pathlib import Path

import torch

from tests.ainur_studio.test_finetune import make_clips, spec


def tiny_lora_pack(root: Path, *, name: str = "tiny-lora", install: bool = False) -> Path:
    """Train 3 steps of LoRA (attention and convolutions) on four generated clips and return
    the exported pack's folder (installed as `name` when `install`)."""
    from ainur_studio.training.train import train

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        clips = make_clips(root / "recordings", count=4, seconds=1.5, broken=False)
        result = train(spec(clips, root / "run", steps=3, save_every=0, lr=5e-2, name=name,
                            install=install))
    finally:
        torch.set_num_threads(threads)
    return Path(result["pack"])
