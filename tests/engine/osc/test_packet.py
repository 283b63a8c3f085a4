"""Decoding untrusted datagrams: every malformed one is a ValueError, found in bounded work;
an OSC server counts and logs what it drops and answers `/ainur/status`."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from engine.osc.server import OscServer
from engine.osc.transport import UdpEndpoint, decode_packet, encode_message
from tests.engine.osc.hostile import (
    blast,
    bundle,
    huge_blob,
    nested_bundle,
    raw_message,
)
from tests.engine.osc.procs import ROOT, listener_status, wait_until

TEMPO = encode_message("/tempo/raw", [120.0])


def test_bundles_decode_in_order_up_to_the_depth_limit():
    from engine.osc.packet import MAX_BUNDLE_DEPTH

    play = encode_message("/play", [1])
    assert decode_packet(bundle(TEMPO, bundle(play), TEMPO)) == [
        ("/tempo/raw", [120.0]), ("/play", [1]), ("/tempo/raw", [120.0])]
    assert decode_packet(nested_bundle(MAX_BUNDLE_DEPTH, TEMPO)) == [("/tempo/raw", [120.0])]
    with pytest.raises(ValueError, match="nested deeper than"):
        decode_packet(nested_bundle(MAX_BUNDLE_DEPTH + 1, TEMPO))


def test_a_bundle_nested_3000_deep_is_a_value_error_not_a_recursion_error():
    with pytest.raises(ValueError, match="nested deeper than"):
        decode_packet(nested_bundle(3000, TEMPO))


@pytest.mark.parametrize("size", [-4, -8, -2**31, 0, 10**6])
def test_bad_bundle_element_sizes_are_refused_promptly(size):
    # In a child process: python-osc's own parser loops forever on a negative size.
    code = (f"import logging\nlogging.disable(logging.WARNING)\n"
            f"from engine.osc.transport import decode_packet\n"
            f"from tests.engine.osc.hostile import negative_size_bundle\n"
            f"try:\n    decode_packet(negative_size_bundle({size}))\n"
            f"except ValueError as exc:\n    print(exc)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=20)
    assert "element size" in out.stdout, out.stdout + out.stderr[-2000:]


@pytest.mark.parametrize("datagram, reason", [
    (raw_message(b"/tempo/raw", b",S", b"abc\0"), "type tag"),
    (raw_message(b"/tempo/raw", b"f", b"\0" * 4), "comma"),
    (raw_message(b"/x", b"," + b"[" * 9 + b"]" * 9), "arrays nested"),
    (huge_blob(), "malformed"),
    (b"", "neither"),
    (b"garbage!", "neither"),
    (bundle(b"no-slash"), "neither"),
])
def test_malformed_messages_name_the_problem(datagram, reason, caplog):
    with caplog.at_level(logging.WARNING), pytest.raises(ValueError, match=reason):
        decode_packet(datagram)
    assert not caplog.records  # refused quietly: the listener counts, python-osc must not log


def test_server_counts_drops_logs_at_powers_of_ten_and_answers_status(caplog):
    heard: list[str] = []
    with caplog.at_level(logging.WARNING, logger="engine.osc.server"), \
            OscServer(lambda a, v, r: heard.append(a), port=0) as server:
        blast(server.port, [nested_bundle(3000, TEMPO)] * 12 + [TEMPO])
        wait_until(lambda: heard == ["/tempo/raw"], "the valid message")
        received, dropped, rejected = listener_status(server.port)
        assert (dropped, rejected) == (12, 0) and received >= 14  # status requests count too
    counts = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert len(counts) == 2, counts  # the 1st and the 10th, not all 12
    assert "nested deeper than" in counts[0] and f"127.0.0.1:{server.port}" in counts[0]


def test_handler_failures_are_counted_and_never_stop_the_server(caplog):
    def handler(address, args, reply):
        if args == [0]:
            raise RecursionError("boom")
        heard.append(args)

    heard: list = []
    rejected = {"n": 0}
    with caplog.at_level(logging.WARNING, logger="engine.osc.server"), \
            OscServer(handler, port=0, rejected=lambda: rejected["n"]) as server:
        rejected["n"] = 3
        with UdpEndpoint() as ep:
            for value in (0, 0, 1):
                ep.send(("127.0.0.1", server.port), "/x", [value], "i")
        wait_until(lambda: heard == [[1]], "the message after two failures")
        assert listener_status(server.port)[1:] == (2, 3)
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1 and tracebacks[0].exc_info[0] is RecursionError


def test_tcp_frames_are_bounded_and_a_bad_frame_is_dropped():
    import socket

    from pythonosc import slip

    from engine.osc.transport import MAX_TCP_FRAME

    heard: list = []
    with OscServer(lambda a, v, r: heard.append(v), port=0, protocol="tcp") as server, \
            socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"\1" * (MAX_TCP_FRAME + 10))  # never ends: must not grow forever
        sock.sendall(slip.encode(nested_bundle(500, TEMPO)))
        sock.sendall(slip.encode(encode_message("/y", [7], "i")))
        wait_until(lambda: heard == [[7]], "the valid frame")
        assert server.errors == 2  # the endless frame and the deep bundle, counted in order
