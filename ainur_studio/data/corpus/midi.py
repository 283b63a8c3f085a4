"""A small Standard MIDI File (format 1) writer for arrangements (pure, no dependencies)."""

from __future__ import annotations

import struct

from ainur_studio.data.corpus.arrange import Arrangement, Track
from ainur_studio.data.corpus.score_data import Note

TICKS_PER_QUARTER = 480
DRUM_CHANNEL = 9
TAIL_QL = 4.0  # silence after the last note so reverb and releases ring out


def _vlq(value: int) -> bytes:
    """Variable-length quantity."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def _chunk(events: list[tuple[int, int, bytes]], end_tick: int = 0) -> bytes:
    """Events (tick, order, data) -> an MTrk chunk with delta times and an end of track at
    `end_tick` or after the last event."""
    body, now = bytearray(), 0
    for tick, _, data in sorted(events, key=lambda e: (e[0], e[1])):
        body += _vlq(tick - now) + data
        now = tick
    body += _vlq(max(0, end_tick - now)) + b"\xff\x2f\x00"
    return b"MTrk" + struct.pack(">I", len(body)) + bytes(body)


def _ticks(ql: float) -> int:
    return int(round(ql * TICKS_PER_QUARTER))


def _untangle(notes: list[Note]) -> list[tuple[int, int, int, int]]:
    """(start, end, pitch, velocity) in ticks; a note is cut where the same pitch restarts."""
    events = sorted((_ticks(n.start), _ticks(n.start + n.duration), n.pitch, n.velocity)
                    for n in notes)
    last: dict[int, int] = {}
    for i, (start, _end, pitch, _vel) in enumerate(events):
        if pitch in last:
            j = last[pitch]
            s, e, p, v = events[j]
            events[j] = (s, min(e, start), p, v)
        last[pitch] = i
    return [e for e in events if e[1] > e[0]]


def _track_events(track: Track, channel: int) -> list[tuple[int, int, bytes]]:
    cc = [(7, track.volume), (10, round(64 + 63 * max(-1.0, min(1.0, track.pan)))),
          (91, track.reverb), (93, track.chorus)]
    events = [(0, 0, bytes([0xB0 | channel, num, max(0, min(127, val))])) for num, val in cc]
    if not track.is_drum:
        events.append((0, 1, bytes([0xC0 | channel, track.program])))
    for start, end, pitch, velocity in _untangle(track.notes):
        vel = max(1, min(127, velocity))
        events.append((start, 3, bytes([0x90 | channel, pitch, vel])))
        events.append((end, 2, bytes([0x80 | channel, pitch, 0])))
    return events


def channels_for(tracks: list[Track]) -> list[int]:
    """Drums on channel 10 (index 9); other tracks on 1-16 in order, reused past 15."""
    melodic = [c for c in range(16) if c != DRUM_CHANNEL]
    out, i = [], 0
    for track in tracks:
        if track.is_drum:
            out.append(DRUM_CHANNEL)
        else:
            out.append(melodic[i % len(melodic)])
            i += 1
    return out


def midi_bytes(arrangement: Arrangement, time_signature: str = "4/4") -> bytes:
    """The arrangement as a format-1 SMF at its constant tempo."""
    num, den = (int(x) for x in time_signature.split("/"))
    tempo = round(60_000_000 / arrangement.bpm)
    end = max((n.start + n.duration for t in arrangement.tracks for n in t.notes), default=0.0)
    conductor = [(0, 0, b"\xff\x51\x03" + tempo.to_bytes(3, "big")),
                 (0, 0, bytes([0xFF, 0x58, 4, num, max(0, den.bit_length() - 1), 24, 8]))]
    chunks = [_chunk(conductor, end_tick=_ticks(end + TAIL_QL))]
    for track, channel in zip(arrangement.tracks, channels_for(arrangement.tracks)):
        chunks.append(_chunk(_track_events(track, channel)))
    header = b"MThd" + struct.pack(">IHHH", 6, 1, len(chunks), TICKS_PER_QUARTER)
    return header + b"".join(chunks)
