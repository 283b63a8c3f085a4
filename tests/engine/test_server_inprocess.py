"""The server's behaviour through the in-process engine (same messages, no process)."""

from __future__ import annotations

import json
import random
import time

import pytest
import soundfile as sf

from engine import protocol as p
from engine.client import EngineError
from engine.jobs import JobError
from engine.server import EngineServer
from tests.engine.conftest import small_request


def _wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_generate_emits_accepted_started_progress_take_and_done(engine):
    job = engine.generate(small_request(variations=2, steps=6))
    end = engine.wait_job(job, 30)
    assert end.event == "job_done", end.data
    names = [e.event for e in engine.job_events(job)]
    assert names[:2] == ["accepted", "started"]
    steps = [e.data["step"] for e in engine.job_events(job)
             if e.event == "progress" and e.data["stage"] == "sample"]
    assert steps == [1, 2, 3, 4, 5, 6]  # at least once per step
    takes = [e.data for e in engine.job_events(job) if e.event == "take_ready"]
    assert [t["seed"] for t in takes] == [5, 6]
    for t in takes:
        info = sf.info(t["paths"]["audio"])
        assert (info.samplerate, info.channels, info.frames) == (48_000, 2, 48_000)
        assert json.loads(open(t["paths"]["sidecar"]).read())["take_id"] == t["take"]["take_id"]
    assert end.data["takes"] == [t["paths"]["audio"] for t in takes]


def test_status_goes_busy_then_idle_around_a_job(engine, fake_mode):
    states = []
    engine.add_listener(lambda e: e.event == "status" and states.append(e.data["state"]))
    fake_mode("slow")
    job = engine.generate(small_request(steps=3))
    time.sleep(0.1)
    assert engine.status()["state"] == "busy"
    engine.wait_job(job, 30)
    assert states[0] == "busy" and states[-1] == "idle"
    assert engine.status()["state"] == "idle"


def test_cancel_queued_and_running(engine, fake_mode):
    fake_mode("slow")
    running = engine.generate(small_request(steps=50))
    queued = engine.generate(small_request(steps=50))
    _wait_for(lambda: any(e.event == "progress" and e.data["stage"] == "sample"
                          for e in engine.job_events(running)))
    assert engine.cancel(queued)["status"] == "queued"
    t0 = time.monotonic()
    assert engine.cancel(running)["status"] == "running"
    end = engine.wait_job(running, 10)
    assert end.event == "cancelled" and end.data["was"] == "running"
    assert time.monotonic() - t0 < 1.5  # within one 0.2 s sampler step, plus slack
    assert engine.wait_job(queued, 1).data["was"] == "queued"
    assert "started" not in [e.event for e in engine.job_events(queued)]
    with pytest.raises(EngineError) as info:
        engine.cancel(running)
    assert info.value.code == "not_found"


def test_control_requests_do_not_wait_behind_a_model_job(engine, fake_mode):
    fake_mode("slow")
    job = engine.generate(small_request(steps=20))
    _wait_for(lambda: "started" in [e.event for e in engine.job_events(job)])
    t0 = time.monotonic()
    assert engine.status()["job"] == job
    assert engine.list_models()[0]["name"] == "debug"
    assert time.monotonic() - t0 < 0.5
    engine.cancel(job)


@pytest.mark.parametrize("params", [
    {},
    {"request": small_request(duration_s=-1)},
    {"request": small_request(variations=0)},
    {"request": small_request(), "output": {"format": "mp3"}},
    {"request": small_request(), "output": {"template": "{nope}"}},
])
def test_bad_generate_requests_are_refused_before_they_are_queued(engine, params):
    from engine.client import EngineError

    with pytest.raises(EngineError) as err:
        engine.request("generate", params)
    assert err.value.code == "bad_params" and err.value.message
    assert engine.request("status")["queued"] == 0


def test_a_missing_model_fails_the_job_with_a_code(engine):
    job = engine.request("generate", {"request": small_request(model="missing")})["job"]
    end = engine.wait_job(job, 10)
    assert end.event == "job_failed"
    assert end.data["code"] == "model_error" and end.data["message"]


