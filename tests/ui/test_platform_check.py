"""When Qt's platform plugin cannot load, the app names the missing libraries and the fix."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QMessageLogContext, QtMsgType

from ui import platform_check
from ui.platform_check import PlatformDiagnosis, install_command, missing_libraries

ROOT = Path(__file__).resolve().parents[2]
QT_FATAL = ("This application failed to start because no Qt platform plugin could be "
            "initialized. Reinstalling the application may fix this problem.")


def absent(*names: str):
    return lambda soname: soname not in names


def test_missing_libraries_are_found_with_their_packages():
    missing = missing_libraries(can_load=absent("libxcb-icccm.so.4", "libxcb-keysyms.so.1"))
    assert missing == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert install_command(missing) == "sudo apt-get install libxcb-icccm4 libxcb-keysyms1"


def test_every_library_qt_xcb_links_is_checked():
    assert {"libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1",
            "libxcb-image.so.0", "libxcb-render-util.so.0", "libxcb-shape.so.0",
            "libxkbcommon-x11.so.0", "libEGL.so.1"} <= set(platform_check.XCB_LIBRARIES)


def test_the_fatal_message_gets_the_missing_libraries_and_the_apt_command(monkeypatch):
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    out = io.StringIO()
    diagnose = PlatformDiagnosis(can_load=absent("libxcb-icccm.so.4"), stream=out)
    diagnose(QtMsgType.QtWarningMsg, QMessageLogContext(), "From 6.5.0, xcb-cursor0 ...")
    assert "libxcb-icccm" not in out.getvalue()  # Qt's own message goes through unchanged
    diagnose(QtMsgType.QtFatalMsg, QMessageLogContext(), QT_FATAL)
    text = out.getvalue()
    assert "libxcb-icccm.so.4" in text
    assert "sudo apt-get install libxcb-icccm4" in text
    assert "libxcb-cursor" not in text.split(QT_FATAL)[1]  # only what is really missing


def test_with_every_library_present_the_display_is_named(monkeypatch):
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    out = io.StringIO()
    PlatformDiagnosis(can_load=lambda _soname: True, stream=out)(
        QtMsgType.QtFatalMsg, QMessageLogContext(), QT_FATAL)
    assert "DISPLAY" in out.getvalue() and "QT_QPA_PLATFORM=offscreen" in out.getvalue()
    assert "apt-get" not in out.getvalue()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="xcb is Linux only")
def test_main_explains_a_platform_plugin_that_cannot_start():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "xcb"  # with no display to connect to
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "gui"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "Ainur Studio cannot open its window" in done.stderr
    assert "DISPLAY" in done.stderr or "apt-get install" in done.stderr


def test_readme_lists_the_packages_for_make_run():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for package in ("python3-venv", "libsndfile1", "libportaudio2", "libxcb-cursor0",
                    "libxcb-icccm4", "libxcb-keysyms1", "libxcb-image0", "libxcb-render-util0",
                    "libxkbcommon-x11-0", "libegl1"):
        assert package in readme, package
