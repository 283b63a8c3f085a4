"""The common chords of a key, for the chord lane's menu (Qt-free).

Major keys offer the seven diatonic triads and the usual sevenths (I maj7, ii7, V7, vi7);
minor keys the natural-minor triads plus the harmonic minor's major V and V7.
"""

from __future__ import annotations

from ainur_studio.chord_estimate import NOTE_NAMES
from ainur_studio.structure import StructureError, pitch_class

DEFAULT_KEY = "C major"
# (semitones above the tonic, quality) in the order the menu lists them
_MAJOR = ((0, ""), (2, "m"), (4, "m"), (5, ""), (7, ""), (9, "m"), (11, "dim"),
          (0, "maj7"), (2, "m7"), (7, "7"), (9, "m7"))
_MINOR = ((0, "m"), (2, "dim"), (3, ""), (5, "m"), (7, "m"), (8, ""), (10, ""),
          (7, ""), (7, "7"), (0, "m7"), (5, "m7"))


def parse_key(key: str) -> tuple[int, bool]:
    """``"D minor"``, ``"F# major"``, ``"Am"``, ``"Bb"`` -> (tonic pitch class, minor?).
    Raises StructureError for anything else."""
    text = key.strip()
    name, _, mode = text.partition(" ")
    minor = mode.strip().lower() in ("minor", "min", "m")
    if not mode and len(name) > 1 and name.endswith("m") and name[:-1] != "":
        name, minor = name[:-1], True
    if mode and mode.strip().lower() not in ("major", "maj", "minor", "min", "m"):
        raise StructureError(f"bad key {key!r}: write a note and major or minor, e.g. 'D minor'")
    return pitch_class(name), minor


def chords_in_key(key: str) -> list[str]:
    """The chords the menu offers for `key` (C major when the key is empty or unreadable)."""
    try:
        tonic, minor = parse_key(key or DEFAULT_KEY)
    except StructureError:
        tonic, minor = parse_key(DEFAULT_KEY)
    steps = _MINOR if minor else _MAJOR
    out: list[str] = []
    for step, quality in steps:
        symbol = NOTE_NAMES[(tonic + step) % 12] + quality
        if symbol not in out:
            out.append(symbol)
    return out
