"""Cut a piece into clips at bar lines (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from ainur_studio.data.corpus.score_data import Bar, seconds

MIN_PIECE_S = 4.0


@dataclass(frozen=True)
class ClipWindow:
    index: int
    first_bar: int         # 0-based, inclusive
    last_bar: int          # inclusive
    start_s: float
    end_s: float           # the last bar line of the clip, plus the tail for the final clip

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def plan_clips(bars: list[Bar], bpm: float, *, target_s: float = 20.0, min_s: float = 10.0,
               max_s: float = 24.0, tail_s: float = 1.5, max_clips: int | None = None
               ) -> list[ClipWindow]:
    """Consecutive clips of about `target_s` that start and end on bar lines.

    A clip grows bar by bar until it reaches `target_s`, but gives back its last bar if that
    pushed it past `max_s`. A remainder shorter than `min_s` joins the clip before it (or is
    dropped if that clip would exceed `max_s` by more than a quarter). The final clip keeps
    `tail_s` of ringing after its last bar line. A piece shorter than `min_s` is one clip.
    """
    starts = [seconds(b.start, bpm) for b in bars]
    ends = [seconds(b.start + b.duration, bpm) for b in bars]
    if not bars or ends[-1] - starts[0] < MIN_PIECE_S:
        return []
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(bars):
        j = i
        while j + 1 < len(bars) and ends[j] - starts[i] < target_s:
            j += 1
        if j > i and ends[j] - starts[i] > max_s and ends[j - 1] - starts[i] >= min_s:
            j -= 1
        spans.append((i, j))
        i = j + 1
    spans = _absorb_short_tail(spans, starts, ends, min_s, max_s)
    windows = []
    for index, (a, b) in enumerate(spans[:max_clips] if max_clips else spans):
        last = b == len(bars) - 1
        windows.append(ClipWindow(index, a, b, starts[a], ends[b] + (tail_s if last else 0.0)))
    return windows


def _absorb_short_tail(spans: list[tuple[int, int]], starts: list[float], ends: list[float],
                       min_s: float, max_s: float) -> list[tuple[int, int]]:
    if len(spans) < 2:
        return spans
    a, b = spans[-1]
    if ends[b] - starts[a] >= min_s:
        return spans
    prev_a, _ = spans[-2]
    if ends[b] - starts[prev_a] <= max_s * 1.25:
        return spans[:-2] + [(prev_a, b)]
    return spans[:-1]
