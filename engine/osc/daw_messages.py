"""The OSC messages that place a take in a DAW, one planner per DAW; no sockets here.

A single-file take goes where it always went. A take's stems go on consecutive tracks, aligned:

| DAW     | stems                                                                           |
|---------|---------------------------------------------------------------------------------|
| reaper  | one `/ainur/insert` per file, `ainur:<batch>:<i>/<n>:<role>:<path>`; the script |
|         | (resources/daw/reaper) collects the n files, then puts each on a new track      |
|         | "Ainur <role>" at the edit cursor, in one undo step                             |
| bitwig  | `/track/<t+i>/clip/<slot>/insertFile` (DrivenByMoss) for the tracks of its bank |
|         | (8 unless its Bank Page Size says otherwise); stems past the bank stay files     |
| ableton | per stem `/live/song/create_audio_track`, `/live/track/set/name` (upstream      |
|         | AbletonOSC) and `/live/track/create_audio_clip` (needs the patch, see           |
|         | resources/daw/ableton/README.md) on new tracks from index `track` (default 0)   |
"""

from __future__ import annotations

import typing as tp
import uuid
from dataclasses import dataclass, field

from engine.osc.take_files import TakeFiles

Message = tuple[str, list[tp.Any], str]  # address, arguments, type tags

REAPER_INSERT = "/ainur/insert"
REAPER_PREFIX = "ainur:"
BITWIG_BANK = 8
TRACK_PREFIX = "Ainur "


@dataclass
class Plan:
    """What to send, which roles it places, which stay files on disk, and why."""

    messages: list[Message]
    placed: list[str]
    left: list[str] = field(default_factory=list)
    note: str = ""


def reaper_plan(take: TakeFiles, *, batch: str | None = None) -> Plan:
    """`/ainur/insert` messages for the shipped ReaScript."""
    if not take.as_parts:
        return Plan([(REAPER_INSERT, [str(take.files[0].path)], "s")], [take.files[0].role])
    batch = batch or uuid.uuid4().hex[:8]
    n = len(take.files)
    messages = [(REAPER_INSERT, [f"{REAPER_PREFIX}{batch}:{i}/{n}:{f.role}:{f.path}"], "s")
                for i, f in enumerate(take.files, start=1)]
    return Plan(messages, [f.role for f in take.files])


def bitwig_plan(take: TakeFiles, *, track: int | None, slot: int | None,
                bank: int = BITWIG_BANK) -> Plan:
    """DrivenByMoss `insertFile` into clip slots (it replaces a clip already there)."""
    first = take.files[0]
    if not take.as_parts:
        if track is not None and slot is not None:
            return Plan([(f"/track/{track}/clip/{slot}/insertFile", [str(first.path)], "s")],
                        [first.role])
        return Plan([("/clip/insertFile", [str(first.path)], "s")], [first.role])
    start, slot = track or 1, slot or 1
    messages, placed, left = [], [], []
    for i, f in enumerate(take.files):
        if start + i > bank:
            left.append(f.role)
            continue
        messages.append((f"/track/{start + i}/clip/{slot}/insertFile", [str(f.path)], "s"))
        placed.append(f.role)
    note = (f"DrivenByMoss reaches only the {bank} tracks of its bank: "
            f"{', '.join(left)} stayed as files on disk; choose a lower first track or raise "
            "its Bank Page Size" if left else "")
    return Plan(messages, placed, left, note)


def ableton_plan(take: TakeFiles, *, track: int | None, position: float) -> Plan:
    """AbletonOSC: new named audio tracks from index `track`, one clip each at `position`."""
    first = take.files[0]
    if not take.as_parts:
        return Plan([("/live/track/create_audio_clip", [track or 0, str(first.path), position],
                      "isf")], [first.role])
    start = track or 0
    messages: list[Message] = []
    for i, f in enumerate(take.files):
        index = start + i
        messages += [("/live/song/create_audio_track", [index], "i"),
                     ("/live/track/set/name", [index, TRACK_PREFIX + f.role], "is"),
                     ("/live/track/create_audio_clip", [index, str(f.path), position], "isf")]
    note = ("Live places the files only with AbletonOSC's create_audio_clip exposed "
            "(resources/daw/ableton/README.md); without it the new tracks stay empty and the "
            "files are on disk")
    return Plan(messages, [f.role for f in take.files], note=note)
