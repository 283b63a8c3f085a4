"""Lead melodies: two-bar motifs that repeat and answer, on chord tones at strong beats,
moving mostly by step inside a singable range, with a lyric-syllable slot per note.

A section's phrases follow a plan such as ``AaBa``: ``A`` states a motif, ``a`` answers it
(same opening bar, a cadence bar ending on the chord's root or third), ``B`` contrasts.
Sections of the same kind reuse their motifs, so the second chorus sings the first's hook.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ainur_studio.data.corpus.genres import steps
from ainur_studio.data.corpus.genres.song import Note, Section, Slot, is_strong
from ainur_studio.data.corpus.genres.theory import Chord, Key, chord_scale, nearest, pitches_of

# feel -> steps per bar -> (phrase cells, cadence cells)
CELLS: dict[str, dict[int, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "pop": {16: (("x-x-x-x-x---x-x-", "x---x-x-x-------", "..x-x-x-x---x---",
                  "x-x-x---x-x-x---", "x---x---x-x-x-x-"),
                 ("x---x-----------", "x-x-x-----------", "x-------x-------"))},
    "syncopated": {16: (("x--x--x-..x-x---", "..x--x--x-x-x---", "x-.x-.x-x---x-..",
                         "x-x--x--x---..x-"),
                        ("x--x--x---------", "x-x--x----------"))},
    "sparse": {16: (("x-------x-------", "x-----------x---", "x---x-------x---"),
                    ("x---------------", "x-----------....")),
               12: (("x-------x---", "x-----------", "x---x-------"),
                    ("x-----------", "x-------...."))},
    "swing": {16: (("x-x-x-x-x-x-x---", "..x-x-x-x---x-x-", "x-x-x---x-x-x-x-"),
                   ("x-x-x-----------", "x---x-x-x-------"))},
    "riff": {16: (("x-x-x-x-x-x-x-x-", "x..x..x...x..x..", "x-x-..x-x-x-..x-"),
                  ("x-x-x-x-x-------", "x..x..x---------"))},
    "folk": {16: (("x---x-x-x---x---", "x-x-x---x---x---", "x---x---x-x-x-x-"),
                  ("x---x---x-------", "x-------x-------")),
             12: (("x---x-x-x---", "x-------x-x-", "x---x---x---", "x-x-x-x-x---"),
                  ("x-----------", "x---x-------"))},
}
PLANS = {1: ("A",), 2: ("Aa",), 3: ("AaA",), 4: ("AaBa", "AaAb", "ABAa")}
_MOVES = (0, 1, 1, 1, 1, 1, 2)  # scale steps; 2 is a third
LEAP_CHANCE = 0.06


@dataclass(frozen=True)
class Motif:
    rhythm: tuple[tuple[float, float], ...]   # (start, duration) in ql from the phrase start
    moves: tuple[int, ...]                    # scale steps from the previous note
    cadence: bool


def cells_for(feel: str, size: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if size not in CELLS.get(feel, {}):
        raise ValueError(f"melody feel {feel!r} has no rhythms for {size}-step bars; "
                         f"add them to melody.CELLS")
    return CELLS[feel][size]


def contour(count: int, rng: random.Random) -> tuple[int, ...]:
    """Scale-step moves in an arch (up, then down): mostly steps, a rare leap that the next
    move answers by a step the other way."""
    moves: list[int] = []
    for i in range(count):
        direction = 1 if i < count / 2 else -1
        if rng.random() < 0.3:
            direction = -direction
        if moves and abs(moves[-1]) >= 3:
            moves.append(-1 if moves[-1] > 0 else 1)
        elif rng.random() < LEAP_CHANCE:
            moves.append(direction * rng.choice((3, 4)))
        else:
            moves.append(direction * rng.choice(_MOVES))
    return tuple(moves)


def rhythm_of(cells: list[str], bar_ql: float) -> tuple[tuple[float, float], ...]:
    return tuple((b * bar_ql + h.start, h.duration)
                 for b, cell in enumerate(cells) for h in steps.parse(cell))


def new_motif(feel: str, size: int, bar_ql: float, rng: random.Random) -> Motif:
    cells, _ = cells_for(feel, size)
    rhythm = rhythm_of([rng.choice(cells), rng.choice(cells)], bar_ql)
    return Motif(rhythm, contour(len(rhythm), rng), cadence=False)


def answer(motif: Motif, feel: str, size: int, bar_ql: float, rng: random.Random) -> Motif:
    """The motif's first bar again, then a cadence bar."""
    _, cadences = cells_for(feel, size)
    opening = tuple(r for r in motif.rhythm if r[0] < bar_ql)
    closing = rhythm_of([rng.choice(cadences)], bar_ql)
    closing = tuple((bar_ql + s, d) for s, d in closing)
    moves = motif.moves[:len(opening)] + contour(len(closing), rng)
    return Motif(opening + closing, moves, cadence=True)


