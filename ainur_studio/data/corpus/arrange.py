"""Per-render choices: tempo, instruments, bass, accompaniment, drums, pan and effects.

Every choice is drawn from a `random.Random` the caller seeds per piece and render, so a build
is reproducible piece by piece whatever its order or limit.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass, field, replace

from ainur_studio.data.corpus import accompany, instruments
from ainur_studio.data.corpus.harmony import harmonise
from ainur_studio.data.corpus.score_data import Note, Part, ScoreData, bar_length, beat_length

# Seconds per typical (median) note value, by collection kind (this sets the tempo).
NOTE_SECONDS = {"sacred": (0.5, 0.8), "vocal": (0.35, 0.6), "song": (0.25, 0.45),
                "dance": (0.15, 0.24), "chamber": (0.18, 0.38)}
BPM_RANGE = (40, 220)
REVERB_SEND = {"sacred": (70, 115), "vocal": (55, 100), "chamber": (40, 85),
               "song": (35, 80), "dance": (20, 60)}
DRUM_PROBABILITY = {"dance": 0.6, "song": 0.25}


@dataclass
class Track:
    name: str                 # caption name, or "drums"
    notes: list[Note]
    program: int = 0
    is_drum: bool = False
    pan: float = 0.0          # -1 (left) .. 1 (right)
    volume: int = 100         # CC7
    reverb: int = 40          # CC91
    chorus: int = 0           # CC93
    role: str = "part"        # part | lead | chords | bass | double | drums


@dataclass
class Arrangement:
    tracks: list[Track]
    bpm: int                  # quarter notes per minute
    ensemble: str             # how the instruments were chosen
    synth: dict[str, float] = field(default_factory=dict)  # fluidsynth reverb settings

    @property
    def instruments(self) -> list[str]:
        """Caption names, melody first, each once."""
        names = [t.name for t in self.tracks]
        return list(dict.fromkeys(names))

    @property
    def has_drums(self) -> bool:
        return any(t.is_drum for t in self.tracks)

    def truncated(self, end: float) -> Arrangement:
        """A copy without the notes starting at or after `end` (ql): a long movement is
        rendered only as far as its clips reach."""
        tracks = [replace(t, notes=[n for n in t.notes if n.start < end - 1e-6])
                  for t in self.tracks]
        return replace(self, tracks=tracks)


def choose_bpm(data: ScoreData, kind: str, rng: random.Random) -> int:
    """Quarter-note tempo putting the piece's typical (median) note value at a plausible
    speed for its kind. The median is robust where a few runs of short notes would make the
    most common value misleading."""
    lengths = [n.duration for p in data.parts for n in p.notes]
    common = statistics.median(lengths) if lengths else 1.0
    low, high = NOTE_SECONDS.get(kind, NOTE_SECONDS["chamber"])
    bpm = 60.0 * common / rng.uniform(low, high)
    return int(min(max(round(bpm), BPM_RANGE[0]), BPM_RANGE[1]))


def arrange(data: ScoreData, kind: str, rng: random.Random) -> Arrangement:
    """Choose everything a render needs (see the module docstring)."""
    bpm = choose_bpm(data, kind, rng)
    if data.is_monophonic:
        tracks, ensemble = _folk_band(data, kind, rng)
    else:
        tracks, ensemble = _ensemble(data, kind, rng)
    _place_and_mix(tracks, kind, rng)
    synth = {"room-size": round(rng.uniform(0.3, 0.9 if kind == "sacred" else 0.7), 2),
             "damp": round(rng.uniform(0.2, 0.6), 2), "width": round(rng.uniform(0.5, 1.0), 2),
             "level": round(rng.uniform(0.6, 0.9), 2)}
    return Arrangement(tracks=tracks, bpm=bpm, ensemble=ensemble, synth=synth)


def _ensemble(data: ScoreData, kind: str, rng: random.Random) -> tuple[list[Track], str]:
    parts = sorted(data.parts, key=lambda p: -p.mean_pitch)
    weights = instruments.POLYPHONIC_ENSEMBLES.get(kind, instruments.POLYPHONIC_ENSEMBLES["chamber"])
    choice = rng.choices(list(weights), weights=list(weights.values()))[0]
    n = len(parts)
    if choice == "solo":
        names = [rng.choice(instruments.SOLO_KEYBOARDS)] * n
    elif choice == "uniform":
        names = [rng.choice(instruments.UNIFORM)] * n
    elif choice == "family":
        family = rng.choice(sorted(instruments.FAMILIES))
        names = instruments.by_register(instruments.FAMILIES[family], n)
    elif choice == "lead and pad":
        names = [rng.choice(instruments.LEADS)] + [rng.choice(instruments.PADS)] * (n - 1)
    else:
        return _doubled(parts, rng), choice
    tracks = [_track(name, p.notes) for name, p in zip(names, parts)]
    if choice != "uniform" and rng.random() < 0.3 and parts[-1].mean_pitch >= 45:
        bass = rng.choice(["contrabass", "acoustic bass"])
        tracks.append(_track(bass, _transpose(parts[-1].notes, -12), role="bass"))
    return tracks, choice


def _doubled(parts: list[Part], rng: random.Random) -> list[Track]:
    main, double = rng.choice(instruments.DOUBLINGS)
    if main == "woodwinds":
        names = instruments.by_register(instruments.FAMILIES["woodwinds"], len(parts))
    else:
        names = [main] * len(parts)
    tracks = [_track(name, p.notes) for name, p in zip(names, parts)]
    tracks += [_track(double, p.notes, role="double") for p in parts]
    return tracks


def _folk_band(data: ScoreData, kind: str, rng: random.Random) -> tuple[list[Track], str]:
    melody = data.parts[0].notes
    lead = rng.choice(instruments.FOLK_LEADS)
    shift = instruments.fit_range([n.pitch for n in melody], lead)
    tracks = [_track(lead, _transpose(melody, shift), role="lead")]
    chords = harmonise(_transpose(melody, shift), data.bars, data.key,
                       bar_length(data.time_signature))
    beat = beat_length(data.time_signature)
    comp_name = rng.choice([c for c in instruments.FOLK_COMPS if c != lead])
    pattern = "pad" if comp_name in instruments.SUSTAINED else rng.choice(["strum", "arpeggio"])
    tracks.append(_track(comp_name, accompany.comp(chords, beat, pattern), role="chords"))
    if rng.random() < 0.8:
        bass = rng.choice(instruments.BASSES)
        tracks.append(_track(bass, accompany.bass_line(chords, beat, walking=kind == "dance"),
                             role="bass"))
    if rng.random() < DRUM_PROBABILITY.get(kind, 0.0):
        drums = accompany.drum_pattern(data.bars, data.time_signature, rng)
        tracks.append(Track("drums", drums, is_drum=True, role="drums"))
    return tracks, f"melody with {pattern} accompaniment"


def _track(name: str, notes: list[Note], *, role: str = "part") -> Track:
    return Track(name=name, notes=notes, program=instruments.PROGRAMS[name], role=role)


def _transpose(notes: list[Note], semitones: int) -> list[Note]:
    return [replace(n, pitch=min(127, max(0, n.pitch + semitones))) for n in notes]


def _place_and_mix(tracks: list[Track], kind: str, rng: random.Random) -> None:
    """Pan the parts across the stereo field; set volume, reverb and chorus sends."""
    parts = [t for t in tracks if t.role == "part"]
    width = rng.uniform(0.3, 0.8)
    flip = rng.choice([-1.0, 1.0])
    for i, track in enumerate(parts):
        spread = 0.0 if len(parts) < 2 else 2 * i / (len(parts) - 1) - 1
        track.pan = flip * width * spread + rng.uniform(-0.05, 0.05)
    side = rng.choice([-1.0, 1.0])
    low, high = REVERB_SEND.get(kind, REVERB_SEND["chamber"])
    for track in tracks:
        if track.role == "double":
            track.pan = -side * rng.uniform(0.2, 0.5)
        elif track.role == "lead":
            track.pan = rng.uniform(-0.1, 0.1)
        elif track.role == "chords":
            track.pan = side * rng.uniform(0.2, 0.5)
        track.volume = {"double": rng.randint(55, 72), "chords": rng.randint(72, 90),
                        "bass": rng.randint(82, 98), "drums": rng.randint(68, 88)
                        }.get(track.role, rng.randint(92, 110))
        track.reverb = rng.randint(low, high) if not track.is_drum else rng.randint(10, 40)
        sustained = track.name in instruments.SUSTAINED
        track.chorus = rng.randint(10, 50) if sustained else rng.randint(0, 25)
