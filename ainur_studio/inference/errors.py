"""What `generate` returns and raises."""

from __future__ import annotations

import typing as tp
from dataclasses import dataclass, field

import torch


class GenerationError(ValueError):
    """A request that cannot be served. `code` is stable (for the UI and the engine protocol);
    the message says what is wrong and how to fix it.

    Codes: unknown_task, unknown_sampler, empty_prompt, bad_prompt, duration_out_of_range,
    bad_steps, bad_guidance, bad_strength, bad_region, bad_extend, bad_count, no_source,
    reference_unreadable, reference_too_short, source_unreadable, source_too_short, source_too_long, bad_interpolation, no_clasp,
    pack_mismatch.
    """

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(f"{message} [{code}]")


class GenerationCancelled(Exception):
    """`cancel()` returned True; raised at the next sampler step."""


@dataclass
class GenerationResult:
    """Audio and how it was made.

    Attributes:
        audio: one [2, T] float32 tensor (48 kHz) per output, on the CPU.
        sample_rate: of `audio`.
        timings: stage -> seconds ("text", "clasp", "encode", "prior", "decode", "total").
        meta: one dict per output: seed, score (CLASP similarity or None), and task details.
    """

    audio: list[torch.Tensor]
    sample_rate: int
    timings: dict[str, float] = field(default_factory=dict)
    meta: list[dict[str, tp.Any]] = field(default_factory=list)
