"""Delivering a take to a DAW or receiver, one adapter per target kind.

| kind      | what is sent                                                               |
|-----------|----------------------------------------------------------------------------|
| notify    | `/ainur/take` (addresses.py) — any OSC peer                                 |
| stream    | the PCM over `/ainur/stream/*` with acks (stream_send.py) — our receiver    |
| scsynth   | `/b_allocRead bufnum path` (load by path) — SuperCollider                   |
| scsynth-stream | `/b_alloc` + `/b_setn` — SuperCollider on another machine              |
| reaper    | `/ainur/insert s path` — triggers the shipped ReaScript (resources/daw/reaper)|
| bitwig    | `/clip/insertFile s path` or `/track/N/clip/M/insertFile` — DrivenByMoss    |
| ableton   | `/live/track/create_audio_clip i s f` track, path, beat — AbletonOSC with   |
|           | Live 12's create_audio_clip exposed (docs/daw-bridge.md)                    |
"""

from __future__ import annotations

import typing as tp
from dataclasses import dataclass, field
from pathlib import Path

import soundfile as sf

from engine.osc import addresses as A
from engine.osc.transport import OscTarget, open_connection

KINDS = A.DELIVERY_KINDS

REAPER_INSERT = "/ainur/insert"


class DeliveryError(RuntimeError):
    pass


@dataclass
class TakeInfo:
    """What a receiver is told about a take."""

    path: Path
    take_id: str = ""
    prompt: str = ""
    bpm: float = 0.0
    bars: float = 0.0
    sample_rate: int = 0
    channels: int = 0
    frames: int = 0

    @classmethod
    def from_file(cls, path: str | Path, **meta: tp.Any) -> TakeInfo:
        p = Path(path).resolve()
        try:
            info = sf.info(str(p))
        except (RuntimeError, sf.LibsndfileError) as exc:
            raise DeliveryError(f"cannot read take {p}: {exc}") from None
        meta.setdefault("take_id", p.stem)
        return cls(p, sample_rate=info.samplerate, channels=info.channels,
                   frames=info.frames, **meta)

    def notification(self) -> tuple[str, list[tp.Any], str]:
        return A.TAKE, [str(self.path), self.take_id, self.sample_rate, self.channels,
                        self.frames, self.bpm, self.bars, self.prompt], A.TAKE_TYPES


@dataclass
class DeliveryOptions:
    track: int | None = None      # bitwig (1-8) / ableton (0-based) track
    slot: int | None = None       # bitwig clip slot (1-8)
    position_beats: float = 0.0   # ableton arrangement position
    bufnum: int = 0               # scsynth buffer
    timeout: float = 10.0
    extra: dict[str, tp.Any] = field(default_factory=dict)


def deliver(take: TakeInfo, target: OscTarget, kind: str,
            options: DeliveryOptions | None = None) -> dict[str, tp.Any]:
    """Send `take` to `target` the `kind` way; returns a summary (JSON-friendly)."""
    opts = options or DeliveryOptions()
    if kind not in KINDS:
        raise DeliveryError(f"unknown delivery kind {kind!r}; choose one of {', '.join(KINDS)}")
    if kind in ("scsynth", "scsynth-stream"):
        return _to_scsynth(take, target, kind, opts)
    if kind == "stream":
        return _stream(take, target, opts)
    address, args, types = _message_for(take, kind, opts)
    with open_connection(target, timeout=opts.timeout) as conn:
        conn.send(target.address, address, args, types)
    return {"kind": kind, "target": str(target), "address": address, "path": str(take.path)}


def _message_for(take: TakeInfo, kind: str, o: DeliveryOptions) -> tuple[str, list, str]:
    path = str(take.path)
    if kind == "notify":
        return take.notification()
    if kind == "reaper":
        return REAPER_INSERT, [path], "s"
    if kind == "bitwig":
        if o.track is not None and o.slot is not None:
            return f"/track/{o.track}/clip/{o.slot}/insertFile", [path], "s"
        return "/clip/insertFile", [path], "s"
    # ableton
    return "/live/track/create_audio_clip", [o.track or 0, path, o.position_beats], "isf"


def _stream(take: TakeInfo, target: OscTarget, o: DeliveryOptions) -> dict[str, tp.Any]:
    from engine.osc.pcm import read_take_pcm
    from engine.osc.stream_send import LOOPBACK_CHUNK_FRAMES, NETWORK_CHUNK_FRAMES, StreamSender

    pcm, rate, channels = read_take_pcm(take.path)
    local = target.host in ("127.0.0.1", "localhost", "::1")
    chunk = LOOPBACK_CHUNK_FRAMES if local or target.protocol == "tcp" else NETWORK_CHUNK_FRAMES
    with open_connection(target, timeout=o.timeout) as conn:
        sender = StreamSender(conn, target.address, chunk_frames=chunk, timeout=o.timeout,
                              describe_target=str(target))
        stats = sender.send(pcm, sample_rate=rate, channels=channels,
                            stream_id=_stream_id(take))
    return {"kind": "stream", "target": str(target), "stream_id": stats.stream_id,
            "chunks": stats.chunks, "resent": stats.resent, "seconds": round(stats.seconds, 3),
            "sha256": stats.sha256}


def _stream_id(take: TakeInfo) -> str:
    import re
    import uuid

    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", take.take_id)[:48]
    return f"{safe}-{uuid.uuid4().hex[:8]}" if safe else uuid.uuid4().hex


def _to_scsynth(take: TakeInfo, target: OscTarget, kind: str,
                o: DeliveryOptions) -> dict[str, tp.Any]:
    from engine.osc.scsynth import Scsynth

    if target.protocol != "udp":
        raise DeliveryError("scsynth delivery uses UDP (osc.udp://HOST:PORT)")
    with Scsynth(target.host, target.port, timeout=o.timeout) as server:
        if kind == "scsynth":
            info = server.load_file(o.bufnum, take.path)
        else:
            audio, rate = sf.read(str(take.path), dtype="float32", always_2d=True)
            info = server.stream(o.bufnum, audio, rate)
    return {"kind": kind, "target": str(target), "bufnum": info.bufnum, "frames": info.frames,
            "channels": info.channels, "sample_rate": info.sample_rate}
