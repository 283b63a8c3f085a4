"""Keys, scales, chords from roman numerals, chord scales and voice leading (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from ainur_studio.structure import QUALITIES

SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}
_LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
_FLAT_KEYS = {("major", pc) for pc in (5, 10, 3, 8, 1, 6)} | {
    ("minor", pc) for pc in (2, 7, 0, 5, 10, 3)}
_NUMERALS = ("I", "II", "III", "IV", "V", "VI", "VII")
_ROMAN = re.compile(r"^(b|#)?(VII|VI|IV|V|III|II|I|vii|vi|iv|v|iii|ii|i)(o|ø)?(.*)$")


@dataclass(frozen=True)
class Key:
    tonic: int    # pitch class
    mode: str     # "major" | "minor"

    @classmethod
    def parse(cls, name: str) -> Key:
        """``"F# minor"`` -> Key(6, "minor")."""
        letter, _, mode = name.partition(" ")
        if not letter or letter[0].upper() not in _LETTERS or mode not in SCALES:
            raise ValueError(f"bad key {name!r}: write a note and a mode, e.g. 'F# minor'")
        pc = _LETTERS[letter[0].upper()] + sum(
            1 if c == "#" else -1 for c in letter[1:] if c in "#b")
        return cls(pc % 12, mode)

    @property
    def scale(self) -> tuple[int, ...]:
        """The key's pitch classes from the tonic up."""
        return tuple((self.tonic + i) % 12 for i in SCALES[self.mode])

    def note_name(self, pc: int, *, flat: bool = False) -> str:
        names = FLAT_NAMES if flat or (self.mode, self.tonic) in _FLAT_KEYS else SHARP_NAMES
        return names[pc % 12]

    @property
    def name(self) -> str:
        return f"{self.note_name(self.tonic)} {self.mode}"


@dataclass(frozen=True)
class Chord:
    roman: str
    root: int                  # pitch class
    quality: str               # a QUALITIES key
    symbol: str                # "Am7"

    @cached_property
    def intervals(self) -> tuple[int, ...]:
        return QUALITIES[self.quality]

    @cached_property
    def tones(self) -> tuple[int, ...]:
        """Pitch classes, root first."""
        return tuple((self.root + i) % 12 for i in self.intervals)

    @property
    def core(self) -> tuple[int, ...]:
        """Root, third, fifth and seventh: the tones a melody leans on (no extensions)."""
        return tuple((self.root + i) % 12 for i in self.intervals if i < 12)

    def tone(self, index: int) -> int:
        """Interval of tone `index` (0 root, 1 third, 2 fifth, 3 seventh) above the root;
        a missing tone falls back to the fifth, then the octave."""
        ivs = [i for i in self.intervals if i < 12]
        if index < len(ivs):
            return ivs[index]
        return 7 if index == 2 else 12


def chord(roman: str, key: Key) -> Chord:
    """``"vi7"`` in C major -> Am7. Case gives the triad (upper major, lower minor), ``o`` is
    diminished, ``ø`` half-diminished; a ``b``/``#`` prefix alters the root; the suffix is
    a QUALITIES key without the minor ``m`` (``7``, ``maj7``, ``9``, ``sus4``, ``5``...)."""
    match = _ROMAN.match(roman)
    if not match:
        raise ValueError(f"bad roman numeral {roman!r}: write e.g. 'I', 'vi7', 'bVII', 'iiø7'")
    accidental, numeral, dim, suffix = match.groups()
    degree = _NUMERALS.index(numeral.upper())
    root = (key.tonic + SCALES[key.mode][degree] + {"b": -1, "#": 1}.get(accidental, 0)) % 12
    if dim == "ø":
        quality = "m7b5"
    elif dim == "o":
        quality = "dim" + suffix
    else:
        quality = ("m" if numeral.islower() and suffix != "5" else "") + suffix
    if quality not in QUALITIES:
        raise ValueError(f"unknown chord quality {quality!r} in {roman!r}; "
                         f"use one of {sorted(QUALITIES)}")
    return Chord(roman, root, quality, key.note_name(root, flat=accidental == "b") + quality)


def is_tonic(roman: str) -> bool:
    match = _ROMAN.match(roman)
    return bool(match) and not match.group(1) and match.group(2).upper() == "I"


def in_key_or_chord(pitch: int, key: Key, chord_: Chord) -> bool:
    return pitch % 12 in key.scale or pitch % 12 in chord_.tones


def chord_scale(key: Key, chord_: Chord) -> tuple[int, ...]:
    """The key's scale with the chord's chromatic tones in place of the degrees they alter
    (E7 in A minor raises G to G#; bVII in C lowers B to Bb): a melody's steps over it."""
    shift = 1 if chord_.roman.startswith("b") else -1
    altered = {(t + shift) % 12 for t in chord_.tones if t not in key.scale}
    return tuple(sorted((set(key.scale) - altered) | set(chord_.tones)))


def pitches_of(pcs: tuple[int, ...] | list[int], low: int, high: int) -> list[int]:
    """Every MIDI pitch in [low, high] whose pitch class is in `pcs`, ascending."""
    return [p for p in range(low, high + 1) if p % 12 in pcs]


def nearest(pcs, target: float, low: int = 0, high: int = 127) -> int:
    """The pitch of `pcs` in [low, high] closest to `target` (the lower one on a tie)."""
    return min(pitches_of(pcs, low, high), key=lambda p: (abs(p - target), p))


def voicings(intervals: list[int], root: int, low: int, high: int) -> list[list[int]]:
    """Close-position voicings of the chord (every inversion, every octave) in [low, high];
    a range too narrow for any is widened upwards until one fits."""
    found = close_voicings(intervals, root, low, high)
    while not found:
        high += 2
        found = close_voicings(intervals, root, low, high)
    return found


def close_voicings(intervals: list[int], root: int, low: int, high: int) -> list[list[int]]:
    pcs = [(root + i) % 12 for i in intervals]
    out = []
    for rotation in range(len(pcs)):
        order = pcs[rotation:] + pcs[:rotation]
        for base in pitches_of([order[0]], low, high):
            notes = [base]
            for pc in order[1:]:
                notes.append(notes[-1] + (pc - notes[-1]) % 12 or 12)
            if notes[-1] <= high:
                out.append(notes)
    return out


def lead_voices(options: list[list[int]], previous: list[int] | None,
                centre: float) -> list[int]:
    """The voicing that moves least from `previous` (the one nearest `centre` at first)."""
    if previous is None:
        return min(options, key=lambda v: (abs(sum(v) / len(v) - centre), v))

    def motion(v: list[int]) -> float:
        return sum(min(abs(p - q) for q in previous) for p in v) + abs(len(v) - len(previous))
    return min(options, key=lambda v: (motion(v), v))
