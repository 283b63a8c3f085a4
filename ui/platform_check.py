"""Explain a Qt platform plugin that cannot start, instead of Qt's misleading last words.

When no platform plugin loads, Qt prints that the plugin "could not be loaded" (on Linux it
names `libxcb-cursor0` whatever is missing) and aborts. `PlatformDiagnosis` is a Qt message
handler installed while the `QApplication` is created: Qt's messages pass through unchanged,
and on that fatal message it adds which of the libraries the xcb plugin links are missing and
the `apt-get` line that installs them, or, when none is, that there is no display to reach.
"""

from __future__ import annotations

import ctypes
import os
import sys
import typing as tp

from PySide6.QtCore import QMessageLogContext, QtMsgType, qFormatLogMessage

# soname -> Debian/Ubuntu package, for every system library that Qt 6's xcb platform plugin
# (plugins/platforms/libqxcb.so and lib/libQt6XcbQpa.so.6, checked with ldd) links.
XCB_LIBRARIES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
}
_FATAL_MARK = "no Qt platform plugin could be initialized"


def can_load(soname: str) -> bool:
    """Whether the dynamic loader finds `soname` (the search the plugin's own load makes)."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_libraries(can_load: tp.Callable[[str], bool] = can_load) -> list[str]:
    """The sonames of `XCB_LIBRARIES` that cannot be loaded, in table order."""
    return [soname for soname in XCB_LIBRARIES if not can_load(soname)]


def install_command(missing: list[str]) -> str:
    return "sudo apt-get install " + " ".join(XCB_LIBRARIES[soname] for soname in missing)


def requested_platforms() -> list[str]:
    """The plugin names Qt tries: `QT_QPA_PLATFORM` ("xcb;wayland", "xcb:opts"), else xcb."""
    names = [part.split(":")[0].strip()
             for part in os.environ.get("QT_QPA_PLATFORM", "").split(";")]
    return [name for name in names if name] or ["xcb"]


def explain(can_load: tp.Callable[[str], bool] = can_load) -> str:
    """What to tell the user when no platform plugin started."""
    head = "Ainur Studio cannot open its window: "
    if "xcb" not in requested_platforms():
        return (f"{head}Qt could not start the platform plugin "
                f"{os.environ.get('QT_QPA_PLATFORM')!r}; unset QT_QPA_PLATFORM, or set it "
                "to xcb, wayland or offscreen.")
    missing = missing_libraries(can_load)
    if missing:
        listed = "\n".join(f"  {soname} (package {XCB_LIBRARIES[soname]})" for soname in missing)
        return (f"{head}Qt's xcb platform plugin needs these system libraries, which are "
                f"missing (Qt's message above may name another one):\n{listed}\n"
                f"On Debian/Ubuntu install them with:\n  {install_command(missing)}")
    display = os.environ.get("DISPLAY")
    where = f"the X display {display!r} did not answer" if display else "DISPLAY is not set"
    return (f"{head}its libraries are all installed, but {where}. Start it from a desktop "
            "session (or with ssh -X), or run it headless with QT_QPA_PLATFORM=offscreen.")


class PlatformDiagnosis:
    """A Qt message handler: writes every message as Qt would, and `explain()` after the
    fatal "no Qt platform plugin" one."""

    def __init__(self, can_load: tp.Callable[[str], bool] = can_load,
                 stream: tp.TextIO | None = None) -> None:
        self._can_load = can_load
        self._stream = stream

    def __call__(self, kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        stream = self._stream or sys.stderr
        stream.write(qFormatLogMessage(kind, context, message) + "\n")
        if kind == QtMsgType.QtFatalMsg and _FATAL_MARK in message:
            stream.write("\n" + explain(self._can_load) + "\n")
        stream.flush()
