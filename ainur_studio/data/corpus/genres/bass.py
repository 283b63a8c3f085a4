"""Bass lines that follow the chords, written as step strings of chord-tone tokens.

Tokens: ``R`` root, ``3`` third, ``5`` fifth, ``7`` seventh, ``8`` the octave above the
root, ``L`` the fifth below it, ``2`` the scale step above the root, ``A`` the scale step
next to the following bar's root (an approach note). Each pattern is a pair: the bar it
plays, and the turnaround that closes every four-bar phrase.
"""

from __future__ import annotations

import random

from ainur_studio.data.corpus.genres import steps
from ainur_studio.data.corpus.genres.song import Note
from ainur_studio.data.corpus.genres.theory import Chord, Key, chord_scale, nearest, pitches_of

BASS_PATTERNS: dict[str, tuple[str, str]] = {
    "pop_pulse": ("R-----R-R---5---", "R-----R-5---3-A-"),
    "rock_eighths": ("R-R-R-R-R-R-R-R-", "R-R-R-R-5-5-A-A-"),
    "boom_bap": ("R-----R---5-----", "R-----R---5--.A-"),
    "lofi_walk": ("R-------.-5-R---", "R-------3---A---"),
    "trap_808": ("R---------R-----", "R-------R-----A-"),
    "house_offbeat": ("..R-..R-..R-..R-", "..R-..R-..8-..5-"),
    "techno_roll": (".RRR.RRR.RRR.RRR", ".RRR.RRR.R8R.R5R"),
    "dnb_sub": ("R---------R-----", "R---------R---A-"),
    "synth_octaves": ("R-8-R-8-R-8-R-8-", "R-8-R-8-5-8-A-8-"),
    "synth_drive": ("R-R-R-R-R-R-R-R-", "R-R-R-R-5-5-3-3-"),
    "sustain": ("R---------------", "R-------5-------"),
    "funk_pop": ("R-.R..8-.R..5-A.", "R-.R..8-.5.7.8A."),
    "walking": ("R---3---5---A---", "R---2---3---A---"),
    "walking_up": ("R---2---3---5---", "R---5---8---A---"),
    "reggae_drop": ("R-----.-5-R-..3-", "R-----.-5-3-..A-"),
    "folk_root_fifth": ("R-------5-------", "R-------5---A---"),
    "ostinato": ("R-R-R-R-R-R-R-R-", "R-R-R-R-5-5-A-A-"),
    "waltz": ("R-------5---", "R-------A---"),
    "waltz_sustain": ("R-----------", "R-------5---"),
    "waltz_ostinato": ("R-R-R-R-R-R-", "R-R-R-5-5-A-"),
}


def token_pitch(token: str, root: int, chord_: Chord, key: Key, next_root: int) -> int:
    """The pitch a token names, given the bar's root pitch and the next bar's."""
    scale = chord_scale(key, chord_)
    if token == "R":
        return root
    if token == "8":
        return root + 12
    if token == "L":
        return root - 12 + chord_.tone(2)
    if token in "357":
        return root + chord_.tone({"3": 1, "5": 2, "7": 3}[token])
    if token == "2":
        return min(p for p in pitches_of(scale, root + 1, root + 4))
    if token == "A":
        below = max(p for p in pitches_of(scale, next_root - 3, next_root - 1))
        above = min(p for p in pitches_of(scale, next_root + 1, next_root + 3))
        return below if abs(below - root) <= abs(above - root) else above
    raise ValueError(f"unknown bass token {token!r}; use R 3 5 7 8 L 2 A")


def bass_part(pattern: str, chords: list[Chord], key: Key, bar_ql: float, *,
              centre: int, legato: float, rng: random.Random) -> list[Note]:
    """The bass line of the song: the pattern bar by bar, the turnaround every fourth bar."""
    if pattern not in BASS_PATTERNS:
        raise ValueError(f"unknown bass pattern {pattern!r}; use one of {sorted(BASS_PATTERNS)}")
    size = steps.steps_per_bar(bar_ql)
    notes = []
    for bar, chord_ in enumerate(chords):
        following = chords[min(bar + 1, len(chords) - 1)]
        root = nearest([chord_.root], centre, centre - 6, centre + 6)
        next_root = nearest([following.root], root, root - 6, root + 6)
        hits = steps.parse(BASS_PATTERNS[pattern][bar % 4 == 3], size)
        for hit in hits:
            pitch = token_pitch(hit.mark, root, chord_, key, next_root)
            velocity = 96 if hit.step == 0 else 84 + rng.randint(-6, 6)
            notes.append(Note(bar * bar_ql + hit.start, hit.duration * legato, pitch, velocity))
    return notes
