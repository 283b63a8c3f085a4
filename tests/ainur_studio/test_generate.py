"""generate() with the debug pack: every task, determinism, editing invariants, progress,
cancellation and bad input."""

from __future__ import annotations

import copy

import pytest
import torch

from ainur_studio.audio.io import audio_read, audio_write
from ainur_studio.inference.conditioning import CondSpec
from ainur_studio.inference.context import RunContext, SamplingSettings
from ainur_studio.inference.editing import repaint_latents
from ainur_studio.inference.errors import GenerationCancelled, GenerationError
from ainur_studio.inference.generate import generate
from ainur_studio.inference.tasks import Job
from ainur_studio.models.factory import load_config
from ainur_studio.models.pretrained import build_pack
from ainur_studio.progress import Callbacks
from ainur_studio.types import GenerationRequest, LyricLine, Lyrics, Task, TaskInputs
from tests.ainur_studio.debug_pack import mix_only_recipe, shared_debug_pack, shared_mix_pack

SR = 48_000


@pytest.fixture(scope="module")
def pack():
    return shared_debug_pack()


@pytest.fixture(scope="module")
def mix_pack():
    """The debug pack with a mix-only prior: editing a mix source (a prior with stems edits
    a take's stems, tests/ainur_studio/inference)."""
    return shared_mix_pack()


@pytest.fixture(scope="module")
def short_window_pack():
    """The mix-only debug pack with 64-frame (1.4 s) windows, so long-form chaining is cheap
    to test."""
    recipe = mix_only_recipe()
    prior = load_config("prior_debug_mix")
    prior["config"]["max_frames"] = 64
    recipe["components"] = {**recipe["components"], "prior": prior}
    return build_pack(recipe)


def request(**kw):
    base = dict(prompt="dark synthwave, drums", duration_s=1.5, steps=3, seed=7)
    base.update(kw)
    return GenerationRequest(**base)


@pytest.fixture
def source(tmp_path):
    t = torch.arange(int(2.5 * SR)) / SR
    wav = 0.3 * torch.stack([torch.sin(2 * torch.pi * 220 * t), torch.sin(2 * torch.pi * 330 * t)])
    return str(audio_write(tmp_path / "source.wav", wav, SR, subtype="FLOAT"))


def check_audio(result, n, samples):
    assert len(result.audio) == n
    for a in result.audio:
        assert a.shape == (2, samples) and a.dtype == torch.float32
        assert torch.isfinite(a).all()
    assert result.sample_rate == SR


def test_new_returns_requested_length_and_is_deterministic(pack):
    lyrics = Lyrics(lines=[LyricLine(200, "hold the line"), LyricLine(900, "")])
    r1 = generate(request(lyrics=lyrics, variations=2), pack)
    r2 = generate(request(lyrics=lyrics, variations=2), pack)
    check_audio(r1, 2, int(1.5 * SR))
    assert all(torch.equal(a, b) for a, b in zip(r1.audio, r2.audio, strict=True))
    assert [m["seed"] for m in r1.meta] == [7, 8]
    assert not torch.equal(r1.audio[0], r1.audio[1])
    assert {"text", "prior", "decode", "total"} <= set(r1.timings)


@pytest.mark.parametrize("seconds", [1.0, 2.3])
def test_durations(pack, seconds):
    check_audio(generate(request(duration_s=seconds, steps=1), pack), 1, round(seconds * SR))


def test_long_form_chains_windows(short_window_pack):
    seen = []
    r = generate(request(duration_s=4.0, steps=2), short_window_pack,
                 progress=Callbacks(report=seen.append))
    check_audio(r, 1, 4 * SR)
    passes = seen[-1]["passes"]
    assert passes >= 3 and len(seen) == 2 * passes
    again = generate(request(duration_s=4.0, steps=2), short_window_pack)
    assert torch.equal(r.audio[0], again.audio[0])


@pytest.mark.parametrize("sampler", ["v-ddim", "euler", "heun", "dpmpp-2m"])
def test_progress_once_per_step(pack, sampler):
    seen = []
    generate(request(steps=4, sampler=sampler), pack, progress=Callbacks(report=seen.append))
    assert [(s["step"], s["total"]) for s in seen] == [(i, 4) for i in range(1, 5)]


def test_cancel_stops_within_one_step(pack):
    polls = []

    def cancel():
        polls.append(1)
        return len(polls) >= 3

    seen = []
    with pytest.raises(GenerationCancelled):
        generate(request(steps=10), pack, progress=Callbacks(report=seen.append,
                                                             should_stop=cancel))
    assert len(seen) <= 2 and len(polls) == 3


def test_best_of_ranks_by_clasp(pack):
    r = generate(request(task=Task.BEST_OF, variations=3, inputs=TaskInputs(best_of=3)), pack)
    check_audio(r, 3, int(1.5 * SR))
    scores = [m["score"] for m in r.meta]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 3
    assert sorted(m["seed"] for m in r.meta) == [7, 8, 9]
    plain = generate(request(variations=3), pack)
    best = plain.audio[[m["seed"] for m in plain.meta].index(r.meta[0]["seed"])]
    assert torch.equal(r.audio[0], best)


