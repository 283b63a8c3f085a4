"""The `stream` delivery: every file of a take streamed in turn over one connection.

A single-file take is one stream named after the take, as before stems. A take sent as parts
is one stream per file, `<group>.<role>`, each `begin` naming the group, the role, its index
and the count, so that the receiver writes `<group>/<role>.wav` (addresses.py).
"""

from __future__ import annotations

import re
import typing as tp
import uuid

from engine.osc.delivery_options import DeliveryOptions
from engine.osc.pcm import read_take_pcm
from engine.osc.stream_send import (
    LOOPBACK_CHUNK_FRAMES,
    NETWORK_CHUNK_FRAMES,
    StreamPart,
    StreamSender,
    StreamStats,
)
from engine.osc.take_files import TakeFiles
from engine.osc.transport import OscTarget, open_connection


def stream_take(take: TakeFiles, target: OscTarget, o: DeliveryOptions) -> dict[str, tp.Any]:
    local = target.host in ("127.0.0.1", "localhost", "::1")
    chunk = LOOPBACK_CHUNK_FRAMES if local or target.protocol == "tcp" else NETWORK_CHUNK_FRAMES
    group = stream_group(take.take_id)
    done: dict[str, StreamStats] = {}
    with open_connection(target, timeout=o.timeout) as conn:
        sender = StreamSender(conn, target.address, chunk_frames=chunk, timeout=o.timeout,
                              describe_target=str(target))
        for i, f in enumerate(take.files):
            pcm, rate, channels = read_take_pcm(f.path)
            part = StreamPart(group, f.role, i, len(take.files)) if take.as_parts else None
            done[f.role] = sender.send(pcm, sample_rate=rate, channels=channels,
                                       stream_id=f"{group}.{f.role}" if part else group,
                                       part=part)
    return _summary(done, group, take.as_parts)


def stream_group(take_id: str) -> str:
    """A fresh stream (or group) id for a take: its id made safe, and 8 random hex digits."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", take_id).lstrip(".")[:48]
    return f"{safe}-{uuid.uuid4().hex[:8]}" if safe else uuid.uuid4().hex


def _summary(done: dict[str, StreamStats], group: str, as_parts: bool) -> dict[str, tp.Any]:
    totals = {"chunks": sum(s.chunks for s in done.values()),
              "resent": sum(s.resent for s in done.values()),
              "seconds": round(sum(s.seconds for s in done.values()), 3)}
    if not as_parts:
        (stats,) = done.values()
        return {"stream_id": stats.stream_id, **totals, "sha256": stats.sha256}
    return {"stream_group": group, **totals,
            "streams": {role: {"stream_id": s.stream_id, "chunks": s.chunks,
                               "resent": s.resent, "sha256": s.sha256}
                        for role, s in done.items()}}
