"""The objective of a prior that makes stems, over crops of encoded stem clips
(`training.stems_crops`): `PriorObjective`'s v-objective with text / CLASP dropout, plus the
structure track built from each crop's structure and parts, each of its groups dropped on
its own (`Prior.structure_dropout`), as `Prior.training_losses` does.
"""

from __future__ import annotations

import typing as tp

import torch

from ainur_studio.models.prior import Conditions
from ainur_studio.models.structure_track import GROUPS
from ainur_studio.training.recipes.prior_objective import PriorObjective


class StemsObjective(PriorObjective):
    """`training_losses(batch)` for `collate_crops` batches of stem crops.

    A batch without "structure" (or a prior without a structure track) trains with the
    structure track null, as a structure-free take is generated.
    """

    def conditions(self, batch: dict[str, tp.Any]) -> Conditions:
        cond = super().conditions(batch)
        d = self.prior
        if d.structure_track is not None and "structure" in batch:
            cond.structure = d.structure_track.build(
                batch["structure"], cond.n_frames, d.frame_rate,
                start_s=batch["structure_start_s"], parts=torch.as_tensor(batch["parts"]))
        return cond

    def training_losses(self, batch: dict[str, tp.Any]) -> dict[str, torch.Tensor]:
        """v-objective with text / CLASP / structure-group dropout.

        Args:
            batch: `PriorObjective.training_losses`'s keys with "latents" [B, S*C, L], and
                "structure" (B `Structure`s relative to the bar each crop starts in),
                "structure_start_s" (B floats) and "parts" [B, S] bool.
        """
        return super().training_losses(batch)

    def dropout(self, b: int, device: torch.device) -> dict[str, torch.Tensor | None]:
        """The prior's text and CLASP dropout, then each structure group's."""
        drops: dict[str, torch.Tensor | None] = dict(super().dropout(b, device))
        d = self.prior
        drops["drop_structure"] = None if d.structure_track is None else (
            torch.rand(b, len(GROUPS), device=device) < d.structure_dropout)
        return drops
