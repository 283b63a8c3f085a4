"""The `scsynth` and `scsynth-stream` deliveries: each file of a take into its own server
buffer, `bufnum`, `bufnum + 1`, ... in the take's order (stems, then the mix); the result
names the buffer of every role."""

from __future__ import annotations

import typing as tp

import soundfile as sf

from engine.osc.delivery_options import DeliveryOptions
from engine.osc.scsynth import BufferInfo, Scsynth
from engine.osc.take_files import DeliveryError, TakeFiles
from engine.osc.transport import OscTarget


def to_scsynth(take: TakeFiles, target: OscTarget, kind: str,
               o: DeliveryOptions) -> dict[str, tp.Any]:
    if target.protocol != "udp":
        raise DeliveryError("scsynth delivery uses UDP (osc.udp://HOST:PORT)")
    loaded: dict[str, BufferInfo] = {}
    with Scsynth(target.host, target.port, timeout=o.timeout) as server:
        for i, f in enumerate(take.files):
            bufnum = o.bufnum + i
            if kind == "scsynth":
                loaded[f.role] = server.load_file(bufnum, f.path)
            else:
                audio, rate = sf.read(str(f.path), dtype="float32", always_2d=True)
                loaded[f.role] = server.stream(bufnum, audio, rate)
    first = next(iter(loaded.values()))
    return {"bufnum": first.bufnum, "frames": first.frames, "channels": first.channels,
            "sample_rate": first.sample_rate,
            "buffers": {role: {"bufnum": b.bufnum, "frames": b.frames, "channels": b.channels,
                               "sample_rate": b.sample_rate} for role, b in loaded.items()}}
