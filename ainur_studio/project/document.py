"""The project document ``*.ainur``: prompt, lyrics, settings and takes as versioned JSON.

Layout (schema 2)::

    {"format": "ainur-studio-project", "schema_version": 2, "title": "...",
     "request": {GenerationRequest}, "lyrics": {"lines": [...], "tags": {...}},
     "chords": ["Am", "F", "C", "G"], "settings": {...}, "takes": [{Take}, ...]}

``chords`` is the chord lane, one symbol per bar from the take's start (`structure.NO_CHORD`
for a bar without one); the request sent to the engine carries it as ``structure.chords``.

Files from older schemas go through ``MIGRATIONS`` in order (``MIGRATIONS[n]`` turns schema
``n`` into ``n + 1``); files from a newer schema are refused rather than half-read. Saving is
atomic and keeps the previous file as ``<name>.ainur.bak``; ``load_project_or_backup`` falls
back to it when the main file is damaged.
"""

from __future__ import annotations

import json
import typing as tp
from dataclasses import dataclass, field
from pathlib import Path

from ainur_studio.fileio import atomic_write_bytes, remove_stale_temps
from ainur_studio.project.schema import MIGRATIONS, check_types
from ainur_studio.structure import StructureError, parse_chords
from ainur_studio.types import GenerationRequest, Lyrics, Take, from_jsonable, to_jsonable

FORMAT_NAME = "ainur-studio-project"
SCHEMA_VERSION = 2
EXTENSION = ".ainur"
BACKUP_SUFFIX = ".bak"


@dataclass
class Project:
    """An open project: what the prompt panel, the lyric editor and the take list show."""

    request: GenerationRequest = field(default_factory=GenerationRequest)
    lyrics: Lyrics = field(default_factory=Lyrics)
    chords: list[str] = field(default_factory=list)   # the chord lane, one symbol per bar
    settings: dict[str, tp.Any] = field(default_factory=dict)
    takes: list[Take] = field(default_factory=list)
    title: str = ""


class ProjectError(ValueError):
    """A project file that cannot be opened; the message names the file, the cause and a fix."""

    def __init__(self, path: str | Path, message: str) -> None:
        super().__init__(f"{Path(path).name}: {message}")
        self.path = Path(path)
        self.message = message


def backup_path_for(path: str | Path) -> Path:
    """``song.ainur`` -> ``song.ainur.bak``."""
    path = Path(path)
    return path.with_name(path.name + BACKUP_SUFFIX)


# --- dict <-> Project ----------------------------------------------------------------------

def project_to_dict(project: Project) -> dict[str, tp.Any]:
    """The JSON document for `project` (current schema)."""
    return {
        "format": FORMAT_NAME,
        "schema_version": SCHEMA_VERSION,
        "title": project.title,
        "request": to_jsonable(project.request),
        "lyrics": to_jsonable(project.lyrics),
        "chords": list(project.chords),
        "settings": to_jsonable(project.settings),
        "takes": [to_jsonable(take) for take in project.takes],
    }


