"""Chord progressions (roman numerals, one chord per bar) and the chords of a whole song.

A style lists several progressions per mode; a song gives its verse, chorus and bridge each
their own (intro and outro borrow the verse's and the chorus's), tiles them over the
section's bars and ends on the tonic.
"""

from __future__ import annotations

import random

from ainur_studio.data.corpus.genres.song import Section
from ainur_studio.data.corpus.genres.theory import Chord, Key, chord, is_tonic

Progression = tuple[str, ...]

# Shared progressions, named after their usual nicknames.
AXIS = ("I", "V", "vi", "IV")
DOO_WOP = ("I", "vi", "IV", "V")
SENSITIVE = ("vi", "IV", "I", "V")
PLAGAL_LOOP = ("I", "IV", "I", "V")
ANDALUSIAN = ("i", "VII", "VI", "V")
AEOLIAN_LOOP = ("i", "VI", "III", "VII")
MINOR_DROP = ("i", "iv", "VI", "V")
EPIC = ("i", "VI", "VII", "i")
TWO_CHORD_MINOR = ("i", "i", "iv", "iv")

_BORROW = {"intro": "verse", "outro": "chorus", "verse": "verse", "chorus": "chorus",
           "bridge": "bridge"}


def assign(pool: tuple[Progression, ...], rng: random.Random) -> dict[str, Progression]:
    """Verse, chorus and bridge progressions drawn from `pool` (distinct while it lasts)."""
    picks = rng.sample(pool, k=min(3, len(pool)))
    while len(picks) < 3:
        picks.append(picks[len(picks) % len(pool)])
    return dict(zip(("verse", "chorus", "bridge"), picks))


def tonic_chord(pool: tuple[Progression, ...], key: Key) -> Chord:
    """The first tonic chord the pool uses (keeping its colour, e.g. Imaj7), or the triad."""
    for roman in (r for prog in pool for r in prog):
        if is_tonic(roman):
            return chord(roman, key)
    return chord("I" if key.mode == "major" else "i", key)


def song_chords(sections: list[Section], pool: tuple[Progression, ...], key: Key,
                rng: random.Random) -> list[Chord]:
    """One chord per bar for the whole song."""
    by_section = assign(pool, rng)
    chords = []
    for section in sections:
        prog = by_section[_BORROW[section.name]]
        chords += [chord(prog[i % len(prog)], key) for i in range(section.bars)]
    chords[-1] = tonic_chord(pool, key)
    return chords
