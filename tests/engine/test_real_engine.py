"""Acceptance: the real engine process generates with the debug pack (no fakes)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import soundfile as sf

from engine.client import EngineClient

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_real_engine_generates_a_take_with_the_debug_pack(tmp_path):
    pytest.importorskip("ainur_studio.inference.generate")
    request = {"prompt": "bright synth arpeggio", "duration_s": 1.0, "steps": 2, "seed": 1,
               "model": "debug", "lyrics": {"lines": [{"start_ms": 0, "text": "hey"}]}}
    command = [sys.executable, str(ROOT / "main.py"), "engine", "--device", "cpu"]
    with EngineClient(command=command, cwd=str(ROOT), start_timeout_s=120) as eng:
        job = eng.generate(request, output={"dir": str(tmp_path)})
        end = eng.wait_job(job, 240)
        assert end.event == "job_done", end.data
        events = eng.job_events(job)
    sample_steps = [e.data["step"] for e in events if e.event == "progress"
                    and e.data["stage"] not in ("load", "write")]
    assert sample_steps and max(sample_steps) >= 2
    (ready,) = [e.data for e in events if e.event == "take_ready"]
    info = sf.info(ready["paths"]["audio"])
    assert (info.samplerate, info.channels, info.frames) == (48_000, 2, 48_000)
    sidecar = json.loads(Path(ready["paths"]["sidecar"]).read_text())
    assert sidecar["model_id"] == "debug" and sidecar["model_hash"]
    assert Path(ready["paths"]["lrc"]).read_text().strip() == "[00:00.00]hey"
