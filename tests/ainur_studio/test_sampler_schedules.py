"""Every sampler the request accepts converges on every schedule a pack may name: with the
debug pack's prior on a short latent, the final latent approaches a many-step reference as the
steps go 4 -> 16 -> 64, and no pair blows up at few steps."""

from __future__ import annotations

import pytest
import torch

from ainur_studio.diffusion.samplers import SAMPLERS, heun_weight
from ainur_studio.diffusion.schedules import SCHEDULES
from ainur_studio.limits import SAMPLER_NAMES
from ainur_studio.models.pretrained import load_pack

STEPS = (4, 16, 64)
REFERENCE = ("dpmpp-2m", "exponential", 200)  # a fixed, well-behaved reference solver
FINAL_MAX = 0.2  # relative distance to the reference after 64 steps
FEW_STEPS_MAX = 10.0  # at 4 steps: coarse, but never an explosion (Heun once reached 1700)


@pytest.fixture(scope="module")
def problem():
    """(denoiser, unit noise) of the debug prior, conditioned on a short text."""
    prior = load_pack("debug").prior
    frames = prior.padded_frames(8)
    kwargs = prior.branch(prior.conditions(texts=["a calm chorale"], n_frames=frames))
    denoiser = prior.denoiser()
    noise = torch.randn(1, prior.net_channels, frames,
                        generator=torch.Generator().manual_seed(0))
    return (lambda x, sigma: denoiser(x, sigma, **kwargs)), noise


def _sample(problem, sampler: str, schedule: str, steps: int) -> torch.Tensor:
    model, noise = problem
    sigmas = SCHEDULES[schedule](steps)
    return SAMPLERS[sampler](model, noise * sigmas[0], sigmas)


@pytest.fixture(scope="module")
def reference(problem) -> torch.Tensor:
    return _sample(problem, *REFERENCE)


@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
@pytest.mark.parametrize("sampler", SAMPLER_NAMES)
def test_sampler_converges_on_schedule(problem, reference, sampler: str, schedule: str) -> None:
    dist = [float((_sample(problem, sampler, schedule, n) - reference).norm() / reference.norm())
            for n in STEPS]
    assert torch.isfinite(torch.tensor(dist)).all(), dist
    assert dist[0] < FEW_STEPS_MAX, f"{sampler} on {schedule} blows up at 4 steps: {dist}"
    assert dist[0] > dist[1] > dist[2], f"{sampler} on {schedule} does not converge: {dist}"
    assert dist[2] < FINAL_MAX, f"{sampler} on {schedule} ends far from the reference: {dist}"


def test_the_reference_agrees_with_itself_across_schedules(problem, reference) -> None:
    other = _sample(problem, "dpmpp-2m", "karras", 200)
    assert float((other - reference).norm() / reference.norm()) < 0.01


def test_heun_weights_stay_between_zero_and_the_step() -> None:
    for ratio in (1e-6, 1e-3, 0.03, 0.5, 0.9, 1 - 1e-6):
        assert 0.0 <= heun_weight(ratio) <= 1.0 - ratio
    assert heun_weight(1 - 1e-6) == pytest.approx(0.5e-6, rel=1e-3)  # trapezoid, small steps
    assert heun_weight(1e-6) < 1e-4  # a huge step trusts the later estimate
