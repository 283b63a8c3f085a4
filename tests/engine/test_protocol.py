"""The JSON-lines codec: round trips, and every malformed line raising ProtocolError."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import protocol as p


@pytest.mark.parametrize("msg", [
    p.Request(method="generate", params={"request": {"prompt": "ünïcode ♪", "seed": 3}}),
    p.Reply(reply_to="c-1", result={"job": "j-1", "position": 0}, engine_id="e-1"),
    p.Reply(reply_to="c-2", ok=False, error=p.ErrorInfo("bad_params", "no", "detail")),
    p.Event(event="progress", job="j-1", reply_to="c-1", engine_id="e-1",
            data={"step": 3, "total": 24, "eta": None}),
])
def test_round_trip(msg):
    line = p.encode(msg)
    assert "\n" not in line
    assert p.decode(line) == msg
    assert p.decode(line.encode("utf-8")) == msg


def test_enum_names_and_values_are_encoded_as_strings():
    line = p.encode(p.Event(event=p.EventName.STATUS, data={"state": p.EngineState.IDLE}))
    obj = json.loads(line)
    assert obj["event"] == "status" and obj["data"]["state"] == "idle"
    assert obj["v"] == p.PROTOCOL_VERSION


def test_job_status_vocabulary():
    assert [s.value for s in p.JobStatus] == ["queued", "running", "succeeded", "failed",
                                              "cancelled"]
    assert p.JobStatus("failed") is p.JobStatus.FAILED


@pytest.mark.parametrize(("line", "code"), [
    ("not json", p.ErrorCode.MALFORMED),
    ("[1, 2]", p.ErrorCode.MALFORMED),
    ('{"type": "request", "id": "a", "method": "x"}', p.ErrorCode.MALFORMED),
    ('{"v": "1", "type": "request", "id": "a", "method": "x"}', p.ErrorCode.MALFORMED),
    ('{"v": 99, "type": "request", "id": "a", "method": "x"}', p.ErrorCode.UNSUPPORTED_VERSION),
    ('{"v": 1, "type": "shout", "id": "a"}', p.ErrorCode.UNKNOWN_TYPE),
    ('{"v": 1, "type": "request", "id": "a"}', p.ErrorCode.MALFORMED),
    ('{"v": 1, "type": "request", "id": 5, "method": "x"}', p.ErrorCode.MALFORMED),
    ('{"v": 1, "type": "request", "id": "a", "method": "x", "params": []}',
     p.ErrorCode.MALFORMED),
    ('{"v": 1, "type": "reply", "id": "a", "reply_to": "b", "ok": "yes"}',
     p.ErrorCode.MALFORMED),
    ('{"v": 1, "type": "event", "id": "a", "event": 3}', p.ErrorCode.MALFORMED),
    ('{"v": true, "type": "event", "id": "a", "event": "x"}', p.ErrorCode.MALFORMED),
])
def test_malformed_lines_raise_protocol_error(line, code):
    with pytest.raises(p.ProtocolError) as info:
        p.decode(line)
    assert info.value.code == code
    assert info.value.message


def test_protocol_error_keeps_the_id_for_reply_to():
    with pytest.raises(p.ProtocolError) as info:
        p.decode('{"v": 1, "type": "request", "id": "c-9", "params": {}}')
    assert info.value.request_id == "c-9"


def test_line_limits_and_encoding():
    with pytest.raises(p.ProtocolError) as info:
        p.decode(b"\xff\xfe{}")
    assert info.value.code == p.ErrorCode.MALFORMED
    with pytest.raises(p.ProtocolError) as info:
        p.decode(b"x" * (p.MAX_LINE_BYTES + 1))
    assert info.value.code == p.ErrorCode.LINE_TOO_LONG


def test_unknown_fields_are_ignored():
    msg = p.decode('{"v": 1, "type": "request", "id": "a", "method": "status", "future": 1}')
    assert isinstance(msg, p.Request) and msg.method == "status" and msg.params == {}


def test_encode_refuses_non_json_payloads():
    with pytest.raises(p.ProtocolError):
        p.encode(p.Event(event="x", data={"bad": float("nan")}))
    with pytest.raises(p.ProtocolError):
        p.encode(p.Event(event="x", data={"bad": object()}))


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200),
                 st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                              lambda c: st.lists(c, max_size=4)
                              | st.dictionaries(st.sampled_from(
                                  ["v", "type", "id", "method", "params", "event", "ok",
                                   "reply_to", "data", "job"]), c, max_size=6),
                              max_leaves=12).map(json.dumps)))
def test_decode_never_fails_with_anything_but_protocol_error(line):
    try:
        msg = p.decode(line)
    except p.ProtocolError:
        return
    assert isinstance(msg, (p.Request, p.Reply, p.Event))
