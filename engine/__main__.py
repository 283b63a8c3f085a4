"""The engine process: `python main.py engine` (stdio) or `... engine --listen HOST:PORT`.

In stdio mode the protocol owns a private duplicate of file descriptor 1; fd 1 and
`sys.stdout` are pointed at stderr, so prints from libraries or native code cannot corrupt the
stream. Logs go to stderr, to a rotating file under the user folder, and (warnings and
errors) to the client as `log` events. The engine exits when stdin reaches end of file or its
parent dies.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import ctypes
import logging
import logging.handlers
import os
import secrets
import signal
import socket
import sys
import threading
import time
import typing as tp

from engine import protocol as p

log = logging.getLogger("engine")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Engine options (shared by `ainur-studio engine` and `python -m engine`)."""
    parser.add_argument("--listen", metavar="HOST:PORT",
                        help="serve over TCP instead of stdio (HOST defaults to 127.0.0.1; "
                             "port 0 picks a free one)")
    parser.add_argument("--token", help="TCP token the client must send in its hello "
                        "(default: $AINUR_ENGINE_TOKEN, else a random one that is printed)")
    parser.add_argument("--handshake-timeout", type=_positive_seconds, default=10.0,
                        metavar="SECONDS", help="TCP: close a connection that has not sent "
                        "its hello with the token within this many seconds (10)")
    parser.add_argument("--device", default=os.environ.get("AINUR_ENGINE_DEVICE", "auto"),
                        help="auto (CUDA > MPS > CPU), cpu, cuda, cuda:N or mps")
    parser.add_argument("--precision", default=os.environ.get("AINUR_ENGINE_PRECISION", "auto"),
                        help="auto (bf16/fp16 on GPU; bf16 on a CPU that runs it natively when the "
                             "device is auto, else fp32), fp32, bf16 or fp16")
    parser.add_argument("--preload", metavar="PACK",
                        default=os.environ.get("AINUR_ENGINE_PRELOAD") or None,
                        help="load this model pack in the background as soon as the engine "
                             "starts; a generate request for it waits for that load")
    parser.add_argument("--compile", action="store_true",
                        default=os.environ.get("AINUR_ENGINE_COMPILE", "") == "1",
                        help="compile the prior with torch.compile; each new take length "
                             "compiles once per install (a minute or more on a CPU), then "
                             "loads from the app cache and every step runs faster")
    parser.add_argument("--log-level", default="INFO",
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="how much the engine logs to stderr and its log file (INFO)")


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 86_400:  # also refuses nan
        raise argparse.ArgumentTypeError(f"expected seconds between 0 and 86400, e.g. 10; "
                                         f"got {text!r}")
    return value


# --- stdio and process hygiene ------------------------------------------------------------

def protect_stdout() -> tp.TextIO:
    """Reserve the real stdout for protocol lines; everything else written to fd 1 or
    `sys.stdout` lands on stderr. Returns the private protocol stream."""
    sys.stdout.flush()
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8", newline="\n", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return proto


def exit_with_parent() -> None:
    """Die with the parent: PR_SET_PDEATHSIG on Linux, plus a watchdog everywhere."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(0)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                log.warning("parent process %d is gone; exiting", parent)
                os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def read_lines(stream: tp.BinaryIO, limit: int = p.MAX_LINE_BYTES) -> tp.Iterator[bytes]:
    """Lines from a binary stream; an over-long line is yielded truncated (the decoder then
    reports it) and the rest of it skipped."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            rest = line
            while rest and not rest.endswith(b"\n"):
                rest = stream.readline(limit + 1)
        yield line


# --- logging --------------------------------------------------------------------------------

class TailHandler(logging.Handler):
    """Keeps the last log lines for `job_failed` events."""

    def __init__(self, size: int = 200) -> None:
        super().__init__(logging.DEBUG)
        self.lines: collections.deque[str] = collections.deque(maxlen=size)

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def tail(self, n: int = 40) -> list[str]:
        return list(self.lines)[-n:]


class EventLogHandler(logging.Handler):
    """Forwards warnings and errors to the client as `log` events."""

    def __init__(self, send: tp.Callable[[str, dict[str, tp.Any]], None]) -> None:
        super().__init__(logging.WARNING)
        self._send = send
        self._busy = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self._busy, "on", False):
            return
        self._busy.on = True
        try:
            self._send(p.EventName.LOG.value, {"level": record.levelname, "logger": record.name,
                                               "message": record.getMessage(),
                                               "time": record.created})
        except Exception:  # logging must never raise
            pass
        finally:
            self._busy.on = False


def setup_logging(level: str) -> TailHandler:
    """stderr + rotating file (``logs/engine.log`` in the user folder) + an in-memory tail."""
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    root.setLevel(level)
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr), TailHandler()]
    from ainur_studio.paths import user_data_dir

    try:
        folder = user_data_dir() / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.handlers.RotatingFileHandler(
            folder / "engine.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8"))
    except OSError as exc:
        sys.stderr.write(f"engine: cannot open the log file ({exc}); logging to stderr only\n")
    for handler in handlers:
        handler.setFormatter(fmt)
        root.addHandler(handler)
    logging.captureWarnings(True)
    return tp.cast(TailHandler, handlers[1])


