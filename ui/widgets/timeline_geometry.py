"""Where things are on the lyric timeline: time <-> x, block rectangles, chord cells, hit
tests, snapping.

Kept apart from painting and mouse handling so the rules are easy to read and to test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF

from ainur_studio.lyrics.grid import Grid
from ui.models.lyric_document import LyricDocument

RULER_H = 22.0
CHORD_TOP = RULER_H + 4.0   # the chord lane: one cell per bar, above the lyric lines
CHORD_H = 22.0
LINE_TOP = CHORD_TOP + CHORD_H + 6.0
LINE_H = 36.0
WORD_TOP = LINE_TOP + LINE_H + 8.0
WORD_H = 26.0
EDGE_PX = 6.0
MIN_WAVE_H = 90.0
MIN_PX_PER_S = 8.0
MAX_PX_PER_S = 800.0


@dataclass(frozen=True)
class Hit:
    """What is under the mouse: kind "line", "word" or "empty"; `edge` is "left", "right"
    or "" (the body of a block)."""

    kind: str
    line: int = -1
    word: int = -1
    edge: str = ""


def snap_ms(ms: float, grid: Grid | None, division: int = 1) -> int:
    """`ms` rounded to the nearest beat (or 1/`division` of a beat) of `grid`; unchanged
    when there is no grid (no tempo)."""
    if grid is None:
        return max(0, round(ms))
    return grid.snap(ms, unit="beat", subdivisions=max(1, division))


class TimelineGeometry:
    def __init__(self, px_per_s: float = 60.0) -> None:
        self.px_per_s = px_per_s

    def set_zoom(self, px_per_s: float) -> None:
        self.px_per_s = min(MAX_PX_PER_S, max(MIN_PX_PER_S, px_per_s))

    def x_of(self, ms: float) -> float:
        return ms / 1000.0 * self.px_per_s

    def ms_of(self, x: float) -> int:
        return max(0, round(x / self.px_per_s * 1000.0))

    def width_for(self, document: LyricDocument) -> int:
        return int(self.x_of(document.content_end_ms() + 4000)) + 1

    def bar_at(self, x: float, grid: Grid | None) -> int:
        """The bar (0-based from the take's start) under `x`, or -1 without a grid."""
        if grid is None:
            return -1
        return max(0, math.floor(self.ms_of(x) / grid.bar_ms))

    def bar_rect(self, bar: int, grid: Grid) -> QRectF:
        """The chord lane's cell of bar `bar` (0-based)."""
        x0, x1 = self.x_of(bar * grid.bar_ms), self.x_of((bar + 1) * grid.bar_ms)
        return QRectF(x0, CHORD_TOP, x1 - x0, CHORD_H)

    def lanes_bottom(self, words: bool) -> float:
        """Where the lyric lanes end and the waveform lane begins."""
        return (WORD_TOP + WORD_H if words else LINE_TOP + LINE_H) + 8

    def height(self, words: bool) -> int:
        """The least height that shows the lanes and a useful waveform."""
        return int(self.lanes_bottom(words) + MIN_WAVE_H)

    def line_rect(self, document: LyricDocument, index: int) -> QRectF:
        start = document.lines[index].start_ms
        end = document.line_end_ms(index)
        return QRectF(self.x_of(start), LINE_TOP, max(4.0, self.x_of(end) - self.x_of(start)),
                      LINE_H)

    def word_rects(self, document: LyricDocument, index: int) -> list[QRectF]:
        line = document.lines[index]
        rects = []
        line_end = document.line_end_ms(index)
        for j, word in enumerate(line.words):
            nxt = line.words[j + 1].start_ms if j + 1 < len(line.words) else line_end
            end = word.end_ms if word.end_ms is not None else nxt
            x0 = self.x_of(word.start_ms)
            rects.append(QRectF(x0, WORD_TOP, max(3.0, self.x_of(end) - x0 - 1), WORD_H))
        return rects

    def hit(self, document: LyricDocument, pos: QPointF, *, words: bool) -> Hit:
        """The block (and edge) under `pos`; later lines win where blocks overlap."""
        if words and WORD_TOP <= pos.y() <= WORD_TOP + WORD_H:
            for i in reversed(range(len(document.lines))):
                for j, rect in enumerate(self.word_rects(document, i)):
                    if rect.contains(pos):
                        return Hit("word", i, j)
        for i in reversed(range(len(document.lines))):
            rect = self.line_rect(document, i)
            if rect.adjusted(-EDGE_PX / 2, 0, EDGE_PX / 2, 0).contains(pos):
                return Hit("line", i, edge=_edge(rect, pos.x()))
        return Hit("empty")


def _edge(rect: QRectF, x: float) -> str:
    if rect.width() < 3 * EDGE_PX:
        return "right" if x > rect.right() - EDGE_PX / 2 else ""
    if x <= rect.left() + EDGE_PX:
        return "left"
    if x >= rect.right() - EDGE_PX:
        return "right"
    return ""
