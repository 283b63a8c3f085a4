"""Every setting the app keeps, declared in one place, over `QSettings`.

Keys are grouped (`output/…`, `osc/…`, `engine/…`, `ui/…`), each with a type and a default.
`SCHEMA_VERSION` is stored with the settings; `MIGRATIONS[n]` upgrades a file written by
schema `n - 1` to schema `n` and runs in order on open. With `AINUR_STUDIO_HOME` set (tests,
portable installs) the settings live in `<home>/settings.ini`.
"""

from __future__ import annotations

import json
import os
import typing as tp
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

SCHEMA_VERSION = 3
MAX_RECENT = 10


@dataclass(frozen=True)
class Setting:
    key: str
    type: type
    default: tp.Any
    doc: str = ""


SETTINGS: dict[str, Setting] = {s.key: s for s in (
    Setting("output/folder", str, "", "where takes are written; empty = the engine's default"),
    Setting("output/format", str, "wav", "wav | flac"),
    Setting("output/loudness_lufs", float, -14.0, "integrated loudness target of takes"),
    Setting("osc/targets", list, [], "list of {name, host, port, adapter}"),
    Setting("osc/listen_port", int, 0, "where DAW tempo and transport arrive; 0 = the DAW's "
            "usual feedback port, chosen by the engine (9000 for REAPER and Bitwig)"),
    Setting("osc/daw", str, "auto", "whose feedback to expect: auto | reaper | ableton | bitwig "
            "| ardour | off"),
    Setting("engine/device", str, "auto", "auto | cpu | cuda | mps"),
    Setting("engine/precision", str, "auto", "auto | fp32 | fp16 | bf16"),
    Setting("engine/remote_address", str, "", "host:port of a remote engine; empty = local"),
    Setting("engine/remote_token", str, "", "shared secret for the remote engine"),
    Setting("ui/geometry", QByteArray, QByteArray(), "main window geometry"),
    Setting("ui/window_state", QByteArray, QByteArray(), "docks and toolbars"),
    Setting("ui/recent_files", list, [], "most recent first"),
    Setting("ui/last_folder", str, "", "last folder used in a file dialog"),
    Setting("ui/timeline_zoom", float, 60.0, "timeline pixels per second"),
    Setting("ui/autosave_s", int, 60, "seconds between autosaves; 0 = off"),
)}

# How a take is delivered to each target (the kinds of `ainur-studio send --as`).
OSC_ADAPTERS = ("notify", "reaper", "ableton", "bitwig", "scsynth", "stream")


def _migrate_1_to_2(qs: QSettings) -> None:
    """Schema 1 kept one OSC target as `osc/host` + `osc/port`; schema 2 keeps a list."""
    host, port = qs.value("osc/host"), qs.value("osc/port")
    if host:
        target = {"name": "DAW", "host": str(host), "port": int(port or 8000),
                  "adapter": "notify"}
        qs.setValue("osc/targets", json.dumps([target]))
    qs.remove("osc/host")
    qs.remove("osc/port")


def _migrate_2_to_3(qs: QSettings) -> None:
    """Schema 2 defaulted the DAW listen port to 9001, which no DAW sends to; a stored 9001 was
    that default, so it becomes the DAW's own port (0)."""
    if str(qs.value("osc/listen_port", "")) == "9001":
        qs.remove("osc/listen_port")


MIGRATIONS: dict[int, tp.Callable[[QSettings], None]] = {2: _migrate_1_to_2, 3: _migrate_2_to_3}


def default_path() -> Path | None:
    """`<AINUR_STUDIO_HOME>/settings.ini`, or None for the platform's usual place."""
    home = os.environ.get("AINUR_STUDIO_HOME")
    return Path(home) / "settings.ini" if home else None


class Settings:
    """Typed access to the declared settings. Unknown keys and wrong types raise."""

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        path = path if path is not None else default_path()
        if path is not None:
            self._qs = QSettings(str(path), QSettings.Format.IniFormat)
        else:
            self._qs = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                                 "Ainur Studio", "Ainur Studio")
        self.migrate()

    @property
    def path(self) -> str:
        return self._qs.fileName()

    def migrate(self) -> None:
        """Run the migrations from the stored schema up to `SCHEMA_VERSION`."""
        stored = int(self._qs.value("schema_version", 0) or 0)
        if stored == 0 and not self._qs.allKeys():
            stored = SCHEMA_VERSION  # a fresh file needs nothing
        for version in range(max(stored, 1) + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version](self._qs)
        self._qs.setValue("schema_version", SCHEMA_VERSION)

    def get(self, key: str) -> tp.Any:
        spec = _spec(key)
        raw = self._qs.value(key)
        if raw is None:
            return _copy(spec.default)
        try:
            return _decode(spec, raw)
        except (TypeError, ValueError):
            return _copy(spec.default)  # a hand-edited or corrupt value: fall back

    def set(self, key: str, value: tp.Any) -> None:
        spec = _spec(key)
        if spec.type is float and isinstance(value, int):
            value = float(value)
        if not isinstance(value, spec.type):
            raise TypeError(f"setting {key} takes {spec.type.__name__}, "
                            f"not {type(value).__name__}")
        self._qs.setValue(key, json.dumps(value) if spec.type is list else value)

    def reset(self, key: str) -> None:
        self._qs.remove(_spec(key).key)

    def sync(self) -> None:
        self._qs.sync()

    def add_recent_file(self, path: str) -> list[str]:
        """Put `path` first in the recent files (deduplicated, at most MAX_RECENT)."""
        recent = [p for p in self.get("ui/recent_files") if p != path]
        recent = [path, *recent][:MAX_RECENT]
        self.set("ui/recent_files", recent)
        return recent


def _spec(key: str) -> Setting:
    try:
        return SETTINGS[key]
    except KeyError:
        raise KeyError(f"unknown setting {key!r}; declare it in ui/settings.py") from None


def _copy(value: tp.Any) -> tp.Any:
    return list(value) if isinstance(value, list) else value


def _decode(spec: Setting, raw: tp.Any) -> tp.Any:
    if spec.type is list:
        value = json.loads(raw) if isinstance(raw, str) else raw
        if not isinstance(value, list):
            raise ValueError("not a list")
        return value
    if spec.type is QByteArray:
        return raw if isinstance(raw, QByteArray) else QByteArray(raw)
    if spec.type is bool and isinstance(raw, str):
        return raw.lower() in ("1", "true", "yes")
    return spec.type(raw)
