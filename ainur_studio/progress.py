"""The one progress and cancellation contract of long work: generation, training, corpus builds.

Long work takes a `Progress` and calls `report(...)` as it goes, polls `should_stop()` at every
step (sampler step, optimizer step, rendered piece) and sends one-line status messages to
`log(...)`. The engine's `JobContext` implements it; `Callbacks` builds one from plain callables
for scripts and tests. Stdlib only.
"""

from __future__ import annotations

import time
import typing as tp


@tp.runtime_checkable
class Progress(tp.Protocol):
    """Where long work reports, and whom it asks whether to stop."""

    def report(self, step: int, total: int, *, stage: str = "", message: str = "",
               **data: tp.Any) -> None:
        """`step` of `total` in `stage` done; `data` carries figures of the work (loss, ...)."""

    def should_stop(self) -> bool:
        """True once the caller wants the work to end (at the next step)."""

    def log(self, message: str) -> None:
        """A one-line status message for a person."""


Report = tp.Callable[[dict[str, tp.Any]], None]


class Callbacks:
    """A `Progress` made of optional callables: `report(info)` receives one dict with "step",
    "total", "stage", "message" and the data; `should_stop()`; `log(message)`."""

    def __init__(self, *, report: Report | None = None,
                 should_stop: tp.Callable[[], bool] | None = None,
                 log: tp.Callable[[str], None] | None = None) -> None:
        self._report, self._should_stop, self._log = report, should_stop, log

    def report(self, step: int, total: int, *, stage: str = "", message: str = "",
               **data: tp.Any) -> None:
        if self._report is not None:
            self._report({"step": step, "total": total, "stage": stage, "message": message,
                          **data})

    def should_stop(self) -> bool:
        return self._should_stop is not None and bool(self._should_stop())

    def log(self, message: str) -> None:
        if self._log is not None:
            self._log(message)


SILENT = Callbacks()


class Deadline(Callbacks):
    """Stops `seconds` from now (a time budget), or when `inner` says so; reports go to
    `inner`."""

    def __init__(self, seconds: float, inner: Progress = SILENT) -> None:
        super().__init__()
        self.end, self.inner = time.monotonic() + seconds, inner

    def report(self, step: int, total: int, *, stage: str = "", message: str = "",
               **data: tp.Any) -> None:
        self.inner.report(step, total, stage=stage, message=message, **data)

    def should_stop(self) -> bool:
        return time.monotonic() > self.end or self.inner.should_stop()

    def log(self, message: str) -> None:
        self.inner.log(message)


def throttled(report: Report, seconds: float, *, stage: str = "train") -> Report:
    """`report` called with the reports of `stage`, at most once every `seconds`."""
    last = [-float("inf")]

    def call(info: dict[str, tp.Any]) -> None:
        if info.get("stage") == stage and time.monotonic() - last[0] >= seconds:
            last[0] = time.monotonic()
            report(info)

    return call
