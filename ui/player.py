"""Playback of takes with a playhead.

The audio callback runs on PortAudio's thread and only advances a frame counter; a 30 ms
QTimer in the GUI thread reads it and emits `position_changed` (Friture's pattern). Without
PortAudio or an output device the player says why (`unavailable_reason`) and keeps a silent
transport running on the wall clock, so the playhead and tap-to-sync still work.
"""

from __future__ import annotations

import threading
import time
import typing as tp

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from ui.audio_file import AudioFileError, read_audio

TICK_MS = 30


class _SilentOutput:
    """A transport with no sound: the position follows the wall clock."""

    def __init__(self) -> None:
        self._t0 = 0.0
        self._start_frame = 0
        self._rate = 48_000
        self._running = False

    def start(self, frames: np.ndarray, rate: int, start_frame: int) -> None:
        self._t0, self._start_frame, self._rate = time.monotonic(), start_frame, rate
        self._running = True

    def stop(self) -> None:
        self._running = False

    def frame(self) -> int:
        if not self._running:
            return self._start_frame
        return self._start_frame + int((time.monotonic() - self._t0) * self._rate)


class _SoundDeviceOutput:
    """sounddevice output stream reading from a numpy buffer."""

    def __init__(self, sd: tp.Any) -> None:
        self._sd = sd
        self._stream: tp.Any = None
        self._frames = np.zeros((0, 2), np.float32)
        self._pos = 0
        self._lock = threading.Lock()

    def start(self, frames: np.ndarray, rate: int, start_frame: int) -> None:
        self.stop()
        self._frames, self._pos = frames, start_frame
        self._stream = self._sd.OutputStream(samplerate=rate, channels=frames.shape[1],
                                             dtype="float32", callback=self._callback)
        self._stream.start()

    def _callback(self, out: np.ndarray, n: int, _time: tp.Any, _status: tp.Any) -> None:
        with self._lock:
            chunk = self._frames[self._pos:self._pos + n]
            self._pos += n
        out[: len(chunk)] = chunk
        out[len(chunk):] = 0

    def stop(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None

    def frame(self) -> int:
        with self._lock:
            return self._pos


def open_output() -> tuple[tp.Any, str]:
    """(output, reason): a sound output, or a silent one and why there is no sound."""
    try:
        import sounddevice as sd
    except OSError as exc:  # the module raises OSError when PortAudio is missing
        return _SilentOutput(), f"no audio output: {exc} (install PortAudio)"
    except ImportError:
        return _SilentOutput(), "no audio output: the sounddevice package is not installed"
    try:
        sd.query_devices(kind="output")
    except Exception as exc:  # noqa: BLE001 - PortAudio raises its own error types
        return _SilentOutput(), f"no audio output device: {exc}"
    return _SoundDeviceOutput(sd), ""


class Player(QObject):
    position_changed = Signal(int)   # ms
    playing_changed = Signal(bool)
    error = Signal(str)

    def __init__(self, output: tp.Any = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if output is None:
            output, reason = open_output()
        else:
            reason = ""
        self._output = output
        self.unavailable_reason = reason
        self.path = ""
        self._frames = np.zeros((0, 2), np.float32)
        self._rate = 48_000
        self.playing = False
        self._timer = QTimer(self, interval=TICK_MS)
        self._timer.timeout.connect(self._tick)

    @property
    def available(self) -> bool:
        return not self.unavailable_reason

    @property
    def duration_ms(self) -> int:
        return int(len(self._frames) * 1000 / self._rate) if self._rate else 0

    def load(self, path: str) -> bool:
        """Load a take (stops playback); emits `error` and returns False on failure."""
        self.stop()
        try:
            self._frames, self._rate = read_audio(path)
        except AudioFileError as exc:
            self.error.emit(str(exc))
            return False
        self.path = path
        return True

    def play(self, start_ms: int = 0) -> None:
        if not len(self._frames):
            self.error.emit("nothing to play: select a take first")
            return
        start = min(len(self._frames), int(start_ms * self._rate / 1000))
        try:
            self._output.start(self._frames, self._rate, start)
        except Exception as exc:  # noqa: BLE001 - device errors come in many types
            self.unavailable_reason = f"audio output failed: {exc}"
            self._output = _SilentOutput()
            self._output.start(self._frames, self._rate, start)
            self.error.emit(self.unavailable_reason)
        self.playing = True
        self._timer.start()
        self.playing_changed.emit(True)

    def stop(self) -> None:
        if not self.playing:
            return
        self._output.stop()
        self._timer.stop()
        self.playing = False
        self.playing_changed.emit(False)

    def toggle(self, start_ms: int = 0) -> None:
        self.stop() if self.playing else self.play(start_ms)

    def position_ms(self) -> int:
        return int(self._output.frame() * 1000 / self._rate)

    def _tick(self) -> None:
        position = self.position_ms()
        self.position_changed.emit(min(position, self.duration_ms))
        if position >= self.duration_ms:
            self.stop()
