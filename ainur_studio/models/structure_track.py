"""`StructureTrackConditioner`: the musical structure of a take (tempo grid, chords, the notes
of each part, the parts asked for) as frame-aligned context channels at depth 0, like the
lyrics track.

The raw features (`structure_features`) are built once per window; each group (grid, chords,
notes, parts) can be nulled on its own (zeros, flag 0: training dropout per group), or all at
once (the `structure` guidance group); a learned 1x1 convolution projects them to the
configured channels.
"""

from __future__ import annotations

import typing as tp

import torch
from torch import nn

from ainur_studio.models.structure_features import (
    CHORD_FEATURES,
    GRID_FEATURES,
    NOTE_FEATURES,
    chord_features,
    grid_features,
    note_features,
    parts_features,
)
from ainur_studio.structure import STEM_ROLES
from ainur_studio.types import Structure

GROUPS = ("grid", "chords", "notes", "parts")
NOTE_ROLES = STEM_ROLES  # notes are read for every role, whether or not the pack makes it


def group_widths(roles: tp.Sequence[str]) -> dict[str, int]:
    """Feature count of each group for a prior making `roles`."""
    return {"grid": GRID_FEATURES, "chords": CHORD_FEATURES,
            "notes": NOTE_FEATURES * len(NOTE_ROLES), "parts": len(roles) + 1}


class StructureTrackConditioner(nn.Module):
    """Structures -> raw features [B, F, L] -> context channels [B, k, L].

    Args:
        roles: the prior's stem roles (the parts mask has one entry per role).
        channels: k, the projected channels.
    """

    def __init__(self, *, roles: tp.Sequence[str], channels: int) -> None:
        super().__init__()
        self.roles, self.channels, self.out_channels = tuple(roles), channels, channels
        widths = group_widths(self.roles)
        self.slices: dict[str, slice] = {}
        start = 0
        for name in GROUPS:
            self.slices[name] = slice(start, start + widths[name])
            start += widths[name]
        self.features = start
        self.proj = nn.Conv1d(self.features, channels, 1)

    def build(self, structures: tp.Sequence[Structure | None], n_frames: int,
              frame_rate: float, *, start_s: float | tp.Sequence[float] = 0.0,
              parts: torch.Tensor | None = None) -> torch.Tensor:
        """Raw features of a batch.

        Args:
            structures: B structures (times and bars relative to the take's start) or None
                (unknown: every group null except `parts` when given).
            n_frames: L; frame_rate: latent frames per second.
            start_s: take time of the window's first frame (one per item, or for all).
            parts: [B, S] bool, the roles present (training); None = each structure's
                `parts`, all roles when it lists none.

        Returns:
            [B, F, L] on the projection's device.
        """
        starts = [float(start_s)] * len(structures) if isinstance(start_s, (int, float)) \
            else [float(s) for s in start_s]
        if len(starts) != len(structures) or (parts is not None and len(parts) != len(starts)):
            raise ValueError(f"structure track: {len(structures)} structures, {len(starts)} "
                             "start times" + ("" if parts is None else f", {len(parts)} parts "
                                              "rows") + ": give one per item")
        rows = [self._row(s, n_frames, frame_rate, t0, None if parts is None else parts[b])
                for b, (s, t0) in enumerate(zip(structures, starts, strict=True))]
        weight = self.proj.weight
        return torch.stack(rows).to(device=weight.device, dtype=weight.dtype)

    def _row(self, structure: Structure | None, n_frames: int, frame_rate: float,
             start_s: float, present: torch.Tensor | None) -> torch.Tensor:
        out = torch.zeros(self.features, n_frames, dtype=torch.float64)
        if structure is not None:
            out[self.slices["grid"]] = grid_features(structure, n_frames, frame_rate, start_s)
            out[self.slices["chords"]] = chord_features(structure, n_frames, frame_rate,
                                                        start_s)
            base = self.slices["notes"].start
            for i, role in enumerate(NOTE_ROLES):
                if role in structure.notes:
                    at = slice(base + i * NOTE_FEATURES, base + (i + 1) * NOTE_FEATURES)
                    out[at] = note_features(structure.notes[role], n_frames, frame_rate,
                                            start_s)
        wanted = self._present(structure, present)
        if wanted is not None:
            out[self.slices["parts"]] = parts_features(wanted, n_frames)
        return out

    def _present(self, structure: Structure | None, present: torch.Tensor | None
                 ) -> list[bool] | None:
        if present is not None:
            return [bool(p) for p in present.tolist()]
        if structure is None:
            return None
        asked = set(structure.parts) or set(self.roles)
        return [r in asked for r in self.roles]

    def null(self, features: torch.Tensor, drop: torch.Tensor | None) -> torch.Tensor:
        """`features` [B, F, L] with groups zeroed where `drop` [B, G] (G = len(GROUPS),
        order of `GROUPS`) is True."""
        if drop is None or not bool(drop.any()):
            return features
        keep = torch.ones(features.shape[:2], dtype=features.dtype, device=features.device)
        for g, name in enumerate(GROUPS):
            keep[:, self.slices[name]] = (~drop[:, g:g + 1]).to(features.dtype)
        return features * keep[:, :, None]

    def empty(self, batch: int, n_frames: int) -> torch.Tensor:
        """[B, F, L] all-null features."""
        weight = self.proj.weight
        return torch.zeros(batch, self.features, n_frames, device=weight.device,
                           dtype=weight.dtype)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """[B, F, L] -> [B, k, L]."""
        return self.proj(features)
