"""The engine bridge: a QObject that owns the engine process and speaks the protocol.

Protocol lines from the child's stdout become signals in the GUI thread (QProcess delivers
them through the event loop, so nothing blocks). The bridge tracks the engine's state
(starting / ready / busy / restarting / remote / failed / stopped), detects its death (exit
code, signal, failure to start), reports it in plain words with the last lines the engine
wrote, and restarts it within a bounded budget with back-off (Jupyter's restarter).
"""

from __future__ import annotations

import collections
import os
import sys
import time
import typing as tp
from enum import Enum
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from engine.protocol import (
    PROTOCOL_VERSION,
    EngineState,
    ErrorCode,
    ErrorInfo,
    Event,
    EventName,
    Method,
    ProtocolError,
    Reply,
    Request,
    decode,
    encode,
)

STDERR_TAIL = 20


class BridgeState(str, Enum):
    STOPPED = "stopped"
    STARTING = "starting"
    READY = "ready"
    BUSY = "busy"
    RESTARTING = "restarting"
    REMOTE = "remote"
    FAILED = "failed"


def default_engine_command() -> list[str]:
    """`python main.py engine`, or the frozen executable with `--engine`."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--engine"]
    return [sys.executable, str(Path(__file__).resolve().parents[1] / "main.py"), "engine"]


class EngineBridge(QObject):
    state_changed = Signal(str)          # BridgeState value
    event_received = Signal(object)      # engine.protocol.Event
    reply_received = Signal(object)      # engine.protocol.Reply
    status_changed = Signal(dict)        # data of the latest `status` event / hello reply
    engine_died = Signal(str, str)       # (message for people, detail: exit code + stderr tail)
    engine_restarted = Signal(int)       # restart count so far
    protocol_error = Signal(str)         # a line the bridge could not decode

    def __init__(self, command: list[str] | None = None, *, env: dict[str, str] | None = None,
                 max_restarts: int = 3, restart_window_s: float = 60.0,
                 backoff_s: tuple[float, ...] = (0.5, 1.0, 2.0),
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.command = command or default_engine_command()
        self._env = env
        self.max_restarts = max_restarts
        self.restart_window_s = restart_window_s
        self.backoff_s = backoff_s
        self.state = BridgeState.STOPPED
        self.engine_id = ""
        self.status: dict[str, tp.Any] = {}
        self.restarts = 0
        self._restart_times: collections.deque[float] = collections.deque()
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
        self._buffer = b""
        self._stopping = False
        self._kill_reason = ""
        self._process: QProcess | None = None
        self._answers: dict[str, tp.Callable[[Reply], None]] = {}  # request id -> on_reply
        self._restart_timer = QTimer(self, singleShot=True)
        self._restart_timer.timeout.connect(self._spawn)

    # --- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        """Start the engine process (no-op while one is running)."""
        if self._process is not None and self._process.state() != QProcess.ProcessState.NotRunning:
            return
        self._stopping = False
        self._restart_times.clear()
        self._spawn()

    def stop(self, timeout_ms: int = 3000) -> None:
        """Ask the engine to shut down; kill it if it has not exited within `timeout_ms`."""
        self._stopping = True
        self._restart_timer.stop()
        self._fail_answers("the engine was stopped", "")
        process = self._process
        if process is None or process.state() == QProcess.ProcessState.NotRunning:
            self._set_state(BridgeState.STOPPED)
            return
        self.send(Method.SHUTDOWN)
        process.closeWriteChannel()
        if not process.waitForFinished(timeout_ms):
            process.kill()
            process.waitForFinished(1000)
        self._set_state(BridgeState.STOPPED)

    def kill(self, reason: str = "") -> None:
        """Kill the engine without a goodbye (a stuck job); the restart policy applies and
        `reason` is what `engine_died` reports."""
        self._kill_reason = reason
        if self._process is not None:
            self._process.kill()

    @property
    def running(self) -> bool:
        return self._process is not None and \
            self._process.state() == QProcess.ProcessState.Running

    def pid(self) -> int:
        return int(self._process.processId()) if self._process is not None else 0

    # --- requests ---------------------------------------------------------------------------
    def send(self, method: str | Method, params: dict[str, tp.Any] | None = None) -> str:
        """Write one request; returns its id. Raises RuntimeError when no engine runs."""
        if not self.running:
            raise RuntimeError("the engine is not running; wait for it to (re)start")
        request = Request(method=method.value if isinstance(method, Method) else method,
                          params=params or {})
        self._write((encode(request) + "\n").encode("utf-8"))
        return request.id

    def request(self, method: str | Method, params: dict[str, tp.Any] | None,
                on_reply: tp.Callable[[Reply], None]) -> str:
        """Send a request whose reply goes to `on_reply` alone (not `reply_received`). If the
        engine dies or is stopped first, `on_reply` gets a failed reply (`engine_died`) saying
        why. Raises RuntimeError when no engine runs."""
        request_id = self.send(method, params)
        self._answers[request_id] = on_reply
        return request_id

    def _fail_answers(self, message: str, detail: str) -> None:
        answers, self._answers = self._answers, {}
        for request_id, on_reply in answers.items():
            on_reply(Reply(reply_to=request_id, ok=False,
                           error=ErrorInfo(ErrorCode.ENGINE_DIED.value, message, detail)))

    def _write(self, data: bytes) -> None:
        assert self._process is not None
        self._process.write(data)

    def _ready_state(self) -> BridgeState:
        """The state shown when the engine is idle (a remote engine says so)."""
        return BridgeState.READY

    # --- process plumbing -------------------------------------------------------------------
    def _spawn(self) -> None:
        process = QProcess(self)
        process.setProgram(self.command[0])
        process.setArguments(self.command[1:])
        process.setProcessEnvironment(self._environment())
        process.readyReadStandardOutput.connect(self._on_stdout)
        process.readyReadStandardError.connect(self._on_stderr)
        process.finished.connect(self._on_finished)
        process.errorOccurred.connect(self._on_error)
        process.started.connect(self._on_started)
        self._process, self._buffer = process, b""
        self._stderr_tail.clear()
        self._set_state(BridgeState.STARTING)
        process.start()

    def _environment(self) -> QProcessEnvironment:
        env = QProcessEnvironment.systemEnvironment()
        env.insert("PYTHONUNBUFFERED", "1")
        for key, value in (self._env or {}).items():
            env.insert(key, value)
        return env

    def _on_started(self) -> None:
        self.send(Method.HELLO, {"protocol": PROTOCOL_VERSION, "client": "ainur-studio-ui",
                                 "pid": os.getpid()})

    def _on_stdout(self) -> None:
        assert self._process is not None
        self._feed(bytes(self._process.readAllStandardOutput().data()))

    def _feed(self, data: bytes) -> None:
        """Split incoming bytes into protocol lines and dispatch the complete ones."""
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            if line.strip():
                self._dispatch(line)

    def _on_stderr(self) -> None:
        if self._process is None:
            return
        text = bytes(self._process.readAllStandardError().data()).decode("utf-8", "replace")
        self._stderr_tail.extend(ln for ln in text.splitlines() if ln.strip())

    def _dispatch(self, line: bytes) -> None:
        try:
            message = decode(line)
        except ProtocolError as exc:
            self.protocol_error.emit(f"{exc.message}: {line[:200]!r}")
            return
        if isinstance(message, Reply):
            self._on_reply(message)
        elif isinstance(message, Event):
            self._on_event(message)

    def _on_reply(self, reply: Reply) -> None:
        if reply.ok and "protocol" in reply.result and "engine_id" in reply.result:
            self.engine_id = str(reply.result["engine_id"])
            self.status.update({k: reply.result[k] for k in ("device", "precision")
                                if k in reply.result})
            self.status_changed.emit(dict(self.status))
            if self.state in (BridgeState.STARTING, BridgeState.RESTARTING):
                self._set_state(self._ready_state())
        on_reply = self._answers.pop(reply.reply_to, None)
        if on_reply is not None:
            on_reply(reply)
            return
        self.reply_received.emit(reply)

    def _on_event(self, event: Event) -> None:
        if event.engine_id:
            self.engine_id = event.engine_id
        if event.event == EventName.STATUS.value:
            self.status.update(event.data)
            self.status_changed.emit(dict(self.status))
            state = _STATE_OF.get(str(event.data.get("state")), self.state)
            self._set_state(self._ready_state() if state == BridgeState.READY else state)
        if event.event == EventName.ERROR.value and event.reply_to in self._answers:
            self._on_reply(Reply(reply_to=event.reply_to, ok=False, error=ErrorInfo(
                str(event.data.get("code", ErrorCode.INTERNAL.value)),
                str(event.data.get("message", "the engine could not read the request")),
                str(event.data.get("detail", "")))))
        self.event_received.emit(event)

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._on_death(f"The engine could not be started ({' '.join(self.command[:2])}): "
                           f"{self._process.errorString() if self._process else error}.")

    def _on_finished(self, exit_code: int, exit_status: QProcess.ExitStatus) -> None:
        if self._stopping:
            self._set_state(BridgeState.STOPPED)
            return
        self._on_stderr()
        if self._kill_reason:
            reason, self._kill_reason = self._kill_reason, ""
        elif exit_status == QProcess.ExitStatus.CrashExit:
            reason = "The engine crashed (killed by a signal; out of memory is a common cause)."
        else:
            reason = f"The engine stopped unexpectedly (exit code {exit_code})."
        self._on_death(reason)

    def _on_death(self, reason: str) -> None:
        detail = "\n".join(self._stderr_tail) or "(the engine wrote nothing to its error stream)"
        self._fail_answers(reason, detail)
        self.engine_died.emit(reason, detail)
        now = time.monotonic()
        while self._restart_times and now - self._restart_times[0] > self.restart_window_s:
            self._restart_times.popleft()
        if len(self._restart_times) >= self.max_restarts:
            self._set_state(BridgeState.FAILED)
            return
        delay = self.backoff_s[min(len(self._restart_times), len(self.backoff_s) - 1)]
        self._restart_times.append(now)
        self.restarts += 1
        self._set_state(BridgeState.RESTARTING)
        self.engine_restarted.emit(self.restarts)
        self._restart_timer.start(int(delay * 1000))

    def _set_state(self, state: BridgeState) -> None:
        if state == BridgeState.STARTING and self.restarts and self._restart_times:
            state = BridgeState.RESTARTING  # keep saying "restarting" until ready
        if state != self.state:
            self.state = state
            self.state_changed.emit(state.value)


_STATE_OF = {
    EngineState.STARTING.value: BridgeState.STARTING,
    EngineState.IDLE.value: BridgeState.READY,
    EngineState.BUSY.value: BridgeState.BUSY,
}
