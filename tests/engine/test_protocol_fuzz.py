"""A live engine process fed a few hundred random and malformed lines, over stdio and TCP.

Whatever arrives, the engine answers each well-formed request exactly once, each other line
with one `error` event, and still serves `status` afterwards. The lines come from a seeded
generator: a failure names its seed and reproduces.
"""

from __future__ import annotations

import collections
import json
import random
import subprocess
import sys

import pytest

from engine import protocol as p
from tests.engine.live_engine import ENGINE, ROOT, Peer, engine_env, start_tcp_engine, stop

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes and sockets")

SEED = 20240611
TOKEN = "fuzz-token"
# Methods the fuzzer may call with well-formed requests: control requests that neither stop
# the engine nor start model work or listeners; plus names no engine knows.
METHODS = ["hello", "status", "list_models", "cancel", "stop_training", "daw_state",
           "no_such_method", "", "STATUS", "status ", "_on_status", "__init__", "\ud800"]
KEYS = ["job", "tempo", "time_signature", "playing", "position_s", "sample_rate", "source",
        "protocol", "client", "token", "bars", "request"]
ENVELOPE = ["v", "type", "id", "method", "params"]


def deep(depth: int, leaf: object = 0) -> object:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


WRONG = [None, True, False, 0, -1, 1, 2, 10**30, -(10**30), 1.5, 1e308, "", "x" * 2000,
         "\ud800", "reply", "event", "request", [], {}, [1, "a"], {"a": {"b": []}}, deep(400)]


def fuzz_lines(rng: random.Random, count: int) -> list[bytes]:
    """`count` lines (no newline inside), mixing every kind of bad input with good requests."""
    makers = [random_bytes, broken_json, wrong_shape, huge_number, deeply_nested,
              wrong_field_type, missing_field, random_request, not_a_request]
    lines = [rng.choice(makers)(rng) for _ in range(count)]
    lines += [over_long(rng), over_long(rng)]
    rng.shuffle(lines)
    return lines


def request_obj(rng: random.Random, **fields: object) -> dict:
    obj = {"v": 1, "type": "request", "id": f"fz-{rng.getrandbits(64):x}",
           "method": rng.choice(METHODS), "params": random_params(rng)}
    obj.update(fields)
    return obj


def random_params(rng: random.Random) -> dict:
    return {key: rng.choice(WRONG) for key in rng.sample(KEYS, rng.randint(0, 4))}


def dumps(obj: object) -> bytes:
    return json.dumps(obj).encode()


def random_bytes(rng: random.Random) -> bytes:
    return bytes(rng.choice([b for b in range(256) if b != 10])
                 for _ in range(rng.randint(1, 300)))


def broken_json(rng: random.Random) -> bytes:
    whole = dumps(request_obj(rng))
    return rng.choice([whole[:rng.randint(1, len(whole) - 1)], b"{", b"}", b"[", b'{"v":1,',
                       b"{'v': 1}", b'{"v":1 "type":"request"}', whole + b"}", b"\xff" + whole])


def wrong_shape(rng: random.Random) -> bytes:
    return dumps(rng.choice([[], [1, 2], 1, -3.5, "request", None, True, [request_obj(rng)]]))


def huge_number(rng: random.Random) -> bytes:
    digits = "9" * rng.choice([400, 4000, 5000])
    return rng.choice([
        b'{"v":' + digits.encode() + b',"type":"request","id":"h","method":"status"}',
        b'{"v":1,"type":"request","id":"h1","method":"daw_state","params":{"tempo":1e400}}',
        b'{"v":1,"type":"request","id":"h2","method":"daw_state","params":{"tempo":-1e999}}',
        b'{"v":1,"type":"request","id":"h3","method":"daw_state","params":{"tempo":NaN}}',
        b'{"v":1,"type":"request","id":"h4","method":"daw_state",'
        b'"params":{"position_s":Infinity}}',
        b'{"v":1,"type":"request","id":"h5","method":"daw_state","params":{"sample_rate":'
        + digits.encode() + b"}}",
        dumps(request_obj(rng, method="daw_state", params={"position_s": 10**4000}))])


def deeply_nested(rng: random.Random) -> bytes:
    depth = rng.choice([50, 900, 5000, 100_000])
    return rng.choice([b"[" * depth + b"]" * depth,
                       b'{"v":1,"type":"request","id":"n","method":"status","params":'
                       + b'{"a":' * depth + b"0" + b"}" * depth + b"}",
                       dumps(request_obj(rng, params={"protocol": deep(min(depth, 900))}))])


def wrong_field_type(rng: random.Random) -> bytes:
    return dumps(request_obj(rng, **{rng.choice(ENVELOPE): rng.choice(WRONG)}))


