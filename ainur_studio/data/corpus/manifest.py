"""Corpus manifest: one JSON object per clip in ``manifest.jsonl``, paths relative to it.

Pieces that yield no clip (unreadable, too short, failed render) go to ``skipped.jsonl`` with
the reason, so a resumed build neither retries nor forgets them.

One folder can hold both kinds of clip: the music21 pieces (``ClipRecord``, kind "scores",
which their records do not spell out) and the genre songs (kind "genres", with stems). Each
build reads and counts only the records of its own kind.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MANIFEST = "manifest.jsonl"
SKIPPED = "skipped.jsonl"


@dataclass
class ClipRecord:
    clip_id: str
    audio_path: str               # relative to the corpus folder
    caption: str
    lrc_path: str | None          # relative, None for instrumental clips
    source: str                   # music21 corpus path, e.g. "bach/bwv66.6.mxl"
    number: int | None            # tune number inside a collection file
    piece_id: str
    render: int                   # render index of the piece (several arrangements possible)
    clip_index: int
    clip_count: int
    title: str
    composer: str
    collection: str
    genre: str
    instruments: list[str]
    key: str
    bpm: int
    time_signature: str
    moods: list[str]
    start_s: float                # in the full render
    duration_s: float
    first_bar: int
    last_bar: int
    split: str                    # "train" | "test" (held out by piece)
    lyrics_text: str = ""
    render_settings: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)  # PromptFields as a dict

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)


def record_kind(record: dict[str, Any]) -> str:
    """"scores" or "genres": a record's (or skipped entry's) kind. Score records and entries
    carry a ``render`` index and no ``kind``."""
    return record.get("kind") or ("scores" if "render" in record else "genres")


def kind_records(folder: str | Path, kind: str, name: str = MANIFEST) -> list[dict[str, Any]]:
    """The records (or skipped entries) of one kind in a JSONL file of `folder`."""
    return [r for r in read_records(folder, name) if record_kind(r) == kind]


def read_records(folder: str | Path, name: str = MANIFEST) -> list[dict[str, Any]]:
    """All records of a JSONL file in `folder` ([] if absent). A torn last line, left by an
    interrupted build, is ignored."""
    path = Path(folder) / name
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def read_manifest(path: str | Path) -> list[dict[str, Any]]:
    """The clip records of a corpus manifest file (a torn last line is ignored).

    Raises:
        FileNotFoundError: there is no such file; the message says how to build one.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"corpus manifest {path} does not exist; build it with "
                                "`ainur-studio corpus build --out corpus` (or `make corpus`)")
    return read_records(path.parent, path.name)


def append_records(folder: str | Path, lines: list[str], name: str = MANIFEST) -> None:
    """Append JSON lines and fsync, so finished pieces survive an interrupted build."""
    if not lines:
        return
    path = Path(folder) / name
    with path.open("a", encoding="utf-8") as handle:
        _terminate_torn_line(path, handle)
        handle.write("".join(line + "\n" for line in lines))
        handle.flush()
        os.fsync(handle.fileno())


def _terminate_torn_line(path: Path, handle: Any) -> None:
    size = path.stat().st_size
    if size:
        with path.open("rb") as reader:
            reader.seek(size - 1)
            if reader.read(1) != b"\n":
                handle.write("\n")


def done_renders(folder: str | Path) -> set[tuple[str, int]]:
    """(piece_id, render) pairs of score pieces already in the manifest or the skipped list."""
    done = {(r["piece_id"], int(r["render"])) for r in kind_records(folder, "scores")}
    done |= {(r["piece_id"], int(r["render"])) for r in kind_records(folder, "scores", SKIPPED)}
    return done
