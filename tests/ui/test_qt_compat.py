"""Emitting signals from Python keeps `True` / `False` alive on every PySide6 release."""

from __future__ import annotations

import gc
import sys

from PySide6.QtCore import QObject, Signal

import ui  # noqa: F401 - installs the work-around on releases that need it
from ui import qt_compat


class _Emitter(QObject):
    value = Signal(str)


def test_emits_do_not_drop_references_to_bools():
    emitter = _Emitter()
    emitter.value.connect(lambda _v: None)
    gc.collect()
    before = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(5000):
        emitter.value.emit("x")
    gc.collect()
    assert (sys.getrefcount(True), sys.getrefcount(False)) == before


def test_probe_is_clean_once_installed():
    qt_compat.install()
    assert not qt_compat.emit_drops_a_reference()