def missing_field(rng: random.Random) -> bytes:
    obj = request_obj(rng)
    del obj[rng.choice(ENVELOPE)]
    return dumps(obj)


def random_request(rng: random.Random) -> bytes:
    return dumps(request_obj(rng))


def not_a_request(rng: random.Random) -> bytes:
    return dumps(rng.choice([
        {"v": 1, "type": "reply", "id": "r", "reply_to": "x", "ok": True},
        {"v": 1, "type": "event", "id": "e", "event": "status", "data": {}},
        {"v": 1, "type": "shout", "id": "s"}, {"v": 2, "type": "request", "id": "v2",
                                                "method": "status"}]))


def over_long(rng: random.Random) -> bytes:
    return b'{"v":1,"type":"request","id":"long","method":"status","pad":"' + \
        b"x" * (p.MAX_LINE_BYTES + rng.randint(1, 2**20)) + b'"}'


def expected(lines: list[bytes]) -> tuple[list[str], int]:
    """Ids of the well-formed requests (each gets one reply) and the count of other lines
    (each gets one error event), as the protocol module reads them."""
    ids, others = [], 0
    for line in lines:
        if not line.strip():
            continue
        try:
            msg = p.decode(line.strip())
        except p.ProtocolError:
            others += 1
            continue
        if isinstance(msg, p.Request):
            ids.append(msg.id)
        else:
            others += 1
    return ids, others


def fuzz(peer: Peer, lines: list[bytes]) -> None:
    """Send `lines`, then check every answer and that `status` still works."""
    ids, others = expected(lines)
    assert len(ids) > 50 and others > 150  # the generator still makes both kinds
    before = len(peer.messages)
    for line in lines:
        peer.send(line)
    final = peer.answer(peer.request("status", id="final"))
    assert isinstance(final, p.Reply) and final.ok and final.result["state"] == "idle", final
    got = peer.messages[before:]
    replies = collections.Counter(m.reply_to for m in got if isinstance(m, p.Reply))
    del replies["final"]
    assert replies == collections.Counter(ids)  # one reply per request (ids may repeat)
    errors = [m for m in got if isinstance(m, p.Event) and m.event == "error"]
    assert len(errors) == others
    assert {e.data["code"] for e in errors} <= {c.value for c in p.ErrorCode}


def test_fuzzed_stdio_engine_keeps_answering(tmp_path):
    with (tmp_path / "engine.stderr").open("wb") as err:
        proc = subprocess.Popen(ENGINE, cwd=ROOT, env=engine_env(tmp_path),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
    try:
        peer = Peer.stdio(proc)
        fuzz(peer, fuzz_lines(random.Random(SEED), 300))
        peer.close()
        assert proc.wait(30) == 0  # and it still leaves when its stdin closes
    finally:
        stop(proc)


def test_fuzzed_tcp_engine_keeps_answering(tmp_path):
    tcp = start_tcp_engine(tmp_path, TOKEN, "--handshake-timeout", "30")
    rng = random.Random(SEED + 1)
    try:
        strangers = [tcp.peer() for _ in range(24)]  # each says one bad thing first
        for stranger, line in zip(strangers, fuzz_lines(rng, len(strangers))):
            stranger.send(line if line.strip() else b"{")
        client = tcp.peer()
        welcome = client.answer(client.request("hello", {"protocol": 1, "token": TOKEN}))
        assert isinstance(welcome, p.Reply) and welcome.ok, welcome
        fuzz(client, fuzz_lines(rng, 300))
        for stranger in strangers:
            assert stranger.wait_closed()
            (refusal,) = stranger.messages
            assert refusal.event == "error" and refusal.data["code"] in ("unauthorized", "busy")
        client.close()
        still = tcp.connect()
        assert still.status()["state"] == "idle"
        still.close()
    finally:
        stop(tcp.proc)


# --- what the fuzzer found, pinned down at the codec --------------------------------------

@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "-1e999"])
def test_numbers_that_cannot_be_sent_back_are_malformed(number):
    line = '{"v":1,"type":"request","id":"a","method":"daw_state","params":{"tempo":%s}}'
    with pytest.raises(p.ProtocolError) as info:
        p.decode(line % number)
    assert info.value.code == p.ErrorCode.MALFORMED and "finite" in info.value.message


def test_lone_surrogates_are_encoded_as_valid_utf8():
    msg = p.decode('{"v":1,"type":"request","id":"\\ud800","method":"x\\udfff"}')
    reply = p.Reply(reply_to=msg.id, result={"echo": msg.method})
    line = p.encode(reply)
    line.encode("utf-8")  # what the transports do; must not raise
    assert p.decode(line) == reply
    assert "é" in p.encode(p.Event(event="é"))  # readable text stays unescaped