# --- assembly -------------------------------------------------------------------------------

def build_server(args: argparse.Namespace, *, tail: TailHandler, token: str | None,
                 transport: str, engine_id: str, **seams: tp.Any) -> tp.Any:
    """The `EngineServer` with handlers bound to a runtime on the chosen device.

    `seams` may replace `generate_fn`, `load_pack`, `train_fn` and `list_models`.
    """
    from ainur_studio.paths import takes_dir
    from engine.devices import choose_device
    from engine.handlers import Runtime, build_checks, build_handlers, default_list_models
    from engine.server import EngineServer

    device = choose_device(args.device, args.precision)
    runtime = Runtime(device=device, takes_dir=takes_dir(),
                      generate_fn=seams.get("generate_fn"), load_pack=seams.get("load_pack"),
                      train_fn=seams.get("train_fn"),
                      compile_prior=bool(getattr(args, "compile", False)))
    server = EngineServer(handlers=build_handlers(runtime), checks=build_checks(runtime),
                          status_info=runtime.status_info,
                          list_models=seams.get("list_models") or default_list_models,
                          log_tail=tail.tail, token=token, transport=transport,
                          engine_id=engine_id)
    logging.getLogger().addHandler(EventLogHandler(lambda e, d: server.emit(e, d)))
    if getattr(args, "preload", None):
        runtime.preload(args.preload)
    log.info("engine %s on %s (%s), pid %d", server.engine_id, device.device,
             device.precision, os.getpid())
    return server


def serve_stdio(server: tp.Any, proto: tp.TextIO) -> None:
    def write(line: str) -> None:
        proto.write(line + "\n")
        proto.flush()

    server.attach(write)
    server.start()
    server.serve(read_lines(sys.stdin.buffer))
    log.info("stdin closed or shutdown requested; exiting")


def parse_listen(listen: str) -> tuple[str, int]:
    """``HOST:PORT``, ``:PORT`` or ``PORT`` -> (host, port); the host defaults to 127.0.0.1.

    Raises:
        ValueError: naming the expected form.
    """
    host, _, port = listen.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"--listen {listen!r}: expected HOST:PORT with a port from 0 to "
                         "65535, e.g. 127.0.0.1:7781")
    return host, int(port)


def serve_tcp(server: tp.Any, listen: str, token: str, *,
              handshake_s: float = 10.0) -> None:
    from engine.tcp import TcpTransport

    host, port = parse_listen(listen)
    with socket.create_server((host, port)) as sock:
        bound = sock.getsockname()
        if host not in ("127.0.0.1", "localhost", "::1"):
            log.warning("listening on %s: anyone who can reach it and knows the token can "
                        "use this engine", host)
        sys.stdout.write(f"ainur-studio engine listening on {bound[0]}:{bound[1]}\n")
        sys.stdout.flush()
        server.start()
        TcpTransport(server, handshake_s=handshake_s).serve(sock)


def _write_line(proto: tp.TextIO, msg: p.Message) -> None:
    proto.write(p.encode(msg) + "\n")
    proto.flush()


def run_engine(args: argparse.Namespace, **seams: tp.Any) -> int:
    """Run the engine until stdin closes (stdio) or a shutdown request (both)."""
    if args.listen:
        try:
            parse_listen(args.listen)
        except ValueError as exc:
            sys.stderr.write(f"ainur-studio engine: error: {exc}\n")
            return 2
    proto = None if args.listen else protect_stdout()
    tail = setup_logging(args.log_level)
    if not args.listen:  # a TCP engine is a server in its own right and may outlive a shell
        exit_with_parent()
    token = None
    if args.listen:
        token = args.token or os.environ.get("AINUR_ENGINE_TOKEN") or secrets.token_urlsafe(18)
        if not (args.token or os.environ.get("AINUR_ENGINE_TOKEN")):
            sys.stdout.write(f"token: {token}\n")
    from engine.server import new_engine_id

    engine_id = new_engine_id()
    if proto is not None:  # say "starting" before the slow part (torch, device probing)
        _write_line(proto, p.Event(event=p.EventName.STATUS.value, engine_id=engine_id,
                                   data={"state": p.EngineState.STARTING.value}))
    try:
        server = build_server(args, tail=tail, token=token, engine_id=engine_id,
                              transport="tcp" if args.listen else "stdio", **seams)
    except ValueError as exc:
        log.error("cannot start the engine: %s", exc)
        if proto is not None:
            _write_line(proto, p.error_event(p.ErrorCode.BAD_PARAMS, f"cannot start the "
                                             f"engine: {exc}", engine_id=engine_id))
        return 2
    if args.listen:
        serve_tcp(server, args.listen, tp.cast(str, token),
                  handshake_s=args.handshake_timeout)
    else:
        serve_stdio(server, tp.cast(tp.TextIO, proto))
    server.shutdown(wait_s=2.0)
    return 0


def main(argv: list[str] | None = None, **seams: tp.Any) -> int:
    parser = argparse.ArgumentParser(prog="ainur-studio engine", description=__doc__)
    add_arguments(parser)
    return run_engine(parser.parse_args(argv), **seams)


if __name__ == "__main__":
    sys.exit(main())
