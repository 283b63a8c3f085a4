"""Real listener processes for the tests: `main.py receive`, `main.py daw listen` and the
engine, bound to port 0 on loopback, plus the `/ainur/status` probe every listener answers."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import typing as tp
from pathlib import Path

from engine.osc import addresses as A
from engine.osc.transport import UdpEndpoint

ROOT = Path(__file__).resolve().parents[3]
ENGINE = [sys.executable, str(ROOT / "main.py"), "engine", "--device", "cpu"]
_LISTENING = re.compile(r"osc\.(?:udp|tcp)://[^\s:]+:(\d+)")
WAIT_S = 30.0  # only reached when something is broken


class CliListener:
    """`python main.py ARGS...` with stdout/stderr collected; `port` is read from the line the
    command prints when it starts listening."""

    def __init__(self, *args: str, env: tp.Mapping[str, str] | None = None) -> None:
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, **(env or {})})
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._readers = [threading.Thread(target=self._read, args=(s, out), daemon=True)
                         for s, out in ((self.proc.stdout, self.stdout),
                                        (self.proc.stderr, self.stderr))]
        for t in self._readers:
            t.start()
        self.port = self._wait_for_port()

    @staticmethod
    def _read(stream: tp.IO[str] | None, out: list[str]) -> None:
        assert stream is not None
        for line in stream:
            out.append(line.rstrip("\n"))

    def _wait_for_port(self) -> int:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline and self.proc.poll() is None:
            for line in list(self.stderr):
                match = _LISTENING.search(line)
                if match:
                    return int(match.group(1))
            time.sleep(0.02)
        self.stop()
        raise AssertionError(f"the listener never said where it listens: {self.stderr}")

    def stop(self) -> int:
        """Ctrl-C, as a user would; the command prints its summary and exits."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            code = self.proc.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        for t in self._readers:
            t.join(timeout=5)
        return code

    def rss_bytes(self) -> int:
        """Resident memory of the process, from /proc (Linux)."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024  # type: ignore

    def __enter__(self) -> CliListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def listener_status(port: int, *, attempts: int = 100) -> tuple[int, int, int]:
    """(datagrams received, datagrams dropped, messages rejected) from `/ainur/status`.

    The listener handles datagrams in order, so once this answers, everything sent to it
    before has been handled (or lost by the kernel, which a busy socket buffer may do)."""
    with UdpEndpoint() as ep:
        for _ in range(attempts):
            ep.send(("127.0.0.1", port), A.LISTENER_STATUS)
            item = ep.receive(0.2)
            for address, args in item[0] if item else []:
                if address == A.LISTENER_STATUS_REPLY:
                    return int(args[0]), int(args[1]), int(args[2])
    raise AssertionError(f"the listener on port {port} no longer answers /ainur/status")


def wait_until(predicate: tp.Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)
