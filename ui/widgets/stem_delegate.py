"""How a stem row of the takes list looks: waveform thumbnail, role, a "given" marker, and
mute / solo buttons; the geometry the view hit-tests clicks against."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

from ainur_studio.types import Take, TakePart
from ui import theme
from ui.audio_file import Peaks
from ui.models.takes_model import MutedRole, PartRole, PeaksRole, SoloedRole, TakeRole
from ui.widgets.waveform_view import paint_peaks

STEM_ROW_H = 30
STEM_THUMB_W = 120
BUTTON_W, BUTTON_H = 22, 18
MAX_THUMB_GAIN = 8.0   # a near-silent take is not blown up into noise
GIVEN_TIP = "given: this part was an input of the take, not generated"


def stem_buttons(rect: QRect) -> dict[str, QRect]:
    """The mute and solo buttons of a stem row drawn in `rect` (right-aligned)."""
    top = rect.top() + (rect.height() - BUTTON_H) // 2
    solo = QRect(rect.right() - BUTTON_W - 6, top, BUTTON_W, BUTTON_H)
    mute = QRect(solo.left() - BUTTON_W - 4, top, BUTTON_W, BUTTON_H)
    return {"mute": mute, "solo": solo}


def stem_button_at(rect: QRect, x: int, y: int) -> str:
    """"mute", "solo" or "" for a click at (x, y) on a stem row drawn in `rect`."""
    return next((name for name, r in stem_buttons(rect).items() if r.contains(x, y)), "")


def stem_thumb(rect: QRect) -> QRectF:
    return QRectF(rect.left() + 4, rect.top() + 3, STEM_THUMB_W, rect.height() - 6)


def scaled(peaks: Peaks | None, loudest: float) -> Peaks | None:
    """`peaks` drawn so the take's loudest stem (peak `loudest`) fills its thumbnail: stems
    keep their levels relative to each other and quiet takes stay readable."""
    if peaks is None or loudest <= 0:
        return peaks
    gain = min(0.95 / loudest, MAX_THUMB_GAIN)
    return Peaks(peaks.mins * gain, peaks.maxs * gain, peaks.duration_s)


def paint_stem(painter: QPainter, option: QStyleOptionViewItem,
               index: QModelIndex | QPersistentModelIndex, *, audible: bool,
               playhead_s: float | None, loudest: float = 0.0) -> None:
    """One stem row; a stem that is muted (or silent because another is soloed) is dimmed.
    `loudest` is the peak of the take's loudest stem (see `scaled`)."""
    take: Take = index.data(TakeRole)
    part: TakePart = index.data(PartRole)
    rect = option.rect
    selected = bool(option.state & QStyle.StateFlag.State_Selected)
    painter.save()
    painter.fillRect(rect, theme.ACCENT.darker(220) if selected else theme.BACKGROUND)
    thumb = stem_thumb(rect)
    painter.fillRect(thumb, theme.PANEL)
    colour = theme.WAVEFORM if audible else theme.GRID_STRONG
    paint_peaks(painter, thumb, scaled(index.data(PeaksRole), loudest), colour=colour)
    if playhead_s is not None and take.duration_s:
        x = thumb.left() + thumb.width() * min(playhead_s / take.duration_s, 1.0)
        painter.setPen(QPen(theme.PLAYHEAD, 1.2))
        painter.drawLine(int(x), int(thumb.top()), int(x), int(thumb.bottom()))
    _paint_label(painter, rect, thumb, part, audible)
    buttons = stem_buttons(rect)
    _paint_button(painter, buttons["mute"], "M", bool(index.data(MutedRole)), theme.WARNING)
    _paint_button(painter, buttons["solo"], "S", bool(index.data(SoloedRole)), theme.PLAYHEAD)
    painter.restore()


def _paint_label(painter: QPainter, rect: QRect, thumb: QRectF, part: TakePart,
                 audible: bool) -> None:
    left = int(thumb.right()) + 8
    text = QRect(left, rect.top(), stem_buttons(rect)["mute"].left() - left - 6, rect.height())
    painter.setPen(theme.TEXT if audible else theme.TEXT_DIM)
    painter.drawText(text, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, part.role)
    if part.given:
        width = painter.fontMetrics().horizontalAdvance(part.role + "  ")
        painter.setPen(theme.TEXT_DIM)
        painter.drawText(text.adjusted(width, 0, 0, 0),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, "given")


def _paint_button(painter: QPainter, rect: QRect, label: str, on: bool, colour: QColor) -> None:
    painter.setPen(QPen(colour if on else theme.GRID_STRONG, 1))
    painter.setBrush(colour.darker(160) if on else theme.PANEL)
    painter.drawRoundedRect(rect, 3, 3)
    painter.setPen(theme.TEXT if on else theme.TEXT_DIM)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
