"""Samplers against a Gaussian data distribution, whose optimal denoiser and probability-flow
ODE solution are closed-form: data x0 ~ N(mu, s^2) per dimension gives
D(x, sigma) = mu + s^2 / (s^2 + sigma^2) (x - mu) and, from x_T at sigma_T,
x(0) = mu + s / sqrt(s^2 + sigma_T^2) (x_T - mu)."""

from __future__ import annotations

import math

import pytest
import torch

from ainur_studio.diffusion import samplers as smp
from ainur_studio.diffusion import schedules as sch
from ainur_studio.diffusion.denoiser import VDenoiser

MU, STD = 0.3, 0.5


def gaussian_denoiser(x, sigma, **_):
    s2 = STD**2
    k = (s2 / (s2 + sigma**2)).reshape(-1, 1, 1)
    return MU + k * (x - MU)


def exact_solution(x_t, sigma_t):
    return MU + STD / math.sqrt(STD**2 + sigma_t**2) * (x_t - MU)


def start(n=512, seed=0, sigma=sch.SIGMA_MAX):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 4, 8, generator=g) * sigma


@pytest.mark.parametrize("name,tol", [("euler", 0.05), ("v-ddim", 0.05), ("heun", 0.02),
                                      ("dpmpp-2m", 0.02)])
def test_samplers_reach_the_data_distribution(name, tol):
    sigmas = sch.get_sigmas_karras(100, sigma_min=0.01)
    out = smp.get_sampler(name)(gaussian_denoiser, start(sigma=float(sigmas[0])), sigmas)
    assert abs(out.mean().item() - MU) < 0.02
    assert abs(out.std().item() - STD) < tol


def _ode_error(name, n):
    sigmas = sch.get_sigmas_karras(n, sigma_max=80.0, sigma_min=0.01)
    x_t = start(n=64, sigma=80.0)
    out = smp.get_sampler(name)(gaussian_denoiser, x_t, sigmas)
    return (out - exact_solution(x_t, 80.0)).abs().max().item()


@pytest.mark.parametrize("name,order", [("euler", 1), ("v-ddim", 1), ("heun", 2),
                                        ("dpmpp-2m", 2)])
def test_samplers_converge_to_the_exact_ode_at_their_order(name, order):
    e40, e80 = _ode_error(name, 40), _ode_error(name, 80)
    assert e80 < (0.1 if order == 1 else 0.005)
    assert 2**order * 0.8 < e40 / e80 < 2**order * 1.25


def test_second_order_samplers_agree_with_the_exact_ode_from_sigma_max():
    sigmas = sch.get_sigmas_karras(80, sigma_min=0.01)
    x_t = start(n=32, sigma=float(sigmas[0]))
    exact = exact_solution(x_t, float(sigmas[0]))
    for name in ("heun", "dpmpp-2m"):
        out = smp.get_sampler(name)(gaussian_denoiser, x_t, sigmas)
        assert torch.allclose(out, exact, atol=0.025), name


def _gaussian_v_net(x_s, s, **_):
    """Optimal v-prediction for the Gaussian data, written in Ainur's angle form."""
    a = torch.cos(s * math.pi / 2).reshape(-1, 1, 1)
    b = torch.sin(s * math.pi / 2).reshape(-1, 1, 1)
    # x_s = a x0 + b eps; E[x0 | x_s] for Gaussian x0 ~ N(MU, STD^2)
    var = a**2 * STD**2 + b**2
    x0 = MU + a * STD**2 / var * (x_s - a * MU)
    eps = (x_s - a * x0) / b.clamp(min=1e-12)
    return a * eps - b * x0


def test_v_ddim_equals_ainur_vsampler():
    """Our v-DDIM in VE form, run through VDenoiser, reproduces the VSampler update
    x <- a' (a x - b v) + b' (b x + a v) on the angle grid."""
    n = 20
    sigmas = sch.get_sigmas_linear_angle(n)
    noise = torch.randn(16, 4, 8, generator=torch.Generator().manual_seed(3))
    ours = smp.sample_v_ddim(VDenoiser(_gaussian_v_net), noise * sigmas[0], sigmas)

    angles = torch.linspace(sch.ANGLE_MAX, 0, n + 1, dtype=torch.float64).float()
    x = noise * math.sin(math.pi / 2 * sch.ANGLE_MAX)
    for i in range(n):
        s, s_next = angles[i], angles[i + 1]
        a, b = math.cos(math.pi / 2 * s), math.sin(math.pi / 2 * s)
        a2, b2 = math.cos(math.pi / 2 * s_next), math.sin(math.pi / 2 * s_next)
        v = _gaussian_v_net(x, s.expand(16))
        x = a2 * (a * x - b * v) + b2 * (b * x + a * v)
    assert torch.allclose(ours, x, atol=1e-4)


@pytest.mark.parametrize("name", sorted(smp.SAMPLERS))
def test_callback_once_per_step_and_deterministic(name):
    sigmas = sch.get_sigmas_karras(6)
    seen = []
    out1 = smp.get_sampler(name)(gaussian_denoiser, start(n=4), sigmas,
                                 callback=lambda info: seen.append((info["i"], info["total"])))
    out2 = smp.get_sampler(name)(gaussian_denoiser, start(n=4), sigmas)
    assert seen == [(i, 6) for i in range(6)]
    assert torch.equal(out1, out2)


@pytest.mark.parametrize("name", sorted(smp.SAMPLERS))
def test_callback_exception_cancels(name):
    calls = []

    def model(x, sigma, **kw):
        calls.append(1)
        return gaussian_denoiser(x, sigma)

    def cb(info):
        if info["i"] == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        smp.get_sampler(name)(model, start(n=2), sch.get_sigmas_karras(10), callback=cb)
    assert len(calls) == (5 if name == "heun" else 3)  # step 2 is the last one started


def test_extra_args_reach_the_model():
    got = {}

    def model(x, sigma, *, tag):
        got["tag"] = tag
        return x * 0

    smp.sample_euler(model, start(n=1), sch.get_sigmas_karras(2), extra_args={"tag": "t"})
    assert got == {"tag": "t"}


def test_model_call_count():
    calls = []
    smp.sample_heun(lambda x, s: calls.append(1) or gaussian_denoiser(x, s), start(n=1),
                    sch.get_sigmas_karras(5))
    assert len(calls) == smp.model_calls("heun", 5) == 9


def test_bad_inputs():
    with pytest.raises(ValueError, match="unknown sampler"):
        smp.get_sampler("ddpm-magic")
    with pytest.raises(ValueError, match="NaN"):
        smp.sample_euler(gaussian_denoiser, torch.full((1, 1, 1), math.nan),
                         sch.get_sigmas_karras(2))
