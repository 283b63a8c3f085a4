"""A plain I-IV-V style harmonisation of a single melody, one chord per bar or half bar.

Each span gets the diatonic triad whose tones cover most of the melody's duration in it, with
small preferences for the primary chords and for keeping the previous chord; the piece starts
and ends on the tonic. Good enough to put a bass and an accompaniment under a folk tune.
"""

from __future__ import annotations

from dataclasses import dataclass

from ainur_studio.data.corpus.score_data import Bar, Note

PITCH_CLASSES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
# (degree offset in semitones, quality, prior bonus)
MAJOR_CHORDS = ((0, "maj", 0.3), (5, "maj", 0.15), (7, "maj", 0.2), (9, "min", 0.0),
                (2, "min", 0.0))
MINOR_CHORDS = ((0, "min", 0.3), (5, "min", 0.15), (7, "maj", 0.2), (8, "maj", 0.0),
                (3, "maj", 0.0), (10, "maj", 0.0))
_TONE_WEIGHTS = (1.0, 0.9, 0.8)
_STAY_BONUS = 0.1


@dataclass(frozen=True)
class Chord:
    start: float       # ql
    end: float         # ql
    root: int          # pitch class
    quality: str       # "maj" | "min"

    @property
    def tones(self) -> tuple[int, int, int]:
        third = 4 if self.quality == "maj" else 3
        return (self.root, (self.root + third) % 12, (self.root + 7) % 12)


def parse_key(key: str) -> tuple[int, str]:
    """``"F# minor"`` -> ``(6, "minor")``."""
    name, _, mode = key.partition(" ")
    pc = PITCH_CLASSES[name[0].upper()]
    pc += sum(1 if c == "#" else -1 if c in "b-" else 0 for c in name[1:])
    return pc % 12, ("minor" if mode.startswith("min") else "major")


def chord_spans(bars: list[Bar], bar_ql: float) -> list[tuple[float, float]]:
    """One span per bar, two for bars longer than three quarters (4/4, 2/2, 12/8)."""
    spans = []
    for bar in bars:
        if bar.duration > 3.0 and bar.duration >= bar_ql - 1e-6:
            half = bar.duration / 2
            spans += [(bar.start, bar.start + half), (bar.start + half, bar.start + bar.duration)]
        else:
            spans.append((bar.start, bar.start + bar.duration))
    return spans


def harmonise(melody: list[Note], bars: list[Bar], key: str, bar_ql: float) -> list[Chord]:
    """Chords for `melody` over `bars` in `key`."""
    tonic, mode = parse_key(key)
    table = MAJOR_CHORDS if mode == "major" else MINOR_CHORDS
    candidates = [Chord(0, 0, (tonic + off) % 12, q) for off, q, _ in table]
    priors = [p for _, _, p in table]
    spans = chord_spans(bars, bar_ql)
    chords: list[Chord] = []
    for i, (start, end) in enumerate(spans):
        if i in (0, len(spans) - 1):
            best = 0
        else:
            weights = _pitch_weights(melody, start, end)
            prev = chords[-1] if chords else None
            scores = [_score(c, weights) + priors[j] + (_STAY_BONUS if prev and
                      prev.root == c.root else 0.0) for j, c in enumerate(candidates)]
            best = max(range(len(scores)), key=lambda j: (scores[j], -j))
        chords.append(Chord(start, end, candidates[best].root, candidates[best].quality))
    return chords


def _pitch_weights(melody: list[Note], start: float, end: float) -> dict[int, float]:
    weights: dict[int, float] = {}
    for note in melody:
        overlap = min(end, note.start + note.duration) - max(start, note.start)
        if overlap > 0:
            bonus = 1.5 if abs(note.start - start) < 1e-6 else 1.0  # the downbeat counts more
            weights[note.pitch % 12] = weights.get(note.pitch % 12, 0.0) + overlap * bonus
    return weights


def _score(chord: Chord, weights: dict[int, float]) -> float:
    total = sum(weights.values()) or 1.0
    score = 0.0
    for pc, weight in weights.items():
        score += weight * (_TONE_WEIGHTS[chord.tones.index(pc)] if pc in chord.tones else -0.3)
    return score / total
