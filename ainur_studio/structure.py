"""Musical structure shared by every layer: the stem roles, chord symbols, and the grid
lengths a take is measured in (stdlib only, so the UI, the engine and the corpus use it).

One vocabulary everywhere: a take is made of **parts**, one per stem **role**
(`STEM_ROLES`); the mix is their sum. Tempo follows the DAW convention (BPM counts quarter
notes whatever the metre, as in `ainur_studio.lyrics.grid`).
"""

from __future__ import annotations

import math
import re
import typing as tp

STEM_ROLES = ("drums", "bass", "harmony", "melody", "vocals")
PITCHED_ROLES = STEM_ROLES[1:]          # roles whose notes are MIDI pitches
MELODIC_ROLES = ("melody", "vocals")    # single lines
ROLE_DESCRIPTIONS = {
    "drums": "drum kit and percussion",
    "bass": "bass line",
    "harmony": "keys, pads and guitars",
    "melody": "lead instruments",
    "vocals": "sung lyrics",
}

# chord quality -> intervals above the root (root, third, fifth, seventh, extensions)
QUALITIES: dict[str, tuple[int, ...]] = {
    "": (0, 4, 7), "m": (0, 3, 7), "dim": (0, 3, 6), "aug": (0, 4, 8), "5": (0, 7),
    "7": (0, 4, 7, 10), "m7": (0, 3, 7, 10), "maj7": (0, 4, 7, 11), "m7b5": (0, 3, 6, 10),
    "dim7": (0, 3, 6, 9), "6": (0, 4, 7, 9), "m6": (0, 3, 7, 9), "9": (0, 4, 7, 10, 14),
    "m9": (0, 3, 7, 10, 14), "maj9": (0, 4, 7, 11, 14), "add9": (0, 4, 7, 14),
    "madd9": (0, 3, 7, 14), "sus2": (0, 2, 7), "sus4": (0, 5, 7), "7sus4": (0, 5, 7, 10),
}
_ALIASES = {"min": "m", "-": "m", "M7": "maj7", "min7": "m7", "-7": "m7", "ø": "m7b5",
            "ø7": "m7b5", "o": "dim", "o7": "dim7", "+": "aug", "sus": "sus4"}
LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
NO_CHORD = "N.C."   # a bar without harmony
_SYMBOL = re.compile(r"^([A-Ga-g])([#b]?)([^/]*)(?:/([A-Ga-g][#b]?))?$")
_METRE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
METRE_DENOMINATORS = (2, 4, 8, 16)
BPM_RANGE = (20.0, 300.0)
MAX_BARS = 512


class StructureError(ValueError):
    """A part list, chord symbol, metre or bar count that cannot be used; the message says
    what was given and how to write it."""


def parse_parts(text: str | tp.Iterable[str]) -> list[str]:
    """``"drums,bass, melody"`` (or a list) -> ``["drums", "bass", "melody"]`` in the order of
    `STEM_ROLES`, without duplicates; ``"all"`` is every role."""
    items = text.split(",") if isinstance(text, str) else list(text)
    names = [str(item).strip().lower() for item in items if str(item).strip()]
    if names == ["all"]:
        return list(STEM_ROLES)
    unknown = [n for n in names if n not in STEM_ROLES]
    if unknown:
        raise StructureError(f"unknown part(s) {', '.join(map(repr, unknown))}; use any of "
                             f"{', '.join(STEM_ROLES)} (comma-separated) or 'all'")
    if not names:
        raise StructureError("no parts given; use any of " + ", ".join(STEM_ROLES))
    return [role for role in STEM_ROLES if role in names]


def pitch_class(name: str) -> int:
    """``"F#"`` -> 6, ``"Bb"`` -> 10."""
    if not name or name[0].upper() not in LETTERS:
        raise StructureError(f"bad note name {name!r}: write a letter A-G with an optional "
                             "# or b, e.g. 'F#'")
    return (LETTERS[name[0].upper()] + sum(1 if c == "#" else -1 for c in name[1:])) % 12


def chord_tones(symbol: str) -> tuple[int, ...]:
    """Pitch classes of a chord symbol, root first (``"Am7"`` -> (9, 0, 4, 7)); a slash bass
    (``"C/E"``) comes first; `NO_CHORD` gives ()."""
    symbol = symbol.strip()
    if symbol.upper() in (NO_CHORD, "NC", "N.C", "-"):
        return ()
    match = _SYMBOL.match(symbol)
    if not match:
        raise StructureError(f"bad chord {symbol!r}: write a root A-G, an optional # or b and "
                             "a quality, e.g. 'Am', 'F', 'G7', 'Cmaj7', 'Dm7b5', 'C/E' "
                             f"(or {NO_CHORD} for no chord)")
    letter, accidental, quality, bass = match.groups()
    quality = _ALIASES.get(quality, quality)
    if quality not in QUALITIES:
        raise StructureError(f"unknown chord quality {quality!r} in {symbol!r}; use one of "
                             f"{', '.join(repr(q) for q in QUALITIES if q) } or none for major")
    root = pitch_class(letter.upper() + accidental)
    tones = tuple((root + i) % 12 for i in QUALITIES[quality])
    if bass:
        b = pitch_class(bass[0].upper() + bass[1:])
        tones = (b, *[t for t in tones if t != b])
    return tones


def parse_chords(text: str | tp.Iterable[str]) -> list[str]:
    """``"Am F C G"`` (spaces, commas or bar lines ``|``) -> one symbol per bar, each checked
    with `chord_tones`."""
    items = re.split(r"[\s,|]+", text) if isinstance(text, str) else list(text)
    chords = [str(c).strip() for c in items if str(c).strip()]
    for i, symbol in enumerate(chords, 1):
        try:
            chord_tones(symbol)
        except StructureError as exc:
            raise StructureError(f"bar {i}: {exc}") from None
    return chords


def parse_metre(text: str) -> tuple[int, int]:
    """``"6/8"`` -> (6, 8); empty is 4/4."""
    match = _METRE.match(text or "4/4")
    if not match:
        raise StructureError(f"bad metre {text!r}: write beats/unit, e.g. 4/4, 3/4, 6/8")
    beats, unit = int(match.group(1)), int(match.group(2))
    if not 1 <= beats <= 32 or unit not in METRE_DENOMINATORS:
        raise StructureError(f"metre {text!r} is not supported; use 1-32 beats over one of "
                             f"{', '.join(map(str, METRE_DENOMINATORS))}")
    return beats, unit


def bar_seconds(bpm: float, metre: str = "4/4") -> float:
    """Length of one bar in seconds (BPM counts quarter notes)."""
    check_bpm(bpm)
    beats, unit = parse_metre(metre)
    return 60.0 / bpm * 4.0 / unit * beats


def bars_samples(bars: int, bpm: float, metre: str = "4/4", *, sample_rate: int = 48_000) -> int:
    """Length of `bars` bars in samples, rounded to the nearest sample (4 bars of 4/4 at
    100 BPM = 9.6 s = 460 800 samples at 48 kHz)."""
    if isinstance(bars, bool) or not isinstance(bars, int) or not 1 <= bars <= MAX_BARS:
        raise StructureError(f"bars must be a whole number from 1 to {MAX_BARS}, got {bars!r}")
    return round(bars * bar_seconds(bpm, metre) * sample_rate)


def check_bpm(bpm: tp.Any) -> None:
    low, high = BPM_RANGE
    if isinstance(bpm, bool) or not isinstance(bpm, (int, float)) or not (
            math.isfinite(bpm) and low <= bpm <= high):
        raise StructureError(f"tempo {bpm!r} BPM is out of range; use {low:g} to {high:g}")
