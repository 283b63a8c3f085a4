"""Playback of takes with a playhead.

The audio callback runs on PortAudio's thread and only advances a frame counter; a 30 ms
QTimer in the GUI thread reads it and emits `position_changed` (Friture's pattern). Without
PortAudio or an output device the player says why (`unavailable_reason`) and keeps a silent
transport running on the wall clock, so the playhead and tap-to-sync still work.

A take is read in the background (`load` returns at once; `loaded` or `error` follows), so
selecting a long take, or a new one landing while the engine generates, never stalls the GUI;
`play` asked for meanwhile starts when the audio is in.

A take made of stems can be previewed with some stems muted or soloed (`set_parts`): the
stems are read in the background the first time they are needed, the audible ones are summed
in the GUI thread and the buffer is swapped under the output's lock (`replace`), so playback
goes on from the same frame. With nothing muted or soloed the take's mix file plays.
"""

from __future__ import annotations

import threading
import time
import typing as tp

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from ui.audio_file import read_audio
from ui.models.stem_audio import mix_stems, read_stems_job
from ui.workers import GeneratorWorker, start_worker

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

    def replace(self, frames: np.ndarray) -> None:
        """Play `frames` from the current position on (nothing to swap without sound)."""

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

    def replace(self, frames: np.ndarray) -> None:
        """Swap the buffer the callback reads, keeping the position (solo / mute)."""
        with self._lock:
            self._frames = frames

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
    loaded = Signal(str)             # the path whose audio is now in
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
        self._frames = np.zeros((0, 2), np.float32)   # what plays
        self._mix = self._frames                       # the loaded file's frames
        self._rate = 48_000
        self._stem_files: dict[str, str] = {}          # role -> file of the loaded take
        self._stems: dict[str, np.ndarray] = {}        # their frames, once read
        self._audible: list[str] | None = None         # None: the mix file plays
        self._loader: GeneratorWorker | None = None    # reading `path` in the background
        self._pending_play: int | None = None          # a play asked for while reading
        self._stems_rate = 0                           # of stems read before the mix
        self._reader: GeneratorWorker | None = None
        self.playing = False
        self._timer = QTimer(self, interval=TICK_MS)
        self._timer.timeout.connect(self._tick)

    @property
    def available(self) -> bool:
        return not self.unavailable_reason

    @property
    def duration_ms(self) -> int:
        return int(len(self._frames) * 1000 / self._rate) if self._rate else 0

    @property
    def loading(self) -> bool:
        """True while `path` is being read."""
        return self._loader is not None

    def load(self, path: str) -> None:
        """Start reading a take (stops playback); `loaded` follows, or `error` naming the file
        when it cannot be read."""
        self.stop()
        self._forget_stems()
        if self._loader is not None:
            self._loader.abort()
        self.path, self._pending_play = path, None
        self._frames = self._mix = np.zeros((0, 2), np.float32)
        self._loader = start_worker(
            _read_job, path, on_return=lambda result, p=path: self._on_loaded(p, *result),
            on_error=lambda message, _tb, p=path: self._on_load_failed(p, message))

    def _on_loaded(self, path: str, frames: np.ndarray, rate: int) -> None:
        if path != self.path:
            return  # another take was loaded meanwhile
        self._loader = None
        self._frames = self._mix = frames
        self._rate = rate
        if self._stems:  # the stems were read first: checked against the mix now
            stems, self._stems = self._stems, {}
            self._check_stems(stems, self._stems_rate)
        else:
            self._apply_mix()
        self.loaded.emit(path)
        if self._pending_play is not None:
            start, self._pending_play = self._pending_play, None
            self.play(start)

    def _on_load_failed(self, path: str, message: str) -> None:
        if path == self.path:
            self._loader, self._pending_play, self.path = None, None, ""
            self.error.emit(message)

    # --- stems: solo / mute -----------------------------------------------------------------
    @property
    def audible(self) -> list[str] | None:
        """The stems playing (None: the mix file)."""
        return None if self._audible is None else list(self._audible)

    def set_parts(self, files: dict[str, str], audible: list[str] | None) -> None:
        """The loaded take's stems (role -> file) and which of them to hear; None (or no
        stems) plays the mix file. Applies at once while playing."""
        if files != self._stem_files:
            self._forget_stems()
            self._stem_files = dict(files)
        self._audible = None if audible is None else list(audible)
        self._apply_mix()

    def _forget_stems(self) -> None:
        if self._reader is not None:
            self._reader.abort()
            self._reader = None
        self._stem_files, self._stems, self._audible = {}, {}, None

    def _apply_mix(self) -> None:
        if self._loader is not None:
            return  # applied when the take is in
        if self._audible is None or not self._stem_files:
            self._set_frames(self._mix)
        elif self._stems:
            self._set_frames(mix_stems(self._stems, self._audible))
        elif self._reader is None:
            self._read_stems()

    def _read_stems(self) -> None:
        files = dict(self._stem_files)
        self._reader = start_worker(
            read_stems_job, files,
            on_return=lambda result: self._on_stems_read(files, *result),
            on_error=lambda message, _tb: self._on_stems_failed(files, message))

    def _on_stems_read(self, files: dict[str, str], stems: dict[str, np.ndarray],
                       rate: int) -> None:
        if files != self._stem_files:
            return  # another take was loaded meanwhile
        self._reader = None
        if self._loader is not None:  # the mix is still being read: check when it is in
            self._stems, self._stems_rate = stems, rate
            return
        self._check_stems(stems, rate)

    def _check_stems(self, stems: dict[str, np.ndarray], rate: int) -> None:
        if rate != self._rate:
            self._stem_files, self._audible = {}, None
            self.error.emit(f"cannot preview the stems: they are at {rate} Hz and the mix at "
                            f"{self._rate} Hz")
            return
        self._stems = stems
        self._apply_mix()

    def _on_stems_failed(self, files: dict[str, str], message: str) -> None:
        if files == self._stem_files:
            self._reader, self._stem_files, self._audible = None, {}, None
            self.error.emit(f"cannot preview the stems ({message}); playing the mix")

    def _set_frames(self, frames: np.ndarray) -> None:
        if frames is self._frames:
            return
        self._frames = frames
        if not self.playing:
            return
        replace = getattr(self._output, "replace", None)
        if replace is not None:
            replace(frames)
        else:  # an output that cannot swap buffers: restart it where it was
            position = self.position_ms()
            self._output.stop()
            self._output.start(frames, self._rate,
                               min(len(frames), int(position * self._rate / 1000)))

    def play(self, start_ms: int = 0) -> None:
        if self._loader is not None:
            self._pending_play = start_ms  # starts when the take is in
            return
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
        if self._pending_play is not None:
            self._pending_play = None  # a second press before the take was in
        else:
            self.stop() if self.playing else self.play(start_ms)

    def position_ms(self) -> int:
        return int(self._output.frame() * 1000 / self._rate)

    def _tick(self) -> None:
        position = self.position_ms()
        self.position_changed.emit(min(position, self.duration_ms))
        if position >= self.duration_ms:
            self.stop()


def _read_job(path: str) -> tp.Generator[None, None, tuple[np.ndarray, int]]:
    """Generator for `ui.workers`: a take's frames and sample rate."""
    yield None  # abort point before reading
    return read_audio(path)
