"""The plain record an arranged song is: timing, key, sections, chords, parts per stem role.

Times are in quarter notes ("beats" in MIDI's sense) from the start of the song; ``seconds``
converts them at the song's constant tempo.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ainur_studio.data.corpus.genres.theory import Chord, Key
from ainur_studio.data.corpus.score_data import bar_length, beat_length
from ainur_studio.structure import MELODIC_ROLES, PITCHED_ROLES, STEM_ROLES  # noqa: F401 (re-exported)

DRUM_CHANNEL = 9  # General MIDI percussion, channel 10


def is_strong(start: float, metre: str) -> bool:
    """Whether a note at `start` (quarter notes) falls on a strong beat: the downbeat, and
    the middle of the bar in metres of four beats."""
    bar = bar_length(metre)
    pos = start % bar
    strong = (0.0, bar / 2) if round(bar / beat_length(metre)) % 2 == 0 else (0.0,)
    return any(abs(pos - s) < 1e-6 for s in strong)


@dataclass(frozen=True)
class Note:
    start: float       # quarter notes
    duration: float    # quarter notes
    pitch: int         # MIDI note number (a GM drum key on the drum channel)
    velocity: int = 90


@dataclass(frozen=True)
class Slot:
    """Where a lyric syllable will go: one per note of a melody line."""

    phrase: int        # line number within the song
    index: int         # syllable number within the line
    stressed: bool     # on a strong beat
    text: str = ""     # filled in when lyrics are written


@dataclass
class Part:
    role: str          # one of STEM_ROLES
    instrument: str
    program: int       # General MIDI program, 0-127 (ignored on the drum channel)
    notes: list[Note] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)   # melody lines only, one per note

    def __post_init__(self) -> None:
        if self.role not in STEM_ROLES:
            raise ValueError(f"unknown stem role {self.role!r}; use one of {STEM_ROLES}")

    @property
    def is_drum(self) -> bool:
        return self.role == "drums"


@dataclass(frozen=True)
class Section:
    name: str          # intro | verse | chorus | bridge | outro
    start_bar: int
    bars: int

    @property
    def end_bar(self) -> int:
        return self.start_bar + self.bars


@dataclass
class Song:
    genre: str
    sub_style: str
    seed: int
    bpm: int
    metre: str                         # "4/4", "3/4"
    key: Key
    swing: float                       # share of a swung pair taken by its first note (0.5 straight)
    sections: list[Section]
    chords: list[Chord]                # one per bar
    parts: list[Part] = field(default_factory=list)

    @property
    def bars(self) -> int:
        return len(self.chords)

    @property
    def bar_ql(self) -> float:
        return bar_length(self.metre)

    @property
    def beat_ql(self) -> float:
        return beat_length(self.metre)

    @property
    def length(self) -> float:
        return self.bars * self.bar_ql

    def seconds(self, ql: float) -> float:
        return ql * 60.0 / self.bpm

    def bar_times(self) -> list[float]:
        """Start of every bar in seconds."""
        return [self.seconds(i * self.bar_ql) for i in range(self.bars)]

    def beat_times(self) -> list[float]:
        """Start of every beat in seconds (the metre's beat: a quarter in 4/4 and 3/4)."""
        count = round(self.length / self.beat_ql)
        return [self.seconds(i * self.beat_ql) for i in range(count)]

    def parts_of(self, role: str) -> list[Part]:
        return [p for p in self.parts if p.role == role]

    def instruments(self) -> dict[str, list[str]]:
        """Instruments per stem role; an empty list is a silent stem."""
        return {role: [p.instrument for p in self.parts_of(role)] for role in STEM_ROLES}

    def labels(self) -> dict:
        """The song's labels as plain JSON-ready values."""
        return {
            "genre": self.genre, "sub_style": self.sub_style, "seed": self.seed,
            "bpm": self.bpm, "metre": self.metre, "key": self.key.name, "swing": self.swing,
            "chords": [c.symbol for c in self.chords],
            "bar_times": self.bar_times(), "beat_times": self.beat_times(),
            "sections": [{"name": s.name, "start_bar": s.start_bar, "bars": s.bars,
                          "start": self.seconds(s.start_bar * self.bar_ql)}
                         for s in self.sections],
            "instruments": self.instruments(),
        }
