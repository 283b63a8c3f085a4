"""Musical grid: bar and beat positions from a tempo and time signature, and snapping.

Tempo follows the DAW convention: BPM counts quarter notes whatever the time signature, so a
beat of 6/8 (an eighth) lasts half a quarter and a 6/8 bar lasts three quarters.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from ainur_studio.types import Lyrics

_SIGNATURE = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True)
class Grid:
    """A constant-tempo grid starting at `origin_ms` (the downbeat of bar 1)."""

    bpm: float
    numerator: int = 4
    denominator: int = 4
    origin_ms: float = 0.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.bpm) and self.bpm > 0):
            raise ValueError(f"tempo must be a positive number of BPM, got {self.bpm}")
        if self.numerator < 1 or self.denominator not in (1, 2, 4, 8, 16, 32):
            raise ValueError(f"time signature {self.numerator}/{self.denominator} is not "
                             "valid; use e.g. 4/4, 3/4 or 6/8")

    @classmethod
    def from_signature(cls, bpm: float, time_signature: str = "4/4", *,
                       origin_ms: float = 0.0) -> Grid:
        """Build from text such as ``"6/8"``; raises ValueError for anything else."""
        match = _SIGNATURE.fullmatch(time_signature or "4/4")
        if not match:
            raise ValueError(f"time signature {time_signature!r} is not valid; write e.g. 4/4")
        return cls(bpm, int(match.group(1)), int(match.group(2)), origin_ms)

    @property
    def beat_ms(self) -> float:
        """Length of one beat (one `denominator` note)."""
        return 60_000.0 / self.bpm * 4.0 / self.denominator

    @property
    def bar_ms(self) -> float:
        return self.beat_ms * self.numerator

    def position(self, time_ms: float) -> tuple[int, float]:
        """1-based bar and beat (with fraction) at `time_ms`; bars before the origin are <= 0."""
        beats = (time_ms - self.origin_ms) / self.beat_ms
        bar = math.floor(beats / self.numerator)
        return bar + 1, beats - bar * self.numerator + 1.0

    def snap(self, time_ms: float, *, unit: str = "beat", subdivisions: int = 1) -> int:
        """Nearest grid point to `time_ms`, in whole milliseconds, never negative.

        Args:
            time_ms: the time to snap.
            unit: ``"beat"`` or ``"bar"``.
            subdivisions: grid points per unit (2 = eighths in 4/4 with ``unit="beat"``).
        """
        if unit not in ("beat", "bar") or subdivisions < 1:
            raise ValueError(f"snap unit must be 'beat' or 'bar' with subdivisions >= 1, got "
                             f"{unit!r} / {subdivisions}")
        step = (self.beat_ms if unit == "beat" else self.bar_ms) / subdivisions
        snapped = self.origin_ms + round((time_ms - self.origin_ms) / step) * step
        return max(0, round(snapped))


def snap_line_starts(lyrics: Lyrics, grid: Grid, *, unit: str = "beat",
                     subdivisions: int = 1) -> Lyrics:
    """A copy with every line start snapped; words move with their line."""
    lines = []
    for line in lyrics.lines:
        delta = grid.snap(line.start_ms, unit=unit, subdivisions=subdivisions) - line.start_ms
        words = [replace(w, start_ms=max(0, w.start_ms + delta),
                         end_ms=None if w.end_ms is None else max(0, w.end_ms + delta))
                 for w in line.words]
        end = None if line.end_ms is None else max(0, line.end_ms + delta)
        lines.append(replace(line, start_ms=line.start_ms + delta, words=words, end_ms=end))
    lines.sort(key=lambda line: line.start_ms)
    return Lyrics(lines=lines, tags=dict(lyrics.tags))
