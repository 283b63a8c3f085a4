"""Harmony parts: comping, pads, arpeggios and stabs over the chords, voice-led.

A comping style is a pair of step strings (the bar and the four-bar turnaround), a voicing
kind and, for arpeggios, the order its hits walk the voicing in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ainur_studio.data.corpus.genres import steps
from ainur_studio.data.corpus.genres.song import Note
from ainur_studio.data.corpus.genres.theory import Chord, lead_voices, voicings

VOICINGS = ("close", "triad", "power", "shell", "spread")


@dataclass(frozen=True)
class Comp:
    bars: tuple[str, ...]            # the bar, then the turnaround (optional)
    voicing: str = "close"
    arp: tuple[int, ...] = ()        # voicing indices, lowest first; empty: block chords


COMPS: dict[str, Comp] = {
    "pad": Comp(("x---------------",), "spread"),
    "pad_half": Comp(("x-------x-------",), "close"),
    "piano_pop": Comp(("x-----x-x-----x-", "x-----x-x-x-x-x-")),
    "piano_eighths": Comp(("x-x-x-x-x-x-x-x-",)),
    "power_eighths": Comp(("x-x-x-x-x-x-x-x-", "x-x-x-x-x---x---"), "power"),
    "power_hits": Comp(("x-----x---x-----", "x-----x---x-x-x-"), "power"),
    "house_stabs": Comp(("..x...x...x...x.", "..x...x...x..x.x")),
    "house_piano": Comp(("x--x--x-..x--x--", "x--x--x-..x-x-x-")),
    "chops": Comp(("x-----.x-.......", "x-----.x-...x-.."), "triad"),
    "lofi_keys": Comp(("x-----------x---", "x-------x-----x-")),
    "bells": Comp(("x-x-x-x-x-x-x-x-",), "triad", (0, 1, 2, 1, 3, 2, 1, 2)),
    "techno_stab": Comp(("x.....x.........", "...x......x..x.."), "triad"),
    "gated_pad": Comp(("x.x.x.x.x.x.x.x.",), "spread"),
    "arp_sixteenths": Comp(("xxxxxxxxxxxxxxxx",), "close", (0, 1, 2, 3, 2, 1)),
    "arp_eighths": Comp(("x-x-x-x-x-x-x-x-",), "close", (0, 1, 2, 3, 4, 3, 2, 1)),
    "clav": Comp(("x.xx.x..x.x..x.x", "x.xx.x..xx.x.xx."), "triad"),
    "charleston": Comp(("x-----x-........", "..x-......x-...."), "shell"),
    "skank": Comp(("..x...x...x...x.",), "triad"),
    "organ_bubble": Comp((".xx..xx..xx..xx.",), "close"),
    "strum_folk": Comp(("x---x-x-.-x-x-x-", "x---x-x-x-x-x-x-")),
    "strings_ostinato": Comp(("x-x-x-x-x-x-x-x-",), "close", (0, 2, 1, 2)),
    "brass_swell": Comp(("x-------x-------",), "spread"),
    "waltz_strum": Comp(("x---x-x-x-x-",)),
    "waltz_comp": Comp(("....x---x---",), "triad"),
    "waltz_pad": Comp(("x-----------",), "spread"),
    "waltz_arp": Comp(("x-x-x-x-x-x-",), "close", (0, 1, 2, 3, 2, 1)),
}


def chord_intervals(chord: Chord, voicing: str) -> list[int]:
    """The intervals a voicing kind sounds (at most four)."""
    ivs = list(chord.intervals)
    if voicing == "power":
        return [0, 7, 12]
    if voicing == "triad":
        return ivs[:3]
    if voicing == "shell":
        upper = [i for i in ivs if i != 0]
        return upper if len(upper) <= 3 else [i for i in upper if i != 7][:3]
    return ivs if len(ivs) <= 4 else [i for i in ivs if i != 7]


def voice(chord: Chord, voicing: str, low: int, high: int,
          previous: list[int] | None) -> list[int]:
    """Pitches for `chord` in [low, high], moving least from `previous`."""
    if voicing == "power":
        root = next(p for p in range(low, low + 12) if p % 12 == chord.root)
        return [root, root + chord.tone(2), root + 12]
    if voicing == "spread":
        bass = next(p for p in range(low, low + 12) if p % 12 == chord.root)
        upper = voicings(chord_intervals(chord, "close"), chord.root, bass + 7, high)
        return [bass] + lead_voices(upper, previous[1:] if previous else None,
                                    (bass + 12 + high) / 2)
    options = voicings(chord_intervals(chord, voicing), chord.root, low, high)
    return lead_voices(options, previous, (low + high) / 2)


def comp_notes(comp: Comp, pitches: list[int], bar_start: float, bar: int, size: int,
               velocity: int, rng: random.Random) -> list[Note]:
    pattern = comp.bars[1] if bar % 4 == 3 and len(comp.bars) > 1 else comp.bars[0]
    hits = steps.parse(pattern, size)
    chain = sorted(pitches) + [min(pitches) + 12]
    notes = []
    for n, hit in enumerate(hits):
        played = [chain[comp.arp[n % len(comp.arp)] % len(chain)]] if comp.arp else pitches
        vel = velocity + (8 if hit.step % 4 == 0 else 0) + rng.randint(-4, 4)
        notes += [Note(bar_start + hit.start, hit.duration * 0.92, p, vel) for p in played]
    return notes


def harmony_part(comp_name: str, chords: list[Chord], bars: list[int], bar_ql: float, *,
                 low: int, high: int, velocity: int, rng: random.Random) -> list[Note]:
    """Comping over the chords of `bars` (bar indices), voice-led from bar to bar."""
    if comp_name not in COMPS:
        raise ValueError(f"unknown comping style {comp_name!r}; use one of {sorted(COMPS)}")
    comp = COMPS[comp_name]
    size = steps.steps_per_bar(bar_ql)
    notes: list[Note] = []
    previous = None
    for bar in bars:
        previous = voice(chords[bar], comp.voicing, low, high, previous)
        notes += comp_notes(comp, previous, bar * bar_ql, bar, size, velocity, rng)
    return notes
