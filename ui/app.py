"""QApplication setup and `main()`: names for QSettings, theme, logging, an excepthook that
shows errors instead of dying, the crash-recovery prompt and the project from the command
line."""

from __future__ import annotations

import logging
import sys
import traceback
import types

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

log = logging.getLogger("ainur_studio.ui")


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (reused when one exists), named and themed."""
    from ui import theme

    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("Ainur Studio")
    app.setOrganizationName("Ainur Studio")
    app.setApplicationDisplayName("Ainur Studio")
    theme.apply_theme(app)
    return app


def _excepthook(kind: type[BaseException], value: BaseException,
                tb: types.TracebackType | None) -> None:
    """Log an unexpected error and show it; the window (and the user's work) stays open."""
    text = "".join(traceback.format_exception(kind, value, tb))
    log.error("unexpected error\n%s", text)
    if QApplication.instance() is not None:
        box = QMessageBox(QMessageBox.Icon.Critical, "Ainur Studio",
                          f"Something went wrong: {value}\nYour project is still open; save it "
                          "to be safe.")
        box.setDetailedText(text)
        box.exec()


def main(project: str | None = None, argv: list[str] | None = None) -> int:
    from ui.main_window import MainWindow

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = create_application(argv)
    sys.excepthook = _excepthook
    window = MainWindow()
    window.show()
    if project:
        QTimer.singleShot(0, lambda: window.load_project_file(project))
    else:
        QTimer.singleShot(0, window.check_recovery)
    return app.exec()
