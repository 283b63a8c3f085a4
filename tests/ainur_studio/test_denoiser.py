"""Denoiser adapters and wrappers: v-objective mapping, batched guidance, inpainting, loss."""

from __future__ import annotations

import math

import pytest
import torch

from ainur_studio.diffusion import denoiser as dn
from ainur_studio.diffusion import samplers as smp
from ainur_studio.diffusion import schedules as sch
from tests.ainur_studio.test_samplers import _gaussian_v_net, gaussian_denoiser


def test_v_denoiser_matches_the_x0_denoiser():
    x = torch.randn(6, 4, 8) * 3
    sigma = torch.tensor([0.01, 0.3, 1.0, 2.0, 10.0, 100.0])
    got = dn.VDenoiser(_gaussian_v_net)(x, sigma)
    assert torch.allclose(got, gaussian_denoiser(x, sigma), atol=1e-4)


def test_v_denoiser_passes_angle_and_scaled_input():
    seen = {}

    def net(x_s, s, **cond):
        seen.update(x_s=x_s, s=s, cond=cond)
        return torch.zeros_like(x_s)

    x = torch.ones(2, 1, 3)
    out = dn.VDenoiser(net)(x, torch.tensor([1.0, 0.0]), tag=1)
    assert torch.allclose(seen["s"], torch.tensor([0.5, 0.0]))
    assert torch.allclose(seen["x_s"][0], torch.full((1, 3), 2**-0.5))
    assert seen["cond"] == {"tag": 1}
    assert torch.allclose(out[1], x[1])  # sigma 0: x0 = x


class CountingModel:
    """Denoiser whose output depends on a conditioning value; counts its calls."""

    def __init__(self):
        self.batches = []

    def __call__(self, x, sigma, *, c, ctx=None):
        self.batches.append(x.shape[0])
        return x * 0 + c.reshape(-1, 1, 1)


def test_cfg_is_one_batched_call():
    model = CountingModel()
    cond = {"c": torch.full((2,), 3.0)}
    uncond = {"c": torch.full((2,), 1.0)}
    guided = dn.GuidedDenoiser(model, branches=[uncond, cond], weights=dn.cfg_weights(text_scale=4.0))
    out = guided(torch.zeros(2, 1, 5), torch.ones(2))
    assert model.batches == [4]
    assert torch.allclose(out, torch.full_like(out, 1 + 4 * (3 - 1)))


def test_text_and_clasp_guidance_in_one_call():
    model = CountingModel()
    branches = [{"c": torch.full((1,), v)} for v in (1.0, 2.0, 5.0)]  # uncond, clasp, full
    guided = dn.GuidedDenoiser(model, branches=branches,
                               weights=dn.cfg_weights(text_scale=3.0, clasp_scale=2.0))
    out = guided(torch.zeros(1, 1, 2), torch.ones(1))
    assert model.batches == [3]
    assert torch.allclose(out, torch.full_like(out, 1 + 2 * (2 - 1) + 3 * (5 - 2)))


def test_single_branch_is_exactly_the_plain_denoiser():
    model = CountingModel()
    cond = {"c": torch.tensor([2.0])}
    guided = dn.GuidedDenoiser(model, branches=[{"c": torch.tensor([0.0])}, cond],
                               weights=[0.0, 1.0])
    x = torch.randn(1, 2, 3)
    assert torch.equal(guided(x, torch.ones(1)), model(x, torch.ones(1), **cond))
    assert model.batches == [1, 1]


def test_branches_batch_lists_and_none():
    merged = dn.cat_conds([{"a": [None, torch.ones(1, 2)], "b": None},
                           {"a": [None, torch.zeros(1, 2)], "b": None}])
    assert merged["a"][0] is None and merged["a"][1].shape == (2, 2) and merged["b"] is None


def test_branch_mismatch_is_reported():
    with pytest.raises(ValueError, match="'e' differs in shape"):
        dn.cat_conds([{"e": torch.ones(1, 3)}, {"e": torch.ones(1, 4)}])
    with pytest.raises(ValueError, match="different keys"):
        dn.cat_conds([{"e": 1}, {"f": 1}])
    with pytest.raises(ValueError, match="one weight per branch"):
        dn.GuidedDenoiser(CountingModel(), branches=[{}], weights=[0.5, 0.5])


@pytest.mark.parametrize("name", sorted(smp.SAMPLERS))
def test_inpainting_keeps_known_latents_exactly(name):
    g = torch.Generator().manual_seed(0)
    known = torch.randn(2, 3, 16, generator=g)
    mask = torch.zeros(1, 1, 16, dtype=torch.bool)
    mask[..., :6] = True
    noise = torch.randn(2, 3, 16, generator=g)
    sigmas = sch.get_sigmas_karras(8)
    model = dn.InpaintDenoiser(gaussian_denoiser, known=known, mask=mask, noise=noise)
    out = dn.keep_known(smp.get_sampler(name)(model, noise * sigmas[0], sigmas), known, mask)
    assert torch.equal(out[..., :6], known[..., :6])
    assert not torch.equal(out[..., 6:], known[..., 6:])


def test_inpainting_feeds_known_part_at_current_noise_level():
    known, noise = torch.ones(1, 1, 4), torch.full((1, 1, 4), 2.0)
    mask = torch.tensor([[[True, True, False, False]]])
    seen = {}

    def model(x, sigma):
        seen["x"] = x.clone()
        return torch.zeros_like(x)

    out = dn.InpaintDenoiser(model, known=known, mask=mask, noise=noise)(
        torch.full((1, 1, 4), 7.0), torch.tensor([0.5]))
    assert seen["x"].tolist() == [[[2.0, 2.0, 7.0, 7.0]]]
    assert out.tolist() == [[[1.0, 1.0, 0.0, 0.0]]]


def test_v_loss_is_lower_for_the_optimal_network():
    g = torch.Generator().manual_seed(0)
    x0 = 0.3 + 0.5 * torch.randn(256, 4, 8, generator=g)
    optimal = dn.v_loss(_gaussian_v_net, x0, generator=torch.Generator().manual_seed(1))
    zero = dn.v_loss(lambda x, s: torch.zeros_like(x), x0,
                     generator=torch.Generator().manual_seed(1))
    scaled = dn.v_loss(lambda x, s: 1.2 * _gaussian_v_net(x, s), x0,
                       generator=torch.Generator().manual_seed(1))
    assert optimal < 0.8 * zero
    assert optimal < scaled


def test_v_loss_trains_a_network():
    torch.manual_seed(0)
    net = torch.nn.Conv1d(4, 4, 1)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    x0 = torch.randn(64, 4, 8) * 0.5
    first = None
    for _ in range(100):
        loss = dn.v_loss(lambda x, s: net(x), x0)
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.8 * first


def test_v_loss_at_is_the_v_mse_at_that_angle():
    from ainur_studio.diffusion.denoiser import v_loss_at

    x0, s = torch.randn(2, 4, 8), 0.3
    eps = torch.randn(x0.shape, generator=torch.Generator().manual_seed(5))
    alpha, beta = math.cos(s * math.pi / 2), math.sin(s * math.pi / 2)
    target = alpha * eps - beta * x0
    seen = []

    def zero(x, angle):
        seen.append(angle)
        return torch.zeros_like(x)

    loss = v_loss_at(zero, x0, s, generator=torch.Generator().manual_seed(5))
    assert loss == pytest.approx(float(target.square().mean()), rel=1e-6)
    assert torch.equal(seen[0], torch.full((2,), s))
    oracle = v_loss_at(lambda x, a: target, x0, s, generator=torch.Generator().manual_seed(5))
    assert oracle == 0.0
