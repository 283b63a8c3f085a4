"""Decoding untrusted OSC datagrams: bounded work, and every failure a ValueError saying why.

python-osc's bundle parser recurses once per nesting level (a 60 KB datagram of nested
`#bundle`s raises RecursionError), loops forever on a negative element size and logs a warning
per unknown element or type tag. This walker checks every element size and the nesting depth,
and checks a message's type tags before python-osc parses its arguments.
"""

from __future__ import annotations

import struct
import typing as tp

from pythonosc.osc_message import OscMessage
from pythonosc.osc_message import ParseError as MessageParseError
from pythonosc.parsing import osc_types

Message = tuple[str, list[tp.Any]]

MAX_BUNDLE_DEPTH = 8   # bundles inside bundles; real peers send one level, rarely two
MAX_ARRAY_DEPTH = 4    # OSC arrays ("[...]") inside arrays
TYPE_TAGS = frozenset("ihfdsbrmtTFN[]")  # what python-osc decodes; anything else misaligns
_BUNDLE = b"#bundle\0"
_BUNDLE_HEADER = len(_BUNDLE) + 8  # the prefix and the time tag
_PARSE_ERRORS = (MessageParseError, osc_types.ParseError, IndexError, struct.error,
                 UnicodeDecodeError, TypeError, OverflowError)


def decode_packet(data: bytes) -> list[Message]:
    """Messages of a datagram, bundles flattened in order (their time tags are ignored).

    Raises ValueError naming the problem for anything malformed."""
    messages: list[Message] = []
    _walk(bytes(data), 0, messages)
    return messages


def _walk(data: bytes, depth: int, out: list[Message]) -> None:
    if data.startswith(_BUNDLE):
        if depth >= MAX_BUNDLE_DEPTH:
            raise ValueError(f"malformed OSC packet: bundles nested deeper than "
                             f"{MAX_BUNDLE_DEPTH} levels")
        for element in _bundle_elements(data):
            _walk(element, depth + 1, out)
    elif data.startswith(b"/"):
        out.append(_message(data))
    else:
        raise ValueError("malformed OSC packet: neither a message (starts with '/') nor a "
                         f"bundle (starts with '#bundle'): {data[:16]!r}")


def _bundle_elements(data: bytes) -> tp.Iterator[bytes]:
    if len(data) < _BUNDLE_HEADER:
        raise ValueError("malformed OSC packet: bundle shorter than its header")
    index = _BUNDLE_HEADER
    while index < len(data):
        if index + 4 > len(data):
            raise ValueError("malformed OSC packet: bundle ends inside an element size")
        (size,) = struct.unpack_from(">i", data, index)
        index += 4
        if not 0 < size <= len(data) - index:
            raise ValueError(f"malformed OSC packet: bundle element size {size} at byte "
                             f"{index - 4} (must be 1..{len(data) - index})")
        yield data[index: index + size]
        index += size


def _message(data: bytes) -> Message:
    try:
        _, index = osc_types.get_string(data, 0)
        if index < len(data):
            tags, _ = osc_types.get_string(data, index)
            _check_type_tags(tags)
        message = OscMessage(data)
        return message.address, list(message.params)
    except _PARSE_ERRORS as exc:
        raise ValueError(f"malformed OSC message: {exc}") from None


def _check_type_tags(tags: str) -> None:
    if not tags.startswith(","):
        raise ValueError(f"malformed OSC message: type tags must start with a comma: {tags!r}")
    unknown = sorted(set(tags[1:]) - TYPE_TAGS)
    if unknown:
        raise ValueError(f"malformed OSC message: unsupported type tag(s) {''.join(unknown)!r}")
    depth = 0
    for tag in tags[1:]:
        depth += (tag == "[") - (tag == "]")
        if depth > MAX_ARRAY_DEPTH:
            raise ValueError(f"malformed OSC message: arrays nested deeper than "
                             f"{MAX_ARRAY_DEPTH} levels")
