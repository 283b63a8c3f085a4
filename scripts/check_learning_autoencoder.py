"""Learning check for the stage-1 autoencoder: does training make reconstructions measurably
closer to the clips than chance?

Trains the `debug` autoencoder on CPU for a fixed time on a few short synthetic clips (tones,
chords, plucks, noise bursts) and reports the multi-resolution STFT distance (spectral
convergence + log magnitude, the loss's fixed default resolutions) between clips and
reconstructions before and after, next to two chance baselines: decoding random latents, and
the trained model's reconstruction scored against a different clip.

    .venv/bin/python scripts/check_learning_autoencoder.py [--seconds 120] [--out FILE]

`check_learning_autoencoder(...)` returns the same figures as a dict for other scripts.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import torch

from ainur_studio.audio.losses import MultiResolutionStftLoss
from ainur_studio.models.autoencoder import (
    AudioAutoencoder,
    create_autoencoder_from_config,
    load_autoencoder_config,
)

RATE = 48_000
PASS_RATIO = 0.75


def synthetic_clips(*, count: int = 8, samples: int = 24 * 1024, seed: int = 0
                    ) -> torch.Tensor:
    """Stereo clips `[count, 2, samples]`: tones, chords, plucks and noise bursts in turn."""
    gen = torch.Generator().manual_seed(seed)
    t = torch.arange(samples) / RATE
    makers = (_tone, _chord, _pluck, _noise_burst)
    return torch.stack([makers[i % len(makers)](t, gen) for i in range(count)])


def _rand(gen: torch.Generator, low: float, high: float) -> float:
    return low + (high - low) * torch.rand((), generator=gen).item()


def _pan(mono: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    angle = _rand(gen, 0.1, 0.9) * math.pi / 2
    return torch.stack([math.cos(angle) * mono, math.sin(angle) * mono])


def _tone(t: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    return _pan(0.5 * torch.sin(2 * math.pi * _rand(gen, 110, 1760) * t), gen)


def _chord(t: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    root = _rand(gen, 110, 440)
    notes = [root * 2 ** (k / 12) for k in (0, 4, 7)]
    return _pan(sum(0.2 * torch.sin(2 * math.pi * f * t) for f in notes), gen)


def _pluck(t: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    f0 = _rand(gen, 150, 600)
    harmonics = sum(torch.sin(2 * math.pi * k * f0 * t) / k for k in range(1, 6))
    return _pan(0.4 * harmonics * torch.exp(-t * _rand(gen, 3, 10)), gen)


def _noise_burst(t: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    envelope = ((t % 0.25) < _rand(gen, 0.05, 0.15)).float()
    noise = torch.randn(2, t.shape[0], generator=gen)
    return 0.2 * noise * envelope


def reconstruction_distance(model: AudioAutoencoder, clips: torch.Tensor,
                            metric: MultiResolutionStftLoss, *, shift: int = 0) -> float:
    """Mean distance between each reconstruction and clip `(i + shift) % N`."""
    with torch.no_grad():
        rec = model.decode(model.encode(clips))[..., : clips.shape[-1]]
        return metric(rec, clips.roll(shift, dims=0)).item()


def random_latent_distance(model: AudioAutoencoder, clips: torch.Tensor,
                           metric: MultiResolutionStftLoss, *, seed: int = 1) -> float:
    """Distance between the clips and decodings of uniform random latents."""
    gen = torch.Generator().manual_seed(seed)
    frames = model.latent_frames(clips.shape[-1])
    z = torch.rand(clips.shape[0], model.latent_channels, frames, generator=gen) * 2 - 1
    with torch.no_grad():
        return metric(model.decode(z)[..., : clips.shape[-1]], clips).item()


def train(model: AudioAutoencoder, clips: torch.Tensor, *, seconds: float,
          batch_size: int = 2, lr: float = 5e-3, seed: int = 0) -> int:
    """AdamW on random mini-batches of `clips` for `seconds` of wall time, the learning rate
    following a cosine from `lr` to `lr / 10` over that time; returns the step count."""
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    model.train()
    steps, start = 0, time.monotonic()
    while (elapsed := time.monotonic() - start) < seconds:
        for group in opt.param_groups:
            group["lr"] = lr * (0.55 + 0.45 * math.cos(math.pi * elapsed / seconds))
        idx = torch.randperm(clips.shape[0], generator=gen)[:batch_size]
        loss = model.training_losses(clips[idx])["loss"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        steps += 1
    model.eval()
    return steps


def check_learning_autoencoder(*, seconds: float = 120.0, config: str = "debug",
                               clips: int = 8, seed: int = 0,
                               threads: int | None = None) -> dict[str, float | int | str | bool]:
    """Train briefly and report distances (lower is closer).

    `passed` when the trained reconstruction is at most `PASS_RATIO` (0.75) times the
    untrained one and each chance baseline: a model whose output ignores its latent scores
    the same as the "other clip" baseline and fails.
    """
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(seed)
    model = create_autoencoder_from_config(load_autoencoder_config(config)).eval()
    data = synthetic_clips(count=clips, seed=seed)
    metric = MultiResolutionStftLoss()
    before = reconstruction_distance(model, data, metric)
    start = time.monotonic()
    steps = train(model, data, seconds=seconds, seed=seed)
    result = {
        "config": config, "clips": clips, "clip_s": data.shape[-1] / RATE, "steps": steps,
        "train_s": round(time.monotonic() - start, 1),
        "mrstft_before": before,
        "mrstft_after": reconstruction_distance(model, data, metric),
        "mrstft_chance_random_latent": random_latent_distance(model, data, metric),
        "mrstft_chance_other_clip": reconstruction_distance(model, data, metric, shift=1),
    }
    result["passed"] = result["mrstft_after"] < PASS_RATIO * min(
        before, result["mrstft_chance_random_latent"], result["mrstft_chance_other_clip"])
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--config", default="debug")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    result = check_learning_autoencoder(seconds=args.seconds, config=args.config,
                                        threads=args.threads)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    raise SystemExit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
