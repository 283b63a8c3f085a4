"""The window plan: lengths near the window run in one pass, long takes chain passes that
overlap by an eighth of a window (so a 3-minute take costs about 1.15x per second what one
window does), the extend task keeps half a window, and fixed-length networks never stretch."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from ainur_studio.inference import windows
from ainur_studio.inference.generate import generate
from ainur_studio.progress import Callbacks
from ainur_studio.types import GenerationRequest
from tests.ainur_studio.test_generate import short_window_pack  # noqa: F401 (fixture)

STARTER = SimpleNamespace(max_frames=1024, fixed_frames=None)   # the starter's window
AINUR = SimpleNamespace(max_frames=2048, fixed_frames=2048)     # the published prior
RATIO, RATE = 1024, 48_000


def frames(seconds: float) -> int:
    return -(-round(seconds * RATE) // RATIO)


def network_frames(model, n: int) -> int:
    """Frames the network runs over for a new take of n frames: each pass's context + new."""
    keep = windows.long_context(model)
    return sum(end - start + (min(start, keep) if start else 0)
               for start, end in windows.pass_spans(model, n))


def test_a_22_second_take_is_one_pass_and_one_window_more_is_two():
    assert frames(22.0) == 1032 and windows.pass_frames(STARTER) == 1152
    assert windows.pass_spans(STARTER, frames(22.0)) == [(0, 1032)]
    assert len(windows.pass_spans(STARTER, 1153)) == 2
    assert windows.pass_frames(AINUR) == 2048  # a fixed-length network never stretches


@pytest.mark.parametrize("seconds", [5, 22, 30, 60, 120, 180, 600])
def test_the_passes_tile_the_take_and_keep_an_eighth_of_a_window(seconds):
    n = frames(seconds)
    spans = windows.pass_spans(STARTER, n)
    assert spans[0][0] == 0 and spans[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))
    keep = windows.long_context(STARTER)
    assert keep == 128
    for start, end in spans[1:]:
        assert min(start, keep) + (end - start) <= windows.pass_frames(STARTER)


def test_a_three_minute_take_costs_at_most_1_2x_per_second_of_a_22_second_one():
    short = network_frames(STARTER, frames(22.0)) / frames(22.0)
    long = network_frames(STARTER, frames(180.0)) / frames(180.0)
    assert short == 1.0
    assert long / short <= 1.2
    # the plan before: half a window of context per pass, one window long
    before = SimpleNamespace(max_frames=1024, fixed_frames=1024)  # no stretch
    n, have, work = frames(180.0), 1024, 1024
    while have < n:
        step = min(n - have, 1024 - 512)
        have, work = have + step, work + 512 + step
    assert work / n > 1.9 and windows.pass_frames(before) == 1024


def test_plan_passes_counts_the_passes_of_new_takes_and_of_extensions():
    ctx = SimpleNamespace(model=STARTER)
    for seconds in (5, 22, 30, 180):
        n = frames(seconds)
        assert windows.plan_passes(ctx, 0, n) == len(windows.pass_spans(STARTER, n))
    # the extend task keeps half a window of the take: 1152 - 512 new frames a pass
    assert windows.plan_passes(ctx, 1032, 640) == 1
    assert windows.plan_passes(ctx, 1032, 641) == 2


def test_a_take_one_pass_long_runs_once_and_one_frame_more_twice(short_window_pack):  # noqa: F811
    prior = short_window_pack.prior
    longest = windows.pass_frames(prior)
    assert longest == prior.max_frames + prior.max_frames // 8
    ratio = short_window_pack.autoencoder.downsampling_ratio
    for n, passes in ((longest, 1), (longest + 1, 2)):
        seen: list[dict] = []
        request = GenerationRequest(prompt="dark synthwave, drums", duration_s=n * ratio / RATE,
                                    steps=2, seed=3)
        result = generate(request, short_window_pack, progress=Callbacks(report=seen.append))
        assert seen[-1]["passes"] == passes
        assert result.audio[0].shape[-1] == n * ratio and torch.isfinite(result.audio[0]).all()
