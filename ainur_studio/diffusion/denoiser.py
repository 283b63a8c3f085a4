"""Denoiser adapters and wrappers; samplers only ever see `D(x, sigma, **cond) -> x0`.

- `VDenoiser` turns a v-objective network (Ainur's prior) into a denoiser: the one place that
  maps between the network's angle `s` and the samplers' VE sigma.
- `GuidedDenoiser` mixes several conditionings in ONE batched forward; classifier-free guidance
  (text, CLASP, or both with separate scales) and prompt interpolation are special cases.
- `InpaintDenoiser` re-imposes known latents at each step (repaint, extend).
- `v_loss` is the matching training objective.
"""

from __future__ import annotations

import math
import typing as tp

import torch
import torch.nn.functional as F
from torch import nn

from ainur_studio.diffusion.schedules import sigma_to_angle

VNetwork = tp.Callable[..., torch.Tensor]  # net(x_s [B,C,L], s [B], **cond) -> v [B,C,L]
Cond = dict[str, tp.Any]


def _bcast(t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return t.reshape(-1, *([1] * (x.ndim - 1))).to(x.dtype)


class VDenoiser(nn.Module):
    """Denoiser over a v-objective network.

    The network sees `x_s = alpha x0 + beta eps` with alpha = cos(pi s / 2), beta = sin(pi s / 2)
    and predicts `v = alpha eps - beta x0`. With `sigma = beta / alpha` a VE latent is
    `x = x_s / alpha`, so `x0 = alpha^2 x - beta v`.

    Args:
        net: `net(x_s, s, **cond) -> v`.
    """

    def __init__(self, net: VNetwork) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor, sigma: torch.Tensor, **cond: tp.Any) -> torch.Tensor:
        """x: [B, C, L] VE latent; sigma: [B]. Returns x0 estimate [B, C, L]."""
        alpha = _bcast(1 / torch.sqrt(sigma**2 + 1), x)
        beta = _bcast(sigma / torch.sqrt(sigma**2 + 1), x)
        v = self.net(x * alpha, sigma_to_angle(sigma).to(x.dtype), **cond)
        return alpha**2 * x - beta * v


def v_loss(net: VNetwork, x0: torch.Tensor, *, cond: Cond | None = None,
           generator: torch.Generator | None = None) -> torch.Tensor:
    """Ainur's v-objective: s ~ U[0, 1], `x_s = alpha x0 + beta eps`, MSE(net(x_s, s), v).

    Args:
        net: v-network.
        x0: [B, C, L] clean latents.
        cond: keyword conditioning for `net` (already dropped out for CFG by the caller).
        generator: random source for s and eps.

    Returns:
        Scalar loss.
    """
    b = x0.shape[0]
    s = torch.rand(b, generator=generator, device=x0.device, dtype=x0.dtype)
    eps = torch.randn(x0.shape, generator=generator, device=x0.device, dtype=x0.dtype)
    alpha, beta = _bcast(torch.cos(s * math.pi / 2), x0), _bcast(torch.sin(s * math.pi / 2), x0)
    v = net(alpha * x0 + beta * eps, s, **(cond or {}))
    return F.mse_loss(v, alpha * eps - beta * x0)


def v_loss_at(net: VNetwork, x0: torch.Tensor, s: float, *, cond: Cond | None = None,
              generator: torch.Generator | None = None) -> float:
    """The v-objective's MSE at one fixed angle `s` (evaluation: held-out loss by noise
    level, reproducible with `generator`)."""
    eps = torch.randn(x0.shape, generator=generator, dtype=x0.dtype).to(x0.device)
    alpha, beta = math.cos(s * math.pi / 2), math.sin(s * math.pi / 2)
    angle = torch.full((x0.shape[0],), s, device=x0.device, dtype=x0.dtype)
    v = net(alpha * x0 + beta * eps, angle, **(cond or {}))
    return float(F.mse_loss(v.float(), (alpha * eps - beta * x0).float()))


# --- batched conditioning ---------------------------------------------------------------------

