"""The `deliver` request: a take sent to a DAW or OSC receiver off the reader thread.

The reader thread checks the params at once, so a bad request is refused in milliseconds
without touching the network. A short-lived worker thread then runs `delivery.deliver`
(network I/O: streaming a take takes seconds) and sends the request's one reply when it is
done. At most `MAX_RUNNING` deliveries run at once; more are refused with `busy`.

The engine delivers only its own takes (take_access.py): files in its takes folder, or the
files of a take it wrote elsewhere. `ainur-studio send` (the user's own command) sends any file.
"""

from __future__ import annotations

import logging
import math
import threading
import traceback
import typing as tp
from dataclasses import dataclass
from pathlib import Path

from engine import protocol as p
from engine.jobs import JobError
from engine.osc.delivery import KINDS, DeliveryError, DeliveryOptions, TakeFiles, deliver
from engine.osc.scsynth import ScsynthError
from engine.osc.stream_send import StreamError
from engine.osc.take_access import TakeAccess
from engine.osc.take_files import INCLUDES, load_take
from engine.osc.transport import OscTarget, OscUrlError, parse_osc_url

log = logging.getLogger(__name__)

MAX_RUNNING = 4          # deliveries in flight at once
MAX_TIMEOUT_S = 120.0    # the longest silence a delivery may wait out
FAILURES = (DeliveryError, StreamError, ScsynthError, OSError)
_INT32 = 2**31 - 1


@dataclass(frozen=True)
class Delivery:
    """One checked delivery: what to send, where, and how."""

    take: TakeFiles
    target: OscTarget
    kind: str
    options: DeliveryOptions

    def run(self) -> dict[str, tp.Any]:
        return deliver(self.take, self.target, self.kind, self.options)


def parse_delivery(params: tp.Mapping[str, tp.Any], *,
                   access: TakeAccess | None = None) -> Delivery:
    """The delivery `params` ask for (the `deliver` request's params, also built by
    `ainur-studio send`); raises `DeliveryError` naming the field and the fix. With `access`,
    only the files it allows are delivered."""
    take, url = _text(params, "take", required=True), _text(params, "target", required=True)
    kind = _text(params, "kind") or "notify"
    if kind not in KINDS:
        raise DeliveryError(f"kind {kind!r} is not a delivery kind; choose one of "
                            f"{', '.join(KINDS)}")
    include = _text(params, "include") or "auto"
    if include not in INCLUDES:
        raise DeliveryError(f"include {include!r} is not one of {', '.join(INCLUDES)} "
                            "(auto: a take's stems, and its mix for receivers)")
    try:
        target = parse_osc_url(url)
    except OscUrlError as exc:
        raise DeliveryError(f"target: {exc}") from None
    timeout = _number(params, "timeout", 10.0)
    if not 0 < timeout <= MAX_TIMEOUT_S:
        raise DeliveryError(f"timeout must be above 0 and at most {MAX_TIMEOUT_S:g} "
                            f"seconds, got {timeout:g}")
    options = DeliveryOptions(track=_index(params, "track"), slot=_index(params, "slot"),
                              position_beats=_number(params, "position", 0.0),
                              bufnum=_index(params, "bufnum") or 0,
                              bank=_index(params, "bank") or 8, timeout=timeout)
    files = load_take(take, include=include, kind=kind,
                      check=access.check if access is not None else None,
                      prompt=_text(params, "prompt"), bpm=_number(params, "bpm", 0.0),
                      bars=_number(params, "bars", 0.0))
    return Delivery(files, target, kind, options)


def _text(params: tp.Mapping[str, tp.Any], key: str, *, required: bool = False) -> str:
    value = params.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        hint = {"take": "the path of the take (its folder, its take.json or its audio file)",
                "target": "an OSC URL such as osc.udp://127.0.0.1:9000"}.get(key, "a string")
        raise DeliveryError(f"{key} must be {hint}, got {value!r}")
    return value


def _number(params: tp.Mapping[str, tp.Any], key: str, default: float) -> float:
    value = params.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or value < 0:
        raise DeliveryError(f"{key} must be a number of 0 or more, got {value!r}")
    return float(value)


def _index(params: tp.Mapping[str, tp.Any], key: str) -> int | None:
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _INT32:
        raise DeliveryError(f"{key} must be a whole number of 0 or more, got {value!r}")
    return value


class Deliveries:
    """Runs `deliver` requests on worker threads; `send(message)` writes their replies.
    Only the engine's own takes are delivered: those in `takes_dir` (default: the user's
    takes folder, `ainur_studio.paths.takes_dir()`) or of a take it wrote elsewhere."""

    def __init__(self, send: tp.Callable[[p.Message], None], *,
                 takes_dir: str | Path | None = None) -> None:
        from ainur_studio.paths import takes_dir as default_takes_dir

        self._send = send
        self.access = TakeAccess(takes_dir if takes_dir is not None else default_takes_dir())
        self._lock = threading.Lock()
        self._running: set[str] = set()

    @property
    def running(self) -> int:
        with self._lock:
            return len(self._running)

    def submit(self, req: p.Request) -> None:
        """Check `req` and start it; a `JobError` refuses it (the caller replies)."""
        try:
            delivery = parse_delivery(req.params, access=self.access)
        except DeliveryError as exc:
            raise JobError(p.ErrorCode.BAD_PARAMS, f"deliver: {exc}") from None
        with self._lock:
            if len(self._running) >= MAX_RUNNING:
                raise JobError(p.ErrorCode.BUSY, f"deliver: {MAX_RUNNING} deliveries are "
                               "already running; send this one when one of them has finished")
            self._running.add(req.id)
        threading.Thread(target=self._run, args=(req, delivery), daemon=True,
                         name=f"engine-deliver-{req.id}").start()

    def _run(self, req: p.Request, delivery: Delivery) -> None:
        try:
            reply = p.Reply(reply_to=req.id, result=delivery.run())
        except FAILURES as exc:
            reply = p.error_reply(req, p.ErrorCode.DELIVERY_FAILED,
                                  f"could not deliver {delivery.take.take_id} to "
                                  f"{delivery.target} as {delivery.kind}: {exc}")
        except Exception as exc:  # a bug must still answer the request
            log.exception("delivery %s failed", req.id)
            reply = p.error_reply(req, p.ErrorCode.INTERNAL, f"deliver failed: {exc}",
                                  detail=traceback.format_exc())
        finally:
            with self._lock:
                self._running.discard(req.id)
        self._send(reply)
