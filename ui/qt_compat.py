"""Work-arounds for defects in particular Qt for Python releases.

PySide6 6.12.0 returns the result of `SignalInstance.emit()` (True or False) without taking a
reference to it, so every emit from Python drops one reference to `True`. After a few thousand
emits (a few minutes of playhead updates) CPython frees `True` and aborts with
"bool_dealloc: deallocating True or False". `install()` detects the defect with one probe
emit and, only when it is present, wraps `emit` to restore the missing reference. Releases
without the defect (6.11 and earlier) are left untouched.
"""

from __future__ import annotations

import ctypes
import gc
import sys
import typing as tp

from PySide6.QtCore import QObject, Signal, SignalInstance

_installed = False


class _Probe(QObject):
    fired = Signal()


def emit_drops_a_reference() -> bool:
    """True when `SignalInstance.emit` returns a borrowed bool (the 6.12.0 defect)."""
    probe = _Probe()
    gc.collect()
    before = sys.getrefcount(True) + sys.getrefcount(False)
    for _ in range(8):
        probe.fired.emit()
    after = sys.getrefcount(True) + sys.getrefcount(False)
    if after < before:
        # Give back what the probe itself took before anything else can free True.
        for _ in range(before - after):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
        return True
    return False


def install() -> bool:
    """Patch `SignalInstance.emit` when this PySide6 needs it; returns whether it did."""
    global _installed
    if _installed or not emit_drops_a_reference():
        return _installed
    original: tp.Callable[..., tp.Any] = SignalInstance.emit

    def emit(self: SignalInstance, *args: tp.Any) -> tp.Any:
        result = original(self, *args)
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))
        return result

    emit.__doc__ = original.__doc__
    SignalInstance.emit = emit  # type: ignore[method-assign]
    _installed = True
    return True