def cat_batch(values: tp.Sequence[tp.Any], *, key: str = "") -> tp.Any:
    """Concatenate conditionings along the batch dim: tensors with `torch.cat`, lists and tuples
    element-wise, None stays None (all branches must agree), other values must be equal."""
    first = values[0]
    if isinstance(first, torch.Tensor):
        if not all(isinstance(v, torch.Tensor) and v.shape[1:] == first.shape[1:] for v in values):
            shapes = [tuple(v.shape) if isinstance(v, torch.Tensor) else v for v in values]
            raise ValueError(f"conditioning {key!r} differs in shape between branches: {shapes}")
        return torch.cat(list(values))
    if isinstance(first, (list, tuple)):
        if not all(isinstance(v, (list, tuple)) and len(v) == len(first) for v in values):
            raise ValueError(f"conditioning {key!r} differs in structure between branches")
        return [cat_batch([v[i] for v in values], key=f"{key}[{i}]") for i in range(len(first))]
    if not all(v is None if first is None else v == first for v in values):
        raise ValueError(f"conditioning {key!r} differs between branches and is not a tensor")
    return first


def cat_conds(conds: tp.Sequence[Cond]) -> Cond:
    """Batch several conditioning dicts with the same keys into one."""
    keys = set(conds[0])
    for c in conds[1:]:
        if set(c) != keys:
            raise ValueError(f"conditioning branches have different keys: {sorted(keys)} vs "
                             f"{sorted(c)}")
    return {k: cat_batch([c[k] for c in conds], key=k) for k in conds[0]}


class GuidedDenoiser(nn.Module):
    """`sum_i w_i D(x, sigma, **branch_i)` computed with ONE batched call of D.

    Branches with weight 0 are dropped, so a single branch of weight 1 is exactly the plain
    conditional denoiser (same batch, same numbers).

    Args:
        model: the denoiser.
        branches: conditioning dicts, each for the same batch size B.
        weights: one weight per branch; for guidance they sum to 1.
    """

    def __init__(self, model: tp.Callable[..., torch.Tensor], *, branches: tp.Sequence[Cond],
                 weights: tp.Sequence[float]) -> None:
        super().__init__()
        if len(branches) != len(weights) or not branches:
            raise ValueError(f"need one weight per branch, got {len(branches)} branches and "
                             f"{len(weights)} weights")
        kept = [(b, float(w)) for b, w in zip(branches, weights, strict=True) if w != 0]
        if not kept:
            raise ValueError("all guidance weights are 0")
        self.model = model
        self.weights = [w for _, w in kept]
        self.cond = cat_conds([b for b, _ in kept]) if len(kept) > 1 else kept[0][0]

    def forward(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        """x: [B, C, L], sigma: [B]. Returns the weighted x0 estimate [B, C, L]."""
        n = len(self.weights)
        if n == 1 and self.weights[0] == 1.0:
            return self.model(x, sigma, **self.cond)
        reps = (n,) + (1,) * (x.ndim - 1)
        out = self.model(x.repeat(*reps), sigma.repeat(n), **self.cond).chunk(n)
        result = out[0] * self.weights[0]
        for w, o in zip(self.weights[1:], out[1:], strict=True):
            result = result + w * o
        return result


def cfg_weights(*, text_scale: float, clasp_scale: float | None = None) -> list[float]:
    """Weights of the branches [uncond, clasp-only, full] for `GuidedDenoiser`.

    `D = u + s_c (D(clasp) - u) + s_t (D(full) - D(clasp))`; with `clasp_scale=None` there are
    two branches [uncond, full] and `D = u + s_t (D(full) - u)`.
    """
    if clasp_scale is None:
        return [1.0 - text_scale, text_scale]
    return [1.0 - clasp_scale, clasp_scale - text_scale, text_scale]


class InpaintDenoiser(nn.Module):
    """Keeps known latents: before each call the known part of x is replaced by the known
    latents noised to the current sigma (with a fixed noise), and the known part of the output
    is the known latents themselves. Compose the sampler output with `keep_known` to make the
    known part exactly equal to the input.

    Args:
        model: the denoiser.
        known: [B, C, L] clean latents (values outside the mask are ignored).
        mask: [B or 1, 1 or C, L] bool, True where latents are known.
        noise: [B, C, L] fixed unit noise used to re-noise the known part.
    """

    def __init__(self, model: tp.Callable[..., torch.Tensor], *, known: torch.Tensor,
                 mask: torch.Tensor, noise: torch.Tensor) -> None:
        super().__init__()
        self.model, self.known, self.mask, self.noise = model, known, mask.bool(), noise

    def forward(self, x: torch.Tensor, sigma: torch.Tensor, **cond: tp.Any) -> torch.Tensor:
        noisy_known = self.known + _bcast(sigma, x) * self.noise
        x = torch.where(self.mask, noisy_known, x)
        return torch.where(self.mask, self.known, self.model(x, sigma, **cond))


def keep_known(x: torch.Tensor, known: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """x with the masked part replaced by `known`, bit for bit."""
    return torch.where(mask.bool(), known, x)
