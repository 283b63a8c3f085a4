"""Hostile OSC datagrams for the listener tests (seeded, so a failure reproduces).

Random bytes, truncated and bit-flipped messages, bad type tags, bundles nested hundreds deep,
bundles with negative element sizes, huge blob sizes, wrong argument types for every address
our listeners know, and stream messages with absurd ids, sizes and offsets.
"""

from __future__ import annotations

import random
import socket
import struct
import time
import typing as tp

from engine.osc import addresses as A
from engine.osc.daw_state import TABLES
from engine.osc.transport import encode_message

STREAM_ADDRESSES = [A.STREAM_BEGIN, A.STREAM_CHUNK, A.STREAM_END, A.STREAM_ABORT]
KNOWN_ADDRESSES = sorted({a for table in TABLES.values() for a in table}
                         | set(STREAM_ADDRESSES) | {A.LISTENER_STATUS})
BAD_IDS = [".", "..", "...", ".hidden", "CON", "nul", "Aux.wav", "com1", "LPT9.tar.gz", "",
           "x" * 81, "../../etc/passwd", "a/b", "a\\b", "täke", "C:", "id with space"]


def osc_string(text: bytes) -> bytes:
    """A NUL-terminated string padded to a multiple of 4 bytes."""
    return text + b"\0" * (4 - len(text) % 4)


def raw_message(address: bytes, tags: bytes, payload: bytes = b"") -> bytes:
    return osc_string(address) + osc_string(tags) + payload


def bundle(*elements: bytes) -> bytes:
    body = b"".join(struct.pack(">i", len(e)) + e for e in elements)
    return b"#bundle\0" + struct.pack(">Q", 1) + body


def nested_bundle(depth: int, inner: bytes) -> bytes:
    """`inner` wrapped in `depth` bundles (built in one pass: each level adds 20 bytes)."""
    head = b"#bundle\0" + struct.pack(">Q", 1)
    sizes = (len(inner) + 20 * (depth - 1 - level) for level in range(depth))
    return b"".join(head + struct.pack(">i", size) for size in sizes) + inner


def negative_size_bundle(size: int = -4) -> bytes:
    """python-osc's bundle parser steps back by `size` and loops forever on this."""
    return b"#bundle\0" + struct.pack(">Q", 1) + struct.pack(">i", size)


def huge_blob(address: str = A.STREAM_CHUNK) -> bytes:
    return raw_message(address.encode(), b",b", struct.pack(">i", 0x7FFFFFF0) + b"\0" * 8)


def _random_value(rng: random.Random) -> tp.Any:
    choices: list[tp.Callable[[], tp.Any]] = [
        lambda: rng.randint(-2**31, 2**31 - 1),
        lambda: rng.choice([2**40, -2**62]),
        lambda: rng.choice([float("nan"), float("inf"), float("-inf"), -0.0, 1e38]),
        lambda: rng.uniform(-1e6, 1e6),
        lambda: rng.choice(["", "x" * rng.randint(1, 400), "4 / 4", "0/0", "../x", "002|01|x"]),
        lambda: bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 64))),
        lambda: rng.choice([True, False, None]),
        lambda: [rng.randint(0, 9), [rng.random()]],
    ]
    return rng.choice(choices)()


def wrong_types(rng: random.Random, address: str) -> bytes:
    args = [_random_value(rng) for _ in range(rng.randint(0, 9))]
    try:
        return encode_message(address, args)
    except Exception:  # the builder refuses some combinations: send no arguments then
        return encode_message(address, [])


def absurd_stream_message(rng: random.Random) -> bytes:
    sid = rng.choice(BAD_IDS + ["ok-" + str(rng.randint(0, 3))])
    big = rng.choice([0, -1, 1, 2**31 - 1, -2**31])
    kind = rng.randrange(4)
    if kind == 0:  # never a valid header: bad id, bad format, bad sizes or a bad digest
        return encode_message(A.STREAM_BEGIN, [sid, big, rng.choice([0, 2, 10**5]), big, 1,
                                               big, rng.choice(["f32le", "s16le", ""]), "zz"])
    if kind == 1:
        return encode_message(A.STREAM_CHUNK, [sid, big, big, big, big,
                                               b"\0" * rng.choice([1, 4, 60_000])])
    if kind == 2:
        return encode_message(A.STREAM_END, [sid, big])
    return encode_message(A.STREAM_ABORT, [sid, "x" * rng.randint(0, 500)])


def _mutate(rng: random.Random, message: bytes) -> bytes:
    if rng.random() < 0.5:
        return message[: rng.randint(0, len(message))]  # truncated
    data = bytearray(message)
    for _ in range(3):
        data[rng.randrange(len(data))] = rng.getrandbits(8)  # bit flips
    return bytes(data)


def _bad_tags(rng: random.Random) -> bytes:
    tags = b"," + bytes(rng.choice(b"SIcXZ[[[[]]ihfdsbrmtTFN?") for _ in range(rng.randint(1, 40)))
    payload = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64)))
    return raw_message(rng.choice(KNOWN_ADDRESSES).encode(), tags, payload)


def hostile_datagrams(n: int, seed: int = 0) -> list[bytes]:
    """`n` hostile datagrams, a mix of every kind above."""
    rng = random.Random(seed)
    makers: list[tp.Callable[[], bytes]] = [
        lambda: bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 300))),
        lambda: _mutate(rng, wrong_types(rng, rng.choice(KNOWN_ADDRESSES))),
        lambda: _bad_tags(rng),
        lambda: nested_bundle(rng.randint(100, 3000), encode_message("/tempo/raw", [1.0])),
        lambda: negative_size_bundle(rng.choice([-4, -8, -2**31])),
        lambda: bundle(bytes(rng.getrandbits(8) for _ in range(40))),
        lambda: huge_blob(rng.choice(KNOWN_ADDRESSES)),
        lambda: wrong_types(rng, rng.choice(KNOWN_ADDRESSES)),
        lambda: absurd_stream_message(rng),
    ]
    return [rng.choice(makers)() for _ in range(n)]


def blast(port: int, datagrams: tp.Iterable[bytes], *, burst: int = 20) -> int:
    """Send `datagrams` to 127.0.0.1:`port`, pausing briefly every `burst` so that a busy
    listener's socket buffer is not simply overrun. Returns how many were sent."""
    sent = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for data in datagrams:
            try:
                s.sendto(data, ("127.0.0.1", port))
            except OSError:  # e.g. an ICMP "port unreachable" reported on the next send
                continue
            sent += 1
            if sent % burst == 0:
                time.sleep(0.002)
    return sent
