"""What the DAW is doing: tempo, time signature, transport and playhead, from the OSC feedback
of REAPER, Ableton Live (AbletonOSC), Bitwig (DrivenByMoss) and Ardour.

DAWs disagree on argument types (a play state arrives as int, float, bool or string; Ardour and
Bitwig send positions as strings), so every value goes through a tolerant parser, and anything
unparseable is ignored and counted.
"""

from __future__ import annotations

import re
import threading
import time
import typing as tp
from dataclasses import asdict, dataclass


@dataclass
class DawState:
    daw: str = ""                  # "reaper" | "ableton" | "bitwig" | "ardour" | ""
    tempo: float | None = None     # BPM
    numerator: int | None = None
    denominator: int | None = None
    playing: bool | None = None
    position_s: float | None = None
    position_beats: float | None = None
    updated: float = 0.0           # time.time() of the last change, 0 = never

    def to_dict(self) -> dict[str, tp.Any]:
        return asdict(self)

    @property
    def time_signature(self) -> str:
        if self.numerator and self.denominator:
            return f"{self.numerator}/{self.denominator}"
        return ""

    def summary(self) -> str:
        """e.g. "REAPER 124 BPM 4/4, playing"."""
        if not self.updated:
            return "no DAW heard"
        parts = [{"reaper": "REAPER", "ableton": "Ableton Live", "bitwig": "Bitwig",
                  "ardour": "Ardour"}.get(self.daw, self.daw or "DAW")]
        if self.tempo:
            parts.append(f"{self.tempo:g} BPM")
        if self.time_signature:
            parts.append(self.time_signature)
        text = " ".join(parts)
        if self.playing is not None:
            text += ", playing" if self.playing else ", stopped"
        return text

    def seconds_for_bars(self, bars: float) -> float:
        """Duration of `bars` bars at the DAW's tempo and metre (4/4 when unknown)."""
        if not self.tempo:
            raise ValueError("the DAW's tempo is not known yet: give a BPM or a duration in seconds")
        beats_per_bar = self.numerator or 4
        beat_unit = self.denominator or 4
        return bars * beats_per_bar * (4.0 / beat_unit) * 60.0 / self.tempo


# --- tolerant argument parsing ----------------------------------------------------------------

def as_float(value: tp.Any) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        return float(value.strip())
    raise ValueError(f"not a number: {value!r}")


def as_bool(value: tp.Any) -> bool:
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "t", "on", "yes", "play", "playing"):
            return True
        if text in ("false", "f", "off", "no", "stop", "stopped", ""):
            return False
    return as_float(value) >= 0.5


def parse_time_signature(value: str) -> tuple[int, int]:
    """ "4 / 4", "3/4", "6:8" -> (numerator, denominator)."""
    match = re.fullmatch(r"\s*(\d{1,2})\s*[/:]\s*(\d{1,2})\s*", str(value))
    if not match:
        raise ValueError(f"not a time signature: {value!r}")
    num, den = int(match.group(1)), int(match.group(2))
    if num <= 0 or den not in (1, 2, 4, 8, 16, 32):
        raise ValueError(f"implausible time signature {num}/{den}")
    return num, den


def parse_clock(value: str) -> float:
    """ "00:01:02.500" or "62.5" -> seconds."""
    text = str(value).strip()
    parts = text.split(":")
    if len(parts) > 3:
        raise ValueError(f"not a clock time: {value!r}")
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


def parse_reaper_beats(value: str) -> float:
    """REAPER `/beat/str` "5.1.00" (bar.beat.hundredths, 1-based) -> beats from the start
    assuming 4 beats per bar when nothing better is known (callers correct with the metre)."""
    bar, beat, *rest = (str(value).strip().split(".") + ["0"])[:3]
    return (int(bar) - 1) * 4 + (int(beat) - 1) + float("0." + (rest[0] or "0"))


def parse_ardour_bbt(value: str) -> tuple[int, int, int]:
    """Ardour `/position/bbt` "002|01|0000" -> (bar, beat, ticks)."""
    bar, beat, ticks = str(value).strip().split("|")
    return int(bar), int(beat), int(ticks)


# --- per-DAW message tables -------------------------------------------------------------------

Setter = tp.Callable[[DawState, list[tp.Any]], None]


def _set(field_name: str, parse: tp.Callable[[tp.Any], tp.Any]) -> Setter:
    def apply(state: DawState, args: list[tp.Any]) -> None:
        setattr(state, field_name, parse(args[0]))
    return apply


def _set_signature(state: DawState, args: list[tp.Any]) -> None:
    state.numerator, state.denominator = parse_time_signature(args[0])


def _transport_stop(state: DawState, args: list[tp.Any]) -> None:
    if not args or as_bool(args[0]):
        state.playing = False


