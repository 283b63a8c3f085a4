"""Fine-tuning objective of the prior over cached crops, and how its parameters are chosen.

`PriorObjective` computes the same v-objective with condition dropout as
`Prior.training_losses`, but takes the prompt tokens from the cache instead of running
the text encoder on every step. The lyrics track and CLASP vectors are built per crop.
"""

from __future__ import annotations

import typing as tp
from collections import OrderedDict

import torch
from torch import nn

from ainur_studio.data.datasets import LatentItem
from ainur_studio.diffusion.denoiser import v_loss
from ainur_studio.lyrics.align import window_text
from ainur_studio.models.prior import Conditions
from ainur_studio.training.lora import LoraSettings, add_lora, lora_targets

MODES = ("lora", "full", "scratch")


class PriorObjective(nn.Module):
    """`training_losses(batch)` for `collate_crops` batches; wraps (and owns) the prior.

    Args:
        prior: the pack's `Prior` (text encoder attached).
        clasp_dropout: probability of nulling a crop's CLASP vector (None: the prior's own).
    """

    def __init__(self, prior: nn.Module, *, clasp_dropout: float | None = None) -> None:
        super().__init__()
        self.prior = prior
        self.clasp_dropout = prior.clasp_dropout if clasp_dropout is None else clasp_dropout
        self._register_load_state_dict_pre_hook(_read_legacy_names)

    @staticmethod
    def legacy_name(name: str) -> str:
        """A parameter's name in checkpoints written before the renaming, made current (the
        trainer reads EMA weights by name)."""
        for old, new in (("diffusion.prior.", "prior.unet."), ("diffusion.", "prior.")):
            if name.startswith(old):
                return new + name[len(old):]
        return name

    def _clasp(self, rows: list[torch.Tensor | None] | None, device: torch.device
               ) -> torch.Tensor | None:
        d = self.prior
        if d.clasp is None or rows is None or all(r is None for r in rows):
            return None
        null = d.clasp.null.detach()
        return torch.stack([null if r is None else r.to(device, null.dtype) for r in rows])

    def conditions(self, batch: dict[str, tp.Any]) -> Conditions:
        """Raw conditions of a batch of crops (see `Prior.conditions`)."""
        d = self.prior
        device = d.device
        n = batch["latents"].shape[-1]
        track = None
        if d.lyrics_track is not None:
            track = d.lyrics_track(batch["lyrics"], n, d.frame_rate, encode=d.text_encoder)
        return Conditions(batch["embedding"].to(device), batch["mask"].to(device),
                          self._clasp(batch.get("clasp"), device), track, n)

    def training_losses(self, batch: dict[str, tp.Any]) -> dict[str, torch.Tensor]:
        """v-objective with text / CLASP dropout.

        Args:
            batch: "latents" [B, C, L], "embedding" [B, N, D], "mask" [B, N], "lyrics" (B
                `Lyrics` or None, relative to the crop), optional "clasp" (B [E] or None).

        Returns:
            {"loss": scalar}.
        """
        d = self.prior
        z = d.to_prior(batch["latents"].to(d.device))
        d.check_training_latents(z.shape[1], z.shape[-1])
        b = z.shape[0]
        cond = self.conditions(batch)
        kwargs = d.branch(cond, **self.dropout(b, z.device))
        return {"loss": v_loss(d.predict_v, z, cond=kwargs)}

    def dropout(self, b: int, device: torch.device) -> dict[str, torch.Tensor]:
        """Per-row condition dropout for `Prior.branch` (text, then CLASP)."""
        drop_t = torch.rand(b, device=device) < self.prior.text_dropout
        drop_c = torch.rand(b, device=device) < self.clasp_dropout
        return {"drop_text": drop_t, "drop_clasp": drop_c}


class ClaspVectors:
    """CLASP vector of a crop: the lyrics sung in it, else the recording's audio embedding,
    else None (the null vector). Lyrics embeddings are memoised by text (the window text only
    changes at line boundaries), the least recently used dropped beyond `max_entries`."""

    def __init__(self, clasp: tp.Any, *, max_entries: int = 20_000) -> None:
        self.clasp, self.max_entries = clasp, max_entries
        self._memo: OrderedDict[str, torch.Tensor] = OrderedDict()

    def lyrics_vector(self, text: str) -> torch.Tensor:
        """[E] CLASP lyrics embedding of `text` (memoised)."""
        if text in self._memo:
            self._memo.move_to_end(text)
        else:
            self._memo[text] = self.clasp.embed_lyrics([text])[0].float().cpu()
            if len(self._memo) > self.max_entries:
                self._memo.popitem(last=False)
        return self._memo[text]

    def __call__(self, item: LatentItem, start_s: float, end_s: float) -> torch.Tensor | None:
        text = window_text(item.lyrics, start_s, end_s) if item.lyrics is not None else ""
        if text.strip() and self.clasp is not None:
            return self.lyrics_vector(text)
        return item.clasp_audio


def prepare_prior(prior: nn.Module, *, mode: str, rank: int = 16,
                  alpha: float | None = None, target_kinds: tp.Sequence[str] = ("attention",),
                  seed: int = 0) -> LoraSettings | None:
    """Make the prior trainable for `mode`; returns the LoRA settings in "lora" mode.

    "lora" freezes the prior and adds adapters to its U-Net (drawn from `seed`); "full" and
    "scratch" train every parameter of the prior (the text encoder is never trained).
    """
    if mode not in MODES:
        raise ValueError(f"unknown training mode {mode!r}; use {', '.join(MODES)}")
    prior.train()
    if mode != "lora":
        prior.requires_grad_(True)
        return None
    prior.requires_grad_(False)
    settings = LoraSettings(rank=rank, alpha=float(alpha if alpha is not None else rank),
                            targets=lora_targets(prior.unet, target_kinds))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        add_lora(prior.unet, settings)
    return settings


def count_trainable(module: nn.Module) -> tuple[int, int]:
    """(trainable, total) parameter counts."""
    params = list(module.parameters())
    return sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params)


def _read_legacy_names(state: dict[str, tp.Any], prefix: str, *_args: tp.Any) -> None:
    """Checkpoints written before the renaming keep the prior under `diffusion.`."""
    old = prefix + "diffusion."
    for key in [k for k in state if k.startswith(old)]:
        state[prefix + "prior." + key[len(old):]] = state.pop(key)
