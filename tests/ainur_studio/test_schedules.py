"""Schedules: shape, order, end points, and the angle <-> sigma mapping."""

from __future__ import annotations

import math

import pytest
import torch

from ainur_studio.diffusion import schedules as sch


@pytest.mark.parametrize("name", sorted(sch.SCHEDULES))
@pytest.mark.parametrize("n", [1, 4, 25])
def test_schedule_shape_and_order(name, n):
    sigmas = sch.get_sigmas(name, n)
    assert sigmas.shape == (n + 1,)
    assert sigmas[-1] == 0
    assert torch.all(sigmas[:-1] > sigmas[1:])
    assert sigmas[0] == pytest.approx(sch.SIGMA_MAX, rel=1e-4)


def test_bounded_schedules_end_at_sigma_min():
    for fn in (sch.get_sigmas_karras, sch.get_sigmas_exponential, sch.get_sigmas_fewstep):
        assert fn(10)[-2] == pytest.approx(sch.SIGMA_MIN, rel=1e-4)


def test_linear_angle_is_linear_in_angle():
    sigmas = sch.get_sigmas_linear_angle(50)
    angles = sch.sigma_to_angle(sigmas.double())
    expected = torch.linspace(sch.ANGLE_MAX, 0, 51, dtype=torch.float64)
    assert torch.allclose(angles, expected, atol=1e-6)


def test_angle_sigma_round_trip():
    s = torch.linspace(0, 0.99, 37)
    assert torch.allclose(sch.sigma_to_angle(sch.angle_to_sigma(s)), s, atol=1e-6)
    assert float(sch.angle_to_sigma(0.5)) == pytest.approx(1.0)


def test_exponential_is_uniform_in_log_snr():
    log_snr = -2 * sch.get_sigmas_exponential(8)[:-1].double().log()
    steps = log_snr[1:] - log_snr[:-1]
    assert torch.allclose(steps, steps.mean().expand_as(steps), rtol=1e-4)


def test_fewstep_spends_more_steps_mid_range_than_exponential():
    def mid(s):
        return int(((s > 0.1) & (s < 10)).sum())
    assert mid(sch.get_sigmas_fewstep(8)) > mid(sch.get_sigmas_exponential(8))


def test_karras_rho():
    s = sch.get_sigmas_karras(5, sigma_min=1.0, sigma_max=32.0, rho=1.0)
    assert torch.allclose(s[:-1], torch.tensor([32.0, 24.25, 16.5, 8.75, 1.0]))
    assert math.isclose(float(sch.get_sigmas_karras(1)[0]), sch.SIGMA_MAX, rel_tol=1e-5)


@pytest.mark.parametrize("bad", [0, -3, 2.5])
def test_bad_step_count(bad):
    with pytest.raises(ValueError, match="positive int"):
        sch.get_sigmas_karras(bad)


def test_unknown_schedule():
    with pytest.raises(ValueError, match="unknown schedule 'nope'"):
        sch.get_sigmas("nope", 3)
