"""Engine clients without Qt (standard library only): for tests, the headless CLI, scripts.

`EngineClient` spawns ``python main.py engine`` (or connects to ``--listen`` over TCP),
matches replies to requests by id, hands events to listeners, and watches the process: when
it dies (exit code, signal, end of its output) the running and queued jobs fail with
`engine_died` and the engine's last log lines, and the engine is restarted with bounded
retries and exponential back-off. `engine.inprocess.InProcessEngine` has the same API.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import typing as tp
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from engine import protocol as p

log = logging.getLogger(__name__)

Listener = tp.Callable[[p.Event], None]
TERMINAL_EVENTS = (p.EventName.JOB_DONE.value, p.EventName.JOB_FAILED.value,
                   p.EventName.CANCELLED.value)
ENGINE_EXITED = "engine_exited"  # made by the client, never sent by an engine


class EngineError(Exception):
    """A failed reply or an unusable engine: `code` (an `ErrorCode` value), `message`,
    `detail`."""

    def __init__(self, code: str, message: str, detail: str = ""):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.detail = detail


class EngineDied(EngineError):
    """The engine process went away while a request was waiting."""


def default_engine_command() -> list[str]:
    """``python main.py engine``, or the frozen executable with ``--engine``."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--engine"]
    return [sys.executable, str(Path(__file__).resolve().parents[1] / "main.py"), "engine"]


