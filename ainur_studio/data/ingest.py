"""Scanning a folder of the user's recordings into a training dataset, with a report.

Reads only: the user's files are never modified. Each audio file that libsndfile reads becomes a
`DatasetItem` with its captions (sidecar `NAME.txt` / `NAME.json`, embedded tags) and synced
lyrics (sidecar `NAME.lrc`, or lyrics embedded in tags); everything else is listed in the report
with the reason it was skipped.
"""

from __future__ import annotations

import json
import typing as tp
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from ainur_studio.audio.io import AudioReadError, audio_info
from ainur_studio.data.tags import read_tags
from ainur_studio.lyrics.errors import LrcError
from ainur_studio.lyrics.lrc import parse_lrc, read_lrc
from ainur_studio.types import Lyrics

AUDIO_SUFFIXES = {".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".aif", ".aiff", ".aifc",
                  ".mp3", ".caf", ".w64"}
SILENCE_DBFS = -60.0       # Ainur skips files whose peak is below this
MIN_SECONDS = 2.0
TARGET_RATE = 48_000


@dataclass
class DatasetItem:
    path: str
    duration_s: float
    sample_rate: int
    channels: int
    prompt: str = ""
    fields: dict[str, tp.Any] = field(default_factory=dict)  # artist, genre, title, ...
    lyrics: Lyrics | None = None
    lyrics_source: str = ""          # "sidecar" | "tags" | "manifest" | ""
    lyrics_text: str = ""            # unsynced lyrics (no time stamps), used whole
    conversions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Skipped:
    path: str
    reason: str          # "unreadable" | "too short" | "silent" | "unsupported"
    detail: str


@dataclass
class DatasetReport:
    root: str
    items: list[DatasetItem] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def total_seconds(self) -> float:
        return sum(i.duration_s for i in self.items)

    def conversions(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for item in self.items:
            for c in item.conversions:
                counts[c] = counts.get(c, 0) + 1
        return counts

    def to_dict(self) -> dict[str, tp.Any]:
        from ainur_studio.types import to_jsonable

        return {"root": self.root, "usable_files": len(self.items),
                "total_seconds": round(self.total_seconds, 3),
                "with_lyrics": sum(i.lyrics is not None for i in self.items),
                "with_prompt": sum(bool(i.prompt) for i in self.items),
                "conversions": self.conversions(),
                "skipped": [asdict(s) for s in self.skipped],
                "items": [to_jsonable(i) for i in self.items]}

    def summary(self) -> str:
        lines = [f"{len(self.items)} usable files, {self.total_seconds / 60:.1f} min of audio "
                 f"in {self.root}"]
        for name, n in sorted(self.conversions().items()):
            lines.append(f"  will convert {n} file(s): {name}")
        for s in self.skipped:
            lines.append(f"  skipped {s.path}: {s.reason} ({s.detail})")
        return "\n".join(lines)


def scan_folder(root: str | Path, *, min_seconds: float = MIN_SECONDS,
                silence_dbfs: float = SILENCE_DBFS) -> DatasetReport:
    """Walk `root` recursively and build the dataset report."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"dataset folder {root} does not exist or is not a folder")
    report = DatasetReport(str(root))
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.suffix.lower() in (".txt", ".json", ".lrc") or path.name.startswith("."):
            continue
        if path.suffix.lower() not in AUDIO_SUFFIXES:
            report.skipped.append(Skipped(_rel(path, root), "unsupported",
                                          f"'{path.suffix or path.name}' is not an audio format "
                                          "this app reads (wav, flac, ogg, aiff, mp3)"))
            continue
        result = inspect_file(path, min_seconds=min_seconds, silence_dbfs=silence_dbfs)
        if isinstance(result, Skipped):
            result.path = _rel(path, root)
            report.skipped.append(result)
        else:
            report.items.append(result)
    return report


def inspect_file(path: Path, *, min_seconds: float = MIN_SECONDS,
                 silence_dbfs: float = SILENCE_DBFS) -> DatasetItem | Skipped:
    try:
        info = audio_info(path)
    except AudioReadError as exc:
        return Skipped(str(path), "unreadable", exc.reason)
    if info.duration_s < min_seconds:
        return Skipped(str(path), "too short",
                       f"{info.duration_s:.3f} s; at least {min_seconds:g} s is needed")
    try:
        peak = _peak(path)
    except (RuntimeError, sf.LibsndfileError) as exc:
        return Skipped(str(path), "unreadable", f"audio data cannot be decoded: {exc}")
    peak_db = 20 * np.log10(max(peak, 1e-12))
    if peak_db < silence_dbfs:
        return Skipped(str(path), "silent", f"peak {peak_db:.1f} dBFS < {silence_dbfs:g} dBFS")
    item = DatasetItem(str(path), info.duration_s, info.sample_rate, info.channels,
                       conversions=_conversions(info.sample_rate, info.channels))
    _attach_text(item, path)
    return item


def _peak(path: Path, block: int = 262_144) -> float:
    peak = 0.0
    with sf.SoundFile(str(path)) as f:
        for chunk in f.blocks(blocksize=block, dtype="float32", always_2d=True):
            if chunk.size:
                peak = max(peak, float(np.max(np.abs(chunk))))
    return peak


def _conversions(rate: int, channels: int) -> list[str]:
    out = []
    if rate != TARGET_RATE:
        out.append(f"resample {rate} Hz -> {TARGET_RATE} Hz")
    if channels == 1:
        out.append("mono -> stereo")
    elif channels > 2:
        out.append(f"{channels} channels -> first two")
    return out


def _attach_text(item: DatasetItem, path: Path) -> None:
    tags = read_tags(path)
    item.fields.update({k: v for k, v in tags.items() if k != "lyrics" and v})
    txt, js, lrc = (path.with_suffix(s) for s in (".txt", ".json", ".lrc"))
    if txt.is_file():
        item.prompt = txt.read_text(encoding="utf-8", errors="replace").strip()
    if js.is_file():
        _merge_json_sidecar(item, js)
    if lrc.is_file():
        try:
            lyrics, problems = read_lrc(lrc)
        except (LrcError, OSError) as exc:
            item.warnings.append(f"{lrc.name}: {exc}")
        else:
            item.lyrics, item.lyrics_source = lyrics, "sidecar"
            item.warnings += [f"{lrc.name}: {p}" for p in problems]
    elif tags.get("lyrics"):
        lyrics, _ = parse_lrc(tags["lyrics"])
        if lyrics.lines:
            item.lyrics, item.lyrics_source = lyrics, "tags"
        else:  # plain lyrics without time stamps
            item.lyrics_text, item.lyrics_source = tags["lyrics"].strip(), "tags"


def _merge_json_sidecar(item: DatasetItem, path: Path) -> None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        item.warnings.append(f"{path.name}: not valid JSON ({exc}); ignored")
        return
    if not isinstance(data, dict):
        item.warnings.append(f"{path.name}: expected a JSON object; ignored")
        return
    if isinstance(data.get("prompt"), str):
        item.prompt = data["prompt"].strip()
    item.fields.update({k: v for k, v in data.items() if k != "prompt"})


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
