"""Chords per bar from the notes of a clip: each bar's pitch-class profile (chroma) is matched
against major, minor and seventh-chord templates (stdlib only, so the app runs it).

The profile weights every note by how long it sounds inside the bar and by its velocity; the
template that scores the highest cosine similarity wins, a small bonus going to the template
whose root is the bar's lowest note (the bass usually plays the root) and to triads over
sevenths when both fit as well. A bar without notes is `structure.NO_CHORD`.
"""

from __future__ import annotations

import math
import typing as tp

from ainur_studio.structure import MAX_BARS, NO_CHORD, QUALITIES
from ainur_studio.types import NoteEvent

NOTE_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
TEMPLATE_QUALITIES = ("", "m", "7", "m7", "maj7")   # major, minor and the common sevenths
BASS_BONUS = 0.06      # the root in the bass
EXTENSION_COST = 0.02  # per tone beyond a triad, so a plain triad wins a tie
MIN_ENERGY = 1e-6

Chroma = list[float]  # 12 weights, C first


def chroma(notes: tp.Iterable[NoteEvent], start_s: float, end_s: float) -> Chroma:
    """Pitch-class weights of the notes sounding in [start_s, end_s): overlap in seconds
    times velocity / 127."""
    profile = [0.0] * 12
    for note in notes:
        overlap = min(note.end_s, end_s) - max(note.start_s, start_s)
        if overlap > 0:
            profile[note.pitch % 12] += overlap * note.velocity / 127.0
    return profile


def _bass(notes: tp.Iterable[NoteEvent], start_s: float, end_s: float) -> int | None:
    sounding = [n for n in notes if min(n.end_s, end_s) > max(n.start_s, start_s)]
    return min(sounding, key=lambda n: n.pitch).pitch % 12 if sounding else None


def _cosine(profile: Chroma, tones: tuple[int, ...]) -> float:
    norm = math.sqrt(sum(v * v for v in profile)) * math.sqrt(len(tones))
    return sum(profile[t] for t in tones) / norm if norm else 0.0


def match_chord(profile: Chroma, *, bass: int | None = None,
                qualities: tp.Sequence[str] = TEMPLATE_QUALITIES) -> str:
    """The chord symbol whose template fits `profile` best (`NO_CHORD` for silence).

    Args:
        profile: 12 pitch-class weights, C first (`chroma`).
        bass: pitch class of the lowest note, if known; a root there scores a little more.
        qualities: the chord qualities to try, keys of `structure.QUALITIES`.
    """
    if len(profile) != 12:
        raise ValueError(f"a chroma profile has 12 weights (C to B), got {len(profile)}")
    if sum(profile) <= MIN_ENERGY:
        return NO_CHORD
    best, best_score = NO_CHORD, -math.inf
    for quality in qualities:
        intervals = QUALITIES[quality]
        for root in range(12):
            tones = tuple((root + i) % 12 for i in intervals)
            score = _cosine(profile, tones) - EXTENSION_COST * (len(tones) - 3)
            if bass == root:
                score += BASS_BONUS
            if score > best_score + 1e-9:
                best, best_score = NOTE_NAMES[root] + quality, score
    return best


def estimate_chords(notes: tp.Sequence[NoteEvent], *, bar_s: float, bars: int | None = None,
                    origin_s: float = 0.0) -> list[str]:
    """One chord symbol per bar of `bar_s` seconds from `origin_s` (the downbeat of bar 1).

    Args:
        notes: the pitched notes of the clip (leave drums out).
        bar_s: length of one bar in seconds (`structure.bar_seconds`).
        bars: how many bars; by default up to the bar holding the last note's end.
        origin_s: where bar 1 starts.

    Returns:
        `bars` symbols, `NO_CHORD` for bars without notes.
    """
    if not (math.isfinite(bar_s) and bar_s > 0):
        raise ValueError(f"a bar must last a positive number of seconds, got {bar_s!r}")
    if bars is None:
        end = max((n.end_s for n in notes), default=origin_s)
        bars = max(0, math.ceil((end - origin_s) / bar_s - 1e-9))
    if not 0 <= bars <= MAX_BARS:
        raise ValueError(f"{bars} bars is more than the {MAX_BARS} a take can hold")
    out = []
    for i in range(bars):
        start, end = origin_s + i * bar_s, origin_s + (i + 1) * bar_s
        out.append(match_chord(chroma(notes, start, end), bass=_bass(notes, start, end)))
    return out
