"""Waveform drawing: the painter for peak envelopes that the takes list and the timeline share."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

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

