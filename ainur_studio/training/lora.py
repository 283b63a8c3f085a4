"""LoRA adapters on the prior through peft: targets by name, adapter weights, merging.

Targets are the U-Net's attention projections (`to_q`, `to_kv`, the output projection
`attention.blocks.0`) and, with "conv", the 1-D convolutions of its resnet blocks (kernel > 1).
The list of exact module names goes into the LoRA pack, so loading rebuilds the same adapters.
`scale_lora` sets how strongly the adapters act (the style strength of a fine-tuned pack)
before `merge_lora` folds them in.
"""

from __future__ import annotations

import math
import re
import typing as tp
from dataclasses import asdict, dataclass, field

import torch
from torch import nn

TARGET_KINDS = ("attention", "conv")
_ATTENTION = re.compile(r"(^|\.)(to_q|to_kv|attention\.blocks\.0)$")


@dataclass
class LoraSettings:
    """Adapter shape, stored in LoRA packs.

    Attributes:
        rank: r of the low-rank update W + (alpha / r) B A.
        alpha: scale numerator (alpha = rank gives scale 1).
        dropout: dropout on the adapter input while training.
        targets: exact module names (relative to the prior) that carry adapters.
    """

    rank: int = 16
    alpha: float = 16.0
    dropout: float = 0.0
    targets: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, tp.Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, tp.Any]) -> LoraSettings:
        return cls(rank=int(data["rank"]), alpha=float(data["alpha"]),
                   dropout=float(data.get("dropout", 0.0)), targets=list(data["targets"]))


def lora_targets(prior: nn.Module, kinds: tp.Sequence[str] = ("attention",)) -> list[str]:
    """Names of the prior's modules that take adapters for the given kinds.

    Raises:
        ValueError: an unknown kind, or no matching module.
    """
    unknown = set(kinds) - set(TARGET_KINDS)
    if unknown:
        raise ValueError(f"unknown LoRA target kinds {sorted(unknown)}; use "
                         f"{', '.join(TARGET_KINDS)}")
    names = []
    for name, module in prior.named_modules():
        if "attention" in kinds and isinstance(module, nn.Linear) and _ATTENTION.search(name):
            names.append(name)
        elif ("conv" in kinds and isinstance(module, nn.Conv1d)
              and module.kernel_size[0] > 1 and module.stride[0] == 1):
            names.append(name)
    if not names:
        raise ValueError(f"the prior has no {'/'.join(kinds)} modules for LoRA; train it 'full'")
    return names


def add_lora(prior: nn.Module, settings: LoraSettings) -> nn.Module:
    """Inject adapters in place (B = 0, so the output is unchanged) and freeze everything
    else; returns `prior`."""
    from peft import LoraConfig, inject_adapter_in_model

    if settings.rank < 1:
        raise ValueError(f"LoRA rank must be at least 1, got {settings.rank}")
    if not settings.targets:
        raise ValueError("LoRA settings name no target modules; fill them with lora_targets()")
    config = LoraConfig(r=settings.rank, lora_alpha=settings.alpha,
                        lora_dropout=settings.dropout, target_modules=settings.targets,
                        bias="none")
    inject_adapter_in_model(config, prior)
    for name, p in prior.named_parameters():
        p.requires_grad_("lora_" in name)
    return prior


def lora_state_dict(prior: nn.Module) -> dict[str, torch.Tensor]:
    """Only the adapter weights (names relative to the prior)."""
    return {name: p.detach().clone().contiguous() for name, p in prior.named_parameters()
            if "lora_" in name}


def load_lora_weights(prior: nn.Module, tensors: dict[str, torch.Tensor]) -> None:
    """Copy adapter weights into a prior that already has the same adapters.

    Raises:
        ValueError: names or shapes that do not match.
    """
    own = {name: p for name, p in prior.named_parameters() if "lora_" in name}
    missing, extra = set(own) - set(tensors), set(tensors) - set(own)
    if missing or extra:
        raise ValueError(f"LoRA weights do not match the adapters: missing {sorted(missing)[:3]}, "
                         f"unexpected {sorted(extra)[:3]}")
    with torch.no_grad():
        for name, value in tensors.items():
            if own[name].shape != value.shape:
                raise ValueError(f"LoRA weight {name} has shape {tuple(value.shape)}, the "
                                 f"adapter expects {tuple(own[name].shape)}")
            own[name].copy_(value)


def scale_lora(prior: nn.Module, strength: float) -> nn.Module:
    """Make every adapter add `strength` times its trained update (W + strength (alpha / r)
    B A): 0 leaves the base weights, 1 is the fine-tune as trained, above 1 exaggerates it.
    Uses peft's `LoraLayer.set_scale`; returns `prior`.

    Raises:
        ValueError: a strength that is negative or not finite.
    """
    from peft.tuners.lora import LoraLayer

    if not (math.isfinite(strength) and strength >= 0):
        raise ValueError(f"LoRA strength must be a finite number of at least 0, got {strength!r}")
    for module in prior.modules():
        if isinstance(module, LoraLayer):
            for adapter in list(module.scaling):
                module.set_scale(adapter, float(strength))
    return prior


def merge_lora(prior: nn.Module) -> nn.Module:
    """Fold every adapter into its base weight and put the plain module back (in place)."""
    from peft.tuners.lora import LoraLayer

    layers = [(name, m) for name, m in prior.named_modules() if isinstance(m, LoraLayer)]
    for name, layer in layers:
        layer.merge()
        parent_name, _, child = name.rpartition(".")
        parent = prior.get_submodule(parent_name) if parent_name else prior
        setattr(parent, child, layer.get_base_layer())
    return prior
