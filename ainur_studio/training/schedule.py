"""Learning-rate schedules as pure functions of the optimizer step.

The trainer sets each step's learning rate from these, so a schedule's only state is the step
number: resuming needs nothing else.
"""

from __future__ import annotations

import math


def cosine_with_warmup(step: int, *, warmup_steps: int, total_steps: int,
                       min_ratio: float = 0.0) -> float:
    """Learning-rate multiplier at optimizer step `step` (0-based).

    Linear warm-up from 1/warmup_steps to 1 over `warmup_steps`, then a half cosine from 1 down
    to `min_ratio` at `total_steps`; constant `min_ratio` afterwards.
    """
    if step < 0:
        raise ValueError(f"step must be >= 0, got {step}")
    if warmup_steps > 0 and step < warmup_steps:
        return (step + 1) / warmup_steps
    if total_steps <= warmup_steps:
        return 1.0
    progress = min((step - warmup_steps) / (total_steps - warmup_steps), 1.0)
    return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))


def constant_with_warmup(step: int, *, warmup_steps: int, total_steps: int = 0,
                         min_ratio: float = 0.0) -> float:
    """Linear warm-up then constant 1 (same signature as `cosine_with_warmup`)."""
    del total_steps, min_ratio
    if warmup_steps > 0 and step < warmup_steps:
        return (step + 1) / warmup_steps
    return 1.0


SCHEDULES = {"cosine": cosine_with_warmup, "constant": constant_with_warmup}
