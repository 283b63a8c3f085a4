"""One source for each figure: "made in" is the engine's measured generation time (the
sidecar's `timings.total`) in the takes list and the queue alike; queue positions follow
cancels; the status bar names the model chosen now; each output shows its own label, seed and
score."""

from __future__ import annotations

import pytest

from ainur_studio.types import GenerationRequest, Take
from tests.ui.window_helpers import event, recording_window, reply
from ui.models.jobs_model import JobsModel
from ui.models.takes_model import made_in_s
from ui.settings import Settings
from ui.widgets.queue_view import describe_row
from ui.widgets.takes_view import take_details

TIMINGS = {"load": 8.5, "text": 0.4, "prior": 27.0, "decode": 2.7, "total": 30.1}


@pytest.fixture
def window(qtbot, tmp_path):
    return recording_window(qtbot, Settings(tmp_path / "s.ini"))


def take(take_id: str = "t1", **meta) -> Take:
    return Take(take_id=take_id, path=f"/takes/{take_id}.wav", frames=480_000,
                request=GenerationRequest(prompt="warm rhodes", seed=5), timings=dict(TIMINGS),
                meta=meta)


def test_made_in_is_the_generation_time_of_the_sidecar():
    assert made_in_s(take()) == pytest.approx(30.1)
    assert "made in 30.1 s" in take_details(take())
    assert made_in_s(Take(take_id="x", path="", request=GenerationRequest())) is None


def test_the_queue_shows_the_same_made_in_as_the_take(window):
    win, sent = window
    win.generate()
    (_m, _p, rid), = sent.of("generate")
    reply(win, rid, job="j-1", position=0)
    event(win, "started", "j-1")
    event(win, "take_ready", "j-1", take=take().to_dict(), index=0, count=1, seed=5)
    event(win, "job_done", "j-1", status="succeeded", elapsed=40.1, takes=["/takes/t1.wav"])
    text = describe_row(win.jobs.rows[0])
    assert "made in 30.1 s" in text and "40.1" not in text


def test_queue_positions_renumber_after_a_cancel():
    jobs = JobsModel()
    for k in range(4):
        jobs.add_pending(f"c-{k}", "generate", f"job {k}")
        jobs.bind(f"c-{k}", f"j-{k}", position=k)
    from engine.protocol import Event

    jobs.apply_event(Event("started", {}, job="j-0"))
    assert [describe_row(r) for r in jobs.rows[1:]] == ["queued, 1 ahead", "queued, 2 ahead",
                                                        "queued, 3 ahead"]
    jobs.apply_event(Event("cancelled", {}, job="j-2"))
    assert [r.position for r in jobs.rows] == [0, 1, 2, 2]
    assert describe_row(jobs.rows[3]) == "queued, 2 ahead"
    jobs.apply_event(Event("job_done", {"takes": []}, job="j-0"))
    assert describe_row(jobs.rows[1]) == "next"
    assert describe_row(jobs.rows[3]) == "queued, 1 ahead"


def test_the_status_bar_names_the_model_chosen_now(window):
    win, _sent = window
    win.prompt.update(model="/home/me/runs/songs-lora/pack")
    assert win.status.model.text() == "model: songs-lora"
    win.bridge.status_changed.emit({"device": "cpu", "precision": "fp32",
                                    "model": "/home/me/runs/songs-lora/pack"})
    win.prompt.update(model="starter")
    assert win.status.model.text() == "model: starter"
    win.bridge.status_changed.emit({"device": "cpu", "precision": "fp32",
                                    "model": "/home/me/runs/songs-lora/pack"})
    assert win.status.model.text() == "model: starter"


def test_each_output_shows_its_label_seed_and_score():
    interp = take("i2", seed=5, second_seed=9, t=0.5, label="interp 2/3 (t=0.50)")
    assert "interp 2/3 (t=0.50)" in take_details(interp)
    assert "seed 5→9" in take_details(interp)
    best = take("b1", seed=7, score=0.3127, rank=0, candidates=4,
                label="best 1/4 (score 0.313)")
    details = take_details(best)
    assert "seed 7" in details and "best 1/4 (score 0.313)" in details
    assert "seed 6" in take_details(take("v2", seed=6))  # its own seed, not the request's 5
