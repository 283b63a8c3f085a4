"""An event-loop latency probe: a timer that measures how late it fires.

While running, every `interval_ms` the probe compares the time since its last tick with the
interval; the excess is how long the GUI thread was busy elsewhere. `max_ms` is the worst
stall seen, the number the app must keep under ~50 ms while the engine generates.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer


class LatencyProbe(QObject):
    def __init__(self, interval_ms: int = 10, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self.samples: list[float] = []
        self._last = 0.0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.samples = []
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        late = (now - self._last) * 1000.0 - self.interval_ms
        self.samples.append(max(0.0, late))
        self._last = now

    @property
    def max_ms(self) -> float:
        return max(self.samples, default=0.0)

    def percentile(self, q: float) -> float:
        """The `q`-th percentile (0-100) of the lateness samples, in ms."""
        if not self.samples:
            return 0.0
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]

    def summary(self) -> str:
        return (f"{len(self.samples)} ticks, max {self.max_ms:.1f} ms late, "
                f"p99 {self.percentile(99):.1f} ms")