def test_unwritable_output_folder_is_a_write_error(engine, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the takes folder should be")
    job = engine.generate(small_request(), output={"dir": str(blocker / "takes")})
    end = engine.wait_job(job, 10)
    assert end.data["code"] == "write_error" and "writable" in end.data["message"]
    assert blocker.read_text() == "a file where the takes folder should be"


def test_out_of_memory_becomes_advice(tmp_path):
    from engine.devices import DeviceChoice
    from engine.inprocess import InProcessEngine

    def oom(*args, **kwargs):
        raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")

    with InProcessEngine(takes_dir=tmp_path, device=DeviceChoice("cpu", "fp32"),
                         generate_fn=oom, load_pack=lambda n, device: object()) as eng:
        end = eng.wait_job(eng.generate(small_request(duration_s=120.0, variations=4)), 10)
    assert end.data["code"] == "out_of_memory"
    assert "shorter clip" in end.data["message"] and "4 variations" in end.data["message"]
    assert "CUDA out of memory" in end.data["detail"]


def test_generation_errors_keep_their_message_and_code(tmp_path):
    from ainur_studio.errors import GenerationError
    from engine.devices import DeviceChoice
    from engine.inprocess import InProcessEngine

    def refuse(*args, **kwargs):
        raise GenerationError("empty_prompt", "give a prompt, lyrics or a reference")

    with InProcessEngine(takes_dir=tmp_path, device=DeviceChoice("cpu", "fp32"),
                         generate_fn=refuse, load_pack=lambda n, device: object()) as eng:
        end = eng.wait_job(eng.generate(small_request()), 10)
    assert end.data["code"] == "generation_error"
    assert end.data["message"] == "give a prompt, lyrics or a reference"
    assert "empty_prompt" in end.data["detail"]


def test_unknown_method_and_daw_state(engine):
    with pytest.raises(EngineError) as info:
        engine.request("fly")
    assert info.value.code == "unknown_method"
    engine.request("daw_state", {"tempo": 128.0, "playing": True, "source": "reaper"})
    assert engine.status()["daw"] == {"tempo": 128.0, "playing": True, "source": "reaper"}
    with pytest.raises(EngineError):
        engine.request("daw_state", {"tempo": "fast"})


def test_train_reports_progress_and_stops_on_request(engine):
    job = engine.request("train", {"spec": {"steps": 200, "step_s": 0.01}})["job"]
    _wait_for(lambda: any(e.event == "training_progress" for e in engine.job_events(job)))
    engine.request("stop_training", {"job": job})
    end = engine.wait_job(job, 10)
    assert end.event == "job_done" and end.data["stopped"] is True
    assert 0 < end.data["steps_done"] < 200
    progress = [e.data for e in engine.job_events(job) if e.event == "training_progress"]
    assert {"step", "loss", "lr", "samples_per_s", "eta", "previews"} <= set(progress[0])


def _random_line(rng: random.Random) -> str:
    choices = [
        lambda: "".join(chr(rng.randrange(1, 0x3000)) for _ in range(rng.randrange(0, 40))),
        lambda: json.dumps([rng.random()]),
        lambda: json.dumps({"v": rng.choice([0, 1, 2, "1", None]), "type": rng.choice(
            ["request", "reply", "event", "x", 3]), "id": rng.choice(["a", 1, None]),
            "method": rng.choice(["status", "cancel", "nope", 7]),
            "params": rng.choice([{}, [], "x", {"job": "j-none"}])}),
        lambda: '{"v": 1, "type": "request", "id": "x", "method": "generate", "params": '
                + rng.choice(['{"request": 3}', "null", '{"request": {"steps": "many"}}']) + "}",
        lambda: "{" * rng.randrange(1, 50),
    ]
    return rng.choice(choices)()


def _is_request(line: str) -> bool:
    try:
        return isinstance(p.decode(line), p.Request)
    except p.ProtocolError:
        return False


def test_fuzz_lines_get_error_events_and_the_engine_keeps_serving(tmp_path):
    sent = []
    server = EngineServer(handlers={"generate": lambda params, ctx: {}}, transport="test")
    server.attach(sent.append)
    server.start()
    rng = random.Random(1234)
    lines = [_random_line(rng) for _ in range(300)]
    try:
        for line in lines:
            assert server.handle_line(line) is True
        before = len(sent)
        server.handle_line(p.encode(p.Request(method="status", id="final")))
        replies = [p.decode(s) for s in sent[before:]]
        assert any(isinstance(r, p.Reply) and r.reply_to == "final" and r.ok for r in replies)
    finally:
        server.shutdown()
    decoded = [p.decode(s) for s in sent]
    errors = [m for m in decoded if isinstance(m, p.Event) and m.event == "error"]
    bad = [line for line in lines if line.strip() and not _is_request(line)]
    assert len(bad) > 200
    assert len(errors) == len(bad)  # one error event per line that is not a request
    assert all(e.data["code"] in {c.value for c in p.ErrorCode} for e in errors)


def test_token_is_required_before_anything_else():
    sent = []
    server = EngineServer(handlers={}, token="s3cret", transport="tcp")
    server.attach(sent.append)
    assert server.handle_line(p.encode(p.Request(method="status"))) is False
    assert p.decode(sent[-1]).data["code"] == "unauthorized"
    server.attach(sent.append)
    assert server.handle_line(p.encode(p.Request(method="hello",
                                                 params={"token": "wrong"}))) is False
    server.attach(sent.append)
    assert server.handle_line(p.encode(p.Request(method="hello", id="h",
                                                 params={"token": "s3cret"}))) is True
    assert any(isinstance(m, p.Reply) and m.reply_to == "h" and m.ok
               for m in map(p.decode, sent))


def test_hello_refuses_another_protocol_version(engine):
    with pytest.raises(EngineError) as info:
        engine.request("hello", {"protocol": 2})
    assert info.value.code == "unsupported_version"
    assert engine.hello()["protocol"] == p.PROTOCOL_VERSION


def test_job_error_keeps_its_code():
    err = JobError(p.ErrorCode.WRITE_ERROR, "disk full", detail="ENOSPC")
    assert (err.code, err.message, err.detail) == (p.ErrorCode.WRITE_ERROR, "disk full",
                                                   "ENOSPC")
