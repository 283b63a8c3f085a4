"""Noise schedules: `get_sigmas_<name>(n, ...) -> Tensor [n + 1]`, descending, ending in 0.

Sigmas follow the k-diffusion (variance-exploding) convention: a noisy latent is
`x = x0 + sigma * eps`. The v-objective prior works on the angle `s` in [0, 1] with
`x_s = cos(pi s / 2) x0 + sin(pi s / 2) eps`, i.e. `sigma = tan(pi s / 2)`; the conversion lives
in `angle_to_sigma` / `sigma_to_angle` and nowhere else.
"""

from __future__ import annotations

import math

import torch

# The angle schedule starts just below s = 1 (sigma = tan(pi/2) is infinite). At this angle the
# signal weight cos(pi s / 2) is 1.6e-4, so the first step sees pure noise, as Ainur's VSampler.
ANGLE_MAX = 1.0 - 1e-4
SIGMA_MAX = math.tan(math.pi / 2 * ANGLE_MAX)  # ~6366
SIGMA_MIN = math.tan(math.pi / 2 * 0.002)  # ~3.1e-3, the last non-zero level of 500+ steps

# Log-sigma knots of a few-step schedule ("align your steps" style): dense in the middle noise
# levels, where a coarse step hurts most, sparse at both ends. Interpolated in log space.
_FEWSTEP_KNOTS = (1.0, 0.76, 0.6, 0.5, 0.42, 0.355, 0.29, 0.22, 0.15, 0.07, 0.0)


def angle_to_sigma(s: torch.Tensor | float) -> torch.Tensor:
    """VE sigma `tan(pi s / 2)` of a v-objective angle `s` in [0, 1)."""
    return torch.tan(torch.as_tensor(s, dtype=torch.float64) * (math.pi / 2)).float()


def sigma_to_angle(sigma: torch.Tensor) -> torch.Tensor:
    """Inverse of `angle_to_sigma`: `s = atan(sigma) * 2 / pi`, in [0, 1]."""
    return torch.atan(sigma) * (2 / math.pi)


def _append_zero(sigmas: torch.Tensor) -> torch.Tensor:
    return torch.cat([sigmas, sigmas.new_zeros(1)])


def _check_n(n: int) -> None:
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"number of steps must be a positive int, got {n!r}")


def get_sigmas_linear_angle(n: int, *, angle_max: float = ANGLE_MAX) -> torch.Tensor:
    """Ainur's VSampler schedule: the angle goes linearly from `angle_max` to 0 in n steps.

    Args:
        n: number of steps.
        angle_max: first angle, in (0, 1).

    Returns:
        [n + 1] sigmas, the last exactly 0.
    """
    _check_n(n)
    if not 0.0 < angle_max < 1.0:
        raise ValueError(f"angle_max must be in (0, 1), got {angle_max}")
    angles = torch.linspace(angle_max, 0.0, n + 1, dtype=torch.float64)
    sigmas = torch.tan(angles * (math.pi / 2)).float()
    sigmas[-1] = 0.0
    return sigmas


def get_sigmas_karras(n: int, *, sigma_min: float = SIGMA_MIN, sigma_max: float = SIGMA_MAX,
                      rho: float = 7.0) -> torch.Tensor:
    """Karras et al. (2022) schedule: uniform in `sigma ** (1 / rho)`.

    Returns:
        [n + 1] sigmas from `sigma_max` down to `sigma_min`, then 0.
    """
    _check_n(n)
    ramp = torch.linspace(0, 1, n, dtype=torch.float64)
    lo, hi = sigma_min ** (1 / rho), sigma_max ** (1 / rho)
    return _append_zero(((hi + ramp * (lo - hi)) ** rho).float())


def get_sigmas_exponential(n: int, *, sigma_min: float = SIGMA_MIN,
                           sigma_max: float = SIGMA_MAX) -> torch.Tensor:
    """Uniform in log sigma, i.e. uniform in log-SNR (`log SNR = -2 log sigma`).

    Returns:
        [n + 1] sigmas from `sigma_max` down to `sigma_min`, then 0.
    """
    _check_n(n)
    log_sigmas = torch.linspace(math.log(sigma_max), math.log(sigma_min), n,
                                dtype=torch.float64)
    return _append_zero(log_sigmas.exp().float())


def get_sigmas_fewstep(n: int, *, sigma_min: float = SIGMA_MIN,
                       sigma_max: float = SIGMA_MAX) -> torch.Tensor:
    """A schedule for few steps (4-12): fixed knots in log sigma, resampled to n steps.

    The knots put more steps at middle noise levels than the exponential schedule does.

    Returns:
        [n + 1] sigmas from `sigma_max` down to `sigma_min`, then 0.
    """
    _check_n(n)
    knots = torch.tensor(_FEWSTEP_KNOTS, dtype=torch.float64)
    where = torch.linspace(0, len(knots) - 1, n, dtype=torch.float64)
    lo = where.floor().long().clamp(max=len(knots) - 2)
    frac = where - lo
    u = knots[lo] * (1 - frac) + knots[lo + 1] * frac  # 1 -> 0
    log_sigmas = math.log(sigma_min) + u * (math.log(sigma_max) - math.log(sigma_min))
    return _append_zero(log_sigmas.exp().float())


SCHEDULES = {
    "linear-angle": get_sigmas_linear_angle,
    "karras": get_sigmas_karras,
    "exponential": get_sigmas_exponential,
    "fewstep": get_sigmas_fewstep,
}


def get_sigmas(name: str, n: int) -> torch.Tensor:
    """Sigmas of the schedule called `name` (a key of `SCHEDULES`) with default bounds."""
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; choose one of {sorted(SCHEDULES)}")
    return SCHEDULES[name](n)
