"""The fine-tune yardstick: distances to held-out recordings in audio embedding spaces, with the
base pack's takes and the training recordings beside them, and the verbatim check."""

from __future__ import annotations

import math

import torch

from ainur_studio.training.closeness import MelStats, closeness, memorised

RATE = 48_000


def tone(f0: float, *, bright: bool, seconds: float = 2.0, seed: int = 0) -> torch.Tensor:
    """A stereo note: many strong harmonics (bright) or an almost pure tone, with a little
    noise drawn from `seed` so that no two clips are equal."""
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(round(seconds * RATE)) / RATE
    partials = range(1, 16) if bright else range(1, 3)
    wav = sum((1.0 / k if bright else 0.2 ** (k - 1)) * torch.sin(2 * math.pi * f0 * k * t)
              for k in partials)
    wav = wav * torch.exp(-t * 1.5) + 0.01 * torch.randn(t.shape, generator=g)
    return torch.stack([wav, wav]) * 0.3


def clips(bright: bool, seeds: range) -> list[torch.Tensor]:
    return [tone(220.0 * 2 ** (s % 5 / 12), bright=bright, seed=s) for s in seeds]


def test_takes_of_the_same_instrument_are_closer_than_another_instruments():
    held, train = clips(True, range(0, 4)), clips(True, range(10, 18))
    same, other = clips(True, range(20, 24)), clips(False, range(20, 24))
    c = closeness(same, held, train, MelStats(), base=other)
    assert c.takes < 0.5 * c.base            # the right timbre: well under half the distance
    assert c.ratio == c.takes / c.base
    assert abs(c.floor - c.takes) < 0.5 * c.base  # as close as the training recordings
    assert not c.verbatim


def test_loudness_alone_does_not_move_the_timbre_statistics():
    x = clips(True, range(3))
    quiet = [w * 0.05 for w in x]
    assert torch.allclose(MelStats()(x), MelStats()(quiet), atol=1e-3)


def test_a_take_that_copies_a_training_clip_is_flagged_verbatim():
    held, train = clips(True, range(0, 4)), clips(True, range(10, 18))
    copies = [train[3].clone(), *clips(True, range(30, 33))]
    assert closeness(copies, held, train, MelStats()).verbatim
    e = MelStats()
    assert not memorised(e(held), e(train), e(held))  # same material, not copies
