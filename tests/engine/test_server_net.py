"""The real engine over TCP (debug pack): peers that vanish mid-job, idle strangers, odd tokens.

One engine process serves the whole module; every test ends by checking that it still answers
a new, authenticated client.
"""

from __future__ import annotations

import sys

import pytest

from engine import protocol as p
from tests.engine.live_engine import WAIT_S, start_tcp_engine, stop

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform == "win32", reason="POSIX sockets")]

TOKEN = "right-tøken"  # not ASCII: hmac must compare bytes
HANDSHAKE_S = "5"  # long next to a connect (ms), short for the test to wait
LONG_JOB = {"prompt": "slow pad", "duration_s": 10.0, "steps": 400, "seed": 1, "model": "debug"}


@pytest.fixture(scope="module")
def tcp(tmp_path_factory):
    engine = start_tcp_engine(tmp_path_factory.mktemp("net"), TOKEN,
                              "--handshake-timeout", HANDSHAKE_S)
    yield engine
    stop(engine.proc)


def still_serves(tcp) -> None:
    assert tcp.proc.poll() is None, tcp.stderr.read_text()[-3000:]
    client = tcp.connect()
    try:
        assert client.status()["state"] in ("idle", "busy")
    finally:
        client.close()


def authenticated_peer(tcp):
    peer = tcp.peer()
    reply = peer.answer(peer.request("hello", {"protocol": 1, "token": TOKEN}))
    assert isinstance(reply, p.Reply) and reply.ok, reply
    return peer


def start_jobs(tcp, peer, queued: int) -> list[str]:
    """One job running on the sampler, `queued` more waiting behind it."""
    jobs = []
    output = {"dir": str(tcp.stderr.parent / "takes")}
    for _ in range(1 + queued):
        reply = peer.answer(peer.request("generate", {"request": LONG_JOB, "output": output}))
        assert isinstance(reply, p.Reply) and reply.ok, reply
        jobs.append(reply.result["job"])
    peer.wait_for(lambda m: isinstance(m, p.Event) and m.job == jobs[0]
                  and m.event == "progress" and m.data["stage"] not in ("load", "write"))
    return jobs


@pytest.mark.parametrize("abrupt", [True, False], ids=["reset", "normal-close"])
def test_a_client_that_leaves_mid_job_leaves_the_engine_serving(tcp, abrupt):
    peer = authenticated_peer(tcp)
    start_jobs(tcp, peer, queued=2)
    peer.close(abrupt=abrupt)
    still_serves(tcp)
    client = tcp.connect()  # the departed client's jobs were cancelled
    try:
        assert client.status()["queued"] == 0
    finally:
        client.close()


def test_an_idle_stranger_neither_blocks_others_nor_stays(tcp):
    idle = tcp.peer()  # connects and never says hello
    still_serves(tcp)
    assert not idle.closed.is_set()
    refused = idle.wait_for(lambda m: isinstance(m, p.Event) and m.event == "error")
    assert refused.data["code"] == "unauthorized" and "hello" in refused.data["message"]
    assert idle.wait_closed()


def test_a_second_client_is_refused_while_one_is_connected(tcp):
    first = authenticated_peer(tcp)
    try:
        second = tcp.peer()
        refused = second.answer(second.request("hello", {"token": TOKEN}))
        assert isinstance(refused, p.Event) and refused.data["code"] == "busy"
        assert "another client" in refused.data["message"]
        assert second.wait_closed()
        status = first.answer(first.request("status"))
        assert isinstance(status, p.Reply) and status.ok
    finally:
        first.close()
    still_serves(tcp)


@pytest.mark.parametrize("token", [5, None, ["x"], {"t": 1}, True, "\ud800", "wrong-tøken", ""],
                         ids=["int", "null", "list", "object", "bool", "lone-surrogate",
                              "wrong", "empty"])
def test_a_hello_with_an_unusable_token_gets_a_refusal(tcp, token):
    peer = tcp.peer()
    answer = peer.answer(peer.request("hello", {"protocol": 1, "token": token}), WAIT_S / 2)
    assert isinstance(answer, p.Event) and answer.data["code"] == "unauthorized", answer
    assert peer.wait_closed()
    still_serves(tcp)


def test_a_hello_without_a_token_field_is_refused(tcp):
    peer = tcp.peer()
    answer = peer.answer(peer.request("hello", {"protocol": 1}))
    assert answer.data["code"] == "unauthorized" and "missing token" in answer.data["message"]
    assert peer.wait_closed()
