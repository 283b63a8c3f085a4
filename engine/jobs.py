"""Jobs, the queue the executor thread serves, and the context handlers report through.

A handler is a plain function `run(params, ctx) -> dict` (STYLE §2.7): it reports progress
with `ctx.report(...)`, sends intermediate results with `ctx.emit(...)`, and calls
`ctx.check_cancelled()` at safe points. `JobContext` is also the model core's progress contract
(`ainur_studio.progress.Progress`: `report`, `should_stop`, `log`), so handlers pass it to
generation and training as it is. Nothing here knows about processes or transports.
"""

from __future__ import annotations

import collections
import threading
import time
import typing as tp
from dataclasses import dataclass, field

from engine.protocol import ErrorCode, EventName, JobStatus, new_id

Emit = tp.Callable[[str, dict[str, tp.Any]], None]


class JobCancelled(Exception):
    """Raised inside a handler when its job was cancelled; the executor reports `cancelled`."""


class JobError(Exception):
    """A job failure with a protocol error code and a message that tells the user what to do.

    Args:
        code: An `ErrorCode`.
        message: One or two sentences for people: what happened and how to fix it.
        detail: Optional longer text (the underlying exception, paths, sizes).
    """

    def __init__(self, code: ErrorCode, message: str, *, detail: str = ""):
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail


@dataclass
class Job:
    """One unit of model work (generate, load_model, train)."""

    kind: str
    params: dict[str, tp.Any]
    reply_to: str | None = None
    id: str = field(default_factory=lambda: new_id("j"))
    status: JobStatus = JobStatus.QUEUED
    created: float = field(default_factory=time.monotonic)
    started: float | None = None
    cancel_requested: threading.Event = field(default_factory=threading.Event)
    stop_requested: threading.Event = field(default_factory=threading.Event)

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class JobContext:
    """What a running handler may do: report progress, emit events, check for cancellation.

    Args:
        job: The job being run.
        emit: `emit(event_name, data)` sends an event about this job.
        min_interval_s: Progress reports closer together than this are dropped, except the
            first and the last step of a stage.
    """

    def __init__(self, *, job: Job, emit: Emit, min_interval_s: float = 0.0):
        self.job = job
        self._emit = emit
        self._t0 = time.monotonic()
        self._min_interval_s = min_interval_s
        self._last_report = 0.0
        self._stage = ""
        self._stage_t0 = self._t0
        self._prev_call = self._t0

    @property
    def cancelled(self) -> bool:
        """True once the job was asked to cancel."""
        return self.job.cancel_requested.is_set()

    @property
    def stop_requested(self) -> bool:
        """True once a training job was asked to stop (and keep its checkpoint)."""
        return self.job.stop_requested.is_set()

    def check_cancelled(self) -> None:
        """Raise `JobCancelled` if the job was cancelled."""
        if self.cancelled:
            raise JobCancelled(self.job.id)

    def elapsed(self) -> float:
        return time.monotonic() - self._t0

    def should_stop(self) -> bool:
        """True once the job was asked to cancel, or (training) to stop with a checkpoint."""
        return self.cancelled or self.stop_requested

    def log(self, message: str) -> None:
        """A status line for the user: a `progress` event of the "prepare" stage."""
        self.report(0, 0, stage="prepare", message=message)

    def report(self, step: int, total: int, *, stage: str = "", message: str = "",
               **data: tp.Any) -> None:
        """Send a `progress` event; `eta` is extrapolated from the time spent so far.

        A report of the "train" stage is an optimizer step with its figures (`loss`, `lr`,
        `samples_per_s`, `eta`, `previews`) and goes out as `training_progress`."""
        if stage == "train":
            self._emit(EventName.TRAINING_PROGRESS.value,
                       training_progress(step, total, data, self.elapsed()))
            return
        now = time.monotonic()
        if stage != self._stage:  # ETA extrapolates the current stage, which began when
            self._stage, self._stage_t0 = stage, self._prev_call  # the last one reported
        self._prev_call = now
        edge = step <= 1 or step >= total
        if not edge and now - self._last_report < self._min_interval_s:
            return
        self._last_report = now
        elapsed = now - self._t0
        in_stage = now - self._stage_t0
        eta = in_stage * (total - step) / step if 0 < step <= total else None
        self._emit(EventName.PROGRESS.value, {
            "step": int(step), "total": int(total), "elapsed": round(elapsed, 3),
            "eta": None if eta is None else round(eta, 3), "stage": stage, "message": message})

    def emit(self, event: str, data: dict[str, tp.Any]) -> None:
        """Send any event about this job (e.g. `take_ready`, `training_progress`)."""
        self._emit(event, data)


def training_progress(step: int, total: int, data: tp.Mapping[str, tp.Any],
                      elapsed: float) -> dict[str, tp.Any]:
    """The `training_progress` payload of a training step (ETA extrapolated when missing)."""
    eta = data.get("eta")
    if eta is None and 0 < step < total:
        eta = elapsed * (total - step) / step
    return {"step": int(step), "total": int(total or 0),
            "loss": _float(data.get("loss")), "lr": _float(data.get("lr")),
            "samples_per_s": _float(data.get("samples_per_s")),
            "eta": None if _float(eta) is None else round(float(eta), 3),
            "previews": [str(p) for p in data.get("previews", []) or []],
            "event": str(data.get("event") or "step"),
            "validation": {str(k): float(v) for k, v in (data.get("validation") or {}).items()
                           if _float(v) is not None}}


def _float(value: tp.Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


class JobQueue:
    """Thread-safe FIFO of jobs with cancellation of queued entries."""

    def __init__(self) -> None:
        self._items: collections.deque[Job] = collections.deque()
        self._cond = threading.Condition()
        self._closed = False

    def put(self, job: Job) -> int:
        """Append a job; returns its position (0 = next to run)."""
        with self._cond:
            if self._closed:
                raise RuntimeError("the job queue is closed")
            self._items.append(job)
            self._cond.notify()
            return len(self._items) - 1

    def get(self, timeout: float | None = None) -> Job | None:
        """The next job, or None after `timeout` seconds or once closed and empty."""
        with self._cond:
            deadline = None if timeout is None else time.monotonic() + timeout
            while not self._items:
                if self._closed:
                    return None
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining)
            return self._items.popleft()

    def remove(self, job_id: str) -> Job | None:
        """Take a queued job out of the queue; None if it is not queued."""
        with self._cond:
            for job in self._items:
                if job.id == job_id:
                    self._items.remove(job)
                    return job
            return None

    def drain(self) -> list[Job]:
        """Remove and return every queued job."""
        with self._cond:
            items = list(self._items)
            self._items.clear()
            return items

    def close(self) -> None:
        """Wake waiting getters; further `put` calls fail."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)
