"""Painting helpers for the lyric timeline (one function per layer)."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen

from ainur_studio.lyrics.grid import Grid
from ui import theme
from ui.audio_file import Peaks
from ui.models.lyric_document import LyricDocument
from ui.widgets.timeline_geometry import LINE_TOP, RULER_H, WORD_H, WORD_TOP, TimelineGeometry
from ui.widgets.waveform_view import paint_peaks

_TICK_STEPS_S = (0.5, 1, 2, 5, 10, 15, 30, 60)
REGION = QColor("#5fc4a8")  # the repaint / extend region: apart from blocks and playhead


def tick_step_s(px_per_s: float, min_px: float = 70.0) -> float:
    """The smallest ruler step whose labels are at least `min_px` apart."""
    return next((s for s in _TICK_STEPS_S if s * px_per_s >= min_px), _TICK_STEPS_S[-1])


def _visible_range_s(geo: TimelineGeometry, visible: QRectF) -> tuple[float, float]:
    return visible.left() / geo.px_per_s, visible.right() / geo.px_per_s


def paint_ruler(painter: QPainter, geo: TimelineGeometry, visible: QRectF) -> None:
    painter.save()
    _paint_ruler(painter, geo, visible)
    painter.restore()


def _paint_ruler(painter: QPainter, geo: TimelineGeometry, visible: QRectF) -> None:
    painter.fillRect(QRectF(visible.left(), 0, visible.width(), RULER_H), QColor("#23262b"))
    painter.setPen(QPen(theme.GRID_STRONG, 1))
    painter.drawLine(QPointF(visible.left(), RULER_H), QPointF(visible.right(), RULER_H))
    step = tick_step_s(geo.px_per_s)
    t0, t1 = _visible_range_s(geo, visible)
    font = QFont(painter.font())
    font.setPointSizeF(8)
    painter.setFont(font)
    for k in range(int(t0 // step), int(t1 // step) + 2):
        t = k * step
        x = geo.x_of(t * 1000)
        painter.setPen(QPen(theme.GRID_STRONG, 1))
        painter.drawLine(QPointF(x, RULER_H - 6), QPointF(x, RULER_H))
        painter.setPen(theme.TEXT_DIM)
        label = f"{int(t // 60)}:{t % 60:04.1f}" if step < 1 else f"{int(t // 60)}:{int(t % 60):02d}"
        painter.drawText(QPointF(x + 3, RULER_H - 8), label)


def paint_grid(painter: QPainter, geo: TimelineGeometry, visible: QRectF, height: int,
               grid: Grid | None) -> None:
    """Beat lines and stronger bar lines when the tempo is known (bar 1 at the take's
    start; beats of the metre, so 6/8 shows six to the bar)."""
    if grid is None or grid.beat_ms / 1000.0 * geo.px_per_s < 6:
        return
    beat_s = grid.beat_ms / 1000.0
    t0, t1 = _visible_range_s(geo, visible)
    for k in range(max(0, math.floor(t0 / beat_s)), math.ceil(t1 / beat_s) + 1):
        x = geo.x_of(k * grid.beat_ms)
        colour = theme.GRID_STRONG if k % grid.numerator == 0 else theme.GRID
        painter.setPen(QPen(colour, 1))
        painter.drawLine(QPointF(x, RULER_H), QPointF(x, height))


def paint_waveform(painter: QPainter, geo: TimelineGeometry, peaks: Peaks | None,
                   visible: QRectF, height: int, top: float) -> None:
    """The take's waveform in its own lane under the lyrics, with a faint copy behind them."""
    lane = QRectF(visible.left(), top, visible.width(), height - top - 6)
    painter.fillRect(lane, QColor("#191b1f"))
    if peaks is None:
        painter.setPen(theme.TEXT_DIM)
        painter.drawText(lane.adjusted(12, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter,
                         "The selected take's waveform appears here.")
        return
    t0, t1 = _visible_range_s(geo, visible)
    paint_peaks(painter, lane.adjusted(0, 4, 0, -4), peaks, start_s=t0, end_s=t1)
    faint = QColor(theme.WAVEFORM)
    faint.setAlpha(45)
    behind = QRectF(visible.left(), RULER_H + 2, visible.width(), top - RULER_H - 4)
    paint_peaks(painter, behind, peaks, start_s=t0, end_s=t1, colour=faint)


def paint_past_end(painter: QPainter, geo: TimelineGeometry, duration_ms: int,
                   visible: QRectF, height: int) -> None:
    if not duration_ms:
        return
    x = geo.x_of(duration_ms)
    if x < visible.right():
        shade = QColor(theme.WARNING)
        shade.setAlpha(28)
        painter.fillRect(QRectF(x, RULER_H, visible.right() - x, height), shade)
        painter.setPen(QPen(theme.WARNING, 1, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(x, RULER_H), QPointF(x, height))


def paint_region(painter: QPainter, geo: TimelineGeometry, region: tuple[int, int] | None,
                 label: str, height: int, lane_top: float) -> None:
    """The task's region: shaded over the waveform lane (faintly over the lyrics), with its
    edges and `label`."""
    if region is None:
        return
    x0, x1 = geo.x_of(region[0]), geo.x_of(region[1])
    painter.save()
    faint, strong = QColor(REGION), QColor(REGION)
    faint.setAlpha(28)
    strong.setAlpha(70)
    painter.fillRect(QRectF(x0, RULER_H, x1 - x0, lane_top - RULER_H), faint)
    painter.fillRect(QRectF(x0, lane_top, x1 - x0, height - lane_top), strong)
    painter.setPen(QPen(REGION, 1.5))
    for x in (x0, x1):
        painter.drawLine(QPointF(x, RULER_H), QPointF(x, height))
    if label:
        painter.setPen(theme.TEXT)
        painter.drawText(QPointF(x0 + 5, lane_top + 14), label)
    painter.restore()


def paint_line_block(painter: QPainter, geo: TimelineGeometry, document: LyricDocument,
                     index: int, *, selected: bool, problem: str, tap: bool) -> None:
    rect = geo.line_rect(document, index)
    fill = theme.BLOCK_SELECTED if selected else theme.BLOCK
    if not document.lines[index].text:
        fill = QColor("#3a3f47")  # instrumental / empty line
    border = theme.WARNING if problem else (theme.PLAYHEAD if tap else fill.lighter(130))
    painter.setPen(QPen(border, 2 if problem or tap else 1))
    painter.setBrush(fill)
    painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 4, 4)
    painter.setPen(theme.TEXT if not selected else QColor("#ffffff"))
    text_rect = rect.adjusted(6, 0, -4, 0)
    text = document.lines[index].text or "♪"
    elided = painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight,
                                              int(text_rect.width()))
    painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter, elided)
    if problem:
        painter.setPen(theme.WARNING)
        painter.drawText(QPointF(rect.right() - 10, LINE_TOP + 11), "!")


