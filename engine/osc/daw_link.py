"""The engine's view of the DAW: state pushed by clients (`daw_state` request) or heard by
the engine's own OSC listener (`daw_listen` request), published as `daw_state` events and used
to turn durations in bars into seconds."""

from __future__ import annotations

import threading
import time
import typing as tp

from engine.jobs import JobError
from engine.protocol import ErrorCode

Emit = tp.Callable[[dict[str, tp.Any]], None]

# Fields a client may push, with their types.
PUSHED = {"tempo": (int, float), "time_signature": (str,), "playing": (bool,),
          "position_s": (int, float), "sample_rate": (int,), "source": (str,)}
POSITION_EVENT_INTERVAL_S = 0.25  # playhead updates are throttled; other changes go out at once


class DawLink:
    def __init__(self, emit: Emit) -> None:
        self._emit = emit
        self._state: dict[str, tp.Any] = {}
        self._lock = threading.Lock()
        self._listener: tp.Any = None
        self._last_emit = 0.0

    def snapshot(self) -> dict[str, tp.Any]:
        with self._lock:
            return dict(self._state)

    def push(self, params: tp.Mapping[str, tp.Any]) -> None:
        """A client tells the engine what the DAW is doing (`daw_state` request)."""
        for key, value in params.items():
            if key in PUSHED and value is not None and not isinstance(value, PUSHED[key]):
                raise JobError(ErrorCode.BAD_PARAMS, f"daw_state: {key!r} must be "
                               f"{PUSHED[key][0].__name__}, got {type(value).__name__}")
        self._update({k: v for k, v in params.items() if k in PUSHED}, force=True)

    def listen(self, params: tp.Mapping[str, tp.Any]) -> dict[str, tp.Any]:
        """Start (or with ``port: null`` stop) the engine's own DAW listener."""
        self.stop()
        if params.get("port", 0) is None:
            return {"listening": False}
        from engine.osc.listener import DawListener
        from engine.osc.transport import OscUrlError, parse_osc_url

        daw, host = str(params.get("daw", "auto")), str(params.get("host", "127.0.0.1"))
        try:
            port = params.get("port", "default")  # absent: the DAW's usual feedback port
            listener = DawListener(daw=daw, host=host,
                                   port=None if port == "default" else int(port),
                                   on_change=self._on_heard)
            listener.start()
            if params.get("subscribe"):
                listener.subscribe(daw if daw != "auto" else "ableton",
                                   parse_osc_url(str(params["subscribe"])))
        except (ValueError, OscUrlError, OSError) as exc:
            raise JobError(ErrorCode.BAD_PARAMS, f"daw_listen: {exc}") from exc
        self._listener = listener
        return {"listening": True, "host": host, "port": listener.port, "daw": daw}

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.stop()
            self._listener = None

    def seconds_for_bars(self, bars: float, bpm: float | None,
                         beats_per_bar: int | None = None) -> float:
        """Duration of `bars` bars at `bpm` (else the DAW's tempo) and the DAW's metre."""
        state = self.snapshot()
        tempo = bpm or state.get("tempo")
        if not tempo:
            raise JobError(ErrorCode.BAD_PARAMS, "a duration in bars needs a tempo: set the "
                           "BPM, or connect a DAW so its tempo is known")
        num, den = _signature(state.get("time_signature", ""))
        if beats_per_bar:
            num, den = beats_per_bar, 4
        return float(bars) * num * (4.0 / den) * 60.0 / float(tempo)

    # --- internals --------------------------------------------------------------------------
    def _on_heard(self, state: tp.Any) -> None:
        update = {"tempo": state.tempo, "time_signature": state.time_signature or None,
                  "playing": state.playing, "position_s": state.position_s,
                  "position_beats": state.position_beats, "source": state.daw,
                  "summary": state.summary()}
        self._update({k: v for k, v in update.items() if v is not None}, force=False)

    def _update(self, values: dict[str, tp.Any], *, force: bool) -> None:
        with self._lock:
            before = {k: self._state.get(k) for k in ("tempo", "time_signature", "playing",
                                                      "source")}
            self._state.update(values)
            changed = any(self._state.get(k) != v for k, v in before.items())
            now = time.monotonic()
            if not (force or changed or now - self._last_emit > POSITION_EVENT_INTERVAL_S):
                return
            self._last_emit = now
            data = dict(self._state)
        self._emit(data)


def _signature(text: str) -> tuple[int, int]:
    try:
        num, den = (int(x) for x in str(text).split("/"))
        if num > 0 and den > 0:
            return num, den
    except ValueError:
        pass
    return 4, 4
