"""A small live line plot of the training loss (log-free, auto-scaled, smoothed line on top)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

from ui import theme

MARGIN = 52.0


def smooth(values: list[float], alpha: float = 0.1) -> list[float]:
    """Exponential moving average, as training dashboards draw it."""
    out: list[float] = []
    for v in values:
        out.append(v if not out else out[-1] + alpha * (v - out[-1]))
    return out


class LossPlot(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.points: list[tuple[int, float]] = []  # (step, loss)
        self.total = 0
        self.setMinimumHeight(140)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(400, 180)

    def add_point(self, step: int, loss: float, total: int = 0) -> None:
        self.points.append((step, loss))
        self.total = max(self.total, total)
        self.update()

    def clear(self) -> None:
        self.points, self.total = [], 0
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), theme.PANEL)
        area = QRectF(self.rect()).adjusted(MARGIN, 10, -10, -20)
        painter.setPen(QPen(theme.GRID, 1))
        painter.drawRect(area)
        if len(self.points) < 2:
            painter.setPen(theme.TEXT_DIM)
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, "loss appears here while training")
            return
        steps = [s for s, _ in self.points]
        losses = [v for _, v in self.points]
        x_max = max(self.total, steps[-1], 1)
        lo, hi = min(losses), max(losses)
        hi = hi if hi > lo else lo + 1e-6

        def point(step: float, value: float) -> QPointF:
            return QPointF(area.left() + area.width() * step / x_max,
                           area.bottom() - area.height() * (value - lo) / (hi - lo))

        raw = theme.WAVEFORM
        painter.setPen(QPen(raw, 1))
        painter.drawPolyline(QPolygonF([point(s, v) for s, v in self.points]))
        painter.setPen(QPen(theme.PLAYHEAD, 2))
        painter.drawPolyline(QPolygonF([point(s, v) for s, v in zip(steps, smooth(losses),
                                                                     strict=True)]))
        painter.setPen(theme.TEXT_DIM)
        painter.drawText(QPointF(4, area.top() + 10), f"{hi:.3g}")
        painter.drawText(QPointF(4, area.bottom()), f"{lo:.3g}")
        painter.drawText(QPointF(area.left(), self.height() - 4),
                         f"step {steps[-1]} / {self.total or '?'} · loss {losses[-1]:.4f}")
