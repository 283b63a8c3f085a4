"""QApplication setup and `main()`."""

from __future__ import annotations

import sys


def main(project: str | None = None, argv: list[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("Ainur Studio")
    app.setOrganizationName("Ainur Studio")
    window = MainWindow()
    window.show()
    return app.exec()
