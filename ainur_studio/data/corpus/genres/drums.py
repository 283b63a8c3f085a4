"""The drum part: a groove per section, variations at phrase ends, fills before each new
section and a crash on its downbeat."""

from __future__ import annotations

import random

from ainur_studio.data.corpus.genres import steps
from ainur_studio.data.corpus.genres.form import SECTION_ROLES
from ainur_studio.data.corpus.genres.grooves import CRASH, FILLS, GROOVES, SPARSE_KEYS, Groove
from ainur_studio.data.corpus.genres.song import Note, Section

VELOCITIES = {"X": 112, "x": 90, "o": 46, "r": 74, "t": 78}
_ROLLS = {"r": 2, "t": 3}   # hits per step
HIT_QL = 0.2


def lane_notes(key: int, pattern: str, bar_start: float, rng: random.Random) -> list[Note]:
    """The notes of one lane of one bar (rolls split a step into 32nds or triplets)."""
    notes = []
    for hit in steps.parse(pattern):
        count = _ROLLS.get(hit.mark, 1)
        for i in range(count):
            start = bar_start + hit.start + i * steps.STEP_QL / count
            velocity = VELOCITIES.get(hit.mark, 90) + rng.randint(-5, 5)
            notes.append(Note(start, min(HIT_QL, steps.STEP_QL / count), key, velocity))
    return notes


def with_fill(lanes: dict[int, str], fill: dict[int, str], size: int) -> dict[int, str]:
    """`lanes` with their last steps replaced by `fill`."""
    length = len(next(iter(fill.values())))
    out = {key: pattern[:size - length] + "." * length for key, pattern in lanes.items()}
    for key, pattern in fill.items():
        out[key] = out.get(key, "." * size)[:size - length] + pattern
    return out


def bar_lanes(groove: Groove, section: Section, bar: int, *, fill: dict[int, str] | None,
              crash: bool) -> dict[int, str]:
    """The lanes one bar plays: groove, thinned in sparse sections, varied at phrase ends."""
    sparse = SECTION_ROLES[section.name].drums == "sparse"
    lanes = dict(groove.lanes)
    if (bar - section.start_bar) % 4 == 3:
        lanes.update(groove.variation)
    if sparse:
        lanes = {k: v for k, v in lanes.items() if k in SPARSE_KEYS} or dict(groove.lanes)
    if fill is not None:
        lanes = with_fill(lanes, fill, groove.steps)
    if crash:
        lanes[CRASH] = "X" + "." * (groove.steps - 1)
    return lanes


def choose_grooves(names: tuple[str, ...], rng: random.Random) -> dict[str, Groove]:
    """A groove per section kind: verse and chorus differ when the style has two."""
    unknown = [n for n in names if n not in GROOVES]
    if unknown:
        raise ValueError(f"unknown grooves {unknown}; define them in grooves.GROOVES")
    order = rng.sample(names, k=len(names))
    main, lift = GROOVES[order[0]], GROOVES[order[1 % len(order)]]
    return {"intro": main, "verse": main, "chorus": lift, "bridge": GROOVES[rng.choice(names)],
            "outro": lift}


def drum_part(grooves: tuple[str, ...], fills: tuple[str, ...], sections: list[Section],
              bar_ql: float, rng: random.Random) -> list[Note]:
    """Drum notes for the whole song."""
    size = steps.steps_per_bar(bar_ql)
    by_section = choose_grooves(grooves, rng)
    notes: list[Note] = []
    for index, section in enumerate(sections):
        groove = by_section[section.name]
        if groove.steps != size:
            raise ValueError(f"groove {groove.name!r} has {groove.steps} steps a bar; "
                             f"this metre needs {size}")
        for bar in range(section.start_bar, section.end_bar):
            last = bar == section.end_bar - 1 and index < len(sections) - 1
            fill = FILLS[rng.choice(fills)] if last else None
            lanes = bar_lanes(groove, section, bar, fill=fill,
                              crash=bar == section.start_bar and index > 0)
            for key, pattern in sorted(lanes.items()):
                notes += lane_notes(key, pattern, bar * bar_ql, rng)
    return notes