def test_interpolation_endpoints_equal_plain_generations(pack):
    inputs = TaskInputs(second_prompt="calm piano", second_seed=99, interpolation_steps=3)
    r = generate(request(task=Task.INTERPOLATE, inputs=inputs), pack)
    check_audio(r, 3, int(1.5 * SR))
    a = generate(request(), pack).audio[0]
    b = generate(request(prompt="calm piano", seed=99), pack).audio[0]
    assert torch.equal(r.audio[0], a) and torch.equal(r.audio[-1], b)
    assert not torch.equal(r.audio[1], a) and not torch.equal(r.audio[1], b)


def test_interpolation_between_seeds(pack):
    r = generate(request(task=Task.INTERPOLATE, inputs=TaskInputs(second_seed=3,
                                                                  interpolation_steps=2)), pack)
    assert torch.equal(r.audio[1], generate(request(seed=3), pack).audio[0])


def test_variation(mix_pack, source):
    keep = generate(request(task=Task.VARIATION, inputs=TaskInputs(source_audio=source,
                                                                   strength=0.0)), mix_pack)
    check_audio(keep, 1, int(2.5 * SR))
    r = generate(request(task=Task.VARIATION, inputs=TaskInputs(source_audio=source,
                                                                strength=0.5)), mix_pack)
    check_audio(r, 1, int(2.5 * SR))
    assert not torch.equal(r.audio[0], keep.audio[0])


def test_repaint_keeps_audio_outside_the_region(mix_pack, source):
    inputs = TaskInputs(source_audio=source, region_start_s=0.8, region_end_s=1.6,
                        crossfade_s=0.2)
    r = generate(request(task=Task.REPAINT, inputs=inputs), mix_pack)
    check_audio(r, 1, int(2.5 * SR))
    src = audio_read(source)
    a, b = int(0.7 * SR), int(1.7 * SR)
    assert torch.equal(r.audio[0][:, :a], src[:, :a]) and torch.equal(r.audio[0][:, b:], src[:, b:])
    assert not torch.equal(r.audio[0][:, a:b], src[:, a:b])


def test_repaint_keeps_latents_outside_the_region_exactly(pack):
    ctx = RunContext(pack=pack, device=torch.device("cpu"),
                     settings=SamplingSettings("dpmpp-2m", "karras", 3, 4.0, 1.0))
    z = torch.rand(1, pack.prior.net_channels, 100) * 2 - 1
    out = repaint_latents(ctx, z, Job(CondSpec("x"), 0, 0), [1, 2], 30, 55)
    assert out.shape == (2, pack.prior.net_channels, 100)
    assert torch.equal(out[:, :, :30], z.expand(2, -1, -1)[:, :, :30])
    assert torch.equal(out[:, :, 55:], z.expand(2, -1, -1)[:, :, 55:])
    assert not torch.equal(out[:, :, 30:55], z.expand(2, -1, -1)[:, :, 30:55])


@pytest.mark.parametrize("side", ["right", "left"])
def test_extend_keeps_the_original(short_window_pack, source, side):
    src = audio_read(source)
    inputs = TaskInputs(source_audio=source, extend_side=side, extend_s=2.0, crossfade_s=0.25)
    r = generate(request(task=Task.EXTEND, inputs=inputs), short_window_pack)
    check_audio(r, 1, int(4.5 * SR))
    out, cf = r.audio[0], int(0.25 * SR)
    if side == "right":
        assert torch.equal(out[:, : src.shape[-1] - cf], src[:, :-cf])
    else:
        assert torch.equal(out[:, 2 * SR + cf:], src[:, cf:])
    assert out.abs().sum() > 0


def test_reference_audio_conditions(pack, source):
    r = generate(request(prompt="", inputs=TaskInputs(reference_audio=source)), pack)
    check_audio(r, 1, int(1.5 * SR))


@pytest.mark.parametrize("changes,code", [
    ({"task": "remix"}, "unknown_task"),
    ({"prompt": ""}, "empty_prompt"),
    ({"duration_s": 0.5}, "duration_out_of_range"),
    ({"duration_s": 10_000.0}, "duration_out_of_range"),
    ({"duration_s": 30.0, "task": Task.INTERPOLATE}, "duration_out_of_range"),
    ({"sampler": "magic"}, "unknown_sampler"),
    ({"steps": 0}, "bad_steps"),
    ({"inputs": TaskInputs(reference_audio="missing.wav")}, "reference_unreadable"),
    ({"task": Task.REPAINT}, "no_source"),
    ({"task": Task.REPAINT, "inputs": TaskInputs(source_audio="missing.wav", region_end_s=1.0)},
     "source_unreadable"),
])
def test_bad_requests(mix_pack, changes, code):
    with pytest.raises(GenerationError) as err:
        generate(request(**changes), mix_pack)
    assert err.value.code == code


def test_reference_too_short(pack, tmp_path):
    path = audio_write(tmp_path / "short.wav", torch.zeros(2, SR // 4), SR)
    with pytest.raises(GenerationError) as err:
        generate(request(inputs=TaskInputs(reference_audio=str(path))), pack)
    assert err.value.code == "reference_too_short"


def test_bad_region(mix_pack, source):
    inputs = TaskInputs(source_audio=source, region_start_s=2.0, region_end_s=9.0)
    with pytest.raises(GenerationError, match="0 <= start < end"):
        generate(request(task=Task.REPAINT, inputs=inputs), mix_pack)


def test_mismatched_pack(pack):
    broken = copy.copy(pack)
    broken.sample_rate = 44_100
    with pytest.raises(GenerationError) as err:
        generate(request(), broken)
    assert err.value.code == "pack_mismatch"
