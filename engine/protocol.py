"""The engine protocol: versioned JSON lines between the app (or CLI) and the engine process.

Standard library only, so the UI can import it without loading torch. The written
specification is `docs/engine-protocol.md`; this module is its executable form.

Every line is one JSON object with the envelope `v`, `type` (`request` | `reply` | `event`),
`id`, and, depending on the type, `method`/`params`, `reply_to`/`ok`/`result`/`error`, or
`event`/`data`/`job`/`engine_id`.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import typing as tp
from dataclasses import dataclass, field
from enum import Enum

PROTOCOL_VERSION = 1
MAX_LINE_BYTES = 4 * 1024 * 1024  # one line; audio never travels in JSON


class JobStatus(str, Enum):
    """Life cycle of a job (rq's vocabulary)."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class EngineState(str, Enum):
    """What the `status` event says the engine is doing."""

    STARTING = "starting"
    IDLE = "idle"
    BUSY = "busy"


class Method(str, Enum):
    """Request methods."""

    HELLO = "hello"
    STATUS = "status"
    LIST_MODELS = "list_models"
    LOAD_MODEL = "load_model"
    GENERATE = "generate"
    CANCEL = "cancel"
    TRAIN = "train"
    STOP_TRAINING = "stop_training"
    SHUTDOWN = "shutdown"
    DAW_STATE = "daw_state"
    DAW_LISTEN = "daw_listen"
    DELIVER = "deliver"


class EventName(str, Enum):
    """Event names."""

    STATUS = "status"
    ACCEPTED = "accepted"
    STARTED = "started"
    PROGRESS = "progress"
    TAKE_READY = "take_ready"
    JOB_DONE = "job_done"
    JOB_FAILED = "job_failed"
    CANCELLED = "cancelled"
    TRAINING_PROGRESS = "training_progress"
    LOG = "log"
    ERROR = "error"
    DAW_STATE = "daw_state"


class ErrorCode(str, Enum):
    """Machine-readable error codes in `error` events, failed replies and `job_failed`."""

    MALFORMED = "malformed"              # not JSON, not an object, missing/ill-typed field
    LINE_TOO_LONG = "line_too_long"
    UNSUPPORTED_VERSION = "unsupported_version"
    UNKNOWN_TYPE = "unknown_type"
    UNKNOWN_METHOD = "unknown_method"
    BAD_PARAMS = "bad_params"
    UNAUTHORIZED = "unauthorized"        # TCP: hello without the right token
    BUSY = "busy"                        # another TCP client holds the engine; too many deliveries
    NOT_FOUND = "not_found"              # unknown job or model
    MODEL_ERROR = "model_error"          # a pack could not be loaded
    GENERATION_ERROR = "generation_error"  # the request cannot be generated as asked
    OUT_OF_MEMORY = "out_of_memory"
    WRITE_ERROR = "write_error"          # the take could not be written
    DELIVERY_FAILED = "delivery_failed"  # a take could not be delivered to its DAW / receiver
    ENGINE_DIED = "engine_died"          # set by the client when the process goes away
    SHUTTING_DOWN = "shutting_down"
    INTERNAL = "internal"


class ProtocolError(ValueError):
    """A line that is not a valid protocol message.

    Attributes:
        code: An `ErrorCode` value.
        message: What is wrong, for people.
        request_id: The `id` of the offending message when it could be read, so the error
            event can answer it through `reply_to`.
    """

    def __init__(self, code: ErrorCode, message: str, *, request_id: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id


@dataclass
class ErrorInfo:
    """An error as it travels: a code, a sentence for people, and optional detail text."""

    code: str
    message: str
    detail: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "detail": self.detail}


_ids = itertools.count(1)
_ID_PREFIX = f"{os.getpid():x}"


def new_id(prefix: str = "m") -> str:
    """A message id unique within this process, e.g. ``c-1a2b-7``."""
    return f"{prefix}-{_ID_PREFIX}-{next(_ids)}"


@dataclass
class Request:
    """A request; the engine answers it with exactly one `Reply` whose `reply_to` is `id`."""

    method: str
    params: dict[str, tp.Any] = field(default_factory=dict)
    id: str = field(default_factory=lambda: new_id("c"))
    v: int = PROTOCOL_VERSION


@dataclass
class Reply:
    """The answer to one request: `ok` with a `result`, or not `ok` with an `error`."""

    reply_to: str
    ok: bool = True
    result: dict[str, tp.Any] = field(default_factory=dict)
    error: ErrorInfo | None = None
    engine_id: str = ""
    id: str = field(default_factory=lambda: new_id("r"))
    v: int = PROTOCOL_VERSION


@dataclass
class Event:
    """A notification from the engine. `job` names the job it concerns, if any;
    `reply_to` names the request that caused it, if any."""

    event: str
    data: dict[str, tp.Any] = field(default_factory=dict)
    job: str | None = None
    reply_to: str | None = None
    engine_id: str = ""
    id: str = field(default_factory=lambda: new_id("e"))
    v: int = PROTOCOL_VERSION


Message = Request | Reply | Event


def encode(msg: Message) -> str:
    """One message -> one JSON line (no trailing newline; no newline inside), always valid
    UTF-8: strings with lone surrogates are written as ``\\uXXXX`` escapes.

    Raises:
        ProtocolError: if the payload cannot be represented as JSON.
    """
    if isinstance(msg, Request):
        obj: dict[str, tp.Any] = {"v": msg.v, "type": "request", "id": msg.id,
                                  "method": _value(msg.method), "params": msg.params}
    elif isinstance(msg, Reply):
        obj = {"v": msg.v, "type": "reply", "id": msg.id, "reply_to": msg.reply_to,
               "ok": msg.ok, "result": msg.result, "engine_id": msg.engine_id}
        if msg.error is not None:
            obj["error"] = msg.error.to_dict()
    elif isinstance(msg, Event):
        obj = {"v": msg.v, "type": "event", "id": msg.id, "event": _value(msg.event),
               "job": msg.job, "reply_to": msg.reply_to, "engine_id": msg.engine_id,
               "data": msg.data}
    else:
        raise TypeError(f"encode() takes a Request, Reply or Event, not {type(msg).__name__}")
    try:
        line = json.dumps(obj, ensure_ascii=False, **_DUMPS)
        line.encode("utf-8")
        return line
    except UnicodeEncodeError:  # a lone surrogate (from a "\ud800" escape) has no UTF-8 form
        return json.dumps(obj, ensure_ascii=True, **_DUMPS)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ProtocolError(ErrorCode.MALFORMED, f"cannot encode {obj.get('type')} "
                            f"{obj.get('method') or obj.get('event') or ''}: {exc}") from exc


def decode(line: str | bytes) -> Message:
    """One JSON line -> a `Request`, `Reply` or `Event`.

    Unknown extra fields are ignored (newer peers); missing or ill-typed envelope fields,
    an unsupported `v` or an unknown `type` raise `ProtocolError`, and so do numbers that are
    not finite (``NaN``, ``Infinity``, ``1e999``), which `encode` could not send back. Method
    and event names are not checked here: the receiver decides what it understands.
    """
    if isinstance(line, bytes):
        if len(line) > MAX_LINE_BYTES:
            raise ProtocolError(ErrorCode.LINE_TOO_LONG, f"line of {len(line)} bytes exceeds "
                                f"the limit of {MAX_LINE_BYTES}")
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError(ErrorCode.MALFORMED, f"line is not UTF-8: {exc}") from exc
    if len(line) > MAX_LINE_BYTES:
        raise ProtocolError(ErrorCode.LINE_TOO_LONG,
                            f"line of {len(line)} characters exceeds the limit of {MAX_LINE_BYTES}")
    try:
        obj = json.loads(line, parse_constant=_refuse_constant, parse_float=_finite_float)
    except ProtocolError:
        raise
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(ErrorCode.MALFORMED, f"line is not JSON: {exc}") from exc
    if not isinstance(obj, dict):
        raise ProtocolError(ErrorCode.MALFORMED,
                            f"a message must be a JSON object, got {type(obj).__name__}")
    msg_id = obj.get("id") if isinstance(obj.get("id"), str) else None
    _check_version(obj, msg_id)
    kind = obj.get("type")
    if kind == "request":
        return _decode_request(obj, msg_id)
    if kind == "reply":
        return _decode_reply(obj, msg_id)
    if kind == "event":
        return _decode_event(obj, msg_id)
    raise ProtocolError(ErrorCode.UNKNOWN_TYPE, f"unknown message type {kind!r}; expected "
                        "'request', 'reply' or 'event'", request_id=msg_id)


def _refuse_constant(name: str) -> tp.NoReturn:
    raise ProtocolError(ErrorCode.MALFORMED, f"{name} is not JSON; numbers must be finite")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ProtocolError(ErrorCode.MALFORMED, f"number {text[:40]} is out of range; "
                            "numbers must be finite (at most about 1.8e308)")
    return value


def _check_version(obj: dict[str, tp.Any], msg_id: str | None) -> None:
    v = obj.get("v")
    if not isinstance(v, int) or isinstance(v, bool):
        raise ProtocolError(ErrorCode.MALFORMED, "missing or non-integer protocol version 'v'",
                            request_id=msg_id)
    if v != PROTOCOL_VERSION:
        raise ProtocolError(ErrorCode.UNSUPPORTED_VERSION, f"protocol version {v} is not "
                            f"supported; this side speaks {PROTOCOL_VERSION}",
                            request_id=msg_id)


def _field(obj: dict[str, tp.Any], name: str, kinds: tuple[type, ...], msg_id: str | None,
           *, required: bool = True, default: tp.Any = None) -> tp.Any:
    if name not in obj or (obj[name] is None and not required):
        if required:
            raise ProtocolError(ErrorCode.MALFORMED, f"{obj.get('type')} is missing the "
                                f"{name!r} field", request_id=msg_id)
        return default
    value = obj[name]
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        names = " or ".join(k.__name__ for k in kinds)
        raise ProtocolError(ErrorCode.MALFORMED, f"field {name!r} must be {names}, got "
                            f"{type(value).__name__}", request_id=msg_id)
    return value


def _decode_request(obj: dict[str, tp.Any], msg_id: str | None) -> Request:
    _field(obj, "id", (str,), msg_id)
    method = _field(obj, "method", (str,), msg_id)
    params = _field(obj, "params", (dict,), msg_id, required=False, default={})
    return Request(method=method, params=params, id=obj["id"])


def _decode_reply(obj: dict[str, tp.Any], msg_id: str | None) -> Reply:
    reply_to = _field(obj, "reply_to", (str,), msg_id)
    ok = _field(obj, "ok", (bool,), msg_id)
    result = _field(obj, "result", (dict,), msg_id, required=False, default={})
    err = _field(obj, "error", (dict,), msg_id, required=False)
    error = None
    if err is not None:
        error = ErrorInfo(code=str(err.get("code", ErrorCode.INTERNAL.value)),
                          message=str(err.get("message", "")), detail=str(err.get("detail", "")))
    return Reply(reply_to=reply_to, ok=ok, result=result, error=error,
                 engine_id=_field(obj, "engine_id", (str,), msg_id, required=False, default=""),
                 id=msg_id or new_id("r"))


def _decode_event(obj: dict[str, tp.Any], msg_id: str | None) -> Event:
    return Event(event=_field(obj, "event", (str,), msg_id),
                 data=_field(obj, "data", (dict,), msg_id, required=False, default={}),
                 job=_field(obj, "job", (str,), msg_id, required=False),
                 reply_to=_field(obj, "reply_to", (str,), msg_id, required=False),
                 engine_id=_field(obj, "engine_id", (str,), msg_id, required=False, default=""),
                 id=msg_id or new_id("e"))


def _value(name: str | Enum) -> str:
    return name.value if isinstance(name, Enum) else str(name)


def _json_default(obj: tp.Any) -> tp.Any:
    if isinstance(obj, Enum):
        return obj.value
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


_DUMPS: dict[str, tp.Any] = {"separators": (",", ":"), "allow_nan": False,
                             "default": _json_default}


def error_event(code: ErrorCode | str, message: str, *, detail: str = "",
                reply_to: str | None = None, job: str | None = None,
                engine_id: str = "") -> Event:
    """The `error` event for a problem that is not the answer to a well-formed request."""
    return Event(event=EventName.ERROR.value, job=job, reply_to=reply_to, engine_id=engine_id,
                 data=ErrorInfo(_value(code), message, detail).to_dict())


def error_reply(request: Request, code: ErrorCode | str, message: str, *, detail: str = "",
                engine_id: str = "") -> Reply:
    """A failed reply to `request`."""
    return Reply(reply_to=request.id, ok=False, engine_id=engine_id,
                 error=ErrorInfo(_value(code), message, detail))
