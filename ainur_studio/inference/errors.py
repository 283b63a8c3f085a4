"""What `generate` returns and raises."""

from __future__ import annotations

import typing as tp
from dataclasses import dataclass, field

import torch

from ainur_studio.errors import GenerationCancelled, GenerationError

__all__ = ["GenerationCancelled", "GenerationError", "GenerationResult"]


@dataclass
class GenerationResult:
    """Audio and how it was made.

    Attributes:
        audio: one [2, T] float32 tensor (48 kHz) per output, on the CPU.
        sample_rate: of `audio`.
        timings: stage -> seconds ("text", "clasp", "encode", "prior", "decode", "total").
        meta: one dict per output: seed, score (CLASP similarity or None), and task details.
        stems: per output, role -> [2, T] for a pack that makes stems (`audio` is their sum,
            given parts included); empty for a pack that makes only the mix.
        given: per output, the roles in `stems` that were given (add-parts), not generated.
    """

    audio: list[torch.Tensor]
    sample_rate: int
    timings: dict[str, float] = field(default_factory=dict)
    meta: list[dict[str, tp.Any]] = field(default_factory=list)
    stems: list[dict[str, torch.Tensor]] = field(default_factory=list)
    given: list[list[str]] = field(default_factory=list)
