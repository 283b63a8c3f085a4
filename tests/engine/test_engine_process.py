"""The real engine process (with the fake model functions): stdio, crashes, TCP, orphans."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import soundfile as sf

from engine.client import ENGINE_EXITED, EngineClient, EngineError
from tests.engine.conftest import small_request

ROOT = Path(__file__).resolve().parents[2]
FAKE = [sys.executable, "-m", "tests.fakes.fake_engine"]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def client(mode: str = "ok", **kwargs) -> EngineClient:
    return EngineClient(command=FAKE, cwd=str(ROOT), env={"AINUR_ENGINE_FAKE": mode},
                        **kwargs)


def gone(pid: int) -> bool:
    """True once `pid` no longer runs (exited, or a zombie nobody reaped yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def fake_engines_of_this_process() -> list[int]:
    """Live child processes running the fake engine."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and fields[0] not in "ZX" and b"fake_engine" in cmdline:
            found.append(int(stat.parent.name))
    return found


def wait_until(predicate, timeout: float) -> float:
    t0 = time.monotonic()
    while not predicate():
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"not within {timeout} s")
        time.sleep(0.02)
    return time.monotonic() - t0


def test_end_to_end_generation_over_stdio(tmp_path):
    lrc = "[00:00.00]first line\n[00:01.20]second line\n"
    request = small_request(duration_s=2.0, steps=5, lyrics={
        "lines": [{"start_ms": 0, "text": "first line"}, {"start_ms": 1200,
                                                          "text": "second line"}]})
    errors = []
    eng = client(on_event=lambda e: e.event == "error" and errors.append(e.data["code"]))
    eng.start()
    assert eng.hello()["transport"] == "stdio"
    junk = [b"{", b"[]", b"\xff\xfe", b'{"v": 1}', b'{"v": 1, "type": "event", "event": "x"}',
            b"x" * (5 * 1024 * 1024)] * 40
    eng.proc.stdin.write(b"\n".join(junk) + b"\n")
    eng.proc.stdin.flush()
    assert eng.status()["state"] == "idle"  # still serving, after all the junk
    assert len(errors) == len(junk) and "line_too_long" in errors
    job = eng.generate(request, output={"dir": str(tmp_path), "format": "wav24"})
    end = eng.wait_job(job, 60)
    assert end.event == "job_done", end.data
    events = eng.job_events(job)
    eng._closing = True  # closing stdin alone must end the engine; no restart wanted
    eng.proc.stdin.close()
    assert eng.proc.wait(5) == 0
    steps = [e.data["step"] for e in events if e.event == "progress"
             and e.data["stage"] == "sample"]
    assert steps == [1, 2, 3, 4, 5]
    (ready,) = [e.data for e in events if e.event == "take_ready"]
    info = sf.info(ready["paths"]["audio"])
    assert (info.samplerate, info.channels, info.frames) == (48_000, 2, 96_000)
    sidecar = json.loads(Path(ready["paths"]["sidecar"]).read_text())
    assert sidecar["request"]["prompt"] == "test tune" and sidecar["frames"] == 96_000
    assert Path(ready["paths"]["lrc"]).read_text() == lrc


def test_sigkill_mid_job_fails_it_with_log_lines_and_a_fresh_engine_takes_over():
    exits = []
    eng = client("slow", backoff_s=0.1, on_event=lambda e: e.event == ENGINE_EXITED
                 and exits.append(e.data))
    with eng:
        first_id, first_pid = eng.engine_id, eng.proc.pid
        job = eng.generate(small_request(steps=50))
        wait_until(lambda: any(e.event == "progress" and e.data["stage"] == "sample"
                               for e in eng.job_events(job)), 30)
        os.kill(first_pid, signal.SIGKILL)
        t0 = time.monotonic()
        end = eng.wait_job(job, 5)
        assert time.monotonic() - t0 < 2.0
        assert end.event == "job_failed" and end.data["code"] == "engine_died"
        assert "SIGKILL" in end.data["message"]
        assert any("loaded model pack" in line for line in end.data["log_tail"])
        assert exits and exits[0]["restarting"] is True
        wait_until(lambda: eng.restart_count == 1, 30)
        assert eng.engine_id != first_id and eng.proc.pid != first_pid
        assert gone(first_pid)
        again = eng.generate(small_request(steps=2))
        assert eng.wait_job(again, 30).event == "job_done"
    wait_until(lambda: not fake_engines_of_this_process(), 5)  # no orphans


def test_a_job_that_ignores_cancel_is_ended_by_killing_the_engine():
    with client("hang", backoff_s=0.1) as eng:
        first = eng.engine_id
        job = eng.generate(small_request(steps=10))
        wait_until(lambda: "started" in [e.event for e in eng.job_events(job)], 30)
        assert eng.cancel(job, grace_s=0.5)["status"] == "running"
        end = eng.wait_job(job, 5)
        assert end.event == "cancelled" and end.data["forced"] is True
        wait_until(lambda: eng.restart_count == 1, 30)
        assert eng.engine_id != first
    wait_until(lambda: not fake_engines_of_this_process(), 5)


def test_an_engine_that_never_says_hello_is_not_left_behind():
    eng = client("slow_start", start_timeout_s=0.5, max_restarts=0)
    with pytest.raises(EngineError):
        eng.start()
    assert eng.proc is None
    wait_until(lambda: not fake_engines_of_this_process(), 3)


def test_client_skips_junk_lines_on_the_protocol_stream(tmp_path):
    with client("garbage") as eng:
        job = eng.generate(small_request(steps=2), output={"dir": str(tmp_path)})
        assert eng.wait_job(job, 30).event == "job_done"


def test_native_crash_reports_the_signal_and_the_last_words():
    with client("crash", max_restarts=0) as eng:
        job = eng.generate(small_request(steps=10))
        end = eng.wait_job(job, 30)
        assert end.data["code"] == "engine_died" and "SIGABRT" in end.data["message"]
        assert any("about to crash on purpose" in line for line in end.data["log_tail"])
        wait_until(lambda: eng.proc.poll() is not None, 5)
        with pytest.raises(EngineError):
            eng.status()


def test_engine_dies_with_its_parent(tmp_path):
    script = ("import sys, time\n"
              "from engine.client import EngineClient\n"
              f"c = EngineClient(command={FAKE!r})\n"
              "c.start()\n"
              "print(c.proc.pid, flush=True)\n"
              "time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)
    try:
        engine_pid = int(parent.stdout.readline())
        assert not gone(engine_pid)
        parent.kill()
        parent.wait()
        wait_until(lambda: gone(engine_pid), 3)
    finally:
        parent.kill()
        parent.wait()


@pytest.fixture
def tcp_engine():
    proc = subprocess.Popen([*FAKE, "--listen", "127.0.0.1:0", "--token", "right-token"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert "listening on" in line, line
    host, port = line.rsplit(" ", 1)[1].strip().rsplit(":", 1)
    yield proc, host, int(port)
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def test_tcp_needs_the_right_token(tcp_engine, tmp_path):
    proc, host, port = tcp_engine
    for token in ("wrong-token", ""):
        with pytest.raises(EngineError) as info:
            EngineClient.connect(host, port, token=token)
        assert info.value.code == "unauthorized"
    eng = EngineClient.connect(host, port, token="right-token")
    assert eng.status()["state"] in ("idle", "busy")
    job = eng.generate(small_request(steps=3), output={"dir": str(tmp_path)})
    assert eng.wait_job(job, 30).event == "job_done"
    assert len(list(tmp_path.glob("*.wav"))) == 1
    eng.request("shutdown")
    eng.close()
    assert proc.wait(10) == 0
    assert proc.stderr.read().count("refused") >= 2
