"""Tiny models and data for trainer tests (also used by the torchrun worker)."""

from __future__ import annotations

import torch
from torch import nn


class ToyRegressor(nn.Module):
    """MLP with dropout and input noise, so the RNG matters for an exact resume."""

    def __init__(self, *, width: int = 16) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, width), nn.GELU(), nn.Dropout(0.2),
                                 nn.Linear(width, 1))

    def training_losses(self, batch: tuple[torch.Tensor, torch.Tensor]) -> dict[str, torch.Tensor]:
        x, y = batch
        x = x + 0.01 * torch.randn_like(x)
        loss = nn.functional.mse_loss(self.net(x).squeeze(-1), y)
        return {"loss": loss, "mse": loss.detach()}


def toy_dataset(n: int = 24, *, seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=gen)
    y = x @ torch.tensor([1.0, -2.0, 0.5, 3.0]) + 0.1
    return [(x[i], y[i]) for i in range(n)]


def toy_clasp_items(n: int = 8, *, seed: int = 0) -> list[dict]:
    """Paired noise clips and captions for a few CLASP steps."""
    gen = torch.Generator().manual_seed(seed)
    return [{"audio": 0.1 * torch.randn(2, 12_000, generator=gen), "text": f"clip number {i}"}
            for i in range(n)]


def collate_clasp(items: list[dict]) -> dict:
    audio = torch.stack([it["audio"] for it in items])
    return {"audio": audio, "lengths": torch.full((len(items),), audio.shape[-1]),
            "text": [it["text"] for it in items]}