def _transport_play(state: DawState, args: list[tp.Any]) -> None:
    state.playing = as_bool(args[0]) if args else True


def _ardour_bbt(state: DawState, args: list[tp.Any]) -> None:
    bar, beat, ticks = parse_ardour_bbt(args[0])
    state.position_beats = (bar - 1) * (state.numerator or 4) + (beat - 1) + ticks / 1920.0


def _positive(parse: tp.Callable[[tp.Any], float]) -> tp.Callable[[tp.Any], float]:
    def checked(value: tp.Any) -> float:
        v = parse(value)
        if not (v == v and 0 < v < 1000):  # NaN or absurd tempo
            raise ValueError(f"implausible tempo {v}")
        return v
    return checked


def _nonneg(value: tp.Any) -> float:
    v = as_float(value)
    if not (v == v and v >= 0):
        raise ValueError(f"negative or NaN position {v}")
    return v


TABLES: dict[str, dict[str, Setter]] = {
    "reaper": {
        "/tempo/raw": _set("tempo", _positive(as_float)),
        "/play": _transport_play,
        "/stop": _transport_stop,
        "/time": _set("position_s", _nonneg),
        "/time/str": _set("position_s", parse_clock),
        "/beat/str": _set("position_beats", parse_reaper_beats),
    },
    "ableton": {
        "/live/song/get/tempo": _set("tempo", _positive(as_float)),
        "/live/song/get/is_playing": _set("playing", as_bool),
        "/live/song/get/signature_numerator": _set("numerator", lambda v: int(as_float(v))),
        "/live/song/get/signature_denominator": _set("denominator", lambda v: int(as_float(v))),
        "/live/song/get/current_song_time": _set("position_beats", _nonneg),
        "/live/song/get/beat": _set("position_beats", _nonneg),
    },
    "bitwig": {
        "/tempo/raw": _set("tempo", _positive(as_float)),
        "/play": _transport_play,
        "/time/signature": _set_signature,
        "/time/str": _set("position_s", parse_clock),
        "/beat/str": _set("position_beats", parse_reaper_beats),
    },
    "ardour": {
        "/transport_play": _transport_play,
        "/transport_stop": _transport_stop,
        "/position/time": _set("position_s", parse_clock),
        "/position/samples": _set("position_s", lambda v: as_float(v) / 48_000.0),
        "/position/bbt": _ardour_bbt,
    },
}

# Messages only one DAW sends identify it when the user chose "auto".
_SIGNATURES = {"/live/": "ableton", "/transport_": "ardour", "/position/": "ardour",
               "/time/signature": "bitwig"}


class DawStateTracker:
    """Applies DAW feedback messages to a `DawState`; thread-safe."""

    def __init__(self, daw: str = "auto", *, on_change: tp.Callable[[DawState], None] | None
                 = None) -> None:
        if daw != "auto" and daw not in TABLES:
            raise ValueError(f"unknown DAW {daw!r}; choose one of auto, {', '.join(TABLES)}")
        self.daw = daw
        self.state = DawState(daw="" if daw == "auto" else daw)
        self.on_change = on_change
        self.ignored = 0
        self._lock = threading.Lock()

    def handle(self, address: str, args: list[tp.Any], reply: tp.Any = None) -> bool:
        """Apply one message; False when it was not understood (counted in `ignored`)."""
        daw = self.daw if self.daw != "auto" else self._guess(address)
        setter = TABLES.get(daw, {}).get(address)
        if setter is None:
            self.ignored += 1
            return False
        with self._lock:
            try:
                setter(self.state, list(args))
            except (ValueError, TypeError, IndexError, OverflowError):
                self.ignored += 1
                return False
            self.state.daw = daw
            self.state.updated = time.time()
            snapshot = DawState(**self.state.to_dict())
        if self.on_change:
            self.on_change(snapshot)
        return True

    def snapshot(self) -> DawState:
        with self._lock:
            return DawState(**self.state.to_dict())

    def _guess(self, address: str) -> str:
        for prefix, daw in _SIGNATURES.items():
            if address.startswith(prefix):
                return daw
        return self.state.daw or "reaper"


# What to send to a DAW when connecting so it starts sending feedback.
def subscribe_messages(daw: str, reply_port: int) -> list[tuple[str, list[tp.Any]]]:
    if daw == "ableton":
        props = ["tempo", "is_playing", "signature_numerator", "signature_denominator", "beat"]
        return [(f"/live/song/start_listen/{p}", []) for p in props]
    if daw == "ardour":
        # bank_size strip_types feedback gainmode send_page plugin_page port
        return [("/set_surface", [0, 159, 3192, 0, 0, 0, reply_port])]
    return []  # REAPER and DrivenByMoss send feedback to their configured device port
