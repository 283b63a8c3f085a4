"""The engine's message loop: control on the reader thread, model jobs on one executor thread.

`EngineServer` is transport-agnostic: a transport feeds it lines with `handle_line` (or
`serve`) and gives it a `write(line)` function with `attach`. Control requests (hello,
status, cancel, shutdown, ...) are answered at once on the caller's thread; `deliver` is
checked there and answered by a delivery thread once the take is sent; model jobs
(generate, load_model, train) wait in a `JobQueue` for the single executor thread, so one
model job runs at a time (Jupyter's control channel, STYLE §1.3).
"""

from __future__ import annotations

import hmac
import logging
import os
import threading
import time
import traceback
import typing as tp
import uuid

from engine import protocol as p
from engine.devices import is_out_of_memory, out_of_memory_message
from engine.jobs import Job, JobCancelled, JobContext, JobError, JobQueue
from engine.osc.daw_link import DawLink

if tp.TYPE_CHECKING:
    from engine.osc.delivery_requests import Deliveries

log = logging.getLogger(__name__)

Handler = tp.Callable[[dict[str, tp.Any], JobContext], dict[str, tp.Any] | None]
MODEL_JOBS = (p.Method.GENERATE.value, p.Method.LOAD_MODEL.value, p.Method.TRAIN.value)
_FINISHED_KEEP = 256  # finished jobs remembered for `cancel` answers


def _engine_version() -> str:
    from importlib import metadata
    try:
        return metadata.version("ainur-studio")
    except metadata.PackageNotFoundError:
        return "unknown"


def _secret(text: str) -> bytes:
    """A token as bytes for `hmac.compare_digest`; lone surrogates from JSON escapes too."""
    return text.encode("utf-8", "surrogatepass")


def new_engine_id() -> str:
    """A fresh id per engine start, e.g. ``e-3f9a1c2b``."""
    return f"e-{uuid.uuid4().hex[:8]}"


