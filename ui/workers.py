"""Generator workers: UI-side background work on a thread pool.

A worker runs a generator function on `QThreadPool`; every value it yields reaches the GUI
thread through the queued `yielded` signal, its return value through `returned`, an exception
through `errored` (plain words + traceback). `abort()` is honoured at the next `yield`.
Workers never touch widgets; they hand data back.
"""

from __future__ import annotations

import traceback
import typing as tp

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class WorkerSignals(QObject):
    yielded = Signal(object)
    returned = Signal(object)
    errored = Signal(str, str)  # (message, traceback text)
    finished = Signal()


class GeneratorWorker(QRunnable):
    def __init__(self, func: tp.Callable[..., tp.Generator[tp.Any, None, tp.Any]],
                 *args: tp.Any, **kwargs: tp.Any) -> None:
        super().__init__()
        self.signals = WorkerSignals()
        self._func, self._args, self._kwargs = func, args, kwargs
        self._abort = False

    def abort(self) -> None:
        self._abort = True

    @property
    def aborted(self) -> bool:
        return self._abort

    def run(self) -> None:
        try:
            gen = self._func(*self._args, **self._kwargs)
            while True:
                if self._abort:
                    gen.close()
                    break
                try:
                    value = next(gen)
                except StopIteration as stop:
                    self.signals.returned.emit(stop.value)
                    break
                self.signals.yielded.emit(value)
        except Exception as exc:  # noqa: BLE001 - reported to the GUI thread, not swallowed
            self.signals.errored.emit(f"{type(exc).__name__}: {exc}", traceback.format_exc())
        finally:
            self.signals.finished.emit()


Callback = tp.Callable[..., object]


def start_worker(func: tp.Callable[..., tp.Generator[tp.Any, None, tp.Any]], *args: tp.Any,
                 on_yield: Callback | None = None, on_return: Callback | None = None,
                 on_error: Callback | None = None, on_finish: Callback | None = None,
                 pool: QThreadPool | None = None, **kwargs: tp.Any) -> GeneratorWorker:
    """Create a worker, connect the callbacks, then start it on `pool` (the global pool by
    default). Connecting before starting matters: a fast worker may finish at once."""
    worker = GeneratorWorker(func, *args, **kwargs)
    worker.setAutoDelete(False)  # the caller may still read `aborted` after it finishes
    for signal, callback in ((worker.signals.yielded, on_yield),
                             (worker.signals.returned, on_return),
                             (worker.signals.errored, on_error),
                             (worker.signals.finished, on_finish)):
        if callback is not None:
            signal.connect(callback)
    (pool or QThreadPool.globalInstance()).start(worker)
    return worker