def paint_word_blocks(painter: QPainter, geo: TimelineGeometry, document: LyricDocument,
                      index: int, *, selected: int, tap: int) -> None:
    painter.save()
    _paint_word_blocks(painter, geo, document, index, selected=selected, tap=tap)
    painter.restore()


def _paint_word_blocks(painter: QPainter, geo: TimelineGeometry, document: LyricDocument,
                       index: int, *, selected: int, tap: int) -> None:
    font = QFont(painter.font())
    font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
    painter.setFont(font)
    for j, rect in enumerate(geo.word_rects(document, index)):
        fill = theme.BLOCK_SELECTED if j == selected else theme.WORD
        painter.setPen(QPen(theme.PLAYHEAD if j == tap else fill.lighter(130),
                            2 if j == tap else 1))
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 3, 3)
        painter.setPen(theme.TEXT)
        word = document.lines[index].words[j].text
        elided = painter.fontMetrics().elidedText(word, Qt.TextElideMode.ElideRight,
                                                  int(rect.width() - 4))
        painter.drawText(rect.adjusted(3, 0, -1, 0), Qt.AlignmentFlag.AlignVCenter, elided)
    if not document.lines[index].words and tap >= 0:
        painter.setPen(QPen(theme.PLAYHEAD, 1, Qt.PenStyle.DashLine))
        rect = geo.line_rect(document, index)
        painter.drawRect(QRectF(rect.left(), WORD_TOP, rect.width(), WORD_H))


def paint_empty_hint(painter: QPainter, visible: QRectF) -> None:
    painter.setPen(theme.TEXT_DIM)
    rect = QRectF(visible.left(), LINE_TOP, max(visible.width(), 600), 60)
    painter.drawText(rect.adjusted(16, 0, 0, 0), Qt.AlignmentFlag.AlignLeft
                     | Qt.AlignmentFlag.AlignVCenter,
                     "No lyrics yet: double-click here to add a line, type them in, "
                     "or File → Import lyrics (LRC). Leave empty for an instrumental.")