class ClientBase:
    """Request/reply matching, event listeners and per-job event history."""

    def __init__(self, *, on_event: Listener | None = None) -> None:
        self.engine_id = ""
        self._pending: dict[str, Future[p.Reply]] = {}
        self._listeners: list[Listener] = [on_event] if on_event else []
        self._jobs: dict[str, list[p.Event]] = {}
        self._cancelling: set[str] = set()
        self._cond = threading.Condition()

    # subclasses provide the transport
    def _send_line(self, line: str) -> None:
        raise NotImplementedError

    def add_listener(self, listener: Listener) -> None:
        """Call `listener(event)` for every event (on the client's reader thread)."""
        self._listeners.append(listener)

    def request(self, method: str | p.Method, params: dict[str, tp.Any] | None = None, *,
                timeout: float | None = 30.0) -> dict[str, tp.Any]:
        """Send a request and wait for its reply; returns the reply's `result`.

        Raises:
            EngineError: the engine answered `ok: false` (or did not answer in time).
            EngineDied: the engine went away before answering.
        """
        req = p.Request(method=method.value if isinstance(method, p.Method) else method,
                        params=params or {})
        future: Future[p.Reply] = Future()
        with self._cond:
            self._pending[req.id] = future
        try:
            self._send_line(p.encode(req))
            reply = future.result(timeout)
        except FutureTimeout as exc:
            raise EngineError(p.ErrorCode.INTERNAL.value, f"no reply to {req.method} within "
                              f"{timeout} s; the engine may be stuck") from exc
        finally:
            with self._cond:
                self._pending.pop(req.id, None)
        if not reply.ok:
            err = reply.error or p.ErrorInfo(p.ErrorCode.INTERNAL.value, "failed")
            raise EngineError(err.code, err.message, err.detail)
        return reply.result

    # --- conveniences ---

    def hello(self, **params: tp.Any) -> dict[str, tp.Any]:
        return self.request(p.Method.HELLO, {"protocol": p.PROTOCOL_VERSION,
                                             "client": "engine.client", **params})

    def status(self) -> dict[str, tp.Any]:
        return self.request(p.Method.STATUS)

    def list_models(self) -> list[dict[str, tp.Any]]:
        return list(self.request(p.Method.LIST_MODELS)["models"])

    def generate(self, request: tp.Any, *, output: dict[str, tp.Any] | None = None) -> str:
        """Queue a generation; `request` is a `GenerationRequest` or its dict. Returns the
        job id."""
        data = request.to_dict() if hasattr(request, "to_dict") else dict(request)
        params: dict[str, tp.Any] = {"request": data}
        if output:
            params["output"] = output
        return str(self.request(p.Method.GENERATE, params)["job"])

    def cancel(self, job: str) -> dict[str, tp.Any]:
        """Ask the engine to cancel `job` (queued: at once; running: at the next step)."""
        self._cancelling.add(job)
        return self.request(p.Method.CANCEL, {"job": job})

    def job_events(self, job: str) -> list[p.Event]:
        """Every event received for `job` so far."""
        with self._cond:
            return list(self._jobs.get(job, []))

    def wait_job(self, job: str, timeout: float | None = 60.0) -> p.Event:
        """Block until `job` ends; returns its `job_done`, `job_failed` or `cancelled` event.

        Raises:
            TimeoutError: if it has not ended within `timeout` seconds.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self._jobs.get(job, []):
                    if event.event in TERMINAL_EVENTS:
                        return event
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError(f"job {job} did not finish within {timeout} s")
                self._cond.wait(remaining)

    # --- incoming ---

    def _handle_line(self, line: bytes | str) -> None:
        try:
            msg = p.decode(line)
        except p.ProtocolError as exc:
            log.warning("ignoring a line from the engine that is not protocol: %s", exc)
            return
        if isinstance(msg, p.Reply):
            self._handle_reply(msg)
        elif isinstance(msg, p.Event):
            self._handle_event(msg)

    def _handle_reply(self, reply: p.Reply) -> None:
        if reply.engine_id:
            self.engine_id = reply.engine_id
        with self._cond:
            future = self._pending.get(reply.reply_to)
        if future is not None and not future.done():
            future.set_result(reply)

    def _handle_event(self, event: p.Event) -> None:
        if event.engine_id:
            self.engine_id = event.engine_id
        if event.event == p.EventName.ERROR.value and event.reply_to:
            with self._cond:  # the engine could not read that request: fail it now
                future = self._pending.get(event.reply_to)
            if future is not None and not future.done():
                future.set_exception(EngineError(str(event.data.get("code", "")),
                                                 str(event.data.get("message", "")),
                                                 str(event.data.get("detail", ""))))
        if event.job:
            with self._cond:
                self._jobs.setdefault(event.job, []).append(event)
                self._cond.notify_all()
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("event listener failed on %s", event.event)

    def _open_jobs(self) -> list[str]:
        with self._cond:
            return [job for job, events in self._jobs.items()
                    if not any(e.event in TERMINAL_EVENTS for e in events)]

    def _fail_everything(self, message: str, detail: str, log_tail: list[str]) -> None:
        """The engine is gone: fail waiting requests and unfinished jobs."""
        with self._cond:
            pending = list(self._pending.values())
        for future in pending:
            if not future.done():
                future.set_exception(EngineDied(p.ErrorCode.ENGINE_DIED.value, message, detail))
        for job in self._open_jobs():
            if job in self._cancelling:  # the user wanted it gone: that is what happened
                self._handle_event(p.Event(
                    event=p.EventName.CANCELLED.value, job=job, engine_id=self.engine_id,
                    data={"status": "cancelled", "was": "running", "forced": True}))
                continue
            self._handle_event(p.Event(
                event=p.EventName.JOB_FAILED.value, job=job, engine_id=self.engine_id,
                data={"status": "failed", "code": p.ErrorCode.ENGINE_DIED.value,
                      "message": message, "detail": detail, "traceback": "",
                      "log_tail": log_tail}))


def describe_exit(returncode: int | None) -> str:
    """A sentence for people about how the engine ended."""
    if returncode is None:
        return "The engine closed its connection."
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        hint = {"SIGKILL": " (often the system running out of memory)",
                "SIGSEGV": " (a crash in native code)", "SIGABRT": " (a crash in native code)"}
        return f"The engine was killed by {name}{hint.get(name, '')}."
    return f"The engine exited unexpectedly with code {returncode}."


class EngineClient(ClientBase):
    """Owns an engine subprocess (or a TCP connection) and keeps it alive.

    Args:
        command: The engine command line (default `default_engine_command()`).
        env: Extra environment variables for the engine.
        on_event: A first event listener.
        max_restarts: Restarts allowed within `restart_window_s` before giving up.
        backoff_s: First restart delay; doubled for each restart in the window.
        start_timeout_s: How long the engine may take to answer its first hello.
    """

    def __init__(self, *, command: list[str] | None = None,
                 env: tp.Mapping[str, str] | None = None, cwd: str | None = None,
                 on_event: Listener | None = None, max_restarts: int = 3,
                 restart_window_s: float = 60.0, backoff_s: float = 0.5,
                 start_timeout_s: float = 60.0) -> None:
        super().__init__(on_event=on_event)
        self.command = list(command or default_engine_command())
        self._env = dict(env or {})
        self._cwd = cwd
        self.max_restarts = max_restarts
        self.restart_window_s = restart_window_s
        self.backoff_s = backoff_s
        self.start_timeout_s = start_timeout_s
        self.proc: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self._write_lock = threading.Lock()
        self._stderr: collections.deque[str] = collections.deque(maxlen=200)
        self._restarts: list[float] = []
        self._closing = False
        self.restart_count = 0
        self.started = threading.Event()
        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine-spawn")

    # --- lifecycle ---

    def start(self) -> dict[str, tp.Any]:
        """Spawn the engine and say hello; returns the hello result."""
        self.started.clear()
        env = {**os.environ, **self._env}
        # Linux ties PR_SET_PDEATHSIG to the spawning *thread*: spawn from one thread that
        # lives as long as this client, never from the short-lived restart threads.
        self.proc = self._spawner.submit(
            subprocess.Popen, self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=env, cwd=self._cwd).result()
        proc = self.proc
        reader = threading.Thread(target=self._read_stdout, args=(proc,), daemon=True,
                                  name="engine-stdout")
        reader.start()
        threading.Thread(target=self._read_stderr, args=(proc,), daemon=True,
                         name="engine-stderr").start()
        threading.Thread(target=self._watch, args=(proc, reader), daemon=True,
                         name="engine-watch").start()
        try:
            result = self.request(p.Method.HELLO, {"protocol": p.PROTOCOL_VERSION,
                                                   "client": "engine.client"},
                                  timeout=self.start_timeout_s)
        except EngineError:
            if self.proc is proc and proc.poll() is None:  # stuck at start: do not leave it
                self.proc = None
                proc.kill()
            raise
        self.started.set()
        return result

    @classmethod
    def connect(cls, host: str, port: int, *, token: str, on_event: Listener | None = None,
                timeout: float = 10.0) -> EngineClient:
        """A client for a remote engine (`--listen`); no restarts: the remote owns it."""
        client = cls(on_event=on_event, max_restarts=0)
        client._sock = socket.create_connection((host, port), timeout=timeout)
        client._sock.settimeout(None)
        reader = client._sock.makefile("rb")
        threading.Thread(target=client._read_socket, args=(reader,), daemon=True,
                         name="engine-tcp").start()
        try:
            client.hello(token=token)
        except EngineError:
            client.close()
            raise
        client.started.set()
        return client

    def close(self, timeout: float = 5.0) -> None:
        """Ask the engine to shut down; terminate, then kill it if it does not."""
        self._closing = True
        if self._sock is not None:
            # The reader thread's file keeps the socket open: shut it down to really leave.
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
            self._sock.close()
            return
        proc = self.proc
        if proc is None or proc.poll() is not None:
            self._spawner.shutdown(wait=False)
            return
        try:
            self.request(p.Method.SHUTDOWN, timeout=min(timeout, 2.0))
        except EngineError:
            pass
        try:
            if proc.stdin:
                proc.stdin.close()
            proc.wait(timeout)
        except (subprocess.TimeoutExpired, OSError):
            proc.terminate()
            try:
                proc.wait(2.0)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._spawner.shutdown(wait=False)

    def cancel(self, job: str, *, grace_s: float | None = None) -> dict[str, tp.Any]:
        """Cancel `job`; with `grace_s`, kill the engine (the restart policy applies) if the
        job has not ended that many seconds later, e.g. a native call that never returns."""
        result = super().cancel(job)
        if grace_s is not None:
            try:
                self.wait_job(job, grace_s)
            except TimeoutError:
                log.warning("job %s ignored cancel for %.1f s; killing the engine", job, grace_s)
                self.kill()
        return result

    def kill(self) -> None:
        """Kill the engine process at once; its jobs end and it restarts within the budget."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()

    def __enter__(self) -> EngineClient:
        if self.proc is None and self._sock is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def log_tail(self, n: int = 30) -> list[str]:
        """The engine's last stderr lines."""
        return list(self._stderr)[-n:]

    # --- transport ---

    def _send_line(self, line: str) -> None:
        data = (line + "\n").encode("utf-8")
        with self._write_lock:
            try:
                if self._sock is not None:
                    self._sock.sendall(data)
                    return
                if self.proc is None or self.proc.stdin is None:
                    raise EngineDied(p.ErrorCode.ENGINE_DIED.value, "the engine is not running")
                self.proc.stdin.write(data)
                self.proc.stdin.flush()
            except (BrokenPipeError, ConnectionError, ValueError, OSError) as exc:
                if isinstance(exc, EngineDied):
                    raise
                raise EngineDied(p.ErrorCode.ENGINE_DIED.value, "the engine is not "
                                 "running (it may be restarting)", str(exc)) from exc

    def _read_stdout(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        for line in iter(proc.stdout.readline, b""):
            self._handle_line(line)

    def _read_stderr(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stderr is not None
        for raw in iter(proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip()
            self._stderr.append(line)
            log.debug("engine: %s", line)

    def _read_socket(self, reader: tp.BinaryIO) -> None:
        try:
            for line in iter(reader.readline, b""):
                self._handle_line(line)
        except OSError:
            pass
        if not self._closing:
            self._fail_everything("The connection to the remote engine was lost.", "", [])
            self._handle_event(p.Event(event=ENGINE_EXITED, data={
                "returncode": None, "message": "connection lost", "restarting": False}))

    def _watch(self, proc: subprocess.Popen[bytes], reader: threading.Thread) -> None:
        """Wait for the process to end, then fail its jobs and maybe restart it."""
        returncode = proc.wait()
        reader.join(1.0)  # deliver what it wrote before dying
        if self._closing or proc is not self.proc:
            return
        time.sleep(0.05)  # let the stderr reader catch the last lines
        message = describe_exit(returncode)
        tail = self.log_tail()
        detail = "\n".join(tail) or "(the engine wrote nothing to its error stream)"
        self._fail_everything(message, detail, tail)
        restarting = self._may_restart()
        self._handle_event(p.Event(event=ENGINE_EXITED, engine_id=self.engine_id, data={
            "returncode": returncode, "message": message, "log_tail": tail,
            "restarting": restarting}))
        if restarting:
            delay = self.backoff_s * 2 ** (len(self._restarts) - 1)
            log.warning("%s Restarting in %.1f s.", message, delay)
            time.sleep(delay)
            if not self._closing:
                self._restart()

    def _may_restart(self) -> bool:
        now = time.monotonic()
        self._restarts = [t for t in self._restarts if now - t < self.restart_window_s]
        if self._closing or len(self._restarts) >= self.max_restarts:
            return False
        self._restarts.append(now)
        return True

    def _restart(self) -> None:
        try:
            self.start()
            self.restart_count += 1
        except (EngineError, OSError) as exc:
            log.error("engine restart failed: %s", exc)
