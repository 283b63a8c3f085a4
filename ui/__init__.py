"""The PySide6 desktop app. Never imports torch, even indirectly: it talks to the engine
process through `engine.protocol` / `engine.client` and uses only the pure parts of
`ainur_studio` (`types`, `lyrics`, `project`, `descriptor`)."""

from ui import qt_compat

qt_compat.install()  # before any signal is emitted (see ui/qt_compat.py)
