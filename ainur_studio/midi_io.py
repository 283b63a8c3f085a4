"""Standard MIDI Files <-> the notes of a part (`NoteEvent`s in seconds), with ``mido``.

Reading follows the file's tempo map, so a clip dragged from a DAW lands where it played;
writing uses one tempo and metre (the take's grid). Torch-free: the app imports it for its
MIDI import dialog, the engine for the MIDI of a take.
"""

from __future__ import annotations

import io
import typing as tp
from dataclasses import dataclass
from pathlib import Path

from ainur_studio.fileio import atomic_write_bytes
from ainur_studio.types import NoteEvent

TICKS_PER_QUARTER = 960
DRUM_CHANNEL = 9            # General MIDI percussion (channel 10)
MAX_MIDI_BYTES = 16 * 2**20


class MidiReadError(ValueError):
    """A file that is not a readable Standard MIDI File, or holds no notes where asked."""


@dataclass(frozen=True)
class MidiTrack:
    """One track of a file, as the import dialog lists it."""

    index: int
    name: str
    notes: int
    drums: bool              # plays on the GM percussion channel
    program: int | None      # first program change, if any


@dataclass(frozen=True)
class MidiClip:
    """What a file holds: its tracks, and the tempo and metre at its start."""

    path: str
    tracks: list[MidiTrack]
    bpm: float | None
    metre: str
    length_s: float


def _mido() -> tp.Any:
    import mido  # a base dependency; imported on use so that startup stays light

    return mido


def _load(path: str | Path) -> tp.Any:
    p = Path(path)
    if not p.is_file():
        raise MidiReadError(f"the MIDI file {str(p)!r} does not exist or is not a file")
    if p.stat().st_size > MAX_MIDI_BYTES:
        raise MidiReadError(f"the MIDI file {str(p)!r} is larger than "
                            f"{MAX_MIDI_BYTES // 2**20} MiB; export the clip alone")
    try:
        return _mido().MidiFile(file=io.BytesIO(p.read_bytes()))
    except (OSError, ValueError, EOFError, KeyError, IndexError) as exc:
        raise MidiReadError(f"{str(p)!r} is not a Standard MIDI File this app can read "
                            f"(.mid, format 0 or 1): {exc}") from exc


def _tempo_map(mid: tp.Any) -> list[tuple[int, int]]:
    """(absolute tick, microseconds per quarter) from every track's set_tempo events."""
    changes = [(0, 500_000)]
    for track in mid.tracks:
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type == "set_tempo":
                changes.append((tick, msg.tempo))
    changes.sort(key=lambda c: c[0])
    merged: list[tuple[int, int]] = []
    for tick, tempo in changes:
        if merged and merged[-1][0] == tick:
            merged[-1] = (tick, tempo)
        else:
            merged.append((tick, tempo))
    return merged


def _seconds(tick: int, tempo_map: list[tuple[int, int]], tpq: int) -> float:
    seconds, (last_tick, tempo) = 0.0, tempo_map[0]
    for at, new in tempo_map[1:]:
        if at >= tick:
            break
        seconds += (at - last_tick) * tempo / (tpq * 1e6)
        last_tick, tempo = at, new
    return seconds + (tick - last_tick) * tempo / (tpq * 1e6)


def _track_notes(track: tp.Any, tempo_map: list[tuple[int, int]], tpq: int
                 ) -> tuple[list[NoteEvent], bool, int | None]:
    notes: list[NoteEvent] = []
    open_: dict[tuple[int, int], list[tuple[int, int]]] = {}
    tick, drums, program = 0, False, None
    for msg in track:
        tick += msg.time
        if msg.type == "program_change" and program is None:
            program = msg.program
        if msg.type not in ("note_on", "note_off"):
            continue
        key = (msg.channel, msg.note)
        if msg.type == "note_on" and msg.velocity > 0:
            open_.setdefault(key, []).append((tick, msg.velocity))
            drums = drums or msg.channel == DRUM_CHANNEL
        elif open_.get(key):
            start, velocity = open_[key].pop(0)
            if tick > start:
                notes.append(NoteEvent(pitch=msg.note, start_s=_seconds(start, tempo_map, tpq),
                                       end_s=_seconds(tick, tempo_map, tpq), velocity=velocity))
    notes.sort(key=lambda n: (n.start_s, n.pitch))
    return notes, drums, program


