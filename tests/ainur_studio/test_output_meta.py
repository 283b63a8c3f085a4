"""Each output says what it is: interpolation steps get their own label and the seeds and t
that reproduce them; best-of keeps the best `variations` candidates, each with its score."""

from __future__ import annotations

import pytest
import torch

from ainur_studio.inference.generate import generate
from ainur_studio.types import GenerationRequest, Task, TaskInputs
from tests.ainur_studio.debug_pack import shared_debug_pack


@pytest.fixture(scope="module")
def pack():
    return shared_debug_pack()


def request(**kw):
    base = dict(prompt="dark synthwave, drums", duration_s=1.0, steps=2, seed=7)
    base.update(kw)
    return GenerationRequest(**base)


def test_interpolation_outputs_have_distinct_labels_and_their_seeds(pack):
    inputs = TaskInputs(second_seed=99, interpolation_steps=3)
    r = generate(request(task=Task.INTERPOLATE, inputs=inputs), pack)
    assert [m["label"] for m in r.meta] == ["interp 1/3 (t=0.00)", "interp 2/3 (t=0.50)",
                                            "interp 3/3 (t=1.00)"]
    assert [m["t"] for m in r.meta] == [0.0, 0.5, 1.0]
    assert all((m["seed"], m["second_seed"]) == (7, 99) for m in r.meta)


def test_best_of_keeps_the_best_with_its_score(pack):
    everything = generate(request(task=Task.BEST_OF, variations=4,
                                  inputs=TaskInputs(best_of=4)), pack)
    assert len(everything.audio) == 4
    best = generate(request(task=Task.BEST_OF, inputs=TaskInputs(best_of=4)), pack)
    assert len(best.audio) == 1  # variations = 1: only the winner is kept
    (meta,) = best.meta
    assert meta["seed"] == everything.meta[0]["seed"] and meta["rank"] == 0
    assert meta["candidates"] == 4 and meta["score"] == pytest.approx(everything.meta[0]["score"])
    assert meta["label"] == f"best 1/4 (score {meta['score']:.3f})"
    assert torch.equal(best.audio[0], everything.audio[0])
    top2 = generate(request(task=Task.BEST_OF, variations=2, inputs=TaskInputs(best_of=4)), pack)
    assert [m["seed"] for m in top2.meta] == [m["seed"] for m in everything.meta[:2]]


def test_best_of_keeps_at_most_the_candidates(pack):
    r = generate(request(task=Task.BEST_OF, variations=5, inputs=TaskInputs(best_of=2)), pack)
    assert len(r.audio) == 2