def migrate(data: dict[str, tp.Any], *, path: str | Path = "project") -> dict[str, tp.Any]:
    """Bring a decoded document to ``SCHEMA_VERSION``.

    Raises:
        ProjectError: for a newer or unknown schema, or a document that is no project.
    """
    version = data.get("schema_version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ProjectError(path, f"schema_version must be a whole number, got {version!r}")
    if version > SCHEMA_VERSION:
        raise ProjectError(path, f"saved by a newer Ainur Studio (schema {version}; this "
                           f"version reads up to {SCHEMA_VERSION}); update the app to open it")
    if version >= 1 and data.get("format") != FORMAT_NAME:
        raise ProjectError(path, f"not an Ainur Studio project (format is "
                           f"{data.get('format')!r}, expected {FORMAT_NAME!r})")
    while version < SCHEMA_VERSION:
        try:
            data = MIGRATIONS[version](data)
        except (KeyError, TypeError, ValueError) as exc:
            raise ProjectError(path, f"cannot upgrade from schema {version}: {exc}") from exc
        version += 1
    return data


def _required(data: dict[str, tp.Any], key: str, kind: type, path: str | Path) -> tp.Any:
    if key not in data:
        raise ProjectError(path, f"the field {key!r} is missing; the file is incomplete")
    if not isinstance(data[key], kind):
        raise ProjectError(path, f"{key!r} must be a JSON {kind.__name__}, "
                           f"got {type(data[key]).__name__}")
    return data[key]


def _record(cls: type, value: tp.Any, where: str, path: str | Path) -> tp.Any:
    try:
        record = from_jsonable(cls, value)
    except (AttributeError, TypeError, ValueError) as exc:
        raise ProjectError(path, f"{where} is not a valid {cls.__name__}: {exc}") from exc
    try:
        check_types(record, where)
    except TypeError as exc:
        raise ProjectError(path, str(exc)) from exc
    return record


def _chords(data: dict[str, tp.Any], path: str | Path) -> list[str]:
    chords = data.get("chords", [])
    if not isinstance(chords, list) or not all(isinstance(c, str) for c in chords):
        raise ProjectError(path, "'chords' must be a JSON list of chord symbols (strings)")
    try:
        return parse_chords(chords)
    except StructureError as exc:
        raise ProjectError(path, f"the chord lane has a bad symbol: {exc}") from exc


def project_from_dict(data: tp.Any, *, path: str | Path = "project") -> Project:
    """Validate a decoded document (any schema) and build the ``Project``.

    Raises:
        ProjectError: naming the first missing or mistyped field.
    """
    if not isinstance(data, dict):
        raise ProjectError(path, f"expected a JSON object at the top, got {type(data).__name__}")
    data = migrate(data, path=path)
    takes = _required(data, "takes", list, path)
    return Project(
        request=_record(GenerationRequest, _required(data, "request", dict, path), "request",
                        path),
        lyrics=_record(Lyrics, _required(data, "lyrics", dict, path), "lyrics", path),
        chords=_chords(data, path),
        settings=_required(data, "settings", dict, path),
        takes=[_record(Take, take, f"takes[{i}]", path) for i, take in enumerate(takes)],
        title=str(data.get("title", "")),
    )


# --- files ---------------------------------------------------------------------------------

def project_to_bytes(project: Project, *, extra: dict[str, tp.Any] | None = None) -> bytes:
    """Serialise; raises ValueError for settings JSON cannot hold (NaN, objects)."""
    document = project_to_dict(project) | (extra or {})
    try:
        text = json.dumps(document, ensure_ascii=False, indent=1, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"project cannot be saved as JSON: {exc}; keep settings to "
                         "numbers, strings, lists and dicts") from exc
    return (text + "\n").encode("utf-8")


def save_project(path: str | Path, project: Project) -> Path:
    """Save atomically, keeping the previous file as ``<name>.bak``.

    The new content is fully written and fsynced under a temporary name before it replaces
    the old file, so a crash at any moment leaves the old or the new project, never a
    truncated one. Returns the path written.
    """
    path = Path(path)
    data = project_to_bytes(project)  # fails before anything on disk changes
    atomic_write_bytes(path, data, backup=backup_path_for(path))
    remove_stale_temps(path)
    return path


def decode_project(data: bytes, *, path: str | Path = "project") -> dict[str, tp.Any]:
    """Bytes -> JSON document, with errors that say what the file is instead."""
    if not data.strip():
        raise ProjectError(path, "the file is empty; the backup copy may hold the project")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ProjectError(path, "not a text file, so not an Ainur Studio project") from exc
    except json.JSONDecodeError as exc:
        raise ProjectError(path, f"not valid JSON (line {exc.lineno}, column {exc.colno}: "
                           f"{exc.msg}); the file is damaged or not a project") from exc
    if not isinstance(document, dict):
        raise ProjectError(path, "expected a JSON object at the top; not a project file")
    return document


def load_project(path: str | Path) -> Project:
    """Open a project file (any older schema is migrated in memory).

    Raises:
        ProjectError: for a damaged, foreign or newer-schema file.
        OSError: when the file cannot be read at all (missing, no permission).
    """
    path = Path(path)
    return project_from_dict(decode_project(path.read_bytes(), path=path), path=path)


def load_project_or_backup(path: str | Path) -> tuple[Project, Path]:
    """Open `path`, or its ``.bak`` when the main file is missing or damaged.

    Returns:
        The project and the file it was read from (compare with `path` to tell the user).

    Raises:
        ProjectError or OSError: the main file's error when the backup does not load either.
    """
    path = Path(path)
    try:
        return load_project(path), path
    except (ProjectError, OSError) as main_error:
        backup = backup_path_for(path)
        try:
            return load_project(backup), backup
        except (ProjectError, OSError):
            raise main_error from None
