"""The DAW-like dark theme: palette, style sheet and icons, all loaded from `resources/`."""

from __future__ import annotations

import functools
from importlib import resources

from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication

# Colours the painted widgets share with the style sheet.
BACKGROUND = QColor("#1e2024")
PANEL = QColor("#15171a")
GRID = QColor("#2b2f35")
GRID_STRONG = QColor("#3a3f47")
TEXT = QColor("#d8dadf")
TEXT_DIM = QColor("#7f858f")
ACCENT = QColor("#3d6fb5")
WAVEFORM = QColor("#4f7a9e")
PLAYHEAD = QColor("#e6b450")
WARNING = QColor("#ef6b6b")
BLOCK = QColor("#2f5d8f")
BLOCK_SELECTED = QColor("#4a8ad4")
WORD = QColor("#3b6e63")


def read_resource(name: str) -> bytes:
    """Bytes of `resources/<name>` (e.g. "style.qss", "icons/play.svg")."""
    return resources.files("resources").joinpath(name).read_bytes()


def style_sheet() -> str:
    return read_resource("style.qss").decode("utf-8")


@functools.lru_cache(maxsize=64)
def _icon_path(name: str) -> str:
    return str(resources.files("resources").joinpath("icons", f"{name}.svg"))


def icon(name: str) -> QIcon:
    """The icon `resources/icons/<name>.svg`; an empty icon when the file is missing."""
    return QIcon(_icon_path(name))


def dark_palette() -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: BACKGROUND,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: PANEL,
        QPalette.ColorRole.AlternateBase: QColor("#1e2125"),
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: QColor("#2d3137"),
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: QColor("#ffffff"),
        QPalette.ColorRole.ToolTipBase: QColor("#2d3137"),
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.PlaceholderText: TEXT_DIM,
    }
    for role, colour in roles.items():
        palette.setColor(role, colour)
    return palette


def apply_theme(app: QApplication) -> None:
    """Fusion style, dark palette and the style sheet on `app`."""
    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    app.setStyleSheet(style_sheet())