@dataclass(frozen=True)
class Frame:
    """What a melody is written over: key, chords per bar, metre, register."""

    key: Key
    chords: list[Chord]
    metre: str
    bar_ql: float
    low: int
    high: int


def step(pitch: int, move: int, scale: list[int]) -> int:
    """`move` scale steps from `pitch`, turned back at the ends of the range."""
    here = min(range(len(scale)), key=lambda i: (abs(scale[i] - pitch), i))
    there = here + move if 0 <= here + move < len(scale) else here - move
    return scale[max(0, min(len(scale) - 1, there))]


def closest(pcs, target: int, previous: int | None, frame: Frame) -> int:
    """The pitch of `pcs` in range nearest `target`, preferring those a step (at most two
    semitones) from the previous note."""
    options = pitches_of(pcs, frame.low, frame.high)
    prev = target if previous is None else previous
    return min(options, key=lambda p: (abs(p - prev) > 2, abs(p - target), abs(p - prev), p))


def realise(motif: Motif, start: float, frame: Frame, previous: int | None,
            centre: int, rng: random.Random) -> list[Note]:
    """The motif's notes from `start` (ql), following on from the `previous` pitch."""
    notes, pitch = [], previous
    for n, ((t, duration), move) in enumerate(zip(motif.rhythm, motif.moves)):
        at = start + t
        chord = frame.chords[int(at // frame.bar_ql + 1e-9)]
        if pitch is None:
            target = nearest(chord.core, centre, frame.low, frame.high)
        else:
            if (pitch - centre) * move > 5 * abs(move):   # drifting away from the centre
                move = -move
            target = step(pitch, move, pitches_of(chord_scale(frame.key, chord),
                                                  frame.low, frame.high))
        if pitch is None or is_strong(at, frame.metre):
            target = closest(chord.core, target, pitch, frame)
        if motif.cadence and n == len(motif.rhythm) - 1:
            target = closest(chord.tones[:2], target, pitch, frame)
        velocity = (96 if is_strong(at, frame.metre) else 84) + rng.randint(-5, 5)
        notes.append(Note(at, duration * 0.95, target, velocity))
        pitch = target
    return notes


def melody_line(sections: list[Section], frame: Frame, feel: str, rng: random.Random, *,
                centre: int, lifts: dict[str, int]) -> tuple[list[Note], list[Slot]]:
    """The melody over `sections` (those that have a lead) and a syllable slot per note."""
    size = steps.steps_per_bar(frame.bar_ql)
    themes: dict[str, dict[str, Motif]] = {}      # section kind -> letter -> motif
    plans: dict[tuple[str, int], str] = {}
    notes: list[Note] = []
    slots: list[Slot] = []
    for section in sections:
        theme = themes.setdefault(section.name, {})
        units = section.bars // 2
        if units not in PLANS:
            raise ValueError(f"a {section.bars}-bar {section.name} has no phrase plan; "
                             f"sections have 2 to 8 bars, in two-bar phrases")
        plan = plans.setdefault((section.name, units), rng.choice(PLANS[units]))
        for u, letter in enumerate(plan):
            motif = theme.get(letter)
            if motif is None:
                stated = theme.get(letter.upper()) or new_motif(feel, size, frame.bar_ql, rng)
                theme[letter.upper()] = stated
                motif = theme[letter] = (stated if letter.isupper()
                                         else answer(stated, feel, size, frame.bar_ql, rng))
            start = (section.start_bar + 2 * u) * frame.bar_ql
            phrase = realise(motif, start, frame, notes[-1].pitch if notes else None,
                             centre + lifts.get(section.name, 0), rng)
            slots += [Slot(len({s.phrase for s in slots}), i, is_strong(n.start, frame.metre))
                      for i, n in enumerate(phrase)]
            notes += phrase
    return notes, slots
