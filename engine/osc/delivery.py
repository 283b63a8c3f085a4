"""Delivering a take to a DAW or receiver, one adapter per target kind.

| kind      | what is sent                                                               |
|-----------|----------------------------------------------------------------------------|
| notify    | `/ainur/take`, or one `/ainur/take/file` per file of a take sent as parts   |
|           | (addresses.py) — any OSC peer                                               |
| stream    | the PCM over `/ainur/stream/*` with acks (stream_send.py), one stream per   |
|           | file, the role in the header — our receiver                                 |
| scsynth   | `/b_allocRead bufnum path` per file, buffers `bufnum`, `bufnum+1`, ...      |
| scsynth-stream | `/b_alloc` + `/b_setn` per file — SuperCollider on another machine     |
| reaper    | `/ainur/insert s` — the shipped ReaScript (resources/daw/reaper)            |
| bitwig    | `/clip/insertFile s` or `/track/N/clip/M/insertFile s` — DrivenByMoss       |
| ableton   | `/live/track/create_audio_clip i s f` track, path, beat — AbletonOSC with   |
|           | Live 12's create_audio_clip exposed (docs/daw-bridge.md)                    |

The files are a take's stems and/or its mix (take_files.py); the DAW kinds' messages for
stems are planned in daw_messages.py.
"""

from __future__ import annotations

import typing as tp

from engine.osc import addresses as A
from engine.osc.daw_messages import Message, Plan, ableton_plan, bitwig_plan, reaper_plan
from engine.osc.delivery_options import DeliveryOptions
from engine.osc.take_files import DeliveryError, TakeFiles, TakeInfo
from engine.osc.transport import OscTarget, open_connection

__all__ = ["KINDS", "DeliveryError", "DeliveryOptions", "TakeFiles", "TakeInfo", "deliver",
           "notifications"]

KINDS = A.DELIVERY_KINDS


def deliver(take: TakeInfo | TakeFiles, target: OscTarget, kind: str,
            options: DeliveryOptions | None = None) -> dict[str, tp.Any]:
    """Send `take` to `target` the `kind` way; returns a summary (JSON-friendly)."""
    opts = options or DeliveryOptions()
    files = take if isinstance(take, TakeFiles) else TakeFiles.single(take)
    if kind not in KINDS:
        raise DeliveryError(f"unknown delivery kind {kind!r}; choose one of {', '.join(KINDS)}")
    summary = {"kind": kind, "target": str(target), "take": files.take_id,
               "files": files.paths()}
    if len(files.files) == 1:
        summary["path"] = str(files.files[0].path)
    if kind in ("scsynth", "scsynth-stream"):
        from engine.osc.delivery_scsynth import to_scsynth

        return {**summary, **to_scsynth(files, target, kind, opts)}
    if kind == "stream":
        from engine.osc.delivery_stream import stream_take

        return {**summary, **stream_take(files, target, opts)}
    plan = _plan(files, kind, opts)
    _send_all(target, plan.messages, opts)
    return {**summary, **_plan_summary(plan)}


def notifications(take: TakeFiles, roles: tp.Iterable[str] | None = None) -> list[Message]:
    """`/ainur/take` for a single-file take; `/ainur/take/file` per file of a take sent as
    parts (only those of `roles` when given; index and count still count every file)."""
    if not take.as_parts:
        f = take.files[0]
        return [(A.TAKE, [str(f.path), take.take_id, f.sample_rate, f.channels, f.frames,
                          f.bpm, f.bars, f.prompt], A.TAKE_TYPES)]
    wanted = None if roles is None else set(roles)
    n = len(take.files)
    return [(A.TAKE_FILE, [str(f.path), take.take_id, f.sample_rate, f.channels, f.frames,
                           f.bpm, f.bars, f.prompt, f.role, i, n], A.TAKE_FILE_TYPES)
            for i, f in enumerate(take.files) if wanted is None or f.role in wanted]


def _plan(take: TakeFiles, kind: str, o: DeliveryOptions) -> Plan:
    if kind == "notify":
        return Plan(notifications(take), [f.role for f in take.files])
    if kind == "reaper":
        return reaper_plan(take)
    if kind == "bitwig":
        plan = bitwig_plan(take, track=o.track, slot=o.slot, bank=o.bank)
        plan.messages += notifications(take, plan.left) if plan.left else []
        return plan
    return ableton_plan(take, track=o.track, position=o.position_beats)


def _send_all(target: OscTarget, messages: list[Message], o: DeliveryOptions) -> None:
    with open_connection(target, timeout=o.timeout) as conn:
        for address, args, types in messages:
            conn.send(target.address, address, args, types)


def _plan_summary(plan: Plan) -> dict[str, tp.Any]:
    out: dict[str, tp.Any] = {"address": plan.messages[0][0], "messages": len(plan.messages),
                              "placed": plan.placed}
    if plan.left:
        out["left_on_disk"] = plan.left
    if plan.note:
        out["note"] = plan.note
    return out