def read_clip(path: str | Path) -> MidiClip:
    """List a file's tracks, tempo and metre (for the import dialog)."""
    mid = _load(path)
    tempo_map, tracks, end = _tempo_map(mid), [], 0.0
    metre = ""
    for i, track in enumerate(mid.tracks):
        notes, drums, program = _track_notes(track, tempo_map, mid.ticks_per_beat)
        name = next((m.name for m in track if m.type == "track_name"), "") or f"Track {i + 1}"
        if not metre:
            sig = next((m for m in track if m.type == "time_signature"), None)
            metre = f"{sig.numerator}/{sig.denominator}" if sig is not None else ""
        if notes:
            tracks.append(MidiTrack(i, name, len(notes), drums, program))
            end = max(end, max(n.end_s for n in notes))
    explicit = any(t > 0 or tempo != 500_000 for t, tempo in tempo_map) or any(
        m.type == "set_tempo" for tr in mid.tracks for m in tr)
    bpm = round(60e6 / tempo_map[0][1], 3) if explicit else None
    return MidiClip(str(path), tracks, bpm, metre or "4/4", end)


def read_notes(path: str | Path, *, track: int | None = None) -> list[NoteEvent]:
    """The notes of one track (`track` = its index in the file) or of all tracks merged,
    in seconds from the file's start. Raises `MidiReadError` if there are none."""
    mid = _load(path)
    tempo_map = _tempo_map(mid)
    if track is not None and not 0 <= track < len(mid.tracks):
        raise MidiReadError(f"{str(path)!r} has {len(mid.tracks)} track(s); there is no "
                            f"track {track}")
    chosen = mid.tracks if track is None else [mid.tracks[track]]
    notes = [n for tr in chosen for n in _track_notes(tr, tempo_map, mid.ticks_per_beat)[0]]
    if not notes:
        where = "" if track is None else f" in track {track}"
        raise MidiReadError(f"{str(path)!r} holds no notes{where}; choose a clip with notes")
    return sorted(notes, key=lambda n: (n.start_s, n.pitch))


def midi_bytes(notes: tp.Sequence[NoteEvent], *, bpm: float, metre: str = "4/4",
               name: str = "", program: int = 0, drums: bool = False) -> bytes:
    """A format-1 file: a conductor track (tempo, metre) and one track with `notes`."""
    mido = _mido()
    num, den = (int(x) for x in (metre or "4/4").split("/"))
    conductor = mido.MidiTrack([
        mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm), time=0),
        mido.MetaMessage("time_signature", numerator=num, denominator=den, time=0)])
    channel = DRUM_CHANNEL if drums else 0
    events: list[tuple[int, int, tp.Any]] = []
    for n in notes:
        on, off = _ticks(n.start_s, bpm), max(_ticks(n.end_s, bpm), _ticks(n.start_s, bpm) + 1)
        events.append((on, 1, mido.Message("note_on", channel=channel, note=n.pitch,
                                           velocity=n.velocity)))
        events.append((off, 0, mido.Message("note_off", channel=channel, note=n.pitch,
                                             velocity=0)))
    head = [mido.MetaMessage("track_name", name=name or "part", time=0)]
    if not drums:
        head.append(mido.Message("program_change", channel=channel, program=program, time=0))
    track, now = mido.MidiTrack(head), 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(msg.copy(time=tick - now))
        now = tick
    mid = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_QUARTER, tracks=[conductor, track])
    buffer = io.BytesIO()
    mid.save(file=buffer)
    return buffer.getvalue()


def write_notes(path: str | Path, notes: tp.Sequence[NoteEvent], *, bpm: float,
                metre: str = "4/4", name: str = "", program: int = 0,
                drums: bool = False) -> Path:
    """Write `notes` as a Standard MIDI File at `bpm` (atomic); returns the path."""
    data = midi_bytes(notes, bpm=bpm, metre=metre, name=name, program=program, drums=drums)
    atomic_write_bytes(Path(path), data)
    return Path(path)


def _ticks(seconds: float, bpm: float) -> int:
    return round(seconds * bpm / 60.0 * TICKS_PER_QUARTER)
