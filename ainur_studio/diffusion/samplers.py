"""Samplers: `sample_<name>(model, x, sigmas, *, extra_args=None, callback=None) -> Tensor`.

`model(x, sigma, **extra_args) -> x0` is a denoiser in the VE convention (`x = x0 + sigma eps`,
see `schedules.py`); `x` starts as `noise * sigmas[0]`. Every sampler calls `callback` once per
step with `{"x", "i", "sigma", "sigma_next", "denoised", "total"}`; an exception raised there
stops sampling (that is how cancellation works). All samplers are deterministic: they draw no
random numbers of their own.
"""

from __future__ import annotations

import math
import typing as tp

import torch

Denoiser = tp.Callable[..., torch.Tensor]
Callback = tp.Callable[[dict[str, tp.Any]], None]


def _sigma_batch(sigma: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return sigma.to(x.dtype) * x.new_ones(x.shape[0])


def _report(callback: Callback | None, x: torch.Tensor, i: int, sigmas: torch.Tensor,
            denoised: torch.Tensor) -> None:
    if callback is not None:
        callback({"x": x, "i": i, "sigma": sigmas[i], "sigma_next": sigmas[i + 1],
                  "denoised": denoised, "total": len(sigmas) - 1})


def _check(x: torch.Tensor, sigmas: torch.Tensor) -> None:
    if sigmas.ndim != 1 or len(sigmas) < 2:
        raise ValueError(f"sigmas must be a 1-D tensor of at least 2 levels, got shape "
                         f"{tuple(sigmas.shape)}")
    if not torch.isfinite(x).all():
        raise ValueError("the initial latent contains NaN or inf values")


def to_d(x: torch.Tensor, sigma: torch.Tensor, denoised: torch.Tensor) -> torch.Tensor:
    """Probability-flow ODE derivative dx/dsigma = (x - x0) / sigma."""
    return (x - denoised) / sigma


@torch.no_grad()
def sample_v_ddim(model: Denoiser, x: torch.Tensor, sigmas: torch.Tensor, *,
                  extra_args: dict | None = None,
                  callback: Callback | None = None) -> torch.Tensor:
    """Deterministic DDIM, Ainur's VSampler when used with `get_sigmas_linear_angle`.

    The VSampler step in angle form, `x <- a' x0_hat + b' eps_hat`, is exactly
    `x <- x0_hat + sigma' eps_hat` in the VE convention (divide by a' = cos(pi s'/2)), with
    `eps_hat = (x - x0_hat) / sigma`. The last step (sigma' = 0) returns x0_hat itself.
    """
    _check(x, sigmas)
    extra_args = extra_args or {}
    for i in range(len(sigmas) - 1):
        denoised = model(x, _sigma_batch(sigmas[i], x), **extra_args)
        _report(callback, x, i, sigmas, denoised)
        if sigmas[i + 1] == 0:
            x = denoised
        else:
            x = denoised + sigmas[i + 1] * to_d(x, sigmas[i], denoised)
    return x


@torch.no_grad()
def sample_euler(model: Denoiser, x: torch.Tensor, sigmas: torch.Tensor, *,
                 extra_args: dict | None = None,
                 callback: Callback | None = None) -> torch.Tensor:
    """Euler's method on the probability-flow ODE (Karras et al. 2022, Alg. 2 without churn)."""
    _check(x, sigmas)
    extra_args = extra_args or {}
    for i in range(len(sigmas) - 1):
        denoised = model(x, _sigma_batch(sigmas[i], x), **extra_args)
        _report(callback, x, i, sigmas, denoised)
        x = x + to_d(x, sigmas[i], denoised) * (sigmas[i + 1] - sigmas[i])
    return x


@torch.no_grad()
def sample_heun(model: Denoiser, x: torch.Tensor, sigmas: torch.Tensor, *,
                extra_args: dict | None = None,
                callback: Callback | None = None) -> torch.Tensor:
    """Heun's second-order predictor-corrector (Karras et al. 2022, Alg. 1) in exponential-
    integrator form; 2 model calls per step except the last one (to sigma = 0), an Euler step.

    With r = sigma_next / sigma the ODE step is exactly `x' = r x + sigma_next *
    integral of D(tau) / tau^2` over [sigma_next, sigma]. The predictor takes D constant (the
    Euler step `r x + (1 - r) D`); the corrector takes D linear between the two estimates and
    integrates that exactly (`heun_weight`). Alg. 1 averages the slopes `(x - D) / sigma`
    instead, which multiplies the corrector's error by sigma / sigma_next: from the prior's
    sigma_max of 6366 a few-step schedule blew up (a 1700x error at 4 steps). Here the weights
    stay in [0, 1].
    """
    _check(x, sigmas)
    extra_args = extra_args or {}
    for i in range(len(sigmas) - 1):
        denoised = model(x, _sigma_batch(sigmas[i], x), **extra_args)
        _report(callback, x, i, sigmas, denoised)
        ratio = float(sigmas[i + 1]) / float(sigmas[i])
        x_2 = ratio * x + (1 - ratio) * denoised
        if sigmas[i + 1] == 0:
            x = x_2
            continue
        denoised_2 = model(x_2, _sigma_batch(sigmas[i + 1], x), **extra_args)
        x = ratio * x + (1 - ratio) * denoised_2 + heun_weight(ratio) * (denoised - denoised_2)
    return x


def heun_weight(ratio: float) -> float:
    """Weight of the first denoised estimate in a Heun step with sigma_next = ratio * sigma,
    0 < ratio < 1: `r (log(1 / r) + r - 1) / (1 - r)` (-> 0 as r -> 0, -> (1 - r) / 2 as
    r -> 1), computed without cancellation for small steps."""
    e = 1.0 - ratio
    return ratio * (-math.log1p(-e) - e) / e


@torch.no_grad()
def sample_dpmpp_2m(model: Denoiser, x: torch.Tensor, sigmas: torch.Tensor, *,
                    extra_args: dict | None = None,
                    callback: Callback | None = None) -> torch.Tensor:
    """DPM-Solver++(2M) (Lu et al. 2022, arXiv 2211.01095), multistep, one call per step.

    Works in `t = -log(sigma)`; the first and the last step are first order.
    """
    _check(x, sigmas)
    extra_args = extra_args or {}
    old_denoised = None
    for i in range(len(sigmas) - 1):
        denoised = model(x, _sigma_batch(sigmas[i], x), **extra_args)
        _report(callback, x, i, sigmas, denoised)
        if sigmas[i + 1] == 0:
            x = denoised
            break
        t, t_next = -sigmas[i].log(), -sigmas[i + 1].log()
        h = t_next - t
        if old_denoised is None:
            d_eff = denoised
        else:
            h_last = t - (-sigmas[i - 1].log())
            r = h_last / h
            d_eff = (1 + 1 / (2 * r)) * denoised - (1 / (2 * r)) * old_denoised
        x = (sigmas[i + 1] / sigmas[i]) * x - torch.expm1(-h) * d_eff
        old_denoised = denoised
    return x


SAMPLERS: dict[str, tp.Callable[..., torch.Tensor]] = {
    "v-ddim": sample_v_ddim,
    "euler": sample_euler,
    "heun": sample_heun,
    "dpmpp-2m": sample_dpmpp_2m,
}


def model_calls(name: str, steps: int) -> int:
    """Number of denoiser calls a sampler makes for `steps` steps (Heun: 2 per step but 1 for the
    last)."""
    return 2 * steps - 1 if name == "heun" else steps


def get_sampler(name: str) -> tp.Callable[..., torch.Tensor]:
    """The sampler called `name` (a key of `SAMPLERS`)."""
    if name not in SAMPLERS:
        raise ValueError(f"unknown sampler {name!r}; choose one of {sorted(SAMPLERS)}")
    return SAMPLERS[name]