class EngineServer:
    """Protocol dispatcher, job queue and executor.

    Args:
        handlers: Job kind (``generate``, ``load_model``, ``train``) -> `run(params, ctx)`.
        status_info: Returns device, precision, model and memory for `status`.
        list_models: Returns the installed packs for `list_models`.
        log_tail: Returns the last engine log lines, attached to `job_failed`.
        token: When set, the first request must be `hello` with this token (TCP).
        transport: Reported in the `hello` reply (``stdio``, ``tcp``, ``inprocess``).
        engine_id: Defaults to a fresh random id.
        checks: Job kind -> `check(params)`, run when a job is submitted; a `JobError` it
            raises refuses the request before it is queued (milliseconds, no model loaded).
    """

    def __init__(self, *, handlers: tp.Mapping[str, Handler],
                 status_info: tp.Callable[[], dict[str, tp.Any]] | None = None,
                 list_models: tp.Callable[[], list[dict[str, tp.Any]]] | None = None,
                 log_tail: tp.Callable[[], list[str]] | None = None,
                 token: str | None = None, transport: str = "stdio",
                 engine_id: str | None = None,
                 checks: tp.Mapping[str, tp.Callable[[dict[str, tp.Any]], None]] | None = None):
        self.engine_id = engine_id or new_engine_id()
        self._handlers = dict(handlers)
        self._checks = dict(checks or {})
        self._status_info = status_info or (lambda: {"device": "cpu", "precision": "fp32"})
        self._list_models = list_models or (lambda: [])
        self._log_tail = log_tail or (lambda: [])
        self._token = token
        self._transport = transport
        self._write: tp.Callable[[str], None] | None = None
        self._write_lock = threading.Lock()
        self._authenticated = token is None
        self._queue = JobQueue()
        self._jobs: dict[str, Job] = {}
        self._jobs_lock = threading.Lock()
        self._current: Job | None = None
        self._daw = DawLink(lambda data: self.emit(p.EventName.DAW_STATE.value, data))
        self._deliveries: Deliveries | None = None  # made by the first `deliver` (soundfile)
        self._deliveries_lock = threading.Lock()
        self._stopping = threading.Event()
        self._executor: threading.Thread | None = None

    # --- transport side -----------------------------------------------------------------

    def attach(self, write: tp.Callable[[str], None]) -> None:
        """Send messages through `write(line)` (a line without newline) from now on."""
        with self._write_lock:
            self._write = write
        self._authenticated = self._token is None

    def detach(self) -> None:
        """Stop sending (the peer went away); jobs keep running unless cancelled."""
        with self._write_lock:
            self._write = None

    def start(self) -> None:
        """Announce `starting`, start the executor thread, announce `idle`."""
        self.emit_status(p.EngineState.STARTING)
        self._executor = threading.Thread(target=self._executor_loop, name="engine-executor",
                                          daemon=True)
        self._executor.start()
        self.emit_status(p.EngineState.IDLE)

    @property
    def authenticated(self) -> bool:
        """False while a token is required and the peer has not sent it."""
        return self._authenticated

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def serve(self, lines: tp.Iterable[bytes | str]) -> None:
        """Handle lines until they run out, a shutdown is requested or a peer is refused."""
        for line in lines:
            if not self.handle_line(line) or self.stopping:
                return

    def handle_line(self, line: bytes | str) -> bool:
        """Decode and handle one line. Returns False if the connection must be closed."""
        text = line.strip()
        if not text:
            return True
        try:
            msg = p.decode(text)
        except p.ProtocolError as exc:
            self.send(p.error_event(exc.code, exc.message, reply_to=exc.request_id,
                                    engine_id=self.engine_id))
            return self._authenticated
        if not isinstance(msg, p.Request):
            self.send(p.error_event(p.ErrorCode.UNKNOWN_TYPE, f"the engine accepts requests "
                                    f"only, got a {type(msg).__name__.lower()}",
                                    reply_to=msg.id, engine_id=self.engine_id))
            return self._authenticated
        return self._handle_request(msg)

    def send(self, msg: p.Message) -> None:
        """Encode and write one message; dropped when no peer is attached."""
        if isinstance(msg, (p.Event, p.Reply)) and not msg.engine_id:
            msg.engine_id = self.engine_id
        if not self._authenticated and not (isinstance(msg, p.Event)
                                            and msg.event == p.EventName.ERROR.value):
            return  # a peer without the token learns nothing but why it was refused
        line = p.encode(msg)
        with self._write_lock:
            write = self._write
            if write is None:
                return
            try:
                write(line)
                return
            except (OSError, ValueError) as exc:
                self._write = None
                failure = exc
        # Log only once the lock is released: warnings travel back here as `log` events.
        log.warning("peer went away while sending (%s); dropping further messages", failure)

    def emit(self, event: str, data: dict[str, tp.Any], *, job: str | None = None,
             reply_to: str | None = None) -> None:
        self.send(p.Event(event=event, data=data, job=job, reply_to=reply_to))

    def emit_status(self, state: p.EngineState | None = None,
                    reply_to: str | None = None) -> dict[str, tp.Any]:
        data = self.status_data(state)
        self.emit(p.EventName.STATUS.value, data, reply_to=reply_to)
        return data

    def status_data(self, state: p.EngineState | None = None) -> dict[str, tp.Any]:
        current = self._current
        if state is None:
            state = p.EngineState.BUSY if current is not None else p.EngineState.IDLE
        info = {"device": "cpu", "precision": "fp32", "model": None, "memory": {}}
        info.update(self._status_info())
        return {"state": state.value, **info, "job": current.id if current else None,
                "queued": len(self._queue), "daw": self._daw.snapshot()}

    def shutdown(self, *, wait_s: float = 5.0) -> None:
        """Cancel every job, stop the executor (waiting up to `wait_s`)."""
        self._stopping.set()
        self._daw.stop()
        for job in self._queue.drain():
            self._finish_cancelled(job, was=p.JobStatus.QUEUED)
        current = self._current
        if current is not None:
            current.cancel_requested.set()
        self._queue.close()
        if self._executor is not None and self._executor is not threading.current_thread():
            self._executor.join(wait_s)

    def cancel_all(self) -> None:
        """Cancel queued and running jobs (the peer disconnected)."""
        for job in self._queue.drain():
            self._finish_cancelled(job, was=p.JobStatus.QUEUED)
        if self._current is not None:
            self._current.cancel_requested.set()

    # --- requests -----------------------------------------------------------------------

    def _handle_request(self, req: p.Request) -> bool:
        if not self._authenticated and req.method != p.Method.HELLO.value:
            self._refuse(req, f"{req.method!r} before hello: this engine requires a token")
            return False
        handler = getattr(self, f"_on_{req.method}", None)
        if req.method in MODEL_JOBS:
            handler = self._on_model_job
        if handler is None:
            self.send(p.error_reply(req, p.ErrorCode.UNKNOWN_METHOD,
                                    f"unknown method {req.method!r}; known: "
                                    f"{', '.join(m.value for m in p.Method)}"))
            return True
        try:
            return handler(req) is not False
        except JobError as exc:
            self.send(p.error_reply(req, exc.code, exc.message, detail=exc.detail))
        except Exception as exc:  # a bug in a control handler must not kill the engine
            log.exception("control request %s failed", req.method)
            if not self._authenticated:  # a refusal is all such a peer may receive
                self._refuse(req, f"{req.method} failed: {exc}")
                return False
            self.send(p.error_reply(req, p.ErrorCode.INTERNAL, f"{req.method} failed: {exc}",
                                    detail=traceback.format_exc()))
        return True

    def _reply(self, req: p.Request, result: dict[str, tp.Any] | None = None) -> None:
        self.send(p.Reply(reply_to=req.id, result=result or {}))

    def _refuse(self, req: p.Request, why: str) -> None:
        log.warning("refused connection: %s", why)
        self.send(self._refusal(req.id, why))

    def check_hello(self, line: bytes | str) -> p.Event | None:
        """None when `line` is a `hello` with the right token, else the `unauthorized`
        event to send back: for transports that vet a peer before attaching it."""
        try:
            msg = p.decode(line.strip())
        except p.ProtocolError as exc:
            return self._refusal(exc.request_id, f"the first message must be hello "
                                 f"({exc.message})")
        why = (self._hello_problem(msg) if isinstance(msg, p.Request)
               else f"the first message must be a hello request, not a {type(msg).__name__}")
        return None if why is None else self._refusal(msg.id, why)

    def _refusal(self, reply_to: str | None, why: str) -> p.Event:
        return p.error_event(p.ErrorCode.UNAUTHORIZED, f"refused: {why}", reply_to=reply_to,
                             engine_id=self.engine_id)

    def _hello_problem(self, req: p.Request) -> str | None:
        """Why `req` does not authenticate its peer (None: it does)."""
        if req.method != p.Method.HELLO.value:
            return f"{req.method!r} before hello: this engine requires a token"
        token = req.params.get("token")
        if token is None:
            return "missing token"
        if not isinstance(token, str):
            return f"the token must be a string, got {type(token).__name__}"
        if not hmac.compare_digest(_secret(token), _secret(self._token or "")):
            return "wrong token"
        return None

    def _on_hello(self, req: p.Request) -> bool:
        if not self._authenticated:
            why = self._hello_problem(req)
            if why is not None:
                self._refuse(req, why)
                return False
            self._authenticated = True
        theirs = req.params.get("protocol", p.PROTOCOL_VERSION)
        if theirs != p.PROTOCOL_VERSION:
            self.send(p.error_reply(req, p.ErrorCode.UNSUPPORTED_VERSION, f"client speaks "
                                    f"protocol {theirs!r}, this engine speaks "
                                    f"{p.PROTOCOL_VERSION}; update the older side"))
            return True
        info = self.status_data()
        self._reply(req, {"protocol": p.PROTOCOL_VERSION, "engine_id": self.engine_id,
                          "engine_version": _engine_version(), "pid": os.getpid(),
                          "transport": self._transport, "device": info["device"],
                          "precision": info["precision"], "methods": [m.value for m in p.Method]})
        self.emit_status(reply_to=req.id)
        return True

    def _on_status(self, req: p.Request) -> None:
        self._reply(req, self.emit_status(reply_to=req.id))

    def _on_list_models(self, req: p.Request) -> None:
        self._reply(req, {"models": self._list_models()})

    def _on_daw_state(self, req: p.Request) -> None:
        self._daw.push(req.params)
        self._reply(req)

    def _on_daw_listen(self, req: p.Request) -> None:
        self._reply(req, self._daw.listen(req.params))

    @property
    def deliveries(self) -> Deliveries:
        """The `Deliveries` runner (engine/osc/delivery_requests.py)."""
        with self._deliveries_lock:
            if self._deliveries is None:
                from engine.osc.delivery_requests import Deliveries

                self._deliveries = Deliveries(self.send)
            return self._deliveries

    def _on_deliver(self, req: p.Request) -> None:
        """Answered by a delivery thread once the take is sent (network I/O)."""
        if self.stopping:
            raise JobError(p.ErrorCode.SHUTTING_DOWN, "the engine is shutting down")
        self.deliveries.submit(req)

    def _on_shutdown(self, req: p.Request) -> bool:
        self._reply(req)
        self.shutdown()
        return False

    def _on_cancel(self, req: p.Request) -> None:
        job = self._find_job(req)
        was = job.status
        if job.finished:
            raise JobError(p.ErrorCode.NOT_FOUND, f"job {job.id} already {job.status.value}")
        if self._queue.remove(job.id) is not None:
            self._reply(req, {"job": job.id, "status": was.value})
            self._finish_cancelled(job, was=p.JobStatus.QUEUED)
            return
        job.cancel_requested.set()
        self._reply(req, {"job": job.id, "status": was.value})

    def _on_stop_training(self, req: p.Request) -> None:
        current = self._current
        if "job" in req.params:
            job = self._find_job(req)
        elif current is not None and current.kind == p.Method.TRAIN.value:
            job = current
        else:
            raise JobError(p.ErrorCode.NOT_FOUND, "no training job is running")
        if job.kind != p.Method.TRAIN.value:
            raise JobError(p.ErrorCode.BAD_PARAMS, f"job {job.id} is a {job.kind} job, not "
                           "training; use cancel")
        job.stop_requested.set()
        self._reply(req, {"job": job.id})

    def _find_job(self, req: p.Request) -> Job:
        job_id = req.params.get("job")
        if not isinstance(job_id, str):
            raise JobError(p.ErrorCode.BAD_PARAMS, f"{req.method} needs params.job, the id "
                           "from the generate/train reply")
        with self._jobs_lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise JobError(p.ErrorCode.NOT_FOUND, f"no job {job_id!r} in this engine "
                           f"({self.engine_id}); it may have been lost in a restart")
        return job

    def _on_model_job(self, req: p.Request) -> None:
        if self.stopping:
            raise JobError(p.ErrorCode.SHUTTING_DOWN, "the engine is shutting down")
        if req.method not in self._handlers:
            raise JobError(p.ErrorCode.UNKNOWN_METHOD, f"this engine cannot run "
                           f"{req.method!r} jobs")
        params = self._with_seconds(req) if "bars" in req.params else req.params
        check = self._checks.get(req.method)
        if check is not None:
            check(params)
        job = Job(kind=req.method, params=params, reply_to=req.id)
        with self._jobs_lock:
            self._jobs[job.id] = job
            self._forget_old_jobs()
        position = len(self._queue) + (1 if self._current is not None else 0)
        self._reply(req, {"job": job.id, "position": position})
        self.emit(p.EventName.ACCEPTED.value, {"kind": job.kind, "status": "queued",
                                               "position": position},
                  job=job.id, reply_to=req.id)
        try:
            self._queue.put(job)
        except RuntimeError:  # shut down in between: the job never runs
            self._finish_cancelled(job, was=p.JobStatus.QUEUED)

    def _with_seconds(self, req: p.Request) -> dict[str, tp.Any]:
        """`generate` with ``bars``: the duration from the request's BPM or the DAW's tempo."""
        params = dict(req.params)
        request = dict(params.get("request") or {})
        bpm = (request.get("fields") or {}).get("bpm")
        try:
            bars = float(params.pop("bars"))
        except (TypeError, ValueError):
            raise JobError(p.ErrorCode.BAD_PARAMS, "bars must be a number") from None
        request["duration_s"] = self._daw.seconds_for_bars(bars, bpm)
        params["request"] = request
        return params

    def _forget_old_jobs(self) -> None:
        finished = [j for j in self._jobs.values() if j.finished]
        for job in finished[:max(0, len(finished) - _FINISHED_KEEP)]:
            del self._jobs[job.id]

    # --- executor -----------------------------------------------------------------------

    def _executor_loop(self) -> None:
        while not self.stopping:
            job = self._queue.get(timeout=0.5)
            if job is None:
                continue
            self._current = job
            try:
                self._run_job(job)
            finally:
                self._current = None
                if not len(self._queue):
                    self.emit_status(p.EngineState.IDLE)

    def _run_job(self, job: Job) -> None:
        job.status = p.JobStatus.RUNNING
        job.started = time.monotonic()
        self.emit_status(p.EngineState.BUSY)
        self.emit(p.EventName.STARTED.value, {"kind": job.kind, "status": "running"},
                  job=job.id, reply_to=job.reply_to)
        ctx = JobContext(job=job, emit=lambda e, d: self.emit(e, d, job=job.id,
                                                              reply_to=job.reply_to))
        try:
            ctx.check_cancelled()
            result = self._handlers[job.kind](job.params, ctx) or {}
        except JobCancelled:
            self._finish_cancelled(job, was=p.JobStatus.RUNNING)
        except JobError as exc:
            self._fail(job, exc.code, exc.message, exc.detail, traceback.format_exc())
        except BaseException as exc:  # noqa: B036 - report everything, the engine survives
            if ctx.cancelled:
                self._finish_cancelled(job, was=p.JobStatus.RUNNING)
            elif is_out_of_memory(exc):
                self._fail(job, p.ErrorCode.OUT_OF_MEMORY, out_of_memory_message(job.params),
                           f"{type(exc).__name__}: {exc}", traceback.format_exc())
            else:
                log.exception("job %s (%s) failed", job.id, job.kind)
                self._fail(job, p.ErrorCode.INTERNAL, f"{job.kind} failed: "
                           f"{type(exc).__name__}: {exc}", "", traceback.format_exc())
            if not isinstance(exc, Exception):
                raise
        else:
            job.status = p.JobStatus.SUCCEEDED
            self.emit(p.EventName.JOB_DONE.value,
                      {"status": "succeeded", "elapsed": round(ctx.elapsed(), 3), **result},
                      job=job.id, reply_to=job.reply_to)

    def _fail(self, job: Job, code: p.ErrorCode | str, message: str, detail: str,
              tb: str) -> None:
        job.status = p.JobStatus.FAILED
        code = code.value if isinstance(code, p.ErrorCode) else code
        self.emit(p.EventName.JOB_FAILED.value,
                  {"status": "failed", "code": code, "message": message, "detail": detail,
                   "traceback": tb, "log_tail": self._log_tail()},
                  job=job.id, reply_to=job.reply_to)

    def _finish_cancelled(self, job: Job, *, was: p.JobStatus) -> None:
        job.status = p.JobStatus.CANCELLED
        self.emit(p.EventName.CANCELLED.value, {"status": "cancelled", "was": was.value},
                  job=job.id, reply_to=job.reply_to)
