"""A real engine process (``main.py engine``) for network tests, and raw peers to poke it.

`Peer` speaks the protocol over a plain socket (or a process's pipes) so a test can send
anything, close abruptly, and see every line the engine writes back, replies included.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import typing as tp
from dataclasses import dataclass
from pathlib import Path

from engine import protocol as p
from engine.client import EngineClient, EngineError

ROOT = Path(__file__).resolve().parents[2]
ENGINE = [sys.executable, str(ROOT / "main.py"), "engine", "--device", "cpu"]
WAIT_S = 60.0  # how long "at once" may take on a loaded machine; only reached on failure


@dataclass
class TcpEngine:
    proc: subprocess.Popen
    host: str
    port: int
    token: str
    stderr: Path

    def connect(self, attempts: int = 50) -> EngineClient:
        """An authenticated client; retries while the previous client is still leaving."""
        for _ in range(attempts):
            try:
                return EngineClient.connect(self.host, self.port, token=self.token)
            except EngineError as exc:
                if exc.code != "busy":
                    raise
                time.sleep(0.1)
        raise AssertionError(f"the engine stayed busy for {attempts} attempts")

    def peer(self) -> Peer:
        return Peer.tcp(self.host, self.port)


def engine_env(home: Path) -> dict[str, str]:
    return {**os.environ, "AINUR_STUDIO_HOME": str(home)}


def start_tcp_engine(home: Path, token: str, *extra: str) -> TcpEngine:
    """``main.py engine --listen 127.0.0.1:0`` with its stderr in ``home/engine.stderr``."""
    home.mkdir(parents=True, exist_ok=True)
    stderr = home / "engine.stderr"
    with stderr.open("wb") as err:
        proc = subprocess.Popen([*ENGINE, "--listen", "127.0.0.1:0", "--token", token, *extra],
                                cwd=ROOT, env=engine_env(home), stdout=subprocess.PIPE,
                                stderr=err, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert "listening on" in line, (line, stderr.read_text())
    host, port = line.rsplit(" ", 1)[1].strip().rsplit(":", 1)
    return TcpEngine(proc, host, int(port), token, stderr)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()


class Peer:
    """A raw connection: `send` anything, every line back lands in `messages` (decoded)."""

    def __init__(self, recv: tp.Callable[[], bytes], write: tp.Callable[[bytes], None],
                 close: tp.Callable[[bool], None], *, polls: bool) -> None:
        self._recv, self._write, self._close = recv, write, close
        self._polls = polls  # the reader wakes up on its own: stop it before closing
        self.messages: list[p.Message] = []
        self.closed = threading.Event()  # the engine closed its side
        self._stop = threading.Event()
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True, name="peer")
        self._reader.start()

    @classmethod
    def tcp(cls, host: str, port: int) -> Peer:
        sock = socket.create_connection((host, port), timeout=WAIT_S)
        sock.settimeout(0.1)  # the reader polls so `close` can stop it first

        def recv() -> bytes:
            try:
                return sock.recv(65536) or b""
            except TimeoutError:
                return b"\0"
            except OSError:
                return b""

        def close(abrupt: bool) -> None:
            if abrupt:  # linger 0: the kernel sends RST instead of FIN
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()

        def write(data: bytes) -> None:
            sock.settimeout(WAIT_S)
            try:
                sock.sendall(data)
            finally:
                sock.settimeout(0.1)

        return cls(recv, write, close, polls=True)

    @classmethod
    def stdio(cls, proc: subprocess.Popen) -> Peer:
        assert proc.stdin is not None and proc.stdout is not None
        out, inp = proc.stdout, proc.stdin

        def write(data: bytes) -> None:
            inp.write(data)
            inp.flush()

        return cls(lambda: out.readline(), write, lambda abrupt: inp.close(),
                   polls=False)

    # --- sending ---

    def send(self, data: bytes | str | p.Message) -> None:
        if isinstance(data, (p.Request, p.Reply, p.Event)):
            data = p.encode(data)
        if isinstance(data, str):
            data = data.encode("utf-8")
        self._write(data if data.endswith(b"\n") else data + b"\n")

    def request(self, method: str, params: tp.Any = None, **fields: tp.Any) -> str:
        """Send a request built from raw JSON values (any types); returns its id."""
        req_id = fields.pop("id", p.new_id("t"))
        obj = {"v": 1, "type": "request", "id": req_id, "method": method,
               "params": {} if params is None else params, **fields}
        self.send(json.dumps(obj))
        return req_id

    def close(self, *, abrupt: bool = False) -> None:
        self._stop.set()
        if self._polls:
            self._reader.join(WAIT_S)
        self._close(abrupt)

    # --- receiving ---

    def answer(self, req_id: str, timeout: float = WAIT_S) -> p.Reply | p.Event:
        """The reply to `req_id`, or the error event that answers it."""
        return tp.cast(p.Reply | p.Event, self.wait_for(
            lambda m: (isinstance(m, p.Reply) and m.reply_to == req_id)
            or (isinstance(m, p.Event) and m.event == "error" and m.reply_to == req_id),
            timeout))

    def wait_for(self, predicate: tp.Callable[[p.Message], bool],
                 timeout: float = WAIT_S) -> p.Message:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for msg in self.messages:
                    if predicate(msg):
                        return msg
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.closed.is_set():
                    raise AssertionError(f"no such message in {len(self.messages)} received"
                                         f" (closed: {self.closed.is_set()})")
                self._cond.wait(min(remaining, 0.5))

    def wait_closed(self, timeout: float = WAIT_S) -> bool:
        return self.closed.wait(timeout)

    def _read(self) -> None:
        buffer = b""
        while not self._stop.is_set():
            chunk = self._recv()
            if not chunk:
                break
            if chunk == b"\0":
                continue
            lines = (buffer + chunk).split(b"\n")
            buffer = lines.pop()
            with self._cond:
                self.messages += [p.decode(line) for line in lines if line.strip()]
                self._cond.notify_all()
        with self._cond:
            self.closed.set()
            self._cond.notify_all()
