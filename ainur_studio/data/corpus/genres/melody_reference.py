"""The melody figures of `report.py` measured on written melodies, to set the arranger's beside:
the soprano lines of Bach's chorales, German folk songs of the Essen collection and Irish fiddle
tunes from O'Neill's 1850 collection, all in music21's corpus.

The same thresholds as the arranger's report (a step is at most 2 semitones, a leap more than
7), the same moves (consecutive sounding notes of one line, rests skipped, tied notes joined).
``print(reference_table(reference_report()))`` prints the rows in docs/corpus-genres.md; it
parses about 450 pieces, about a minute.
"""

from __future__ import annotations

import typing as tp
from dataclasses import dataclass

from ainur_studio.data.corpus.genres.report import LEAP, STEP

# (label, a music21 composer folder or a file in its corpus, pieces to read; the top part)
SOURCES: tuple[tuple[str, str, int], ...] = (
    ("Bach chorales, soprano", "bach", 60),
    ("Essen folk songs (altdeu10)", "essenFolksong/altdeu10.abc", 150),
    ("O'Neill's fiddle tunes (0001-0050)", "oneills1850/0001-0050.abc", 50),
)


@dataclass(frozen=True)
class LineFigures:
    pieces: int
    notes: int
    moves: int
    step_share: float
    leap_share: float


def line_pitches(score: tp.Any) -> list[int]:
    """MIDI pitches of the top part's sounding notes (the top note of a chord), ties joined."""
    part = score.parts[0] if getattr(score, "parts", None) else score
    pitches = []
    for n in part.recurse().notes:
        tie = getattr(n, "tie", None)
        if tie is not None and tie.type in ("continue", "stop"):
            continue
        pitch = max(n.pitches, key=lambda p: p.midi).midi if n.isChord else n.pitch.midi
        pitches.append(int(pitch))
    return pitches


def line_figures(lines: list[list[int]]) -> LineFigures:
    moves = [b - a for line in lines for a, b in zip(line, line[1:])]
    count = len(moves) or 1
    return LineFigures(pieces=len(lines), notes=sum(len(line) for line in lines),
                       moves=len(moves),
                       step_share=sum(abs(m) <= STEP for m in moves) / count,
                       leap_share=sum(abs(m) > LEAP for m in moves) / count)


def _scores(source: str, limit: int) -> tp.Iterator[tp.Any]:
    from music21 import corpus

    found = 0
    files = sorted(corpus.getComposer(source)) if "/" not in source else [source]
    for file in files:
        parsed = corpus.parse(str(file))
        for score in getattr(parsed, "scores", None) or [parsed]:
            if found >= limit:
                return
            found += 1
            yield score


def reference_report() -> dict[str, LineFigures]:
    """Figures per source (see `SOURCES`)."""
    report = {}
    for label, source, limit in SOURCES:
        lines = [line_pitches(score) for score in _scores(source, limit)]
        report[label] = line_figures([line for line in lines if len(line) > 1])
    return report


def reference_table(report: dict[str, LineFigures]) -> str:
    head = ("| written melodies | pieces | notes | moves <= 2 st | leaps > 7 st |\n"
            "|---|---|---|---|---|")
    rows = [f"| {label} | {f.pieces} | {f.notes} | {f.step_share:.0%} | {f.leap_share:.0%} |"
            for label, f in report.items()]
    return "\n".join([head, *rows])
