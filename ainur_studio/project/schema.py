"""Schema history of ``*.ainur`` project files and field type checks.

Schema 0 is the pre-release layout without ``schema_version``: ``prompt`` and ``seed`` at the
top, ``lyrics`` as LRC text, ``duration`` in seconds, and ``takes`` as a list of audio paths.
Schema 2 adds ``chords``, the chord lane (one symbol per bar); older projects get an empty one.
"""

from __future__ import annotations

import dataclasses
import functools
import types as pytypes
import typing as tp

from ainur_studio.lyrics.lrc import parse_lrc
from ainur_studio.types import GenerationRequest, to_jsonable

Document = dict[str, tp.Any]


def _v0_to_v1(data: Document) -> Document:
    request = GenerationRequest(prompt=str(data.get("prompt", "")),
                                seed=int(data.get("seed", 0)),
                                duration_s=float(data.get("duration", 10.0)))
    lyrics, _problems = parse_lrc(str(data.get("lyrics", "")))
    takes = []
    for index, item in enumerate(data.get("takes", [])):
        take_path = item if isinstance(item, str) else item["path"]
        takes.append({"take_id": f"take-{index + 1}", "path": str(take_path),
                      "request": to_jsonable(request)})
    return {"format": "ainur-studio-project", "schema_version": 1,
            "title": str(data.get("title", "")), "request": to_jsonable(request),
            "lyrics": to_jsonable(lyrics), "settings": dict(data.get("settings", {})),
            "takes": takes}


def _v1_to_v2(data: Document) -> Document:
    return {**data, "schema_version": 2, "chords": []}


# MIGRATIONS[n] turns a schema-n document into schema n + 1.
MIGRATIONS: dict[int, tp.Callable[[Document], Document]] = {0: _v0_to_v1, 1: _v1_to_v2}


def _matches(hint: tp.Any, value: tp.Any) -> bool:
    origin, args = tp.get_origin(hint), tp.get_args(hint)
    if origin in (tp.Union, pytypes.UnionType):
        return any(_matches(arg, value) for arg in args)
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint in (str, bool):
        return isinstance(value, hint)
    if origin in (list, dict):
        return isinstance(value, origin)
    return True  # dataclasses and enums are checked by building them


@functools.cache
def _hints(cls: type) -> dict[str, tp.Any]:
    return tp.get_type_hints(cls)


def check_types(record: tp.Any, where: str) -> None:
    """Raise TypeError naming the first field of `record` (recursively) with a wrong type."""
    hints = _hints(type(record))
    for f in dataclasses.fields(record):
        value, hint, name = getattr(record, f.name), hints[f.name], f"{where}.{f.name}"
        if not _matches(hint, value):
            raise TypeError(f"{name} has the wrong type ({type(value).__name__})")
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            if dataclasses.is_dataclass(item):
                check_types(item, f"{name}[{i}]" if isinstance(value, list) else name)
