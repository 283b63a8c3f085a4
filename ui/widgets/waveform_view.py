"""Waveform drawing: a shared painter for peak envelopes and a small view widget."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

from ui import theme
from ui.audio_file import Peaks


def paint_peaks(painter: QPainter, rect: QRectF, peaks: Peaks | None, *,
                start_s: float = 0.0, end_s: float | None = None,
                colour: QColor = theme.WAVEFORM) -> None:
    """Draw the envelope of `peaks` between `start_s` and `end_s` into `rect`."""
    if peaks is None or peaks.mins.size == 0 or rect.width() < 1:
        return
    end_s = peaks.duration_s if end_s is None else end_s
    if end_s <= start_s:
        return
    columns = max(1, int(rect.width()))
    n = peaks.mins.size
    times = np.linspace(start_s, end_s, columns, endpoint=False)
    idx = (times / max(peaks.duration_s, 1e-9) * n).astype(int)
    inside = (idx >= 0) & (idx < n)
    if not inside.any():
        return
    xs = rect.left() + np.arange(columns)[inside]
    idx = idx[inside]
    mid, half = rect.center().y(), rect.height() / 2 * 0.95
    tops = mid - peaks.maxs[idx] * half
    bottoms = mid - peaks.mins[idx] * half
    poly = QPolygonF([QPointF(x, y) for x, y in zip(xs, tops, strict=True)]
                     + [QPointF(x, y) for x, y in zip(xs[::-1], bottoms[::-1], strict=True)])
    painter.save()
    painter.setPen(QPen(colour, 1))
    painter.setBrush(colour)
    painter.drawPolygon(poly)
    painter.restore()


class WaveformView(QWidget):
    """A take's waveform with a playhead; `set_peaks`, `set_position`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._peaks: Peaks | None = None
        self._position_s: float | None = None
        self.setMinimumHeight(24)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(160, 36)

    def set_peaks(self, peaks: Peaks | None) -> None:
        self._peaks = peaks
        self.update()

    def set_position(self, seconds: float | None) -> None:
        self._position_s = seconds
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.fillRect(self.rect(), theme.PANEL)
        rect = QRectF(self.rect()).adjusted(1, 2, -1, -2)
        paint_peaks(painter, rect, self._peaks)
        if self._peaks and self._position_s is not None and self._peaks.duration_s:
            x = rect.left() + rect.width() * self._position_s / self._peaks.duration_s
            painter.setPen(QPen(theme.PLAYHEAD, 1))
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
        if self._peaks is None:
            painter.setPen(theme.TEXT_DIM)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "…")
