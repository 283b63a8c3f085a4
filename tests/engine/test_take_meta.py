"""Each take keeps what generation said about its output (seed, label, score), in the `Take`
record of `take_ready` and in its sidecar: the figures the takes list shows."""

from __future__ import annotations

import json
import types

import numpy as np

from ainur_studio.types import GenerationRequest, Take
from engine.devices import DeviceChoice
from engine.inprocess import InProcessEngine
from engine.takes import TakeOptions, write_take
from tests.engine.conftest import small_request
from tests.fakes import fake_engine


def test_write_take_keeps_the_outputs_meta(tmp_path):
    take = write_take(np.zeros((2, 4800)), request=GenerationRequest(seed=7),
                      options=TakeOptions(out_dir=tmp_path), index=1, seed=8,
                      meta={"score": 0.25, "rank": 1, "label": "best 2/4 (score 0.250)"})
    assert take.meta == {"seed": 8, "score": 0.25, "rank": 1, "label": "best 2/4 (score 0.250)"}
    sidecar = json.loads(open(take.sidecar_path, encoding="utf-8").read())
    assert Take.from_dict(sidecar).meta == take.meta


def test_take_ready_carries_each_outputs_label_and_seed(tmp_path, fake_mode):
    def interpolate(request, pack, **_kw):
        return types.SimpleNamespace(
            audio=[fake_engine.tone(1.0, k) for k in range(3)], timings={"total": 0.5},
            meta=[{"seed": 5, "second_seed": 9, "t": k / 2,
                   "label": f"interp {k + 1}/3 (t={k / 2:.2f})"} for k in range(3)])

    engine = InProcessEngine(takes_dir=tmp_path, device=DeviceChoice("cpu", "fp32"),
                             generate_fn=interpolate, load_pack=fake_engine.fake_load_pack)
    try:
        job = engine.generate(small_request(task="interpolate",
                                            inputs={"second_seed": 9, "interpolation_steps": 3}))
        assert engine.wait_job(job, 30).event == "job_done"
        takes = [Take.from_dict(e.data["take"]) for e in engine.job_events(job)
                 if e.event == "take_ready"]
    finally:
        engine.close()
    assert [t.meta["label"] for t in takes] == ["interp 1/3 (t=0.00)", "interp 2/3 (t=0.50)",
                                                "interp 3/3 (t=1.00)"]
    assert {(t.meta["seed"], t.meta["second_seed"]) for t in takes} == {(5, 9)}
