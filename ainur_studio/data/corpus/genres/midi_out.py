"""Standard MIDI Files of a song: one per stem role and one for the mix (with ``mido``).

Every file is format 1 with a conductor track (tempo, metre, key signature, a marker per
section, a text event per bar naming its chord) and one track per part; drums play on the
General MIDI percussion channel. Nothing time-dependent is written, so the bytes depend on
the song alone.
"""

from __future__ import annotations

import importlib
import io
from pathlib import Path

from ainur_studio.data.corpus.deps import MissingDependency
from ainur_studio.data.corpus.genres.song import DRUM_CHANNEL, STEM_ROLES, Note, Part, Song

TICKS_PER_QUARTER = 480


def import_mido():
    """mido, imported lazily (a build-time dependency, in the ``corpus`` extra)."""
    try:
        return importlib.import_module("mido")
    except ImportError as exc:
        raise MissingDependency("writing genre MIDI needs mido: pip install mido "
                                "(or pip install -e '.[corpus]')") from exc


def ticks(ql: float) -> int:
    return int(round(ql * TICKS_PER_QUARTER))


def _track(events: list[tuple[int, int, object]], mido) -> object:
    """Absolute-tick (tick, order, message) events -> a track with delta times."""
    track, now = mido.MidiTrack(), 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(msg.copy(time=tick - now))
        now = tick
    return track


def _key_signature(song: Song) -> str:
    name = song.key.note_name(song.key.tonic)
    return name + ("m" if song.key.mode == "minor" else "")


def conductor(song: Song, mido) -> object:
    num, den = (int(x) for x in song.metre.split("/"))
    meta = mido.MetaMessage
    events = [(0, 0, meta("track_name", name=f"{song.genre} ({song.sub_style})")),
              (0, 1, meta("set_tempo", tempo=mido.bpm2tempo(song.bpm))),
              (0, 2, meta("time_signature", numerator=num, denominator=den)),
              (0, 3, meta("key_signature", key=_key_signature(song)))]
    events += [(ticks(s.start_bar * song.bar_ql), 4, meta("marker", text=s.name))
               for s in song.sections]
    events += [(ticks(b * song.bar_ql), 5, meta("text", text=f"chord {c.symbol}"))
               for b, c in enumerate(song.chords)]
    events.append((ticks(song.length), 9, meta("end_of_track")))
    return _track(events, mido)


def _untangle(notes: list[Note]) -> list[tuple[int, int, int, int]]:
    """(start, end, pitch, velocity) in ticks; a note is cut where the same pitch restarts."""
    events = sorted((ticks(n.start), ticks(n.start + n.duration), n.pitch, n.velocity)
                    for n in notes)
    last: dict[int, int] = {}
    for i, (start, _end, pitch, _vel) in enumerate(events):
        if pitch in last:
            s, e, p, v = events[last[pitch]]
            events[last[pitch]] = (s, min(e, start), p, v)
        last[pitch] = i
    return [e for e in events if e[1] > e[0]]


def part_track(part: Part, channel: int, mido) -> object:
    msg = mido.Message
    events = [(0, 0, mido.MetaMessage("track_name", name=part.instrument))]
    if not part.is_drum:
        events.append((0, 1, msg("program_change", channel=channel, program=part.program)))
    for start, end, pitch, velocity in _untangle(part.notes):
        events.append((start, 3, msg("note_on", channel=channel, note=pitch,
                                     velocity=max(1, min(127, velocity)))))
        events.append((end, 2, msg("note_off", channel=channel, note=pitch, velocity=0)))
    return _track(events, mido)


def channels(song: Song) -> list[int]:
    """Drums on channel 10 (index 9); the other parts on 1-16 in order, skipping it."""
    melodic = iter(c for c in range(16) if c != DRUM_CHANNEL)
    return [DRUM_CHANNEL if p.is_drum else next(melodic) for p in song.parts]


def midi_bytes(song: Song, role: str | None = None) -> bytes:
    """The song (`role` None) or one stem as a format-1 SMF."""
    if role is not None and role not in STEM_ROLES:
        raise ValueError(f"unknown stem role {role!r}; use one of {STEM_ROLES}")
    mido = import_mido()
    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_QUARTER)
    midi.tracks.append(conductor(song, mido))
    for part, channel in zip(song.parts, channels(song)):
        if role is None or part.role == role:
            midi.tracks.append(part_track(part, channel, mido))
    out = io.BytesIO()
    midi.save(file=out)
    return out.getvalue()


def stem_midis(song: Song) -> dict[str, bytes]:
    """One SMF per stem role (a silent stem has the conductor track only) and ``mix``."""
    files = {role: midi_bytes(song, role) for role in STEM_ROLES}
    files["mix"] = midi_bytes(song)
    return files


def write_midis(song: Song, folder: str | Path) -> dict[str, Path]:
    """``<folder>/<role>.mid`` for every stem role and ``<folder>/mix.mid``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, data in stem_midis(song).items():
        paths[name] = folder / f"{name}.mid"
        paths[name].write_bytes(data)
    return paths
