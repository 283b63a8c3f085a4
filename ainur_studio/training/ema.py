"""Exponential moving average of a model's trainable weights, saved explicitly.

The published code kept EMA weights only inside optimizer state and evaluated raw weights;
here the EMA is its own file in every checkpoint and the weights exported for inference.
"""

from __future__ import annotations

import contextlib
import typing as tp

import torch
from torch import nn


class EMA:
    """Shadow copy (float32) of the trainable parameters of `model`.

    Args:
        model: the (unwrapped) model whose parameters are averaged.
        decay: target decay; with `warmup`, the effective decay is
            min(decay, (1 + n) / (10 + n)) after n updates, so early weights fade quickly.
        warmup: use the warm-up rule above.
    """

    def __init__(self, model: nn.Module, *, decay: float = 0.999, warmup: bool = True) -> None:
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"EMA decay must be in [0, 1), got {decay}")
        self.decay, self.warmup = decay, warmup
        self.num_updates = 0
        self.shadow = {name: p.detach().float().clone()
                       for name, p in model.named_parameters() if p.requires_grad}

    def current_decay(self) -> float:
        """Decay used by the next update."""
        if not self.warmup:
            return self.decay
        return min(self.decay, (1 + self.num_updates) / (10 + self.num_updates))

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """shadow <- d * shadow + (1 - d) * param, for every tracked parameter."""
        d = self.current_decay()
        params = dict(model.named_parameters())
        for name, avg in self.shadow.items():
            avg.lerp_(params[name].detach().float(), 1.0 - d)
        self.num_updates += 1

    @torch.no_grad()
    def copy_to(self, model: nn.Module) -> None:
        """Write the averaged weights into `model` (cast to each parameter's dtype)."""
        params = dict(model.named_parameters())
        for name, avg in self.shadow.items():
            params[name].copy_(avg.to(params[name].dtype))

    @contextlib.contextmanager
    def swapped_in(self, model: nn.Module) -> tp.Iterator[nn.Module]:
        """Temporarily run `model` with the EMA weights; the raw weights come back after."""
        params = dict(model.named_parameters())
        backup = {name: params[name].detach().clone() for name in self.shadow}
        self.copy_to(model)
        try:
            yield model
        finally:
            with torch.no_grad():
                for name, value in backup.items():
                    params[name].copy_(value)

    def state_dict(self) -> dict[str, torch.Tensor]:
        return dict(self.shadow)

    def load_state_dict(self, tensors: dict[str, torch.Tensor], *, num_updates: int) -> None:
        """Restore from `state_dict()` output; names must match the tracked parameters."""
        missing, extra = set(self.shadow) - set(tensors), set(tensors) - set(self.shadow)
        if missing or extra:
            raise ValueError(f"EMA state does not match the model: missing {sorted(missing)[:5]}, "
                             f"unexpected {sorted(extra)[:5]}")
        for name, value in tensors.items():
            self.shadow[name].copy_(value)
        self.num_updates = num_updates

    def to(self, device: torch.device | str) -> EMA:
        self.shadow = {k: v.to(device) for k, v in self.shadow.items()}
        return self
