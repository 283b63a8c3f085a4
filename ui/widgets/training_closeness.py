"""How close a fine-tune gets, on the Training page: each validation's distances of the
previews to the held-out recordings beside the base pack's and the recordings' own
(`ainur_studio.closeness_report`), and a warning when a preview copies a training recording."""

from __future__ import annotations

import typing as tp

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ainur_studio.closeness_report import VERBATIM_TEXT, closeness_lines, is_verbatim

EMPTY = ("Closeness to your held-out recordings appears here at each preview "
         "(lower is closer).")


class ClosenessView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.figures = QLabel(EMPTY)
        self.figures.setObjectName("hint")
        self.figures.setWordWrap(True)
        self.figures.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.warning = QLabel(VERBATIM_TEXT)
        self.warning.setObjectName("problem")
        self.warning.setWordWrap(True)
        self.warning.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.figures)
        layout.addWidget(self.warning)

    def show_validation(self, step: int, validation: tp.Mapping[str, tp.Any]) -> None:
        """A validation's figures (ignored when it measured no closeness)."""
        lines = closeness_lines(validation)
        if not lines:
            return
        self.figures.setText(f"Closeness at step {step} (lower is closer):\n" + "\n".join(lines))
        self.warning.setVisible(is_verbatim(validation))

    def clear(self) -> None:
        self.figures.setText(EMPTY)
        self.warning.hide()
