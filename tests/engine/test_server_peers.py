"""The server side of a connection, in-process: failed writes, hello vetting, bounded lines."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time

import pytest

from engine import protocol as p
from engine.__main__ import EventLogHandler
from engine.server import EngineServer
from engine.tcp import HandshakeTimeout, LineSocket


def hello(token: object, req_id: str = "h") -> str:
    return json.dumps({"v": 1, "type": "request", "id": req_id, "method": "hello",
                       "params": {"token": token}})


def test_a_peer_that_went_away_is_logged_without_holding_the_write_lock():
    server = EngineServer(handlers={})
    handler = EventLogHandler(lambda e, d: server.emit(e, d))  # as the engine wires it
    logging.getLogger().addHandler(handler)

    def broken(line: str) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    try:
        server.attach(broken)
        sender = threading.Thread(target=server.emit, args=("status", {}), daemon=True)
        sender.start()
        sender.join(30)  # a deadlock never ends; only reached on failure
        assert not sender.is_alive(), "send deadlocked on its own log message"
        sent: list[str] = []
        server.attach(sent.append)  # the next peer is served again
        server.emit("status", {})
        assert [p.decode(s).event for s in sent] == ["status"]
    finally:
        logging.getLogger().removeHandler(handler)


@pytest.mark.parametrize("token", [5, ["x"], True, "\ud800", "s3cre\u00e9", None])
def test_a_hello_with_an_unusable_token_is_refused_not_ignored(token):
    sent: list[str] = []
    server = EngineServer(handlers={}, token="s3cret", transport="tcp")
    server.attach(sent.append)
    assert server.handle_line(hello(token)) is False
    (refusal,) = map(p.decode, sent)
    assert refusal.event == "error" and refusal.reply_to == "h"
    assert refusal.data["code"] == "unauthorized"


def test_check_hello_vets_the_first_line_without_side_effects():
    server = EngineServer(handlers={}, token="tøken", transport="tcp")
    assert server.check_hello(hello("tøken")) is None
    assert server.check_hello(hello("tøken").encode()) is None
    for line, words in [(hello("nope"), "wrong token"), (hello(3), "must be a string"),
                        ('{"v":1,"type":"request","id":"s","method":"status"}', "before hello"),
                        ("not json", "first message must be hello"),
                        ('{"v":1,"type":"event","id":"e","event":"x"}', "hello request")]:
        refusal = server.check_hello(line)
        assert refusal is not None and refusal.data["code"] == "unauthorized", line
        assert words in refusal.data["message"] and refusal.engine_id == server.engine_id
    assert not server.authenticated


def test_line_socket_bounds_lines_and_skips_the_rest_of_an_over_long_one():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        lines = LineSocket(ours, limit=10)
        theirs.sendall(b"short\n" + b"y" * 25 + b"\nnext\n" + b"0123456789\n" + b"tail")
        theirs.shutdown(socket.SHUT_WR)
        got = list(iter(lines.read_line, None))
    assert got == [b"short\n", b"y" * 11, b"next\n", b"0123456789\n", b"tail"]


def test_line_socket_deadline_ends_a_silent_handshake():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        theirs.sendall(b"half a li")
        with pytest.raises(HandshakeTimeout):
            LineSocket(ours).read_line(deadline=time.monotonic())
