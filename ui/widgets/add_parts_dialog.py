"""The "Add a part…" / "Replace this part…" dialog: choose the stem roles to generate in time
with the given ones (a take's other stems, or one audio file whose role is chosen here)."""

from __future__ import annotations

import typing as tp
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ainur_studio.structure import ROLE_DESCRIPTIONS, STEM_ROLES


def guess_role(path: str) -> str:
    """The stem role a file's name mentions ("bass take.wav" -> bass), else the first role."""
    name = Path(path).stem.lower()
    return next((role for role in STEM_ROLES if role in name), STEM_ROLES[0])


class AddPartsDialog(QDialog):
    """Either `have` (the take's roles) or `file_path` (one given file) is set. `checked` are
    the roles ticked at first."""

    def __init__(self, parent: QWidget | None = None, *, title: str,
                 have: tp.Sequence[str] = (), checked: tp.Sequence[str] = (),
                 file_path: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._have, self._file = list(have), file_path
        self.role_boxes: dict[str, QCheckBox] = {}
        self.file_role = QComboBox()
        self.file_role.addItems(list(STEM_ROLES))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._build(list(checked))

    def _build(self, checked: list[str]) -> None:
        layout = QVBoxLayout(self)
        if self._file:
            form = QFormLayout()
            form.addRow("Given file", QLabel(Path(self._file).name))
            form.addRow("It is the", self.file_role)
            self.file_role.setCurrentText(guess_role(self._file))
            self.file_role.currentTextChanged.connect(lambda _r: self._update())
            layout.addLayout(form)
        layout.addWidget(QLabel("Parts to generate:"))
        for role in STEM_ROLES:
            box = QCheckBox(self._label(role))
            box.setChecked(role in checked)
            box.toggled.connect(lambda _on: self._update())
            self.role_boxes[role] = box
            layout.addWidget(box)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)
        self._update()

    def _label(self, role: str) -> str:
        note = " (replaces the take's)" if role in self._have else ""
        return f"{role}: {ROLE_DESCRIPTIONS[role]}{note}"

    def given_roles(self) -> list[str]:
        """The roles that stay as they are: the take's unticked stems, or the file's role."""
        if self._file:
            return [self.file_role.currentText()]
        return [r for r in self._have if r not in self.wanted()]

    def wanted(self) -> list[str]:
        """The ticked roles, in `STEM_ROLES` order."""
        return [role for role, box in self.role_boxes.items()
                if box.isChecked() and box.isEnabled()]

    def _update(self) -> None:
        if self._file:
            for role, box in self.role_boxes.items():
                box.setEnabled(role != self.file_role.currentText())
        wanted, given = self.wanted(), self.given_roles()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(wanted and given))
        if not wanted:
            self.summary.setText("Tick at least one part to generate.")
        elif not given:
            self.summary.setText("Keep at least one of the take's parts: the new parts are "
                                 "made in time with the parts you keep.")
        else:
            self.summary.setText(f"Generates {', '.join(wanted)} in time with "
                                 f"{', '.join(given)}, with the prompt panel's prompt and "
                                 "settings.")
