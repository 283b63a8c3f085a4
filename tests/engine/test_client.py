"""Client logic that needs no process: restart budget, exit descriptions, reply matching."""

from __future__ import annotations

import signal
import threading

import pytest

from engine import protocol as p
from engine.client import ClientBase, EngineClient, EngineDied, EngineError, describe_exit


def test_restart_budget_is_bounded_within_the_window():
    client = EngineClient(command=["unused"], max_restarts=2, restart_window_s=60)
    assert [client._may_restart() for _ in range(3)] == [True, True, False]
    client._restarts = [t - 120 for t in client._restarts]  # an hour-old history is forgiven
    assert client._may_restart() is True


@pytest.mark.parametrize(("code", "words"), [
    (-signal.SIGKILL, "SIGKILL (often the system running out of memory)"),
    (-signal.SIGSEGV, "SIGSEGV (a crash in native code)"),
    (3, "exited unexpectedly with code 3"),
    (None, "closed its connection"),
])
def test_exit_descriptions(code, words):
    assert words in describe_exit(code)


class LoopbackClient(ClientBase):
    """Answers every request with a canned line, like an engine would."""

    def __init__(self, answer) -> None:
        super().__init__()
        self.answer = answer

    def _send_line(self, line: str) -> None:
        req = p.decode(line)
        threading.Thread(target=lambda: [self._handle_line(x) for x in self.answer(req)]).start()


def test_replies_are_matched_by_id_and_junk_is_skipped():
    client = LoopbackClient(lambda req: [b"junk \xff", "{}", p.encode(p.Reply(
        reply_to=req.id, result={"echo": req.method}))])
    assert client.request("status", timeout=5) == {"echo": "status"}


def test_failed_replies_and_error_events_raise_engine_error():
    client = LoopbackClient(lambda req: [p.encode(p.error_reply(req, "bad_params", "no"))])
    with pytest.raises(EngineError) as info:
        client.request("generate", timeout=5)
    assert (info.value.code, info.value.message) == ("bad_params", "no")
    client = LoopbackClient(lambda req: [p.encode(p.error_event("unauthorized", "token",
                                                                reply_to=req.id))])
    with pytest.raises(EngineError) as info:
        client.request("hello", timeout=5)
    assert info.value.code == "unauthorized"


def test_a_dead_engine_fails_waiting_requests_and_open_jobs():
    client = LoopbackClient(lambda req: [])
    client._handle_event(p.Event(event="started", job="j-1"))
    failed = []
    client.add_listener(lambda e: failed.append(e))
    threading.Timer(0.2, lambda: client._fail_everything("gone", "why", ["last words"])).start()
    with pytest.raises(EngineDied):
        client.request("status", timeout=5)
    assert client.wait_job("j-1", 1).data["log_tail"] == ["last words"]
    assert failed[0].event == "job_failed" and failed[0].data["code"] == "engine_died"
