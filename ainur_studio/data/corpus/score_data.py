"""Plain records a score is reduced to before arranging: notes, bars, lyrics (no music21).

All times are in quarter lengths (ql) from the start of the piece; `seconds` converts them
at the constant tempo a render uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Note:
    start: float       # ql
    duration: float    # ql
    pitch: int         # MIDI note number
    velocity: int = 80


@dataclass
class Part:
    name: str
    notes: list[Note] = field(default_factory=list)

    @property
    def mean_pitch(self) -> float:
        return sum(n.pitch for n in self.notes) / len(self.notes) if self.notes else 60.0


@dataclass(frozen=True)
class Bar:
    start: float       # ql
    duration: float    # ql; a pickup bar is shorter than the time signature says


@dataclass(frozen=True)
class Syllable:
    """One note of the lyric-carrying part; `text` is empty for a note without a syllable."""

    start: float
    duration: float
    text: str = ""
    syllabic: str = ""     # music21 / MusicXML: single | begin | middle | end | "" (unknown)
    fermata: bool = False


@dataclass
class ScoreData:
    """What the arranger and the lyric aligner need from a score."""

    parts: list[Part]
    bars: list[Bar]
    time_signature: str = "4/4"
    key: str = "C major"              # "F# minor", flats as "b"
    syllables: list[Syllable] = field(default_factory=list)
    title: str = ""
    composer: str = ""

    @property
    def length(self) -> float:
        """End of the last note or bar, in ql."""
        ends = [n.start + n.duration for p in self.parts for n in p.notes]
        ends += [b.start + b.duration for b in self.bars]
        return max(ends, default=0.0)

    @property
    def is_monophonic(self) -> bool:
        """One part and never two notes at once (folk tunes): it gets an accompaniment."""
        if len(self.parts) != 1:
            return False
        starts = [n.start for n in self.parts[0].notes]
        return len(starts) == len(set(starts))

    @property
    def has_lyrics(self) -> bool:
        return any(s.text for s in self.syllables)


def seconds(ql: float, bpm: float) -> float:
    """Quarter lengths -> seconds at `bpm` quarter notes per minute."""
    return ql * 60.0 / bpm


def beat_length(time_signature: str) -> float:
    """The beat in ql: dotted quarter in compound metres (6/8, 9/8, 12/8), else 4/denominator."""
    num, den = (int(x) for x in time_signature.split("/"))
    if den == 8 and num % 3 == 0 and num > 3:
        return 1.5
    return 4.0 / den


def bar_length(time_signature: str) -> float:
    """A full bar in ql."""
    num, den = (int(x) for x in time_signature.split("/"))
    return num * 4.0 / den
